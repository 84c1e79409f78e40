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
    },
  },
};
