// XML configuration files from the merged section tree (fast-xml-parser's builder escapes values).
import { XMLBuilder } from 'fast-xml-parser';
import type { FormatSpec } from '../../catalog/types.js';

const builder = new XMLBuilder({ ignoreAttributes: false, attributesGroupName: '@attributes', attributeNamePrefix: '',
  textNodeName: '@value', format: true, indentBy: '  ', suppressEmptyNode: false, suppressBooleanAttributes: false });

export function writeXml(tree: Record<string, unknown>, f: FormatSpec): string {
  const root = f.xml_root;
  const attrs = f.xml_root_attributes ? Object.fromEntries(Object.entries(f.xml_root_attributes).map(([k, v]) => [k, String(v)])) : undefined;
  // A section may set root attributes (Polycom's APP_FILE_PATH from cfg_firmware): they override the
  // format's one by one, the rest of the format's stay.
  const own = tree['@attributes'] as Record<string, string> | undefined;
  const merged = attrs || own ? { '@attributes': { ...attrs, ...own } } : {};
  const doc = root ? { [root]: { ...tree, ...merged } } : tree;
  const encoding = f.encoding === 'latin1' ? 'ISO-8859-1' : 'UTF-8';
  const decl = f.xml_declaration === false ? '' : `<?xml version="1.0" encoding="${encoding}"?>\n`;
  return decl + builder.build(doc);
}
