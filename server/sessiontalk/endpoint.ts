// The External Provisioning endpoint's logic: limits, loading, the decision (provision.ts), the
// writes it implies, and the reply. Routes stay thin; nothing here sees cookies or sessions.
import type { Services } from '../services.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { looksLikeCode } from './codes.js';
import { settleRefusal } from '../http/refusal-delay.js';
import { activationId, codeHashOf, deviceHashOf, shortId } from './ids.js';
import { accountsChanged, buildAccounts, MSG, parseRequest, planActivation, planReprovision, reply, serveReply,
  type Plan, type ProvisionRequest } from './provision.js';
import { Buckets, DEFAULT_LIMITS, type ProvisionLimits } from './ratelimit.js';
import type { SessiontalkStore } from './store.js';
import type { ActivationDoc, CodeDoc, ProvisionReply, SessiontalkSettings } from './types.js';

/** last_seen is written at most this often per install: each foreground must not be a CouchDB write. */
export const LAST_SEEN_THROTTLE_MS = 15 * 60 * 1000;
const MAX_ATTEMPTS = 4;
const MAX_BOUND_TICKS = 10_000;
const FAILURES = new Set<string>([MSG.badRequest, MSG.invalidKey, MSG.invalidDevice, MSG.expired]);

export class ProvisionEndpoint {
  private perUser: Buckets;
  private perSource: Buckets;
  /**
   * A counter ticked by every request's arrival and every bind on this instance, and the tick of each
   * code's last bind: a bind after a request arrived means the code was taken while it was on its way.
   * Only the last binds matter (requests last seconds), so the map is kept short.
   */
  private tick = 0;
  private boundTick = new Map<string, number>();

  constructor(private s: Services, private store: SessiontalkStore, limits: ProvisionLimits = DEFAULT_LIMITS) {
    this.perUser = new Buckets(limits.perUser, () => s.app.now());
    this.perSource = new Buckets(limits.perSourceFailures, () => s.app.now());
  }

  private get now() { return this.s.app.now(); }

  async handle(query: Record<string, string | string[] | undefined>, source: string): Promise<ProvisionReply & { retryAfter?: number }> {
    const started = Date.now();
    const result = await this.decide(query, source, ++this.tick);
    // Every refusal, whatever the realm or reason, takes at least the floor (FAILURE_DELAY_MS).
    if (!('sipaccounts' in result.body) && result.status !== 503) await settleRefusal(started, this.s.app.config.failureDelayMs);
    return result;
  }

  private async decide(query: Record<string, string | string[] | undefined>, source: string, arrived: number):
    Promise<ProvisionReply & { retryAfter?: number }> {
    if (!this.perSource.has(source)) return { ...reply(false, MSG.tooMany, 429), retryAfter: this.perSource.retryAfter(source) };
    const req = parseRequest(query);
    if (!req) {
      this.perSource.take(source);
      return reply(true, MSG.badRequest, 400);
    }
    // Keyed on what is checked (the realm's code), never on the name before the @, which nothing
    // checks: a stranger cannot spend a real app's budget, nor escape the limit by varying the name.
    const userKey = `${req.realm}\n${codeHashOf(req.code)}`;
    // update:false: a throttled app keeps the accounts it has.
    if (!this.perUser.take(userKey)) return { ...reply(false, MSG.tooMany, 429), retryAfter: this.perUser.retryAfter(userKey) };
    const result = await this.answer(req, arrived);
    if (FAILURES.has(result.body.errmsg)) {
      this.perSource.take(source);
      // Realm and source only: fail2ban can act on this line, and it carries no secret.
      this.s.app.log.info({ realm: req.realm, ip: source, reprovision: req.reprovision, errmsg: result.body.errmsg }, 'sessiontalk provisioning refused');
    }
    return result;
  }

  private async answer(req: ProvisionRequest, arrived: number): Promise<ProvisionReply> {
    const accountId = req.realm ? this.s.kazoo.accountIdByRealm(req.realm) : undefined;
    // Unknown realm, other tenant, malformed code: one answer, no lookup that could tell them apart.
    if (!accountId || !looksLikeCode(req.code)) return reply(true, req.reprovision ? MSG.invalidDevice : MSG.invalidKey);
    const codeHash = codeHashOf(req.code);
    const deviceHash = deviceHashOf(accountId, req.deviceId);
    return req.reprovision ? this.reprovision(accountId, codeHash, deviceHash) : this.activate(accountId, codeHash, deviceHash, arrived);
  }

  /** Rows 11-14, from memory when nothing changed. */
  private async reprovision(accountId: string, codeHash: string, deviceHash: string): Promise<ProvisionReply> {
    const { binding, code, settings } = await this.store.hotState(accountId, codeHash, deviceHash);
    if (planReprovision(code, binding) === 'invalid') return reply(true, MSG.invalidDevice); // row 13, no write
    return this.serve(accountId, binding!, settings, MSG.valid);
  }

  /** Serves an install that holds its code; records what was served only when it changed, or to stamp last_seen. */
  private async serve(accountId: string, binding: ActivationDoc, settings: SessiontalkSettings, errmsg: string): Promise<ProvisionReply> {
    if (!binding.enabled) return serveReply(false, [], false, errmsg); // row 12: no state change
    const devices = await this.store.devices.get(accountId, binding.device_ids) as Map<string, KazooDevice | null>;
    const { accounts, served } = buildAccounts(binding.device_ids, devices, settings, this.realmOf(accountId));
    if (!accounts.length) return serveReply(true, [], false, errmsg); // row 14
    const changed = await this.changed(accountId, binding.served, served, devices);
    const now = this.now;
    // A device revision that moved without changing the accounts (a rename) is recorded too: else every
    // foreground until the next last_seen stamp would read the old revision from Kazoo's CouchDB again,
    // and once compaction drops it, send a needless update.
    const revMoved = served.some((a, i) => binding.served?.[i]?.device_rev !== a.device_rev);
    if (changed || revMoved || now - binding.last_seen >= LAST_SEEN_THROTTLE_MS) {
      // A conflict means another request or an admin wrote first; what was sent is still right.
      await this.store.write<ActivationDoc>({ ...binding, served, last_seen: now });
    }
    return serveReply(true, accounts, changed, errmsg);
  }

  private changed(accountId: string, before: ActivationDoc['served'], after: ActivationDoc['served'] & object,
    devices: Map<string, KazooDevice | null>): Promise<boolean> {
    return accountsChanged(before, after, {
      now: (id) => devices.get(id)?.sip?.password || '',
      at: async (id, rev) => {
        const current = devices.get(id)!;
        return (await this.store.passwordsMatch(accountId, id, rev, current)) ? current.sip!.password! : null;
      },
    });
  }

  private realmOf(accountId: string): string {
    return (this.s.kazoo.account(accountId)?.realm || '').toLowerCase();
  }

  /**
   * Rows 2-10 and 15, on the latest revisions; a lost revision race starts over. `arrived`: the
   * request's tick. A code is moved only from an install that held it before the request came in:
   * of installs scanning one code at once, exactly one gets it, the others "Code Already Used".
   */
  private async activate(accountId: string, codeHash: string, deviceHash: string, arrived: number): Promise<ProvisionReply> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const st = await this.store.activationState(accountId, codeHash, deviceHash);
      const targetExists = st.code ? !!(await this.s.kazoo.device(accountId, st.code.device_id)) : false;
      const plan = planActivation({ ...st, now: this.now, targetExists });
      if (plan.kind === 'refuse') return reply(true, plan.errmsg);
      if (plan.kind === 'bind' && plan.takeFrom && (this.boundTick.get(codeHash) ?? 0) > arrived) return reply(true, MSG.alreadyUsed);
      if (plan.kind === 'serve') return this.serve(accountId, plan.binding, st.settings, MSG.reactivated);
      const result = await this.bind(accountId, deviceHash, st.code!, st.settings, plan);
      if (result === 'retry') continue;
      return result;
    }
    return reply(false, MSG.unavailable, 503);
  }

  private async bind(accountId: string, deviceHash: string, code: CodeDoc, settings: SessiontalkSettings,
    plan: Extract<Plan, { kind: 'bind' }>): Promise<ProvisionReply | 'retry'> {
    const id = activationId(accountId, deviceHash);
    const now = this.now;
    const others = plan.takeFrom && plan.takeFrom._id !== id ? [plan.takeFrom] : [];
    const limit = plan.move ? 0 : settings.max_activations;
    if (limit > 0) {
      const count = await this.store.countActivations(accountId, code.device_id, [id, ...others.map((o) => o._id)], code.code_hash);
      if (count >= limit) {
        // Rows 5/6/8: the previous activations go first, as the table orders it; the limit then refuses.
        for (const old of [plan.replace, ...others]) if (old) await this.deactivate(accountId, old, 'replaced');
        return reply(true, MSG.maxReached);
      }
    }
    const base = plan.move ? plan.takeFrom! : null;
    const deviceIds = base ? base.device_ids : [code.device_id];
    const devices = await this.store.devices.get(accountId, deviceIds) as Map<string, KazooDevice | null>;
    const { accounts, served } = buildAccounts(deviceIds, devices, settings, this.realmOf(accountId));
    const enabled = base ? base.enabled : true;
    const update = base ? await this.changed(accountId, base.served, served, devices) : true;
    const doc: ActivationDoc = {
      _id: id, ...(plan.replace ? { _rev: plan.replace._rev } : {}), pvt_type: 'sessiontalk_activation',
      account_id: accountId, device_hash: deviceHash, code_hash: code.code_hash, device_id: code.device_id,
      device_ids: deviceIds, enabled, created_at: now, last_seen: now,
      served: enabled && accounts.length ? served : base?.served ?? null,
      ...(base ? { moved_from: shortId(base._id) } : {}),
    };
    // The activation first, then the code's claim on it under the code's revision: of two scans
    // racing on one code, exactly one claim succeeds and the loser removes what it created.
    const created = await this.store.write(doc);
    if (created === 'conflict') return 'retry';
    // Ticked before the claim is sent, not after it returns: a scan whose read already sees the claim
    // must also see the tick. A claim that then loses only lost to another bind, which ticks too.
    this.bound(code.code_hash);
    const claimed = await this.store.write<CodeDoc>({ ...code, activation_id: id, bound_at: now });
    if (claimed === 'conflict') {
      await this.store.remove({ _id: id, _rev: created.rev });
      return 'retry';
    }
    if (plan.replace) await this.store.audit(accountId, 'replaced', { activation_id: shortId(id), code_id: code.code_hash,
      previous_code_id: plan.replace.code_hash });
    for (const old of others) await this.deactivate(accountId, old, plan.move ? 'moved' : 'replaced', shortId(id));
    // Our own activation holds the code (claimed above): the others of this code are losers on their way out.
    if (limit > 0 && await this.store.countActivations(accountId, code.device_id, [], code.code_hash) + 1 > limit) {
      // A parallel activation of another code for the same device got in as well: back out.
      await this.store.remove({ _id: id, _rev: created.rev });
      await this.store.audit(accountId, 'over_limit', { activation_id: shortId(id), device_id: code.device_id });
      return reply(true, MSG.maxReached);
    }
    if (!plan.move) await this.store.audit(accountId, 'activated', { activation_id: shortId(id), code_id: code.code_hash, device_id: code.device_id });
    this.s.app.metrics.activations.inc({ kind: plan.move ? 'moved' : 'new' });
    return serveReply(enabled, accounts, update, MSG.valid);
  }

  private bound(codeHash: string): void {
    this.boundTick.delete(codeHash);
    this.boundTick.set(codeHash, ++this.tick);
    if (this.boundTick.size > MAX_BOUND_TICKS) this.boundTick.delete(this.boundTick.keys().next().value!);
  }

  private async deactivate(accountId: string, old: ActivationDoc, why: string, by?: string): Promise<void> {
    if (await this.store.remove(old)) {
      await this.store.audit(accountId, why === 'moved' ? 'moved' : 'deactivated', { activation_id: shortId(old._id),
        code_id: old.code_hash, reason: why, ...(by ? { to_activation_id: by } : {}) });
    }
  }
}
