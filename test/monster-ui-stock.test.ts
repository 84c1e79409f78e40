// What the stock Monster UI does differently from the home-made shell the app was first tested in
// (issue 13), each seen where an operator sees it: SmartPBX's own model picker (its callback, in
// monster-app-browser.test.ts, and the catalog's keys and names here), the raw request Monster hands
// to error callbacks, the newlines its getTemplate strips, an empty provisioning-window list, the
// page width, the user's language, and the pictures an operator adds to the Monster tree. The
// screenshots of every tab in both languages come from here.
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { openApp, openTab, pickModel, publishScreenshot, type TestPage } from './browser/app-page.js';
import { monsterTree } from './browser/monster-tree.js';
import { toast, useAppBrowser } from './browser/suite.js';
import { phoneFetch, type AppWorld } from './browser/world.js';
import { newMac } from './fixtures/kazoo.js';
import { ROOT, waitFor } from './support.js';

/** SmartPBX's picker, as Monster's common app opens it for the device in row `deviceId`. */
async function openPicker(page: Page, deviceId: string) {
  await page.locator(`tr[data-id="${deviceId}"] .phoneprov-device-choose-model`).click();
  const picker = page.locator('.ui-dialog').filter({ has: page.locator('#device_form') });
  await picker.locator('.brand-box').first().waitFor();
  return picker;
}

describe('The app in the stock Monster UI', function () {
  this.timeout(60000);
  let browser: Browser;
  let world: AppWorld;
  let page: TestPage | null = null;
  useAppBrowser({ started: (b, w) => { browser = b; world = w; }, page: () => page, pageClosed: () => { page = null; } });
  const settings = async () => (await world.api('GET', `accounts/${world.accountId}/provisioning/settings`)).json.data;

  it('shows a template the server refuses with its message at the field (Monster hands errors over as the raw request)', async () => {
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Templates');
    await page.locator('a[data-id="ui/yealink/t4x/t46s"]').click();
    const lines = page.locator('[data-pointer="/capabilities/lines"]');
    await lines.fill('two');
    await page.click('.phoneprov-template-save');
    const error = lines.locator('xpath=following-sibling::div[contains(@class,"phoneprov-field-error")]');
    await error.waitFor({ timeout: 10000 });
    expect(await error.innerText()).to.match(/integer/);
    expect(await lines.getAttribute('class')).to.contain('phoneprov-invalid');
    const stored = await world.api('GET', `catalog/templates/${encodeURIComponent('ui/yealink/t4x/t46s')}`);
    expect(stored.json.data.capabilities.lines).to.equal(16);
  });

  it('keeps the lines of the template JSON and of the allowed networks, so an unchanged save is accepted again', async () => {
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Templates');
    await page.locator('a[data-id="ui/yealink/t4x/t46s"]').click();
    const json = await page.locator('#phoneprov_tpl_json').inputValue();
    expect(json.split('\n').length, 'lines in the JSON').to.be.above(20);
    expect(json).to.match(/^\{\n {2}"/);

    await openTab(page, 'Settings');
    const cidrs = page.locator('#phoneprov_settings_cidrs');
    try {
      await cidrs.fill('192.0.2.0/24\n198.51.100.0/24');
      await page.click('.phoneprov-settings-provisioning-save');
      await toast(page, 'success', /settings are saved/);
      // Drawn again from the server, then saved unchanged.
      await openTab(page, 'Devices');
      await openTab(page, 'Settings');
      await cidrs.waitFor();
      expect(await cidrs.inputValue()).to.equal('192.0.2.0/24\n198.51.100.0/24');
      await page.locator('.toast-success').evaluateAll((t) => t.forEach((e) => e.remove()));
      await page.click('.phoneprov-settings-provisioning-save');
      await toast(page, 'success', /settings are saved/);
      expect(await page.locator('.phoneprov-settings-provisioning .phoneprov-field-error').count()).to.equal(0);
      expect((await settings()).cidrs).to.deep.equal(['192.0.2.0/24', '198.51.100.0/24']);
    } finally {
      await world.api('PUT', `accounts/${world.accountId}/provisioning/settings`, { data: { cidrs: [] } });
    }
  });

  it('opens the first provisioning window, and shows a refused address at its field', async () => {
    expect((await world.api('GET', `accounts/${world.accountId}/provisioning/windows`)).json.data).to.deep.equal([]);
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Settings');
    const form = page.locator('.phoneprov-settings-provisioning');
    await page.locator('#phoneprov_window_ip').waitFor();
    expect(await form.locator('.phoneprov-unavailable').count(), 'no "not available" notice').to.equal(0);
    await page.fill('#phoneprov_window_ip', '192.0.2.300');
    await page.click('.phoneprov-settings-window-open');
    const error = form.locator('.phoneprov-field-error');
    await error.waitFor({ timeout: 10000 });
    expect(await error.innerText()).to.match(/192\.0\.2\.300|address|IP/i);
    await page.fill('#phoneprov_window_ip', '192.0.2.10');
    await page.fill('#phoneprov_window_hours', '2');
    await page.click('.phoneprov-settings-window-open');
    await toast(page, 'success', /settings are saved/);
    await page.locator('.phoneprov-windows code', { hasText: '192.0.2.10' }).waitFor();
    const open = (await world.api('GET', `accounts/${world.accountId}/provisioning/windows`)).json.data;
    expect(open.map((w: { ip: string }) => w.ip)).to.deep.equal(['192.0.2.10']);
  });

  it('fits the devices table in a 1400 px window, names models as people do, and writes dates in the user\'s language', async () => {
    expect(await phoneFetch(world, world.devices.yealink.id, 'Yealink SIP-T46S 66.86.0.15')).to.equal(200);
    page = await openApp(browser, world, 'adminDe', { width: 1400, height: 900 });
    const row = page.locator(`tr[data-id="${world.devices.yealink.id}"]`);
    await row.waitFor();
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth,
      table: document.querySelector('.phoneprov-devices-table')!.getBoundingClientRect().right,
      // Buttons wider than their cell are cut off by the fixed layout.
      clipped: [...document.querySelectorAll('.phoneprov-devices-table td')].filter((td) => [...td.querySelectorAll('button')]
        .some((b) => b.getBoundingClientRect().right > td.getBoundingClientRect().right + 1)).map((td) => td.textContent!.trim()) }));
    expect(widths.page, 'no horizontal scrolling').to.be.at.most(widths.window);
    expect(widths.table).to.be.at.most(widths.window);
    expect(widths.clipped, 'buttons cut off').to.deep.equal([]);
    expect(await row.locator('.phoneprov-model-name').innerText()).to.equal('Yealink T46S');
    // German (the Kazoo user's language), whatever the browser's: 5.12.2026, 11:31:31.
    const when = (await row.locator('.phoneprov-device-last-seen div').first().innerText()).trim();
    expect(when).to.match(/^\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
  });

  it('gives SmartPBX\'s picker only keys it keeps as strings: a Polycom VVX 400 is saved with its template id', async () => {
    page = await openApp(browser, world, 'admin');
    const picker = await openPicker(page, world.devices.bare.id);
    // What SmartPBX reads from each tile (jQuery's data()): never a number.
    const numbers = await page.evaluate(() => {
      const $ = (window as any).$;
      return $('.model-box').toArray().map((el: Element) => $(el).data('model')).filter((m: unknown) => typeof m !== 'string');
    });
    expect(numbers).to.deep.equal([]);
    await picker.locator('.brand-box[data-brand="polycom"]').click();
    await pickModel(page, picker.locator('.models-brand[data-brand="polycom"] .model-box', { hasText: /^VVX400$/ }));
    await picker.locator('.action-device').click();
    await toast(page, 'success', /Meeting room/);
    const doc = await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).get(world.devices.bare.id);
    expect(doc.provision).to.deep.equal({ endpoint_brand: 'polycom', endpoint_family: 'vvx', endpoint_model: 'vvx400', id: 'polycom_vvx_vvx400' });
  });

  it('keeps rendering a device saved with a former numeric key (polycom/vvx/400)', async () => {
    const old = await world.kazoo.device(world.accountId, { name: 'Old VVX', mac: newMac('0004f2'), brand: 'polycom', family: 'vvx', model: '400' });
    await waitFor(async () => {
      const res = await world.api('GET', `accounts/${world.accountId}/devices`);
      return res.json.data.some((d: { id: string; template_found: boolean }) => d.id === old._id && d.template_found);
    }, 15000, 'the old device with a template');
    page = await openApp(browser, world, 'admin');
    const row = page.locator(`tr[data-id="${old._id}"]`);
    expect(await row.locator('.phoneprov-model-name').innerText()).to.equal('Polycom VVX400');
    expect(await row.locator('.phoneprov-badge-warning').count(), 'no "no template" badge').to.equal(0);
    await row.locator('.phoneprov-device-preview').click();
    await waitFor(async () => /<\w/.test(await page!.locator('.phoneprov-preview-content').innerText()), 10000, 'the rendered file');
  });

  it('lists expansion-module variants as "T46S + 1 module" right after their base model', async () => {
    page = await openApp(browser, world, 'admin');
    const picker = await openPicker(page, world.devices.bare.id);
    await picker.locator('.brand-box[data-brand="yealink"]').click();
    const names = await picker.locator('.models-brand[data-brand="yealink"] .model-box .model-name').allInnerTexts();
    const at = names.indexOf('T46S');
    expect(names.slice(at, at + 4)).to.deep.equal(['T46S', 'T46S + 1 module', 'T46S + 2 modules', 'T46U']);
    expect(names.filter((n) => /-\d$/.test(n)), 'no bare "-N" names').to.deep.equal([]);
    await publishScreenshot(page, 'picker');
  });

  it('shows the brand and model pictures an operator puts where the README says', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const brandPath = /`(css\/assets\/brands\/)<brand>\.png`/.exec(readme);
    const modelPath = /`(css\/assets\/models\/)<brand>_<family>_<model>\.jpg`/.exec(readme);
    expect(brandPath && modelPath, 'the README names both paths').to.not.equal(null);
    // Not a vendor's logo: a grey 2×2 PNG of our own (a browser decodes it under either name).
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(128);
    const picture = PNG.sync.write(png);
    const files = [join(monsterTree(), brandPath![1], 'fanvil.png'), join(monsterTree(), modelPath![1], 'fanvil_x_x3u.jpg')];
    for (const f of files) expect(existsSync(f), `${f} is not in stock Monster`).to.equal(false);
    try {
      for (const f of files) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, picture);
      }
      page = await openApp(browser, world, 'admin');
      const picker = await openPicker(page, world.devices.bare.id);
      await picker.locator('.brand-box[data-brand="fanvil"]').click();
      const loaded = (selector: string) => page!.evaluate((sel) => new Promise<number>((resolve) => {
        const url = /url\("?([^")]+)"?\)/.exec(getComputedStyle(document.querySelector(sel)!).backgroundImage)![1];
        const img = new Image();
        img.onload = () => resolve(img.naturalWidth);
        img.onerror = () => resolve(0);
        img.src = url;
      }), selector);
      expect(await loaded('.brand-box[data-brand="fanvil"]'), 'the brand tile').to.equal(2);
      expect(await loaded('.model-box[data-family="x"][data-model="x3u"] .model-image'), 'the model tile').to.equal(2);
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  });

  it('also runs copied into the Monster tree as src/apps/phoneprov (an apps_store entry without source_url)', async () => {
    const sourceUrl = world.phoneprovApp.source_url;
    delete world.phoneprovApp.source_url;
    try {
      page = await openApp(browser, world, 'admin');
      const loadedFrom = await page.evaluate(() => (window as any).require('monster').apps.phoneprov.appPath);
      expect(loadedFrom).to.equal('apps/phoneprov');
      await page.locator(`tr[data-id="${world.devices.yealink.id}"] .phoneprov-model-name`).waitFor();
    } finally {
      world.phoneprovApp.source_url = sourceUrl;
    }
  });

  // Every tab an admin sees, in order, with what shows it has rendered and the screenshot's name.
  const adminTabs = [
    { ready: '.phoneprov-devices-table', shot: 'devices' }, { ready: '.phoneprov-mobile', shot: 'mobile' },
    { ready: '.phoneprov-phonebook', shot: 'phonebook' }, { ready: '.phoneprov-tree', shot: 'templates' },
    { ready: '.phoneprov-settings-sessiontalk', shot: 'settings' }, { ready: '.phoneprov-history', shot: 'history' },
    { ready: '.phoneprov-resync', shot: 'resync' }, { ready: '.phoneprov-bulk', shot: 'bulk' },
    { ready: '.phoneprov-firmware', shot: 'firmware' },
  ];
  for (const [who, language, tabs] of [
    ['admin', 'en-US', ['Devices', 'Mobile', 'Phonebook', 'Templates', 'Settings', 'History', 'Resync', 'Bulk', 'Firmware']],
    ['adminDe', 'de-DE', ['Geräte', 'Mobil', 'Telefonbuch', 'Vorlagen', 'Einstellungen', 'Verlauf', 'Neu laden', 'Massenimport', 'Firmware']],
  ] as const) {
    it(`shows every tab in ${language} (screenshots for docs/screenshots/)`, async () => {
      page = await openApp(browser, world, who);
      expect(await page.locator('.app-navbar .navbar-menu-item-link').allInnerTexts()).to.deep.equal([...tabs]);
      for (const [i, tab] of tabs.entries()) {
        await openTab(page, tab);
        await page.locator(adminTabs[i].ready).first().waitFor();
        if (adminTabs[i].shot === 'templates') await page.locator('a[data-id="ui/yealink/t4x/t46s"]').click();
        await page.waitForTimeout(300);
        await publishScreenshot(page, adminTabs[i].shot, language, true);
      }
    });
  }
});
