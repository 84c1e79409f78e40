// The documents SessionTalk keeps in our state database, and what the External Provisioning API
// answers (seed 001: update, sipaccounts[], errmsg).

export type Toggle = 'Enabled' | 'Disabled';
export type Transport = 'UDP' | 'TCP' | 'TLS';

export interface SessiontalkSettings {
  /** Blank: a white-label app (the ProviderId is compiled in, so the QR carries none). */
  provider_id: string;
  /** Installs per Kazoo device; 0 = unlimited. */
  max_activations: number;
  /** Seconds a minted code may create a new activation. */
  qr_lifetime: number;
  /** Forces the transport of every account; null: UDP. */
  transport: Transport | null;
  srtp: Toggle;
  video: Toggle;
  messaging: Toggle;
  callrecording: Toggle;
  /** The portal's Domain; realms are `<subdomain>.<base_domain>`. Blank: the realm's first label. */
  base_domain: string;
  /** What a still-valid code scanned on another install does: take the activation over, or be refused. */
  move_policy: 'move' | 'deny';
  windows_link: boolean;
  windows_appinstaller_url: string;
}

export interface SettingsDoc extends Partial<SessiontalkSettings> {
  _id: string; _rev?: string; pvt_type: 'sessiontalk_settings'; account_id: string; updated_at?: number;
}

/** A minted activation code. Only its sha256 is kept (in the id); the code itself never is. */
export interface CodeDoc {
  _id: string; _rev?: string; pvt_type: 'sessiontalk_code'; account_id: string; code_hash: string;
  /** The Kazoo device the code activates. */
  device_id: string;
  created_by: { kind: string; user_id?: string };
  created_at: number; expires_at: number;
  revoked_at?: number;
  /** The activation this code last created. It holds the code only while that activation exists. */
  activation_id?: string; bound_at?: number;
}

/** What was last sent to an install, per account, without the password: its device revision stands in. */
export interface ServedAccount {
  device_id: string; device_rev: string;
  sipusername: string; subdomain: string; authusername: string; transport: Transport;
  srtp: Toggle; messaging: Toggle; video: Toggle; callrecording: Toggle;
}

/** One app install (one SessionCloud deviceId) bound to one code. */
export interface ActivationDoc {
  _id: string; _rev?: string; pvt_type: 'sessiontalk_activation'; account_id: string;
  /** sha256 of the account and the install's deviceId; the deviceId itself is never stored. */
  device_hash: string;
  code_hash: string;
  /** The Kazoo device the code was minted for (counted against max_activations). */
  device_id: string;
  /** Every Kazoo device served as an account, in order (the first is device_id unless removed). */
  device_ids: string[];
  enabled: boolean;
  created_at: number;
  last_seen: number;
  served: ServedAccount[] | null;
  moved_from?: string;
}

export interface SipAccount {
  sipusername: string; sippassword: string; subdomain: string; authusername: string; transport: Transport;
  srtp: Toggle; messaging: Toggle; video: Toggle; callrecording: Toggle;
}

export interface ProvisionBody { update: boolean; sipaccounts?: SipAccount[]; errmsg: string }
export interface ProvisionReply { status: number; body: ProvisionBody }
