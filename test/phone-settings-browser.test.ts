// Devices → Settings in the stock Monster UI (Chromium): a device's effective settings with the level
// each comes from, the account level edited and reaching the phone's file, and a bad value refused
// with the server's message in the dialog. One Monster boot for the file.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openApp, screenshot, type TestPage } from './browser/app-page.js';
import { toast, useAppBrowser } from './browser/suite.js';
import { phoneFile, type AppWorld } from './browser/world.js';
import { waitFor } from './support.js';

describe('Monster app: Devices → Settings', function () {
  this.timeout(90000);
  let browser: Browser;
  let world: AppWorld;
  let page: TestPage | null = null;
  useAppBrowser({ started: (b, w) => { browser = b; world = w; }, page: () => page, pageClosed: () => { page = null; } });

  const openSettings = async (p: TestPage) => {
    await p.locator(`tr[data-id="${world.devices.yealink.id}"] .phoneprov-device-settings`).click();
    const dialog = p.locator('.ui-dialog').filter({ has: p.locator('.phoneprov-phone-settings') });
    await dialog.waitFor();
    return dialog;
  };

  it('shows each value with its level, saves the account level to the phone, and shows a refusal', async () => {
    const set = await world.api('PUT', `accounts/${world.accountId}/devices/${world.devices.yealink.id}/phone-settings`,
      { data: { settings: { dial_plan: '[2-9]xx', volumes: { ringer: 80 } } } });
    expect(set.status).to.equal(200);
    page = await openApp(browser, world, 'admin');
    let dialog = await openSettings(page);
    expect(await dialog.locator('tr[data-path="/dial_plan"] .phoneprov-phone-settings-source').innerText()).to.equal('device');
    // The T46S template writes the dial plan (Yealink's digit map) but no ringer volume: the row says so.
    expect(await dialog.locator('tr[data-path="/dial_plan"] .phoneprov-phone-settings-unwritten').count()).to.equal(0);
    expect(await dialog.locator('tr[data-path="/volumes/ringer"] .phoneprov-phone-settings-unwritten').innerText()).to.include('raw key');
    await dialog.locator('textarea[data-level="account"]').fill('{"settings": {"ntp_servers": ["ntp.browser.example"]}}');
    await dialog.locator('.phoneprov-phone-settings-save[data-level="account"]').click();
    await toast(page, 'success', /saved/);
    dialog = page.locator('.ui-dialog').filter({ has: page.locator('.phoneprov-phone-settings') });
    const row = dialog.locator('tr[data-path="/ntp_servers"]');
    await row.waitFor();
    expect(await row.locator('.phoneprov-phone-settings-value').innerText()).to.equal('ntp.browser.example');
    expect(await row.locator('.phoneprov-phone-settings-source').innerText()).to.equal('account');
    await screenshot(page, 'devices-settings');
    await waitFor(async () => (await phoneFile(world, world.devices.yealink.id, 'Yealink SIP-T46S 66.86.0.15')).text
      .includes('local_time.ntp_server1 = ntp.browser.example'), 15000, 'the NTP server in the phone\'s file');
    await dialog.locator('textarea[data-level="device"]').fill('{"settings": {"vlan": {"id": 5000}}}');
    await dialog.locator('.phoneprov-phone-settings-save[data-level="device"]').click();
    const error = dialog.locator('.phoneprov-phone-settings-error[data-level="device"]');
    await waitFor(async () => (await error.innerText()).includes('/data/settings/vlan/id'), 10000, 'the refusal');
    const kept = await world.api('GET', `accounts/${world.accountId}/devices/${world.devices.yealink.id}/phone-settings`);
    expect(kept.json.data.settings).to.deep.equal({ dial_plan: '[2-9]xx', volumes: { ringer: 80 } });
  });
});
