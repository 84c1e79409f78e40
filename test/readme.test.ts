import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS } from '../config.js';
import { ROOT } from './support.js';

describe('README', () => {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  it('documents every configuration key with its environment variable', () => {
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      expect(readme, key).to.include(`| \`${key}\` | \`${spec.env}\` |`);
    }
  });
  it('names the test command CI runs', () => {
    expect(readme).to.include('npm test');
    expect(readFileSync(`${ROOT}/.ci/run`, 'utf8')).to.match(/npm ci[\s\S]*npm test/);
  });
});
