// Which firmware file a phone is told to run: a pinned file, or — during a staged rollout — the new
// file for a fixed share of phones. The share is chosen by a hash of the MAC, so a phone stays on the
// same side while the percentage is unchanged, and raising it only adds phones (none flips back).
import { createHash } from 'node:crypto';

export interface FirmwarePolicy {
  /** The file every phone of the model runs unless the rollout picks it; null: no firmware line at all. */
  firmware_id: string | null;
  /** A newer file for `percent` of the phones (0–100). */
  rollout?: { firmware_id: string; percent: number } | null;
}

/** 0–99, the same for a MAC on every instance and every run. */
export function bucketOf(mac: string): number {
  return createHash('sha256').update(mac.toLowerCase()).digest().readUInt32BE(0) % 100;
}

export function chooseFirmware(policy: FirmwarePolicy | undefined, mac: string): string | null {
  if (!policy) return null;
  const r = policy.rollout;
  if (r && r.percent > 0 && bucketOf(mac) < r.percent) return r.firmware_id;
  return policy.firmware_id;
}

/** Policies are per model; expansion-module variants (t46s-2) run their base model's firmware. */
export function policyModelKey(brand: string, family: string, model: string): string {
  return `${brand}/${family}/${model.replace(/-\d+$/, '')}`;
}
