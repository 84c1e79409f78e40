// Provisioning-state database: MAC index entries, locks, bans, credentials, activations, sightings.
// Every document carries pvt_type and (where it belongs to a tenant) account_id.
export default {
  db: 'state' as const,
  doc: {
    _id: '_design/state',
    language: 'javascript',
    views: {
      by_account: {
        map: `function (doc) {
  if (doc.pvt_type && doc.account_id) emit([doc.account_id, doc.pvt_type], null);
}`,
      },
      by_type: {
        map: `function (doc) {
  if (doc.pvt_type) emit(doc.pvt_type, null);
}`,
        reduce: '_count',
      },
      // Phone security: bans, provisioning windows and remembered unlocks, by expiry (server/security/sweeper.ts).
      provision_expiring: {
        map: `function (doc) {
  if ((doc.pvt_type === 'digest_nonce' || doc.pvt_type === 'provision_ban' || doc.pvt_type === 'provision_window'
    || doc.pvt_type === 'provision_unlock' || doc.pvt_type === 'unknown_mac' || doc.pvt_type === 'audit_event'
    || doc.pvt_type === 'file_body') && doc.expires_at) emit(doc.expires_at, doc._rev);
}`,
      },
      // Unknown MACs newest first (the super-admin's list) and by the address they came from (an
      // account admin sees those from its own sites, however many scanners came meanwhile).
      unknown_by_time: {
        map: `function (doc) {
  if (doc.pvt_type === 'unknown_mac' && doc.last) emit(doc.last.at, null);
}`,
      },
      unknown_by_ip: {
        map: `function (doc) {
  if (doc.pvt_type === 'unknown_mac' && doc.last) emit(doc.last.ip, null);
}`,
      },
      // Which accounts' phones fetch from an address: an address two tenants share proves neither.
      seen_by_ip: {
        map: `function (doc) {
  if (doc.pvt_type === 'device_seen' && doc.last && doc.account_id) emit(doc.last.ip, doc.account_id);
}`,
      },
      // The audit trail of one object (server/audit/log.ts), newest first by id (ids sort by time).
      audit_by_object: {
        map: `function (doc) {
  if (doc.pvt_type === 'audit_event' && doc.object) emit([doc.scope, doc.object.type + ':' + doc.object.id, doc._id], null);
}`,
      },
      // SessionTalk installs per Kazoo device, for max_activations; the value is the code each came from.
      sessiontalk_by_device: {
        map: `function (doc) {
  if (doc.pvt_type === 'sessiontalk_activation') emit([doc.account_id, doc.device_id], doc.code_hash || null);
}`,
        reduce: '_count',
      },
    },
  },
};
