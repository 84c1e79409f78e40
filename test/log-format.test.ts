import { expect } from 'chai';
import { createLogger, prettyLine } from '../server/log.js';

describe('log format', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, dest: { write: (s: string) => { lines.push(s); } } };
  };

  it('prints a record as time, level, message and fields, with secrets censored as in JSON', () => {
    const { lines, dest } = capture();
    createLogger('info', dest).warn({ path: '/prov/yealink/x.cfg', sip: { password: 'hunter2-secret' }, ms: 4.5 }, 'slow fetch');
    const line = prettyLine(lines[0]);
    expect(line).to.match(/^\d\d:\d\d:\d\d\.\d{3} WARN  slow fetch  path=\/prov\/yealink\/x\.cfg sip=\{"password":"\[redacted\]"\} ms=4\.5\n$/);
    expect(line).to.not.include('hunter2');
  });

  it("shows an error's message, and its stack indented below", () => {
    const { lines, dest } = capture();
    createLogger('info', dest).error({ err: new Error('CouchDB went away') }, 'preload failed');
    const [first, second] = prettyLine(lines[0]).split('\n');
    expect(first).to.match(/ ERROR preload failed  err="CouchDB went away"$/);
    expect(second).to.match(/^ {4}at /);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(prettyLine('plain text')).to.equal('plain text\n');
  });
});
