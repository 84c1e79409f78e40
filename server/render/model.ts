// One vendor-neutral model of what a phone should be told: its lines, keys and settings. Built from
// Kazoo's documents; every vendor's template reads the same model.
import type { Config } from '../../config.js';
import { capabilitiesOf, type ProfileDoc, type TemplateDoc } from '../catalog/types.js';
import type { KazooAccount, KazooDevice, KazooUser } from '../kazoo/directory.js';
import { macFormats } from '../kazoo/mac.js';
import { lineKeySlots, placeKeys, type NeutralKey } from './keys.js';
import { canonicalZone, timeRule, type TimeRule } from './time-rule.js';
import type { Effective } from '../settings/effective.js';

export interface Line {
  index: number; index0: number; enabled: boolean; username: string; auth_username: string; password: string;
  realm: string; proxy: string; port: number; transport: string; expire: number; display_name: string;
  extension: string; label: string; voicemail_number: string; srtp: boolean; codecs: string[]; device_id: string;
  /** The phone key (1-based slot) this line appears on; 0 when every key is taken. */
  key_slot: number;
}

export interface RenderModel {
  mac: string; MAC: string; mac_colon: string;
  server: ServerInfo;
  /** The device's time zone as vendors ask for it: offset and daylight-saving rule (see time-rule.ts). */
  time: TimeRule;
  phone: { brand: string; family: string; model: string; name: string };
  account: { id: string; name: string; realm: string };
  settings: Record<string, any>;
  vendor: Record<string, string>;
  lines: Line[];
  keys: { phone: NeutralKey[]; memory: NeutralKey[]; module: NeutralKey[] };
  counter: number;
  problems: string[];
  /** The file being rendered, as the template names it ({mac}-directory.xml), for sections shared by several files. */
  file?: { name: string };
  /** Raw brand keys from the settings levels, written last into the phone's main file (plain formats). */
  raw?: Record<string, string>;
  /** The firmware the phone's policy assigns (server/firmware/); every field empty when none. */
  firmware: FirmwareRef;
}

/**
 * Where the assigned image is: `url` the file itself; `dir` and `dir_noscheme` the folder that serves
 * it under any name, for vendors that append their own file name to a server path (Grandstream).
 */
export interface FirmwareRef { id: string; version: string; file_name: string; url: string; dir: string; dir_noscheme: string }

export function firmwareRef(config: Pick<Config, 'publicUrl'>, fw: { id: string; version: string; file_name: string } | null | undefined): FirmwareRef {
  if (!fw) return { id: '', version: '', file_name: '', url: '', dir: '', dir_noscheme: '' };
  const dir = `${config.publicUrl.replace(/\/+$/, '')}/prov/fw/${fw.id}`;
  return { id: fw.id, version: fw.version, file_name: fw.file_name, url: `${dir}/${fw.file_name}`, dir, dir_noscheme: dir.replace(/^[a-z]+:\/\//, '') };
}

export interface PhoneData {
  mac: string;
  accountId: string;
  account: KazooAccount;
  devices: KazooDevice[];
  users: Map<string, KazooUser>;
  provCredentials?: { username: string; password: string };
  /** Found while gathering the data (e.g. pushed keys that could not be mapped back), shown with the render's problems. */
  problems?: string[];
  /** The firmware the policy assigns to this phone, chosen by the caller (phones/phone-files.ts). */
  firmware?: { id: string; version: string; file_name: string } | null;
}

function userName(u: KazooUser | undefined): string {
  if (!u) return '';
  return [u.first_name, u.last_name].filter(Boolean).join(' ') || u.caller_id?.internal?.name || '';
}

/**
 * Where the phone should fetch its files next time, split the ways vendors ask for it. Every
 * template takes its server from here, so a phone is never told a server other than PUBLIC_URL.
 */
export interface ServerInfo {
  url: string;        // PUBLIC_URL without trailing slash: "https://prov.example.com:8443/base"
  prov_url: string;   // this brand's files: "https://prov.example.com:8443/base/prov/yealink/"
  scheme: string;     // "http" | "https"
  host: string;       // host name only: "prov.example.com"
  port: number;       // explicit port, else the scheme's default (80, 443)
  authority: string;  // host and port as written in the URL: "prov.example.com:8443" (no port when default)
  base_path: string;  // PUBLIC_URL's path, no leading slash, "/" ended when not empty: "base/"
  path: string;       // this brand's files, no leading slash: "base/prov/yealink/"
  abs_path: string;   // the same with a leading slash: "/base/prov/yealink/"
}

export function serverInfo(config: Pick<Config, 'publicUrl'>, brand: string): ServerInfo {
  const u = new URL(config.publicUrl);
  const base = config.publicUrl.replace(/\/+$/, '');
  const scheme = u.protocol.replace(':', '');
  const trimmed = u.pathname.replace(/^\/+|\/+$/g, '');
  const basePath = trimmed ? `${trimmed}/` : '';
  const path = `${basePath}prov/${brand}/`;
  return {
    url: base, prov_url: `${base}/prov/${brand}/`, scheme, host: u.hostname,
    port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80, authority: u.host,
    base_path: basePath, path, abs_path: `/${path}`,
  };
}

function vendorValues(profile: ProfileDoc | undefined, timezone: string, language: string): Record<string, string> {
  const p = (profile || {}) as ProfileDoc & { timezone_names?: Record<string, string | number> };
  const lang = language.toLowerCase();
  const region = (lang.split('-')[1] || '').toUpperCase();
  const pick = (map: Record<string, string | number> | undefined, ...keys: string[]) => {
    for (const k of keys) if (map && map[k] !== undefined) return String(map[k]);
    return '';
  };
  return {
    timezone: pick(p.timezones, timezone, 'UTC', 'Etc/UTC'),
    // "1" when the vendor's table has this very zone, so a template can fall back to a custom rule
    // from `time` instead of the table's UTC entry.
    timezone_mapped: p.timezones?.[timezone] !== undefined ? '1' : '',
    timezone_name: pick(p.timezone_names, timezone, 'UTC', 'Etc/UTC'),
    language: pick(p.languages, lang, lang.slice(0, 2), 'en'),
    tone: pick(p.tones, region, 'US'),
  };
}

/**
 * The keys of every device on this MAC, slot by slot: the first line's device wins a slot, later
 * devices fill the free ones (the original read the first device's keys only).
 */
function mergedKeys(devices: KazooDevice[], field: 'combo_keys' | 'feature_keys'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of devices) {
    for (const [slot, key] of Object.entries(d.provision?.[field] || {})) {
      if (key && out[slot] === undefined) out[slot] = key;
    }
  }
  return out;
}

/** The common-file model: no account, no lines, no secrets. */
export function commonModel(config: Config, template: TemplateDoc, profile: ProfileDoc | undefined): RenderModel {
  const settings = { timezone: config.defaultTimezone, language: config.defaultLanguage, ntp_server: config.ntpServer,
    voicemail_number: '*97' };
  return {
    ...macFormats('000000000000'),
    server: serverInfo(config, template.endpoint_brand),
    time: timeRule(settings.timezone),
    phone: phoneOf(template),
    account: { id: '', name: '', realm: '' },
    settings, vendor: vendorValues(profile, settings.timezone, settings.language),
    lines: [], keys: { phone: [], memory: [], module: [] }, counter: Number(template.pvt_counter ?? 1) || 1, problems: [],
    firmware: firmwareRef(config, null),
  };
}

function phoneOf(t: TemplateDoc) {
  return { brand: t.endpoint_brand, family: String(t.endpoint_family), model: String(t.endpoint_model), name: String(t.name ?? t.endpoint_model) };
}

/**
 * The settings levels over Kazoo's own fields: a level that sets the time zone, language, NTP or admin
 * password wins over the account's `provision` fields; the lines (SIP credentials, transport, SRTP,
 * codecs of a Kazoo device) stay Kazoo's where the device sets them.
 */
export function deviceModel(config: Config, template: TemplateDoc, profile: ProfileDoc | undefined, data: PhoneData,
  effective: Effective = { settings: {}, raw: {}, sources: {} }): RenderModel {
  const eff = effective.settings;
  const caps = capabilitiesOf(template);
  const account = data.account;
  const prov = (account.provision || {}) as Record<string, any>;
  const first = data.devices[0];
  const owner = first?.owner_id ? data.users.get(first.owner_id) : undefined;
  const timezone = eff.time_zone || first?.timezone || owner?.timezone || account.timezone || config.defaultTimezone;
  const language = String(eff.language || first?.language || owner?.language || account.language || config.defaultLanguage).toLowerCase();
  const problems: string[] = [...(data.problems || [])];
  if (!canonicalZone(timezone)) problems.push(`time zone "${timezone}" is not an IANA zone; the phone gets UTC`);
  const devices = data.devices.slice(0, caps.lines);
  if (data.devices.length > caps.lines) problems.push(`${data.devices.length} devices share this MAC but the phone has ${caps.lines} lines`);
  const lines: Line[] = devices.map((d, i) => {
    const u = d.owner_id ? data.users.get(d.owner_id) : undefined;
    const realm = d.sip?.realm || account.realm || '';
    const extension = String(u?.presence_id ?? d.presence_id ?? d.sip?.username ?? '');
    const display = userName(u) || d.name || extension;
    return {
      index: i + 1, index0: i, enabled: d.enabled !== false, username: d.sip?.username || '',
      auth_username: d.sip?.username || '', password: d.sip?.password || '', realm, proxy: realm,
      port: 5060, transport: String((d.sip as any)?.transport || eff.transport || 'udp').toLowerCase(),
      expire: Number(d.sip?.expire_seconds) || 360, display_name: display, extension, label: extension || display,
      voicemail_number: String(prov.voicemail_number || '*97'),
      srtp: !!(d.media as any)?.encryption?.enforce_security || eff.srtp === 'required',
      codecs: d.media?.audio?.codecs?.length ? d.media.audio.codecs : eff.codecs || [], device_id: d._id, key_slot: 0,
    };
  });
  const transports = [...new Set(lines.map((l) => l.transport))];
  if (caps.shared_transport && transports.length > 1) {
    problems.push(`the lines ask for ${transports.join(' and ')}, but this phone has one SIP transport for all lines; it uses line 1's (${transports[0]})`);
  }
  const keys = placeKeys({
    comboKeys: mergedKeys(devices, 'combo_keys'), featureKeys: mergedKeys(devices, 'feature_keys'),
    caps: { ...caps, keys_per_page: (template.capabilities as any)?.keys_per_page }, profile, users: data.users,
    lineCount: lines.length, realm: lines[0]?.realm || account.realm || '',
  });
  problems.push(...keys.problems);
  lineKeySlots(keys.phone, lines.length, caps.line_keys).forEach((slot, i) => { lines[i].key_slot = slot; });
  const settings = {
    ...eff,
    timezone, language, ntp_server: String(eff.ntp_servers?.[0] || prov.ntp_server || config.ntpServer),
    ntp_server2: eff.ntp_servers?.[1] || '',
    admin_password: String(eff.admin_password ?? prov.admin_password ?? prov.provisionpass ?? ''),
    admin_user: String(prov.provisionuser || 'admin'),
    prov_username: data.provCredentials?.username || '', prov_password: data.provCredentials?.password || '',
    voicemail_number: String(prov.voicemail_number || '*97'),
    tx_volume: first?.media?.audio?.tx_volume, rx_volume: first?.media?.audio?.rx_volume,
  };
  return {
    ...macFormats(data.mac),
    server: serverInfo(config, template.endpoint_brand),
    time: timeRule(timezone),
    phone: phoneOf(template),
    account: { id: data.accountId, name: account.name || '', realm: account.realm || '' },
    settings, vendor: vendorValues(profile, timezone, language), lines,
    keys: { phone: keys.phone, memory: keys.memory, module: keys.module },
    counter: Number(template.pvt_counter ?? 1) || 1, problems, raw: effective.raw,
    firmware: firmwareRef(config, data.firmware),
  };
}

export const MASK = '********';

/**
 * The model a preview renders: every secret the phone's file carries replaced before rendering, so
 * the mask is escaped like the value would have been and no escaped form of a secret can slip past.
 */
export function maskedModel(model: RenderModel): RenderModel {
  const hide = (v: unknown) => (v === undefined || v === null || v === '' ? v : MASK);
  return {
    ...model,
    lines: model.lines.map((l) => ({ ...l, password: hide(l.password) as string })),
    settings: { ...model.settings, admin_password: hide(model.settings.admin_password),
      prov_username: hide(model.settings.prov_username), prov_password: hide(model.settings.prov_password) },
  };
}
