// Runs pouchdb-server inside a process that ends when its parent does: the parent holds our
// stdin open, so an orphaned child (parent killed with SIGKILL) sees 'end' and exits.
// pouchdb-server has no "require a valid user" setting (CouchDB 1 semantics: without _security
// members, anyone may read and write), so the listener it opens is wrapped: every request must carry
// the Basic credentials the parent passed in KP_EMBEDDED_AUTH, compared in constant time.
'use strict';
const { createHash, timingSafeEqual } = require('node:crypto');
const http = require('node:http');
const path = require('node:path');

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

const digest = (s) => createHash('sha256').update(s).digest();
const expected = process.env.KP_EMBEDDED_AUTH ? digest(`Basic ${process.env.KP_EMBEDDED_AUTH}`) : null;
delete process.env.KP_EMBEDDED_AUTH;
if (expected) {
  // The express instance pouchdb-server itself loads.
  const express = require(require.resolve('express', { paths: [path.dirname(require.resolve('pouchdb-server/package.json'))] }));
  express.application.listen = function listen(...args) {
    const app = this;
    const server = http.createServer((req, res) => {
      if (timingSafeEqual(digest(String(req.headers.authorization || '')), expected)) {
        // Behind this gate pouchdb-server keeps its admin party: it would check the header against
        // its own (empty) users database and refuse.
        delete req.headers.authorization;
        return app(req, res);
      }
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="kazoo-provision embedded CouchDB"' });
      res.end('{"error":"unauthorized","reason":"this CouchDB needs the credentials in DATA_DIR/couchdb-credentials"}\n');
    });
    return server.listen(...args);
  };
}
// Views indexed without a fresh VM context per document (embedded-mapreduce.cjs says why).
require('./embedded-mapreduce.cjs').install();
process.argv = [process.argv[0], 'pouchdb-server', ...process.argv.slice(2)];
require('pouchdb-server/lib/index.js');
