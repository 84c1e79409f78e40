// The original project's {PLACEHOLDER} tokens (reference: kazoo-provision-seed.md §8), with the
// meanings its generators gave them, and its bugs left out: shared sections use the FIRST line
// (the original filled them from the last), {ACCOUNT} counts from the template's pvt_counter.
// Where the original gave a token a different meaning per brand, so do we (c.phone.brand).
type Ctx = Record<string, any>;
const line = (c: Ctx) => c.line || c.lines?.[0] || {};
const brand = (c: Ctx) => String(c.phone?.brand || '');
// Kazoo's volume sliders go from -8 to +8; the original scaled them linearly onto the phone's range:
// (v+9)*7/13 for snom and Mitel (1…9), (v+9)*52/17 for Yealink's handset/tone volumes (3…52; 28 at 0).
const VOLUME_SCALE: Record<string, number> = { yealink: 52 / 17 };
const volume = (c: Ctx, v: unknown) => Math.round(((typeof v === 'number' ? v : 0) + 9) * (VOLUME_SCALE[brand(c)] ?? 7 / 13));

/**
 * Tokens that have no meaning on Kazoo: they pointed at scripts, files or screens of the original's
 * install (FreePBX leftovers, language files it downloaded). A setting using one is left out, with
 * the keys that depend on it, and this reason is logged (import-legacy drops them before they are
 * stored; renderValue reports them for documents written some other way).
 */
export const LEGACY_UNSERVED: Record<string, string> = {
  LOGOUT_SCRIPT: "pointed at the original's FreePBX logout.php (hot-desk logout), which Kazoo does not have",
  DND_SCRIPT: "pointed at the original's FreePBX dnd.php; Kazoo's DND is a feature code, not a phone script",
  CFWD_SCRIPT: "pointed at the original's FreePBX cfwd.php; Kazoo's call forward is a feature code, not a phone script",
  PB_SCRIPT: "pointed at the original's FreePBX/MySQL pb.php phonebook, which is not connected to Kazoo",
  PS_ACTION: "pointed at the original's FreePBX ps.php presence menu, which is not connected to Kazoo",
  DND_ACTION: "pointed at the original's FreePBX DND script, which is not connected to Kazoo",
  DND_ON_ACTION: "pointed at the original's FreePBX DND script, which is not connected to Kazoo",
  DND_OFF_ACTION: "pointed at the original's FreePBX DND script, which is not connected to Kazoo",
  MENU_ACTION: "pointed at the original's FreePBX menu script, which is not connected to Kazoo",
  DIRECTORY_ACTION: "pointed at the original's FreePBX/MySQL directory script, which is not connected to Kazoo",
  ADVERTISEMENT_URL: 'was never given a value by the original (an idle-screen advertisement page it did not have)',
  ADVERTISEMNT_URL: 'was never given a value by the original (an idle-screen advertisement page it did not have)',
  SPEEDDIALS: "was never given a value by the original; Kazoo's speed dials arrive as feature keys",
  ...Object.fromEntries(['GUI', 'WEB'].flatMap((k) => ['DE', 'EN', 'FR', 'IT', 'DA'].map((l) => [`PROV_SERVER_URL_${k}LANG_${l}_XML`,
    "named a snom language file the original's install downloaded into its own folder; the phone keeps its built-in languages"]))),
};

export const LEGACY_PLACEHOLDERS: Record<string, (c: Ctx) => unknown> = {
  ACCOUNT: (c) => (line(c).index !== undefined ? line(c).index - 1 + (c.counter ?? 1) : undefined),
  ACCOUNT_2: (c) => c.key_counter ?? 1,
  SIPAUTHNAME: (c) => line(c).auth_username,
  SIPSECRET: (c) => line(c).password,
  // snom's documents put it in user_realname (the user's name); Mitel's and Yealink's in the SIP user.
  SIPUSERNAME: (c) => (brand(c) === 'snom' ? line(c).display_name : line(c).username),
  SIPCALLERID: (c) => line(c).display_name,
  NAME: (c) => line(c).display_name,
  INTERNAL: (c) => line(c).extension,
  PRESENCE_ID: (c) => line(c).extension,
  MAC: (c) => c.mac,
  STATUS: () => 'on',
  PROXY_SERVER: (c) => line(c).proxy,
  REGISTRAR_SERVER: (c) => line(c).realm,
  BAK_PROXY_SERVER: () => '',
  BAK_REGISTRAR_SERVER: () => '',
  PROXY_PORT: (c) => line(c).port,
  WEB_SERVER: (c) => c.server?.url,
  // Yealink: the whole provisioning URL (the original wrote the device's provstring); snom/Mitel: the host.
  PROV_SERVER: (c) => (brand(c) === 'yealink' ? c.server?.prov_url : c.server?.host),
  // Mitel/Aastra's "http server" takes a host; the others a URL.
  PROV_SERVER_URL: (c) => (brand(c) === 'mitel' ? c.server?.host : c.server?.prov_url),
  SETTING_SERVER: (c) => c.server && `${c.server.prov_url}settings.php?mac={mac}`,
  NTP_SERVER: (c) => c.settings?.ntp_server,
  HOST_TIMESERVER: (c) => c.settings?.ntp_server,
  HOST_PROVSERVER: (c) => c.server?.authority,
  PROV_SERVER_URL_CERTIFICATE: () => '',
  PROVPASS: (c) => c.settings?.admin_password,
  PROVPASSWORD: (c) => c.settings?.admin_password,
  PROV_PHONE_USER: (c) => c.settings?.admin_user,
  PROV_PHONE_PASS: (c) => c.settings?.admin_password,
  ACCESSPROVPASS: (c) => c.settings?.admin_password,
  PROV_PASSWORD: (c) => c.settings?.prov_password,
  LANGUAGE_IDX: (c) => c.vendor?.language,
  LANG_PREFIX: (c) => String(c.settings?.language || 'en').slice(0, 2),
  INPUT_LANG: (c) => c.vendor?.language,
  LANGUAGE_URL: () => '',
  TIMEZONE: (c) => c.vendor?.timezone,
  TIMEZONE_IDX: (c) => c.vendor?.timezone,
  TIMEZONE_ID: (c) => c.vendor?.timezone,
  TIMEZONE_NAME: (c) => c.vendor?.timezone_name || c.vendor?.timezone || c.settings?.timezone,
  TIMEZONE_PREFIX: (c) => c.vendor?.timezone,
  TIMEZONE_NR: (c) => c.vendor?.timezone,
  TONES_IDX: (c) => c.vendor?.tone,
  TONEZONE: (c) => c.vendor?.tone,
  DIALTONE_SETTING: (c) => c.vendor?.tone,
  COUNTRYID_M3: (c) => c.vendor?.tone,
  EMERGENCY_NUMS: () => '112 911',
  PHONE_REREGISTER: (c) => line(c).expire ?? 360,
  SUBSCRIPT_REREGISTER: (c) => line(c).expire ?? 360,
  SUBSCIPT_REREGISTER: (c) => line(c).expire ?? 360,
  SETTINGS_REFRESH_TIMER: () => 86400,
  SETTINGS_REFRSH_TIMER: () => 86400,
  Phone_Reregister_Prov: (c) => line(c).expire ?? 360,
  VMSD: (c) => c.settings?.voicemail_number,
  VOICEMAIL: (c) => c.settings?.voicemail_number,
  LOGOUT: () => 'Logout',
  FORWARD: () => 'Forward',
  DND: () => 'DND',
  PHONEBOOK: () => 'Phonebook',
  ATD_XFER: () => 'Attended transfer',
  ATD_XFERCODE: () => '*6',
  XFER: () => 'Transfer',
  XFERCODE: () => '*7',
  CONFERENCE_LABEL: () => 'Conference',
  NEW_LOGIN: () => 'Login',
  SRTP: (c) => (line(c).srtp ? 'on' : 'off'),
  TX: (c) => volume(c, c.settings?.tx_volume),
  RX: (c) => volume(c, c.settings?.rx_volume),
  // Cisco and Panasonic documents of the original (never served by it): the obvious meanings.
  SERVER: (c) => line(c).proxy,
  USERID: (c) => line(c).username,
  PASSWORD: (c) => line(c).password,
  STATION_NAME: (c) => line(c).display_name,
  VOICEMAIL_NUMBER: (c) => c.settings?.voicemail_number,
  LINES: (c) => (c.lines?.length ? c.lines.length : undefined),
  MODEL: (c) => c.phone?.model,
};
