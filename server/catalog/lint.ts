// Checks beyond the JSON Schema that need to look inside a template: every value must be valid
// Handlebars, and no common file may carry a line, account or credential value (common files are
// served to anyone who names the file).
import { checkValueSyntax } from '../render/values.js';
import type { SchemaProblem } from './schemas.js';
import type { TemplateDoc } from './types.js';

/** A value that carries line, account or credential data (none may reach a common file). */
export const PRIVATE_VALUE = /\{\{[^}]*\b(line|lines|account|key|settings\.(admin_password|admin_user|prov_username|prov_password))\b|\{(SIP[A-Z]*|ACCOUNT|NAME|INTERNAL|PRESENCE_ID|PROVPASS|PROV_PHONE_PASS|PROV_PHONE_USER|PROV_PASSWORD|ACCESSPROVPASS|PROXY_SERVER|REGISTRAR_SERVER)\}/;

function* strings(node: unknown, pointer: string): Generator<[string, string]> {
  if (typeof node === 'string') yield [pointer, node];
  else if (Array.isArray(node)) for (let i = 0; i < node.length; i++) yield* strings(node[i], `${pointer}/${i}`);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      yield [p, k];
      yield* strings(v, p);
    }
  }
}

/** Sections rendered per line or per key: never in a common file. */
export const LINE_SECTIONS = ['cfg_account', 'cfg_linekey', 'cfg_memkey', 'cfg_expkey'] as const;

const SECTION_KEYS = (t: TemplateDoc) => Object.keys(t).filter((k) => k.startsWith('cfg_'));

export function lintTemplate(t: TemplateDoc): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const section of SECTION_KEYS(t)) {
    for (const [pointer, text] of strings(t[section], `/${section}`)) {
      if (!text.includes('{{')) continue;
      const err = checkValueSyntax(text);
      if (err) problems.push({ pointer, message: `is not a valid Handlebars template (${err})` });
    }
  }
  for (const [i, f] of (t.files || []).entries()) {
    if (f.scope !== 'common' || /\{mac\}/i.test(f.name)) {
      if (f.scope === 'common') problems.push({ pointer: `/files/${i}/name`, message: 'a common file name cannot contain {mac}' });
      continue;
    }
    for (const section of f.sections) {
      if ((LINE_SECTIONS as readonly string[]).includes(section)) {
        problems.push({ pointer: `/files/${i}/sections`, message: `common file ${f.name} cannot hold ${section}: it is served without authentication` });
        continue;
      }
      const body = section === 'cfg_keys' ? (t.cfg_keys ?? t.cfg_key) : t[section];
      for (const [pointer, text] of strings(body, `/${section}`)) {
        if (PRIVATE_VALUE.test(text)) {
          problems.push({ pointer, message: `references account or line data, but ${section} goes into the common file ${f.name}, which carries no secrets` });
        }
      }
    }
  }
  return problems;
}
