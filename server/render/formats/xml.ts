// XML configuration files from the merged section tree (fast-xml-parser's builder escapes values).
import { XMLBuilder } from 'fast-xml-parser';
import type { FormatSpec } from '../../catalog/types.js';

const builder = new XMLBuilder({ ignoreAttributes: false, attributesGroupName: '@attributes', attributeNamePrefix: '',
  textNodeName: '@value', format: true, indentBy: '  ', suppressEmptyNode: false, suppressBooleanAttributes: false });

export function writeXml(tree: Record<string, unknown>, f: FormatSpec): string {
  const root = f.xml_root;
  const attrs = f.xml_root_attributes ? Object.fromEntries(Object.entries(f.xml_root_attributes).map(([k, v]) => [k, String(v)])) : undefined;
  const doc = root ? { [root]: { ...(attrs ? { '@attributes': attrs } : {}), ...tree } } : tree;
  const encoding = f.encoding === 'latin1' ? 'ISO-8859-1' : 'UTF-8';
  const decl = f.xml_declaration === false ? '' : `<?xml version="1.0" encoding="${encoding}"?>\n`;
  return decl + builder.build(doc);
}
