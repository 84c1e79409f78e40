// The one rendering pipeline: a file of a template, rendered from the vendor-neutral model, in the
// template's format. Same inputs, same bytes.
import { createHash } from 'node:crypto';
import type { FileSpec, ProfileDoc, TemplateDoc } from '../catalog/types.js';
import { writePlain } from './formats/plain.js';
import { writeXml } from './formats/xml.js';
import type { RenderModel } from './model.js';
import { renderPlain, renderXmlTree, sectionUnits } from './sections.js';

export interface Rendered { body: Buffer; contentType: string; etag: string; problems: string[] }

/** What the vendor profile says a file with this name's extension is, if it says. */
export function profileContentType(profile: ProfileDoc | undefined, fileName: string): string | undefined {
  const ext = (/\.[A-Za-z0-9]+$/.exec(fileName)?.[0] || '').toLowerCase();
  return profile?.content_types?.[ext];
}

export function contentTypeOf(file: FileSpec, fileName: string, profile: ProfileDoc | undefined, t: TemplateDoc): string {
  const latin1 = t.format?.encoding === 'latin1';
  let type = file.content_type || profileContentType(profile, fileName)
    || (t.pvt_generator === 'json2xml' ? 'application/xml' : 'text/plain');
  if (!/charset=/i.test(type)) type += `; charset=${latin1 ? 'ISO-8859-1' : 'utf-8'}`;
  else if (latin1) type = type.replace(/charset=[^;]+/i, 'charset=ISO-8859-1');
  return type;
}

export function renderFile(t: TemplateDoc, profile: ProfileDoc | undefined, file: FileSpec, fileName: string, model: RenderModel): Rendered {
  const problems = [...model.problems];
  const units = sectionUnits(t, file.sections, { ...model, file: { name: file.name } });
  // Documents of the original project carry no format: the vendor profile's default applies.
  const format = { ...(t.format || profile?.default_format || {}), ...file.format };
  const text = t.pvt_generator === 'json2xml'
    ? writeXml(renderXmlTree(units, problems), format)
    : writePlain(withRaw(renderPlain(units, problems, format.duplicates), model.raw), format);
  const body = Buffer.from(text, format.encoding === 'latin1' ? 'latin1' : 'utf8');
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return { body, contentType: contentTypeOf(file, fileName, profile, t), etag, problems };
}

/**
 * Raw keys from the settings levels (the caller sets them for the phone's main file only): text, not
 * templates; one that the template writes takes its place, others follow at the end.
 */
function withRaw(entries: Array<[string, string]>, raw: Record<string, string> | undefined): Array<[string, string]> {
  if (!raw) return entries;
  const out = new Map(entries);
  for (const [k, v] of Object.entries(raw)) out.set(k, v.replace(/[\r\n]+/g, ' '));
  return [...out.entries()];
}
