// The Resync and Bulk tabs of the Monster app in Chromium, inside the stock Monster UI, against our
// real server and the fake crossbar (devices PUT/DELETE and devices/{id}/sync as Kazoo documents
// them). One Monster boot for the file.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openApp, openTab, screenshot, type TestPage } from './browser/app-page.js';
import { toast, useAppBrowser } from './browser/suite.js';
import { syncCalls } from './browser/crossbar-api.js';
import { phoneFetch, type AppWorld } from './browser/world.js';
import { newMac } from './fixtures/kazoo.js';
import { waitFor } from './support.js';

describe('Monster app: Resync and Bulk tabs', function () {
  this.timeout(60000);
  let browser: Browser;
  let world: AppWorld;
  let page: TestPage | null = null;
  useAppBrowser({ started: (b, w) => { browser = b; world = w; }, page: () => page, pageClosed: () => { page = null; } });

  const kazooNames = async () => (await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).list({ include_docs: true }))
    .rows.map((r) => r.doc).filter((d) => d.pvt_type === 'device' && !d.pvt_deleted).map((d) => d.name as string);

  it('Bulk: checks a CSV row by row, refuses the import while a row is bad, then creates the phones', async () => {
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Bulk');
    const good = newMac();
    await page.fill('#phoneprov_bulk_csv', `mac,model,user,name\n${good},yealink/t4x/t46s,,Lobby phone\nnot-a-mac,yealink/t4x/t46s,,Broken\n`);
    await page.click('.phoneprov-bulk-check');
    const bad = page.locator('.phoneprov-bulk-rows tr.phoneprov-bulk-bad');
    await bad.waitFor();
    expect(await bad.innerText()).to.match(/is not a MAC address/);
    expect(await page.locator('.phoneprov-bulk-rows tbody tr').count()).to.equal(2);
    await screenshot(page, 'bulk-check');
    await page.click('.phoneprov-bulk-import');
    await page.click('.monster-confirm #confirm_button');
    await toast(page, 'error', /1 of 2 rows have errors; nothing was created/);
    expect(await kazooNames()).to.not.include('Lobby phone');
    await page.fill('#phoneprov_bulk_csv', `mac,model,user,name\n${good},yealink/t4x/t46s,,Lobby phone\n`);
    await page.click('.phoneprov-bulk-import');
    await page.click('.monster-confirm #confirm_button');
    await toast(page, 'success', /created/);
    expect(await kazooNames()).to.include('Lobby phone');
  });

  it('Resync: tells one device through Kazoo and shows when the phone has the new file', async () => {
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Resync');
    await page.selectOption('#phoneprov_resync_scope', 'device');
    await page.selectOption('#phoneprov_resync_device', world.devices.yealink.id);
    await page.click('.phoneprov-resync-start');
    await page.click('.monster-confirm #confirm_button');
    const row = page.locator(`.phoneprov-resync-items tr[data-device-id="${world.devices.yealink.id}"]`);
    await waitFor(async () => /sent/.test(await row.innerText().catch(() => '')), 15000, 'the device told');
    expect(syncCalls.map((c) => c.deviceId)).to.include(world.devices.yealink.id);
    expect(await row.locator('.phoneprov-resync-fetched').innerText()).to.match(/not yet/);
    expect(await phoneFetch(world, world.devices.yealink.id, 'Yealink SIP-T46S 66.86.0.15')).to.equal(200);
    await waitFor(async () => {
      await page!.click('.phoneprov-resync-refresh');
      return /yes/.test(await row.locator('.phoneprov-resync-fetched').innerText().catch(() => ''));
    }, 15000, 'the new file seen');
    await screenshot(page, 'resync');
  });
});
