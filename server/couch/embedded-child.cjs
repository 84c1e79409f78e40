// Runs pouchdb-server inside a process that ends when its parent does: the parent holds our
// stdin open, so an orphaned child (parent killed with SIGKILL) sees 'end' and exits.
'use strict';
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
process.argv = [process.argv[0], 'pouchdb-server', ...process.argv.slice(2)];
require('pouchdb-server/lib/index.js');
