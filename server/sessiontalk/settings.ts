// Per-account SessionTalk settings: defaults, validation (ajv) and the merge a PUT performs.
import { Ajv, type ErrorObject } from 'ajv';
import { badRequest } from '../http/errors.js';
import type { SessiontalkSettings } from './types.js';

export const DEFAULT_APPINSTALLER_URL = 'https://windows-softphone.s3.eu-west-2.amazonaws.com/sessioncloud.appinstaller';

export const DEFAULT_SETTINGS: SessiontalkSettings = {
  provider_id: '',
  // An unset limit means 1, not unlimited (FusionPBX's missing setting meant unlimited).
  max_activations: 1,
  qr_lifetime: 172800,
  transport: null,
  srtp: 'Disabled',
  video: 'Disabled',
  messaging: 'Disabled',
  callrecording: 'Disabled',
  base_domain: '',
  move_policy: 'move',
  windows_link: false,
  windows_appinstaller_url: DEFAULT_APPINSTALLER_URL,
};

const toggle = { enum: ['Enabled', 'Disabled'] };
const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Goes into the QR after a ':' and is typed by users: no ':' and no spaces.
    provider_id: { type: 'string', maxLength: 64, pattern: '^[^:\\s]*$' },
    max_activations: { type: 'integer', minimum: 0, maximum: 1000 },
    qr_lifetime: { type: 'integer', minimum: 60, maximum: 31536000 },
    transport: { enum: ['UDP', 'TCP', 'TLS', null] },
    srtp: toggle, video: toggle, messaging: toggle, callrecording: toggle,
    base_domain: { type: 'string', maxLength: 253,
      pattern: '^$|^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$' },
    move_policy: { enum: ['move', 'deny'] },
    windows_link: { type: 'boolean' },
    windows_appinstaller_url: { type: 'string', maxLength: 2000, pattern: '^https://[^\\s&#]+$' },
  },
};

const ajv = new Ajv({ allErrors: false });
const validate = ajv.compile(schema);

function describe(e: ErrorObject): { field: string; message: string } {
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    return { field, message: `${field} is not a SessionTalk setting` };
  }
  const field = e.instancePath.replace(/^\//, '') || '(body)';
  const hints: Record<string, string> = {
    provider_id: 'a ProviderId of at most 64 characters without ":" or spaces (blank for a white-label app)',
    max_activations: 'an integer from 0 (unlimited) to 1000',
    qr_lifetime: 'an integer number of seconds from 60 to 31536000',
    transport: 'one of "UDP", "TCP", "TLS" or null (unset)',
    srtp: '"Enabled" or "Disabled"', video: '"Enabled" or "Disabled"', messaging: '"Enabled" or "Disabled"',
    callrecording: '"Enabled" or "Disabled"',
    base_domain: 'a lower-case DNS name such as "sip.example.com" (optionally with ":port"), or blank',
    move_policy: '"move" or "deny"',
    windows_link: 'true or false',
    windows_appinstaller_url: 'an https:// URL without "&" or "#"',
  };
  return { field, message: `${field} must be ${hints[field] || e.message}` };
}

/** The stored (possibly partial) settings with defaults filled in. */
export function withDefaults(stored: Partial<SessiontalkSettings> | null | undefined): SessiontalkSettings {
  const out = { ...DEFAULT_SETTINGS };
  if (stored) for (const k of Object.keys(DEFAULT_SETTINGS) as Array<keyof SessiontalkSettings>) {
    if (stored[k] !== undefined) (out as Record<string, unknown>)[k] = stored[k];
  }
  return out;
}

/** Applies a PUT body over the current settings; a 400 naming the first bad field otherwise. */
export function mergeSettings(current: SessiontalkSettings, input: unknown): SessiontalkSettings {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('send the settings as {"data": {...}}', { data: { type: { message: 'must be an object' } } });
  }
  if (!validate(input)) {
    const { field, message } = describe(validate.errors![0]);
    throw badRequest(message, { [field]: { [validate.errors![0].keyword]: { message } } });
  }
  return withDefaults({ ...current, ...(input as Partial<SessiontalkSettings>) });
}

/**
 * The `subdomain` the app is given: the realm minus the portal's base domain (the portal prepends it
 * back with "Use Subdomains"). Null when the realm is not under the base domain.
 */
export function subdomainOf(realm: string, baseDomain: string): string | null {
  const r = realm.toLowerCase();
  if (!baseDomain) {
    const dot = r.indexOf('.');
    return dot > 0 ? r.slice(0, dot) : r;
  }
  const base = baseDomain.replace(/:\d+$/, '').toLowerCase();
  return r.endsWith(`.${base}`) && r.length > base.length + 1 ? r.slice(0, -(base.length + 1)) : null;
}
