// The account's Kazoo devices as provisioning sees them: model, template, provisioning URL, last
// fetch, IP lock, MAC conflict. Shared by the device list and the CSV export.
import { firmwareVersionOf } from '../firmware/user-agent.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { normalizeMac } from '../kazoo/mac.js';
import { deviceFile, fileNameFor } from '../phones/files.js';
import type { Sighting } from '../phones/sightings.js';
import { lockId } from '../security/locks.js';
import type { Services } from '../services.js';

export interface DeviceRow {
  id: string; name?: string; mac_address: string | null; owner_id: string | null; device_type: string; enabled: boolean;
  brand: string | null; family: string | number | null; model: string | number | null; template_id: string | null;
  template_found: boolean; provisioning_url: string | null; last_seen: Sighting | null; firmware_version: string | null; lock: { ip: string; at: number } | null; conflict: boolean;
}

export const templateOf = (s: Services, d: KazooDevice) => {
  const p = d.provision || {};
  return p.endpoint_brand ? s.catalog.template(p.endpoint_brand, p.endpoint_family, p.endpoint_model) : undefined;
};

function provisioningUrl(s: Services, d: KazooDevice, mac: string | null): string | null {
  const t = templateOf(s, d);
  if (!t || !mac) return null;
  const profile = s.catalog.profile(t.endpoint_brand);
  const file = deviceFile(t, profile, null);
  return file ? `${s.app.config.publicUrl}/prov/${t.endpoint_brand}/${fileNameFor(file, mac, profile)}` : null;
}

/** One row per device, sorted by name; the last fetches and locks of all of them in one request. */
export async function deviceRows(s: Services, accountId: string, devices: KazooDevice[]): Promise<DeviceRow[]> {
  const macs = devices.map((d) => normalizeMac(d.mac_address)).filter((m): m is string => !!m);
  const keys = macs.flatMap((m) => [`seen:${m}`, lockId(accountId, m)]);
  const state = keys.length ? await s.app.stateDb.fetch({ keys }) : { rows: [] };
  const lastSeen = new Map<string, Sighting>();
  const locks = new Map<string, { ip: string; at: number }>();
  for (const row of state.rows as Array<{ doc?: { _id: string; mac: string; last?: Sighting; account_id: string; ip?: string; at?: number } | null }>) {
    const d = row.doc;
    if (!d || d.account_id !== accountId) continue;
    if (d._id.startsWith('seen:')) { if (d.last) lastSeen.set(d.mac, d.last); }
    else locks.set(d.mac, { ip: d.ip!, at: d.at! });
  }
  const conflicts = new Set(s.macIndex.conflicts(accountId).map((c) => c.mac));
  return devices.sort((a, b) => String(a.name).localeCompare(String(b.name))).map((d) => {
    const mac = normalizeMac(d.mac_address);
    const p = d.provision || {};
    const t = templateOf(s, d);
    return {
      id: d._id, name: d.name, mac_address: mac, owner_id: d.owner_id ?? null, device_type: d.device_type || 'sip_device',
      enabled: d.enabled !== false, brand: p.endpoint_brand ?? null, family: p.endpoint_family ?? null, model: p.endpoint_model ?? null,
      template_id: t?._id ?? null, template_found: !!t, provisioning_url: provisioningUrl(s, d, mac),
      last_seen: (mac && lastSeen.get(mac)) || null,
      firmware_version: firmwareVersionOf((mac && lastSeen.get(mac)?.ua) || null), lock: (mac && locks.get(mac)) || null, conflict: !!mac && conflicts.has(mac),
    };
  });
}
