// The README's brand table names every seeded brand and family.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support.js';
import { seedCatalog } from './render-seed.js';

describe('README brand table', () => {
  it('has a row for every seeded brand and family', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const table = readme.slice(readme.indexOf('## Brands: what is verified'), readme.indexOf('## Health'));
    const rows = table.split('\n').filter((l) => /^\| [a-z]+ /.test(l)).map((l) => l.split('|')[1].trim());
    const missing: string[] = [];
    for (const t of seedCatalog().templates) {
      const family = String(t.endpoint_family);
      const row = rows.find((r) => r.startsWith(`${t.endpoint_brand} `) && r.split(' ').slice(1).join(' ').split(/,\s*/).includes(family));
      if (!row && !missing.includes(`${t.endpoint_brand}/${family}`)) missing.push(`${t.endpoint_brand}/${family}`);
    }
    expect(missing).to.deep.equal([]);
  });
});
