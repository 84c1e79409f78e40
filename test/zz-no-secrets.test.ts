// Runs last (file names sort): every secret the suite handed out — SIP passwords, URL passwords,
// phone admin passwords, tokens, device credentials (test/fixtures/secrets.ts) — must be absent from
// every log line the whole run wrote.
import { expect } from 'chai';
import { logLines } from './harness.js';
import { usedSecrets } from './fixtures/secrets.js';

describe('no secret in any log line of the suite', () => {
  it('finds none of the secrets the tests used in the log output', () => {
    expect(usedSecrets.size, 'secrets registered by the fixtures').to.be.greaterThan(0);
    expect(logLines.length, 'log lines of the run').to.be.greaterThan(0);
    const leaks: string[] = [];
    for (const s of usedSecrets) {
      const line = logLines.find((l) => l.includes(s));
      if (line) leaks.push(`${s.slice(0, 4)}… in: ${line.slice(0, 300)}`);
    }
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
  });
});
