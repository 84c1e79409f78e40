import { expect } from 'chai';
import { fetchTokenInfo } from '../server/api/kazoo-auth.js';
import { freePort } from '../server/couch/embedded.js';
import { startTestServer, logLines } from './harness.js';
import { FakeCrossbar } from './fake-crossbar.js';
import { http } from './support.js';
import { startWorld, type World } from './kazoo-tenants.js';

describe('Kazoo token auth', () => {
  describe('the fake crossbar answers tokeninfo as Kazoo documents it', () => {
    let cb: FakeCrossbar;
    before(async () => { cb = await new FakeCrossbar().start(); });
    after(async () => { await cb.stop(); });

    it('good token: 200 with data.account_id and data.owner_id', async () => {
      const token = cb.issue({ accountId: 'a'.repeat(32), ownerId: 'b'.repeat(32) });
      expect(token.split('.')).to.have.length(3);
      const res = await http(`${cb.url}/v2/auth/tokeninfo?token=${encodeURIComponent(token)}`, { headers: { 'x-auth-token': token } });
      expect(res.status).to.equal(200);
      expect(res.json.status).to.equal('success');
      expect(res.json.data).to.include({ account_id: 'a'.repeat(32), owner_id: 'b'.repeat(32) });
      const posted = await http(`${cb.url}/v2/auth/tokeninfo`, { method: 'POST', json: { data: { token } } });
      expect(posted.status).to.equal(200);
      expect(await fetchTokenInfo(cb.url, token)).to.deep.equal({ accountId: 'a'.repeat(32), ownerId: 'b'.repeat(32) });
    });

    it('expired and unknown tokens: 401 with the error envelope; no token: 404', async () => {
      const token = cb.issue({ accountId: 'a'.repeat(32), ownerId: 'b'.repeat(32), expired: true });
      for (const t of [token, 'eyJ.eyJ.never-issued']) {
        const res = await http(`${cb.url}/v2/auth/tokeninfo?token=${encodeURIComponent(t)}`);
        expect(res.status).to.equal(401);
        expect(res.json).to.include({ status: 'error', error: '401' });
        expect(await fetchTokenInfo(cb.url, t)).to.equal(null);
      }
      expect((await http(`${cb.url}/v2/auth/tokeninfo`)).status).to.equal(404);
    });

    it('sends the token in the body, not the URL, and falls back to GET where POST is not offered', async () => {
      const token = cb.issue({ accountId: 'a'.repeat(32), ownerId: 'b'.repeat(32) });
      cb.calls.length = 0;
      await fetchTokenInfo(cb.url, token);
      expect(cb.calls).to.deep.equal([{ method: 'POST', viaQuery: false }]);
      cb.getOnly = true;
      try {
        const state = {};
        cb.calls.length = 0;
        expect(await fetchTokenInfo(cb.url, token, state)).to.include({ accountId: 'a'.repeat(32) });
        expect(await fetchTokenInfo(cb.url, token, state)).to.include({ accountId: 'a'.repeat(32) });
        // One 405, then GET only: the fallback is remembered.
        expect(cb.calls.map((c) => c.method)).to.deep.equal(['GET', 'GET']);
      } finally {
        cb.getOnly = false;
      }
    });
  });

  describe('through the API', () => {
    let w: World;
    before(async () => { w = await startWorld(); });
    after(async () => { await w?.close(); });
    const search = (token?: string) => w.call('GET', 'devices/search/805ec0000001', token);

    it('a good token passes; the check is cached, at most 60 s', async () => {
      w.crossbar.calls.length = 0;
      expect((await search(w.tokens.accountAdmin)).status).to.equal(404);
      expect((await search(w.tokens.accountAdmin)).status).to.equal(404);
      expect(w.crossbar.calls).to.have.length(1);
      const realNow = w.srv.app.now;
      w.srv.app.now = () => realNow() + 61_000;
      try {
        expect((await search(w.tokens.accountAdmin)).status).to.equal(404);
        expect(w.crossbar.calls).to.have.length(2);
      } finally {
        w.srv.app.now = realNow;
      }
    });

    it('no token, an unknown token or an expired token: 401 in the Kazoo envelope', async () => {
      for (const token of [undefined, w.tokens.unknown, w.tokens.expired]) {
        const res = await search(token);
        expect(res.status, String(token)).to.equal(401);
        expect(res.json).to.include({ status: 'error', error: 'invalid_credentials' });
        expect(res.json.message).to.be.a('string').and.not.empty;
      }
    });

    it('a token that expires at Kazoo is refused once the cache has let it go', async () => {
      const token = w.crossbar.issue({ accountId: w.account, ownerId: w.ids.accountAdmin });
      expect((await search(token)).status).to.equal(404);
      w.crossbar.expire(token);
      const realNow = w.srv.app.now;
      w.srv.app.now = () => realNow() + 61_000;
      try {
        expect((await search(token)).status).to.equal(401);
      } finally {
        w.srv.app.now = realNow;
      }
    });

    it('never writes a token into the log', async () => {
      await search(w.tokens.user);
      await search(w.tokens.unknown);
      const all = logLines.join('\n');
      for (const t of Object.values(w.tokens)) expect(all).not.to.include(t);
      expect(all).to.include('token_sha256');
    });
  });

  describe('when Kazoo cannot be asked', () => {
    it('answers 503 with a clear message (not 401, which would log Monster UI out)', async () => {
      const port = await freePort();
      const srv = await startTestServer({ kazooApiUrl: `http://127.0.0.1:${port}` });
      try {
        const res = await http(`${srv.url}/api/devices/search/805ec0000001`, { headers: { 'x-auth-token': 'eyJ.eyJ.sig' } });
        expect(res.status).to.equal(503);
        expect(res.json).to.include({ status: 'error', error: 'kazoo_unreachable' });
        expect(res.json.message).to.match(/cannot check the auth token with Kazoo/);
      } finally {
        await srv.close();
      }
    });

    it('gives up on a crossbar that does not answer within 2 s', async function () {
      this.timeout(30000); // the assertion is on the request's time; closing the server may take longer
      const cb = await new FakeCrossbar().start();
      cb.delayMs = 3000;
      const srv = await startTestServer({ kazooApiUrl: cb.url });
      try {
        const started = Date.now();
        const res = await http(`${srv.url}/api/devices/search/805ec0000001`, { headers: { 'x-auth-token': cb.issue({ accountId: 'a'.repeat(32) }) } });
        expect(res.status).to.equal(503);
        expect(Date.now() - started).to.be.below(2900);
      } finally {
        await srv.close();
        await cb.stop();
      }
    });

    it('without KAZOO_API_URL only the admin token is accepted', async () => {
      const srv = await startTestServer({ kazooApiUrl: null });
      try {
        const res = await http(`${srv.url}/api/devices/search/805ec0000001`, { headers: { 'x-auth-token': 'eyJ.eyJ.sig' } });
        expect(res.status).to.equal(401);
      } finally {
        await srv.close();
      }
    });
  });
});
