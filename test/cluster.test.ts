// COUCHDB_URL listing several nodes of one cluster: requests fail over to the next node when one
// stops answering, and return to it when it is back, without a restart. Two TCP proxies in front of
// the one test CouchDB stand in for two nodes (two embedded servers would not be one cluster).
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { connectCouch } from '../server/couch/client.js';
import { freePort } from '../server/couch/embedded.js';
import { parseNodeList } from '../server/couch/cluster.js';
import { startServer, type RunningServer } from '../server/server.js';
import { couch, freshPrefix, runEnv, testConfig, testLog } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const PASS = 'cluster-url-pass-4b3c2d';

describe('several CouchDB nodes', function () {
  this.timeout(60000);

  it('parses a node list separated by spaces or commas', () => {
    expect(parseNodeList(' http://a:5984, http://b:5984  https://u:p@c/ ')).to.deep.equal(['http://a:5984', 'http://b:5984', 'https://u:p@c/']);
  });

  it('sends a write whose first node refuses connections to the next node, and marks the first down', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const events: string[] = [];
    const c = connectCouch(`${dead} ${runEnv().couchUrl}`, 2000, {
      request() {}, error() {}, state: (node, up) => events.push(`${node} ${up ? 'up' : 'down'}`), failover: () => events.push('failover'),
    });
    try {
      const name = `${freshPrefix()}cluster_unit`;
      await c.server.db.create(name);
      const db = c.server.use<{ n: number }>(name);
      const res = await db.insert({ _id: 'a', n: 1 }); // a PUT with a body: replayed on the second node
      expect((await couch().use<{ n: number }>(name).get('a')).n).to.equal(1);
      await db.insert({ _id: 'a', _rev: res.rev, n: 2 });
      expect((await db.get('a')).n).to.equal(2);
      expect(events).to.include(`${new URL(dead).host} down`);
      expect(events).to.include('failover');
      expect(c.nodes()).to.deep.equal([{ node: new URL(dead).host, up: false }, { node: new URL(runEnv().couchUrl).host, up: true }]);
    } finally {
      await c.close();
    }
  });

  it('moves a read off a node that answers 503', async () => {
    const port = await freePort();
    let hits = 0;
    const sick: Server = createServer((_req, res) => { hits++; res.writeHead(503, { 'content-type': 'application/json' }); res.end('{"error":"nodedown"}'); });
    await new Promise<void>((r) => sick.listen(port, '127.0.0.1', () => r()));
    const c = connectCouch(`http://127.0.0.1:${port},${runEnv().couchUrl}`, 2000);
    try {
      const info = await c.server.info() as unknown as Record<string, unknown>;
      expect(info).to.have.property('version');
      expect(hits).to.equal(1);
      await c.server.info();
      expect(hits, 'a node marked down is skipped while its probe says 503').to.be.at.most(2);
      expect(c.nodes()[0].up).to.equal(false);
    } finally {
      await c.close();
      sick.closeAllConnections();
      await new Promise<void>((r) => sick.close(() => r()));
    }
  });

  describe('a server on a two-node list', () => {
    let a: TcpProxy;
    let b: TcpProxy;
    let srv: RunningServer;
    let k: KazooFixture;

    before(async () => {
      a = await TcpProxy.create(runEnv().couchUrl);
      b = await TcpProxy.create(runEnv().couchUrl);
      const nodes = `${a.url}, ${b.url}`;
      const cfg = { ...testConfig({ indexIntervalMs: 200 }), couchdbUrl: nodes, kazooCouchdbUrl: nodes };
      srv = await startServer(cfg, nodes, testLog);
      k = new KazooFixture(cfg.kazooDbPrefix);
    });
    after(async () => {
      await srv?.close();
      await a?.stop();
      await b?.stop();
    });

    it('keeps serving phones and following changes while one node is down, and uses it again when it returns', async () => {
      const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      const mac = newMac('805ec0');
      const d = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      const url = `${srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`;
      const served = (text: string, what: string) => waitFor(async () => {
        const r = await http(url);
        return r.status === 200 && r.text.includes(text) ? r : null;
      }, 20000, what);
      await served(d.sip.password, 'first config');
      expect(a.connections, 'the first node is preferred').to.be.above(0);

      // Node A dies: the index sweep, the change feeds and renders go on through B.
      await a.stop();
      b.connections = 0;
      await k.update(account._id, d._id, (doc) => { doc.sip.password = 'while-a-is-down'; });
      await served('while-a-is-down', 'a change while node A is down');
      expect(b.connections).to.be.above(0);
      expect((await http(`${srv.url}/healthz`)).status).to.equal(200);
      const metrics = (await http(`${srv.url}/metrics`)).text;
      expect(metrics).to.include(`provision_couchdb_node_up{target="provision",node="127.0.0.1:${a.port}"} 0`);

      // A returns: it is probed, preferred again, and B can go.
      a.connections = 0;
      await a.start();
      await waitFor(async () => srv.app.couch.nodes()[0].up, 10000, 'node A probed up');
      await waitFor(async () => {
        await http(`${srv.url}/healthz`);
        return a.connections > 0;
      }, 10000, 'requests on node A again');
      await b.stop();
      await k.update(account._id, d._id, (doc) => { doc.sip.password = 'back-on-a'; });
      await served('back-on-a', 'a change after node A returned and node B died');
    });
  });
});
