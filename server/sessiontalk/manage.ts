// The management side: settings, minting codes, listing and changing activations. Every operation
// works inside one account; who may do what is decided through the Caller the route hands in.
import type { Actor } from '../audit/log.js';
import type { Services } from '../services.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { badRequest, conflict, notFound, HttpError } from '../http/errors.js';
import { newCode, scanPayload, windowsLink } from './codes.js';
import { activationId, codeHashOf, codeId, HEX64, shortId } from './ids.js';
import { holds } from './provision.js';
import { qrImages } from './qr.js';
import { mergeSettings, subdomainOf } from './settings.js';
import type { SessiontalkStore } from './store.js';
import type { ActivationDoc, CodeDoc, SessiontalkSettings } from './types.js';

/** Who is asking, as far as these operations care. */
export interface Caller {
  admin: boolean;
  userId?: string;
  kind: string;
  /** Who the audit trail names. */
  who: Actor;
  /** Throws 403 unless the caller is an admin or the owner. */
  requireOwner(ownerId: string | undefined): void;
}

const MAX_DEVICES_PER_ACTIVATION = 8;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class SessiontalkManager {
  constructor(private s: Services, private store: SessiontalkStore) {}

  private get now() { return this.s.app.now(); }

  async getSettings(accountId: string): Promise<SessiontalkSettings> {
    return (await this.store.settings(accountId)).settings;
  }

  async putSettings(accountId: string, input: unknown): Promise<SessiontalkSettings> {
    const { settings, doc } = await this.store.settings(accountId);
    const next = mergeSettings(settings, input);
    const res = await this.store.saveSettings(accountId, next, doc?._rev);
    if (res === 'conflict') throw conflict('the settings were changed meanwhile; read them again and retry');
    return next;
  }

  private async device(accountId: string, deviceId: unknown): Promise<KazooDevice> {
    if (typeof deviceId !== 'string' || !/^[0-9a-f]{32}$/.test(deviceId)) {
      throw badRequest('device_id must be a Kazoo device id (32 hex characters)', { device_id: { type: { message: 'must be a device id' } } });
    }
    const device = await this.s.kazoo.device(accountId, deviceId);
    if (!device) throw notFound(`no device ${deviceId} in account ${accountId}`);
    return device;
  }

  /** Mints a code for a device: returns it (the only time it is ever shown), its scan payload and QR. */
  async mint(accountId: string, caller: Caller, input: { device_id?: unknown }) {
    const device = await this.device(accountId, input?.device_id);
    caller.requireOwner(device.owner_id);
    const settings = await this.getSettings(accountId);
    const sipUser = device.sip?.username;
    if (!sipUser) throw badRequest('the device has no SIP username to activate', { device_id: { sip: { message: 'no sip.username' } } });
    if (/[:@\s]/.test(sipUser)) throw badRequest('the device\'s SIP username contains ":", "@" or a space, which the QR format cannot carry');
    const realm = (this.s.kazoo.account(accountId)?.realm || '').toLowerCase();
    if (!realm) throw badRequest('the account has no realm');
    if (subdomainOf(realm, settings.base_domain) === null) {
      throw badRequest(`the account realm ${realm} is not <subdomain>.${settings.base_domain}; the app could not build its SIP domain`,
        { base_domain: { format: { message: 'realm not under base_domain' } } });
    }
    const code = newCode();
    const hash = codeHashOf(code);
    const now = this.now;
    const doc: CodeDoc = {
      _id: codeId(accountId, hash), pvt_type: 'sessiontalk_code', account_id: accountId, code_hash: hash, device_id: device._id,
      created_by: { kind: caller.kind, ...(caller.userId ? { user_id: caller.userId } : {}) },
      created_at: now, expires_at: now + settings.qr_lifetime * 1000,
    };
    const res = await this.store.write(doc);
    if (res === 'conflict') throw new HttpError(500, 'internal_error', 'code collision; try again');
    const username = `${sipUser}@${realm}`;
    const payload = scanPayload(username, code, settings.provider_id);
    return {
      id: hash, code, device_id: device._id, username, payload,
      ...(settings.windows_link ? { windows_link: windowsLink(settings.windows_appinstaller_url, username, code, settings.provider_id) } : {}),
      qr: await qrImages(payload),
      created_at: iso(now), expires_at: iso(doc.expires_at),
    };
  }

  /** Codes and activations a caller may see: all for admins, those of their own devices for users. */
  private async visible<T extends { device_id: string }>(accountId: string, caller: Caller, items: T[]): Promise<T[]> {
    if (caller.admin) return items;
    const owners = await this.s.kazoo.docs<KazooDevice>(accountId, items.map((i) => i.device_id));
    return items.filter((i) => caller.userId && owners.get(i.device_id)?.owner_id === caller.userId);
  }

  async listCodes(accountId: string, caller: Caller) {
    const [codes, activations] = await Promise.all([
      this.store.list<CodeDoc>(accountId, 'sessiontalk_code'),
      this.store.list<ActivationDoc>(accountId, 'sessiontalk_activation'),
    ]);
    const byId = new Map(activations.map((a) => [a._id, a]));
    const now = this.now;
    return (await this.visible(accountId, caller, codes)).map((c) => this.codeView(c, byId.get(c.activation_id || ''), now));
  }

  private codeView(c: CodeDoc, binding: ActivationDoc | undefined, now: number) {
    const active = holds(c, binding || null);
    const status = c.revoked_at ? 'revoked' : active ? 'active' : now >= c.expires_at ? 'expired' : 'pending';
    return {
      id: c.code_hash, device_id: c.device_id, status, created_at: iso(c.created_at), expires_at: iso(c.expires_at),
      ...(active ? { activation_id: shortId(binding!._id) } : {}), ...(c.revoked_at ? { revoked_at: iso(c.revoked_at) } : {}),
    };
  }

  /** Revokes a code no install holds: it can then activate nothing (row 15 → row 2). */
  async revokeCode(accountId: string, caller: Caller, id: string) {
    const code = HEX64.test(id) ? await this.store.get<CodeDoc>(codeId(accountId, id), 'sessiontalk_code', accountId) : null;
    if (!code) throw notFound(`no code ${id} in account ${accountId}`);
    caller.requireOwner((await this.s.kazoo.device(accountId, code.device_id))?.owner_id);
    if (code.activation_id) {
      const binding = await this.store.get<ActivationDoc>(code.activation_id, 'sessiontalk_activation', accountId);
      if (holds(code, binding)) throw conflict('an install holds this code; deactivate the activation instead', { activation_id: shortId(binding._id) });
    }
    if (!code.revoked_at) {
      const res = await this.store.write<CodeDoc>({ ...code, revoked_at: this.now });
      if (res === 'conflict') throw conflict('the code was used or changed meanwhile; list the codes again');
      await this.store.audit(accountId, 'code_revoked', { code_id: code.code_hash}, caller.who);
    }
    return this.codeView({ ...code, revoked_at: code.revoked_at || this.now }, undefined, this.now);
  }

  async listActivations(accountId: string, caller: Caller) {
    const [activations, codes] = await Promise.all([
      this.store.list<ActivationDoc>(accountId, 'sessiontalk_activation'),
      this.store.list<CodeDoc>(accountId, 'sessiontalk_code'),
    ]);
    const codeByHash = new Map(codes.map((c) => [c.code_hash, c]));
    return (await this.visible(accountId, caller, activations)).map((a) => this.activationView(a, codeByHash.get(a.code_hash) || null));
  }

  private activationView(a: ActivationDoc, code: CodeDoc | null) {
    return {
      id: shortId(a._id), device_id: a.device_id, device_ids: a.device_ids, enabled: a.enabled,
      created_at: iso(a.created_at), last_seen: iso(a.last_seen), code_id: a.code_hash,
      // False only for an install left behind by an interrupted move: it is refused already; delete it.
      held: holds(code, a), ...(a.moved_from ? { moved_from: a.moved_from } : {}),
    };
  }

  private async activation(accountId: string, caller: Caller, id: string): Promise<ActivationDoc> {
    const doc = HEX64.test(id) ? await this.store.get<ActivationDoc>(activationId(accountId, id), 'sessiontalk_activation', accountId) : null;
    if (!doc) throw notFound(`no activation ${id} in account ${accountId}`);
    caller.requireOwner((await this.s.kazoo.device(accountId, doc.device_id))?.owner_id);
    return doc;
  }

  /** Applies a change to an activation under its revision, re-reading on a conflict. */
  private async change(accountId: string, caller: Caller, id: string, fn: (a: ActivationDoc) => ActivationDoc | null) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const current = await this.activation(accountId, caller, id);
      const next = fn(current);
      if (!next) return current;
      const res = await this.store.write(next);
      if (res !== 'conflict') return { ...next, _rev: res.rev };
    }
    throw conflict('the activation keeps changing; try again');
  }

  async deactivate(accountId: string, caller: Caller, id: string) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const current = await this.activation(accountId, caller, id);
      if (await this.store.remove(current)) {
        await this.store.audit(accountId, 'deactivated', { activation_id: id, code_id: current.code_hash, reason: 'api'}, caller.who);
        return { id, deactivated: true };
      }
    }
    throw conflict('the activation keeps changing; try again');
  }

  async setEnabled(accountId: string, caller: Caller, id: string, input: { enabled?: unknown }) {
    if (typeof input?.enabled !== 'boolean') throw badRequest('enabled must be true or false', { enabled: { type: { message: 'must be a boolean' } } });
    const enabled = input.enabled;
    const doc = await this.change(accountId, caller, id, (a) => (a.enabled === enabled ? null : { ...a, enabled }));
    await this.store.audit(accountId, enabled ? 'enabled' : 'disabled', { activation_id: id}, caller.who);
    const code = await this.store.get<CodeDoc>(codeId(accountId, doc.code_hash), 'sessiontalk_code', accountId);
    return this.activationView(doc, code);
  }

  /** One more Kazoo device on an install: another SIP account after the app's next update. */
  async addDevice(accountId: string, caller: Caller, id: string, deviceId: string) {
    const device = await this.device(accountId, deviceId);
    caller.requireOwner(device.owner_id);
    const doc = await this.change(accountId, caller, id, (a) => {
      if (a.device_ids.includes(deviceId)) return null;
      if (a.device_ids.length >= MAX_DEVICES_PER_ACTIVATION) {
        throw badRequest(`an activation holds at most ${MAX_DEVICES_PER_ACTIVATION} devices`);
      }
      return { ...a, device_ids: [...a.device_ids, deviceId] };
    });
    await this.store.audit(accountId, 'device_added', { activation_id: id, device_id: deviceId}, caller.who);
    const code = await this.store.get<CodeDoc>(codeId(accountId, doc.code_hash), 'sessiontalk_code', accountId);
    return this.activationView(doc, code);
  }

  async removeDevice(accountId: string, caller: Caller, id: string, deviceId: string) {
    const doc = await this.change(accountId, caller, id, (a) => {
      if (!a.device_ids.includes(deviceId)) throw notFound(`device ${deviceId} is not on activation ${id}`);
      return { ...a, device_ids: a.device_ids.filter((d) => d !== deviceId) };
    });
    await this.store.audit(accountId, 'device_removed', { activation_id: id, device_id: deviceId}, caller.who);
    const code = await this.store.get<CodeDoc>(codeId(accountId, doc.code_hash), 'sessiontalk_code', accountId);
    return this.activationView(doc, code);
  }
}
