// A device's effective settings: the five levels merged, each value with the level it came from.
import type { KazooAccount } from '../kazoo/directory.js';
import type { NeutralSettings } from './schema.js';
import { levelId, resellerOf, type LevelName, type PhoneSettingsStore } from './store.js';

export interface Effective {
  settings: NeutralSettings;
  /** The brand's raw keys, in the order the levels set them. */
  raw: Record<string, string>;
  /** JSON pointer of every set value ("/vlan/id", "/raw/yealink/features.dnd.enable") → its level. */
  sources: Record<string, LevelName>;
}

export interface Target { accountId: string; account?: KazooAccount; templateId?: string; brand?: string; deviceId?: string }

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function mergeInto(out: Record<string, unknown>, over: Record<string, unknown>, level: LevelName, sources: Record<string, LevelName>, path: string): void {
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const p = `${path}/${k}`;
    if (isObject(v)) {
      const cur = isObject(out[k]) ? { ...(out[k] as Record<string, unknown>) } : {};
      mergeInto(cur, v, level, sources, p);
      out[k] = cur;
    } else {
      out[k] = v;
      sources[p] = level;
    }
  }
}

/** The level documents that apply to a target, top (catalog default) first. */
export function levelIds(t: Target): Array<[LevelName, string]> {
  const ids: Array<[LevelName, string]> = [['default', levelId.default()]];
  const reseller = resellerOf(t.account);
  if (reseller && reseller !== t.accountId) ids.push(['reseller', levelId.reseller(reseller)]);
  ids.push(['account', levelId.account(t.accountId)]);
  if (t.templateId) ids.push(['model', levelId.model(t.accountId, t.templateId)]);
  if (t.deviceId) ids.push(['device', levelId.device(t.accountId, t.deviceId)]);
  return ids;
}

export function effectiveSettings(store: Pick<PhoneSettingsStore, 'get'>, t: Target): Effective {
  const settings: Record<string, unknown> = {};
  const raw: Record<string, string> = {};
  const sources: Record<string, LevelName> = {};
  for (const [level, id] of levelIds(t)) {
    const doc = store.get(id);
    mergeInto(settings, doc.settings as Record<string, unknown>, level, sources, '');
    if (t.brand) {
      for (const [k, v] of Object.entries(doc.raw[t.brand] || {})) {
        raw[k] = v;
        sources[`/raw/${t.brand}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`] = level;
      }
    }
  }
  return { settings: settings as NeutralSettings, raw, sources };
}

// Settings the render model maps for every brand itself (time zone, language, NTP, admin password, and
// the lines' transport, SRTP and codecs); the others reach a file only where a template writes them.
const MAPPED_BY_MODEL = new Set(['time_zone', 'language', 'ntp_servers', 'admin_password', 'transport', 'srtp', 'codecs']);

/**
 * The set values (JSON pointers of `sources`) that this template never reads: an operator sees that
 * the phone ignores them and that a raw key is the way. Found in the template's text, which is data.
 */
export function notWritten(template: object | undefined, sources: Record<string, LevelName>): string[] {
  if (!template) return [];
  const text = JSON.stringify(template);
  return Object.keys(sources).filter((pointer) => {
    const parts = pointer.split('/').slice(1);
    if (parts[0] === 'raw' || MAPPED_BY_MODEL.has(parts[0])) return false;
    return !text.includes(`settings.${parts.join('.')}`);
  }).sort();
}
