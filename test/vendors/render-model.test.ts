// The render model's server split and time rule, which every template reads.
import { expect } from 'chai';
import Handlebars from 'handlebars';
import { validateCatalogDoc } from '../../server/catalog/schemas.js';
import { serverInfo } from '../../server/render/model.js';
import { timeRule } from '../../server/render/time-rule.js';
import { renderValue } from '../../server/render/values.js';
import { renderPhone, template } from './render-seed.js';
import { xmlText } from './next-server.js';

describe('render model: the server a phone is told', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['http://prov.example.net:8080', { scheme: 'http', host: 'prov.example.net', port: 8080, authority: 'prov.example.net:8080', base_path: '', path: 'prov/snom/', abs_path: '/prov/snom/', prov_url: 'http://prov.example.net:8080/prov/snom/' }],
    ['https://prov.example.net', { scheme: 'https', host: 'prov.example.net', port: 443, authority: 'prov.example.net', base_path: '', path: 'prov/snom/', prov_url: 'https://prov.example.net/prov/snom/' }],
    ['https://prov.example.net:8443/base', { scheme: 'https', host: 'prov.example.net', port: 8443, authority: 'prov.example.net:8443', base_path: 'base/', path: 'base/prov/snom/', abs_path: '/base/prov/snom/' }],
    ['http://[2001:db8::5]:8080/a/b', { host: '[2001:db8::5]', port: 8080, authority: '[2001:db8::5]:8080', base_path: 'a/b/' }],
  ];
  for (const [url, want] of cases) {
    it(`splits ${url}`, () => expect(serverInfo({ publicUrl: url }, 'snom')).to.include(want));
  }
});

describe('render model: time zone and daylight-saving rule', () => {
  // Rules as the IANA database states them (EU: last Sunday of March 01:00 UTC to last Sunday of
  // October 01:00 UTC; US: second Sunday of March 02:00 to first Sunday of November 02:00 local).
  it('Europe/Berlin: +1, DST from the last Sunday of March 02:00 to the last Sunday of October 03:00', () => {
    const r = timeRule('Europe/Berlin');
    expect([r.offset_minutes, r.offset_hhmm, r.dst, r.dst_minutes]).to.deep.equal([60, '+01:00', true, 60]);
    expect(r.dst_start).to.deep.include({ month: 3, week: 5, weekday: 0, weekday1: 1, hour: 2, minute: 0 });
    expect(r.dst_end).to.deep.include({ month: 10, week: 5, weekday: 0, hour: 3 });
    expect([r.posix_offset, r.posix_dst_offset]).to.deep.equal(['-1', '-2']);
  });
  it('America/New_York: -5, DST from the second Sunday of March to the first Sunday of November, 02:00', () => {
    const r = timeRule('America/New_York');
    expect([r.offset_minutes, r.offset_hours, r.dst]).to.deep.equal([-300, '-5', true]);
    expect(r.dst_start).to.deep.include({ month: 3, week: 2, weekday: 0, hour: 2 });
    expect(r.dst_end).to.deep.include({ month: 11, week: 1, weekday: 0, hour: 2 });
    expect(r.posix).to.equal('<-05>5<-04>,M3.2.0,M11.1.0');
  });
  it('Asia/Kolkata: +5:30, no DST', () => {
    const r = timeRule('Asia/Kolkata');
    expect([r.offset_minutes, r.offset_hours, r.offset_hhmm, r.dst, r.dst_start]).to.deep.equal([330, '5.5', '+05:30', false, undefined]);
  });
  it('southern hemisphere: Australia/Sydney starts in October and ends in April', () => {
    const r = timeRule('Australia/Sydney');
    expect([r.dst_start?.month, r.dst_start?.week, r.dst_end?.month, r.dst_end?.week, r.dst_end?.hour]).to.deep.equal([10, 1, 4, 1, 3]);
  });
  it('is the same whatever the spelling, and UTC for a name that is no zone', () => {
    expect(timeRule('europe/berlin')).to.equal(timeRule('Europe/Berlin'));
    expect(timeRule('Mars/Olympus').offset_minutes).to.equal(0);
    expect(timeRule('../../etc/passwd').dst).to.equal(false);
  });
  it('reports a zone name that is no IANA zone as a render problem', () => {
    const files = renderPhone(template('ui/grandstream/gxp21xx/gxp2170'), { timezone: 'Mars/Olympus' });
    expect(files.find((f) => f.scope === 'device')!.problems.join('\n')).to.match(/time zone "Mars\/Olympus" is not an IANA zone/);
  });
});

describe('render model: language from device, then user, then account', () => {
  const lang = (spec: Parameters<typeof renderPhone>[1]) =>
    xmlText(renderPhone(template('ui/grandstream/gxp21xx/gxp2170'), spec).find((f) => f.scope === 'device')!.text, 'P1362');
  it('takes the device language first', () => expect(lang({ language: 'de-de', userLanguage: 'fr-fr', accountLanguage: 'es-es' })).to.equal('de'));
  it('then the owner\'s', () => expect(lang({ userLanguage: 'fr-fr', accountLanguage: 'es-es' })).to.equal('fr'));
  it('then the account\'s', () => expect(lang({ accountLanguage: 'es-es' })).to.equal('es'));
});

describe('catalog schema: unconfirmed facts', () => {
  const base = { _id: 'ui/acme/x/x1', pvt_type: 'provisioner', pvt_generator: 'json2plain', endpoint_brand: 'acme', endpoint_family: 'x',
    endpoint_model: 'x1', files: [{ name: '{mac}.cfg', scope: 'device', sections: ['cfg_base'] }], cfg_base: {} };
  it('accepts a list of {fact, reason}', () => {
    expect(validateCatalogDoc({ ...base, unconfirmed: [{ fact: 'P75', reason: 'no Htek document' }] })).to.deep.equal([]);
  });
  it('rejects an entry without a reason, naming the field', () => {
    const problems = validateCatalogDoc({ ...base, unconfirmed: [{ fact: 'P75' }] });
    expect(problems.map((p) => p.pointer)).to.include('/unconfirmed/0/reason');
  });
});

describe('template value helpers a vendor mapping needs', () => {
  const render = (src: string, settings: Record<string, unknown>) => renderValue(src, { settings });
  it('nearest: the closest value of the vendor\'s list, the smaller on a tie, empty when unset', () => {
    const src = '{{nearest settings.t "15,30,60,120"}}';
    expect(render(src, { t: 45 })).to.equal('30');
    expect(render(src, { t: 50 })).to.equal('60');
    expect(render(src, { t: 0 })).to.equal('15');
    expect(render(src, { t: 3600 })).to.equal('120');
    expect(render(src, {})).to.equal('');
  });
  it('scale: a percentage on the vendor\'s range, empty when unset', () => {
    expect(render('{{scale settings.v 1 15}}', { v: 50 })).to.equal('8');
    expect(render('{{scale settings.v 0 9}}', { v: 100 })).to.equal('9');
    expect(render('{{scale settings.v 0 9}}', {})).to.equal('');
  });
});

// renderValue reads plain paths itself (Handlebars' per-call helper set-up was half of a cold render). Whatever it
// answers must be what Handlebars answers: the oracle is the Handlebars library, with the options renderValue uses.
describe('template values: plain paths read without Handlebars answer exactly as Handlebars does', () => {
  const hbs = Handlebars.create();
  for (const name of ['bool01', 'upper', 'default', 'eq', 'nearest']) hbs.registerHelper(name, () => `helper ${name}`);
  const proto = { inherited: 'from the prototype' };
  const ctx = {
    line: Object.assign(Object.create(proto), { index: 2, user: 'u100', enabled: false, zero: 0, none: null, list: [1, 2], nested: { a: 'x' } }),
    mac: '001565000001', text: 'abc', settings: { dial_plan: '[2-9]xx|0T', vlan: { id: 20 } }, fn: () => 'called',
    upper: 'a value named like a helper', flag: true,
  };
  const sources = [
    '{{line.index}}', 'account.{{line.index}}.label', '{{ line.user }}@{{mac}}', '{{line.enabled}}', '{{line.zero}}', '{{line.none}}',
    '{{line.missing}}', '{{missing.deeper.still}}', '{{line.list}}', '{{line.nested}}', '{{line.inherited}}', '{{text.length}}',
    '{{settings.dial_plan}}', '{{settings.vlan.id}}', '{{fn}}', '{{upper}}', '{{flag}}', '{{this.mac}}', '{{true}}', '{{{mac}}}',
    '{ {{mac}} }', '{{mac}}}', '{{line.constructor}}', '{{line.__proto__}}', '{{bool01 line.enabled}}', '{{#if flag}}y{{/if}}',
    '\\{{mac}}', '{{mac-x}}', '{{~mac}}', 'prefix {{settings.vlan.id}} suffix {{line.index}}',
  ];
  it('for every kind of path, literal, helper name and escape', () => {
    const wrong: string[] = [];
    for (const src of sources) {
      const outcome = (f: () => string) => { try { return f(); } catch { return 'a syntax error'; } };
      const want = outcome(() => hbs.compile(src, { noEscape: true, strict: false })(ctx,
        { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }));
      const got = outcome(() => renderValue(src, ctx));
      // The helpers differ (ours are real): compare only where the oracle did not call one.
      if (!want.includes('helper ') && got !== want) wrong.push(`${src}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
    expect(wrong).to.deep.equal([]);
  });
});
