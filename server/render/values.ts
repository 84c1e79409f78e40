// Turns a template string into a value: first the original project's {PLACEHOLDER} tokens, then
// Handlebars. Templates are data, so Handlebars gets only a fixed set of helpers and no prototype
// access (its default); a template may format values, never choose code to run.
import Handlebars from 'handlebars';
import { LEGACY_PLACEHOLDERS, LEGACY_UNSERVED } from './legacy-placeholders.js';

const hb = Handlebars.create();
const helpers: Record<string, (...args: any[]) => unknown> = {
  eq: (a, b) => String(a) === String(b),
  ne: (a, b) => String(a) !== String(b),
  or: (...args) => args.slice(0, -1).some(Boolean),
  and: (...args) => args.slice(0, -1).every(Boolean),
  default: (v, d) => (v === undefined || v === null || v === '' ? d : v),
  upper: (v) => (v === undefined || v === null ? '' : String(v).toUpperCase()),
  lower: (v) => (v === undefined || v === null ? '' : String(v).toLowerCase()),
  add: (a, b) => Number(a) + Number(b),
  sub: (a, b) => Number(a) - Number(b),
  mul: (a, b) => Number(a) * Number(b),
  div: (a, b) => Math.floor(Number(a) / Number(b)),
  lt: (a, b) => Number(a) < Number(b),
  gt: (a, b) => Number(a) > Number(b),
  yesno: (v) => (v ? 'Yes' : 'No'),
  onoff: (v) => (v ? 'on' : 'off'),
  bool01: (v) => (v ? '1' : '0'),
  // A value with every one of the given characters taken out: Cisco's dial plans have no timer letter T
  // of an RFC 3435 digit map (the phone's interdigit timers end a partial match), so {{without plan "T"}}.
  without: (v, chars) => (v === undefined || v === null ? '' : [...String(chars)].reduce((acc, c) => acc.split(c).join(''), String(v))),
  // A neutral percentage (0-100) on a vendor's own range, e.g. {{scale settings.volumes.ringer 1 15}};
  // empty when the setting is not set, so an omit_empty key stays out of the file.
  scale: (v, min, max) => (v === undefined || v === null || v === ''
    ? '' : String(Math.round(Number(min) + (Number(v) * (Number(max) - Number(min))) / 100))),
  // The value a vendor accepts that is closest to a neutral one, from the vendor's own list, e.g. a
  // backlight of 45 s on a phone that only offers "15,30,60,120": {{nearest settings.screen.backlight_timeout_s "15,30,60,120"}}
  // gives 30 (a tie goes to the smaller). Empty when unset, so an omit_empty key stays out.
  nearest: (v, list) => {
    if (v === undefined || v === null || v === '' || !Number.isFinite(Number(v))) return '';
    const want = Number(v);
    let best: number | undefined;
    for (const s of String(list).split(',')) {
      const n = Number(s.trim());
      if (s.trim() === '' || !Number.isFinite(n)) continue;
      if (best === undefined || Math.abs(n - want) < Math.abs(best - want) || (Math.abs(n - want) === Math.abs(best - want) && n < best)) best = n;
    }
    return best === undefined ? '' : String(best);
  },
};
for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);

const compiled = new Map<string, Handlebars.TemplateDelegate>();
// Upper-case first letter: {Phone_Reregister_Prov} is one of the original's; {mac} is the phone's own.
const TOKEN = /\{([A-Z][A-Za-z0-9_]*)\}/g;

export class UnfilledPlaceholder extends Error {
  constructor(public token: string) {
    super(`placeholder {${token}} has no value${LEGACY_UNSERVED[token] ? `: it ${LEGACY_UNSERVED[token]}` : ''}`);
  }
}

/** Renders one key or value. Throws UnfilledPlaceholder for a token we cannot fill. */
export function renderValue(source: unknown, ctx: Record<string, any>): string {
  if (source === null || source === undefined) return '';
  let s = String(source);
  if (s.includes('{') && /\{[A-Z]/.test(s)) {
    s = s.replace(TOKEN, (whole, name: string) => {
      const fn = LEGACY_PLACEHOLDERS[name];
      if (!fn) throw new UnfilledPlaceholder(name);
      const v = fn(ctx);
      if (v === undefined || v === null) throw new UnfilledPlaceholder(name);
      // The value may itself contain braces; keep Handlebars from reading them.
      return String(v).replace(/\{\{/g, '\\{{');
    });
  }
  if (!s.includes('{{')) return s;
  const plain = interpolationOf(s);
  if (plain) {
    const out = interpolate(plain, ctx);
    if (out !== null) return out;
  }
  let fn = compiled.get(s);
  if (!fn) {
    fn = hb.compile(s, { noEscape: true, strict: false, knownHelpersOnly: false });
    compiled.set(s, fn);
    if (compiled.size > 50_000) compiled.clear();
  }
  return fn(ctx, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
}

// Most template values are literals around plain paths (`account.{{line.index}}.label`). Handlebars sets
// up its helpers anew on every call (a copy of each, wrapped), which made it half of a cold render; so
// such values are read here, with Handlebars' own rules: own properties only, null and undefined as '',
// anything else as '' + value. A value those rules do not settle (a helper's name, a literal such as
// `true`, a function, an inherited property, a path through a non-object) goes to Handlebars.
type Interpolation = Array<string | string[]>;
const PLAIN = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\}\}/g;
const NOT_PATHS = new Set(['this', 'true', 'false', 'null', 'undefined']);
const UNSAFE = new Set(['constructor', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'prototype']);
const interpolations = new Map<string, Interpolation | false>();

function interpolationOf(s: string): Interpolation | null {
  let parts = interpolations.get(s);
  if (parts === undefined) {
    const out: Interpolation = [];
    let last = 0;
    let ok = !s.includes('\\');
    for (const m of s.matchAll(PLAIN)) {
      const path = m[1].split('.');
      if (NOT_PATHS.has(path[0]) || path.some((k) => UNSAFE.has(k)) || (path.length === 1 && path[0] in hb.helpers)) ok = false;
      out.push(s.slice(last, m.index), path);
      last = m.index! + m[0].length;
    }
    out.push(s.slice(last));
    // A brace left in the literal text is Handlebars syntax around a path ({{{a}}}, {{a}}}): its business.
    if (out.some((x) => typeof x === 'string' && (x.includes('{') || x.includes('}')))) ok = false;
    parts = ok ? out.filter((x) => x !== '') : false;
    if (interpolations.size >= 50_000) interpolations.clear();
    interpolations.set(s, parts);
  }
  return parts || null;
}

const own = Object.prototype.hasOwnProperty;

function interpolate(parts: Interpolation, ctx: Record<string, any>): string | null {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') { out += part; continue; }
    let v: any = ctx;
    for (const key of part) {
      if (v === null || v === undefined) break;
      if (typeof v !== 'object') return null;
      if (!own.call(v, key)) {
        if (v[key] !== undefined) return null;
        v = undefined;
        break;
      }
      v = v[key];
    }
    if (typeof v === 'function' || typeof v === 'symbol') return null;
    if (v !== null && v !== undefined) out += v;
  }
  return out;
}

// The seed repeats a few hundred distinct values some 13,000 times, and compiling each one made
// the first start's seed check take seconds; bounded like `compiled` (templates are admin-written).
const checked = new Map<string, string | null>();

/** Compiles a string once to report syntax errors when a template is saved. */
export function checkValueSyntax(source: string): string | null {
  const known = checked.get(source);
  if (known !== undefined) return known;
  let problem: string | null = null;
  try {
    hb.precompile(source.replace(TOKEN, 'x'));
  } catch (err) {
    problem = (err as Error).message.split('\n')[0];
  }
  if (checked.size >= 10_000) checked.clear();
  checked.set(source, problem);
  return problem;
}
