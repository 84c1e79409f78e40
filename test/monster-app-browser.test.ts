// The Monster app in a real browser (Debian's headless Chromium) inside the stock Monster UI
// (test/browser/monster-tree.ts): Monster logs in with a Kazoo token, lists the app from Kazoo's apps
// store by `source_url`, loads it from our server's /monster-app/ with its own monster.request,
// getTemplate and dialogs; the app talks to our real server and the fake crossbar, and is clicked
// through tab by tab. Screenshots go to test-artifacts/monster-app/ (the ones in docs/screenshots/
// come from monster-ui-stock.test.ts).
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { openApp, openTab, pickModel, screenshot, type TestPage } from './browser/app-page.js';
import { toast, useAppBrowser } from './browser/suite.js';
import { decodeQrPng } from './browser/qr.js';
import { crossbarCalls } from './browser/crossbar-api.js';
import { currentUrlpass, phoneFetch, phoneFile, URLPASS, type AppWorld } from './browser/world.js';
import { http, waitFor } from './support.js';
import { newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';

describe('Monster app in Chromium', function () {
  this.timeout(60000);
  let browser: Browser;
  let world: AppWorld;
  let page: TestPage | null = null;
  useAppBrowser({ started: (b, w) => { browser = b; world = w; }, page: () => page, pageClosed: () => { page = null; } });

  describe('Devices', () => {
    it('lists the Kazoo devices with model, provisioning URL and last fetch', async () => {
      expect(await phoneFetch(world, world.devices.yealink.id, 'Yealink SIP-T46S 66.86.0.15')).to.equal(200);
      page = await openApp(browser, world, 'admin');
      const row = page.locator(`tr[data-id="${world.devices.yealink.id}"]`);
      await row.waitFor();
      expect(await row.locator('.phoneprov-model-name').innerText()).to.equal('Yealink T46S');
      expect(await row.locator('.phoneprov-url').inputValue()).to.equal(`https://prov.example.com/prov/yealink/${world.devices.yealink.mac}.cfg`);
      expect(await row.locator('.phoneprov-device-last-seen').innerText()).to.contain('Yealink SIP-T46S');
      expect(await page.locator('tr.phoneprov-device').count()).to.equal(4);
      await screenshot(page, 'devices');
    });

    it('picks a model in SmartPBX\'s own picker: the device keeps its name and MAC, gets the model, and the picker closes', async () => {
      page = await openApp(browser, world, 'admin');
      const row = page.locator(`tr[data-id="${world.devices.bare.id}"]`);
      await row.locator('.phoneprov-device-choose-model').click();
      // Monster's common.chooseModel dialog (the one SmartPBX opens), fed by our GET phones.
      const picker = page.locator('.ui-dialog').filter({ has: page.locator('#device_form') });
      await picker.locator('.brand-box[data-brand="yealink"]').click();
      await pickModel(page, picker.locator('.model-box[data-family="t4x"][data-model="t46s"]'));
      // It opens with this device's name and MAC rather than asking for them again.
      expect(await picker.locator('#name').inputValue()).to.equal('Meeting room');
      expect((await picker.locator('#mac_address').inputValue()).toLowerCase().replace(/[^0-9a-f]/g, '')).to.equal(world.devices.bare.mac);
      await picker.locator('.action-device').click();
      await toast(page, 'success', /Meeting room/);
      await picker.waitFor({ state: 'detached', timeout: 10000 });
      // jQuery UI fades a closed dialog out (200 ms); a click meanwhile trips over its half-gone
      // modal (stock Monster does the same in SmartPBX), so wait as a person would.
      await waitFor(async () => (await page!.locator('.ui-dialog:visible').count()) === 0, 5000, 'the picker gone');
      expect(crossbarCalls).to.include(`PATCH accounts/${world.accountId}/devices/${world.devices.bare.id}`);
      const doc = await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).get(world.devices.bare.id);
      expect(doc.provision).to.include({ endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s', id: 'yealink_t4x_t46s' });
      expect(doc).to.include({ name: 'Meeting room', mac_address: world.devices.bare.mac });
      // Our server sees the change through Kazoo's database; the list shows it after a refresh.
      await waitFor(async () => {
        await page!.click('.phoneprov-devices-refresh');
        const text = await page!.locator(`tr[data-id="${world.devices.bare.id}"] .phoneprov-device-model`).innerText();
        return /Yealink T46S/.test(text);
      }, 15000, 'the new model in the list');
    });

    it('previews a config with the secrets masked, and shows them to an admin who asks', async () => {
      page = await openApp(browser, world, 'admin');
      await page.locator(`tr[data-id="${world.devices.yealink.id}"] .phoneprov-device-preview`).click();
      const content = page.locator('.phoneprov-preview-content');
      await waitFor(async () => (await content.innerText()).length > 0, 10000, 'the rendered file');
      const masked = await content.innerText();
      const doc = await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).get(world.devices.yealink.id);
      expect(masked).to.contain('********');
      expect(masked).to.contain(doc.sip.username);
      expect(masked).not.to.contain(doc.sip.password);
      await screenshot(page, 'devices-preview');
      await page.check('#phoneprov_preview_reveal');
      await waitFor(async () => (await content.innerText()).includes(doc.sip.password), 10000, 'the revealed file');
    });

    it('unlocks a device', async () => {
      page = await openApp(browser, world, 'admin');
      await page.locator(`tr[data-id="${world.devices.yealink.id}"] .phoneprov-device-unlock`).click();
      await toast(page, 'success', /Reception T46S is unlocked/);
      const res = await world.api('GET', `accounts/${world.accountId}/devices`);
      expect(res.json.data.find((d: { id: string }) => d.id === world.devices.yealink.id).lock).to.equal(null);
    });

    it('shows a user only their own devices, without admin actions or tabs', async () => {
      page = await openApp(browser, world, 'user');
      await page.locator('tr.phoneprov-device').first().waitFor();
      const ids = await page.locator('tr.phoneprov-device').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
      expect(ids).to.have.members([world.devices.yealink.id, world.devices.soft.id]);
      expect(await page.locator('.phoneprov-device-unlock, .phoneprov-device-credentials').count()).to.equal(0);
      expect(await page.locator('.app-navbar .navbar-menu-item-link').allInnerTexts()).to.deep.equal(['Devices', 'Mobile', 'Phonebook']);
    });

    it('adopts an unknown phone on the account\'s site: a Kazoo device is created and the phone gets its file', async () => {
      const mac = newMac('805ec0');
      const ua = `Yealink SIP-T46S 66.86.0.15 ${mac.match(/../g)!.join(':')}`;
      // One of the account's phones fetches from this address (127.0.0.1), and so does the new one.
      expect(await phoneFetch(world, world.devices.snom.id, 'snomD785-SIP 10.1.54.13')).to.equal(200);
      expect((await http(`${world.srv.url}/prov/yealink/${mac}.cfg?pass=${URLPASS}`, { headers: { 'user-agent': ua } })).status).to.equal(404);
      await world.srv.services.sightings.flush();

      page = await openApp(browser, world, 'admin');
      const unknown = page.locator(`tr.phoneprov-unknown[data-mac="${mac}"]`);
      await unknown.waitFor();
      expect(await unknown.innerText()).to.contain('127.0.0.1').and.contain('Yealink SIP-T46S');
      await unknown.locator('.phoneprov-unknown-adopt').click();
      // Its OUI is Yealink's: the brand is chosen already.
      expect(await page.locator('#phoneprov_picker_brand').inputValue()).to.equal('yealink');
      expect(await page.locator('#phoneprov_adopt_name').inputValue()).to.equal(`Phone ${mac.match(/../g)!.join(':')}`);
      await page.fill('#phoneprov_adopt_name', 'Lobby T46S');
      await page.selectOption('#phoneprov_adopt_owner', world.users.admin.id);
      await page.selectOption('#phoneprov_picker_model', 't4x/t46s');
      await screenshot(page, 'devices-adopt');
      await page.click('.phoneprov-adopt-save');
      await toast(page, 'success', /Lobby T46S is created/);
      expect(crossbarCalls).to.include(`PUT accounts/${world.accountId}/devices`);

      const docs = (await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).list({ include_docs: true })).rows.map((r: any) => r.doc);
      const created = docs.find((d: any) => d.pvt_type === 'device' && d.mac_address === mac);
      expect(created, 'the Kazoo device').to.not.equal(undefined);
      secret(created.sip.password);
      expect(created).to.include({ name: 'Lobby T46S', device_type: 'sip_device', owner_id: world.users.admin.id, enabled: true });
      expect(created.provision).to.include({ endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s' });
      expect(created.sip.username).to.match(/^user_[a-z0-9]{10}$/);
      expect(created.sip.password).to.have.length(16);

      // The row moved from the unknown phones to the devices.
      const row = page.locator(`tr.phoneprov-device[data-id="${created._id}"]`);
      await row.waitFor();
      expect(await page.locator(`tr.phoneprov-unknown[data-mac="${mac}"]`).count()).to.equal(0);
      await waitFor(async () => {
        await page!.click('.phoneprov-devices-refresh');
        return /Yealink T46S/.test(await page!.locator(`tr[data-id="${created._id}"] .phoneprov-device-model`).innerText());
      }, 15000, 'the adopted device known to our server');
      await screenshot(page, 'devices-adopted');
      // Our MAC index learns of the new device with its next sweep of Kazoo's database.
      await waitFor(async () => world.srv.services.macIndex.lookup(mac).kind === 'devices', 15000, 'the adopted MAC indexed');
      const file = await phoneFile(world, created._id, ua);
      expect(file.status).to.equal(200);
      expect(file.text).to.contain(created.sip.username).and.contain(created.sip.password);
      const still = await world.api('GET', `accounts/${world.accountId}/unknown-macs`, undefined, world.users.admin.token);
      expect(still.json.data.map((u: { mac: string }) => u.mac)).not.to.include(mac);
    });

    it('shows a device\'s provisioning credentials and rotates them', async () => {
      page = await openApp(browser, world, 'admin');
      await page.locator(`tr[data-id="${world.devices.snom.id}"] .phoneprov-device-credentials`).click();
      const password = page.locator('.phoneprov-credentials-password');
      await password.waitFor();
      const shown = { username: await page.locator('.phoneprov-credentials-username').innerText(), password: secret(await password.innerText()) };
      const onServer = await world.api('GET', `accounts/${world.accountId}/devices/${world.devices.snom.id}/credentials`);
      expect(shown).to.deep.equal({ username: onServer.json.data.username, password: onServer.json.data.password });
      await page.click('.phoneprov-credentials-rotate');
      await page.click('.monster-confirm #confirm_button');
      await waitFor(async () => {
        const now = page!.locator('.phoneprov-credentials-password');
        return (await now.count()) === 1 && (await now.innerText()) !== shown.password;
      }, 10000, 'the new password shown');
      const rotated = secret(await page.locator('.phoneprov-credentials-password').innerText());
      expect(rotated).to.have.length.of.at.least(22);
      expect(await page.locator('.phoneprov-credentials-username').innerText()).to.equal(shown.username);
      const after = await world.api('GET', `accounts/${world.accountId}/devices/${world.devices.snom.id}/credentials`);
      expect(after.json.data.password).to.equal(rotated);
    });
  });

  describe('Mobile', () => {
    it('generates a SessionTalk QR code whose image carries the payload shown', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Mobile');
      await page.selectOption('#phoneprov_mobile_device', world.devices.soft.id);
      await page.click('.phoneprov-mobile-generate');
      const img = page.locator('img.phoneprov-qr');
      await img.waitFor();
      const payload = await page.locator('.phoneprov-qr-payload').inputValue();
      expect(payload).to.match(/^scsc:user_[0-9a-f]+@example\.sip\.example\.com:[A-Za-z0-9_-]+:exampletel$/);
      const src = (await img.getAttribute('src'))!;
      expect(src.startsWith('data:image/png;base64,')).to.equal(true);
      expect(decodeQrPng(Buffer.from(src.split(',')[1], 'base64'))).to.equal(payload);
      // And as rendered on screen (what a phone's camera sees).
      expect(decodeQrPng(await img.screenshot())).to.equal(payload);
      const first = await page.locator('.phoneprov-countdown').innerText();
      expect(first).to.match(/^(\d+d )?\d\d:\d\d:\d\d$/);
      await waitFor(async () => (await page!.locator('.phoneprov-countdown').innerText()) !== first, 3000, 'the countdown to tick');
      await page.locator('tr.phoneprov-code').first().waitFor();
      await screenshot(page, 'mobile');
    });

    it('lists an activation with last seen, disables, enables and deactivates it', async () => {
      const minted = await world.api('POST', `accounts/${world.accountId}/sessiontalk/codes`, { data: { device_id: world.devices.soft.id } });
      const [, username, code] = /^scsc:([^:]+):([^:]+)/.exec(minted.json.data.payload)!;
      const scan = await http(`${world.srv.url}/sessiontalk/provision?${new URLSearchParams({ username, password: code,
        reprovision: 'false', deviceId: '5B7F2C4E-8E1A-4C39-9C4B-1D2E3F405162' })}`, { headers: { 'user-agent': 'SessionTalk/6.0.0' } });
      expect(scan.status, scan.text).to.equal(200);

      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Mobile');
      const row = page.locator('tr.phoneprov-activation').first();
      await row.waitFor();
      expect(await row.innerText()).to.contain('Uma mobile');
      expect(await row.locator('td').nth(2).innerText()).not.to.equal('never');
      await row.locator('.phoneprov-activation-toggle').click();
      await waitFor(async () => /disabled/.test(await page!.locator('tr.phoneprov-activation').first().innerText()), 10000, 'disabled');
      await page.locator('tr.phoneprov-activation').first().locator('.phoneprov-activation-toggle').click();
      await waitFor(async () => /enabled/.test(await page!.locator('tr.phoneprov-activation').first().innerText()), 10000, 'enabled');
      await page.locator('tr.phoneprov-activation').first().locator('.phoneprov-activation-deactivate').click();
      await page.click('.monster-confirm #confirm_button');
      await toast(page, 'success', /deactivated/);
      await waitFor(async () => (await page!.locator('tr.phoneprov-activation').count()) === 0, 10000, 'the activation gone');
      const list = await world.api('GET', `accounts/${world.accountId}/sessiontalk/activations`);
      expect(list.json.data).to.deep.equal([]);
    });

    it('revokes an unused code', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Mobile');
      await page.locator('tr.phoneprov-code').first().waitFor();
      const before = await page.locator('tr.phoneprov-code').count();
      expect(before).to.be.greaterThan(0);
      await page.locator('tr.phoneprov-code').first().locator('.phoneprov-code-revoke').click();
      await toast(page, 'success', /revoked/);
      await waitFor(async () => (await page!.locator('tr.phoneprov-code').count()) === before - 1, 10000, 'one code fewer');
    });

    it('offers a user only their own devices', async () => {
      page = await openApp(browser, world, 'user');
      await openTab(page, 'Mobile');
      await page.locator('#phoneprov_mobile_device').waitFor();
      const options = await page.locator('#phoneprov_mobile_device option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
      expect(options).to.have.members([world.devices.yealink.id, world.devices.soft.id]);
    });
  });

  describe('Templates', () => {
    it('browses brand → family → model and shows a schema error at the field', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Templates');
      await page.locator('.phoneprov-tree-brand[data-brand="yealink"] .phoneprov-tree-family[data-family="t4x"] a[data-id="ui/yealink/t4x/t46s"]').click();
      const lines = page.locator('[data-pointer="/capabilities/lines"]');
      await lines.waitFor();
      await lines.fill('0');
      await page.click('.phoneprov-template-save');
      const error = lines.locator('xpath=following-sibling::div[contains(@class,"phoneprov-field-error")]');
      await error.waitFor({ timeout: 10000 });
      expect(await error.innerText()).to.match(/>= 1|minimum|at least/i);
      expect(await lines.getAttribute('class')).to.contain('phoneprov-invalid');
      await screenshot(page, 'templates');
      await lines.fill('16');
      await page.fill('[data-pointer="/name"]', 'T46S');
      await page.click('.phoneprov-template-save');
      await toast(page, 'success', /template is saved/);
      const saved = await world.api('GET', `catalog/templates/${encodeURIComponent('ui/yealink/t4x/t46s')}`);
      expect(saved.json.data.capabilities.lines).to.equal(16);
    });

    it('imports a phone\'s exported config with a preview', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Templates');
      await page.click('.phoneprov-templates-import');
      await page.fill('#phoneprov_import_brand', 'yealink');
      await page.fill('#phoneprov_import_family', 't4x');
      await page.fill('#phoneprov_import_model', 't46x');
      await page.fill('#phoneprov_import_line_username', '1001');
      await page.fill('#phoneprov_import_line_password', 'exported-secret');
      await page.fill('#phoneprov_import_text', 'account.1.enable = 1\naccount.1.user_name = 1001\naccount.1.password = exported-secret\nlocal_time.time_zone = +1\n');
      await page.click('.phoneprov-import-preview-button');
      await page.locator('.phoneprov-import-result').waitFor();
      const tpl = await page.locator('.phoneprov-import-template').innerText();
      expect(tpl).to.contain('ui/yealink/t4x/t46x');
      expect(tpl).to.contain('{{line.password}}');
      expect(tpl).not.to.contain('exported-secret');
      expect(await page.locator('.phoneprov-import-preview').innerText()).to.contain('local_time.time_zone');
    });

    it('adds a model as a copy of another', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Templates');
      await page.click('.phoneprov-templates-add');
      await page.fill('#phoneprov_add_brand', 'yealink');
      await page.fill('#phoneprov_add_family', 't4x');
      await page.fill('#phoneprov_add_model', 't46z');
      await page.fill('#phoneprov_add_name', 'T46Z');
      await page.selectOption('#phoneprov_add_copy', 'ui/yealink/t4x/t46s');
      await page.click('.phoneprov-add-continue');
      await page.locator('.phoneprov-template-editor[data-id="ui/yealink/t4x/t46z"]').waitFor();
      await page.click('.phoneprov-template-save');
      await toast(page, 'success', /template is saved/);
      const res = await world.api('GET', `catalog/templates/${encodeURIComponent('ui/yealink/t4x/t46z')}`);
      expect(res.status, res.text).to.equal(200);
    });
  });

  describe('Settings', () => {
    it('saves the Kazoo account\'s provisioning fields through Kazoo\'s API', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Settings');
      const urlpass = page.locator('#phoneprov_settings_urlpass');
      await urlpass.waitFor();
      const old = await urlpass.inputValue();
      await page.click('.phoneprov-urlpass-generate');
      const generated = await urlpass.inputValue();
      expect(generated).to.have.length(24).and.not.equal(old);
      await page.fill('#phoneprov_settings_admin_password', 'new-phone-admin');
      await page.click('.phoneprov-settings-account-save');
      await toast(page, 'success', /settings are saved/);
      expect(crossbarCalls).to.include(`POST accounts/${world.accountId}`);
      const doc = await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).get(world.accountId);
      expect(doc.provision).to.deep.equal({ provision_enabled: true, urlpass: generated, admin_password: 'new-phone-admin' });
      expect(doc.pvt_type).to.equal('account');
      await screenshot(page, 'settings');
    });

    it('saves SessionTalk settings and shows a refused value at its field', async () => {
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Settings');
      await page.locator('#phoneprov_st_lifetime').waitFor();
      await page.fill('#phoneprov_st_lifetime', '5');
      await page.click('.phoneprov-settings-sessiontalk-save');
      const error = page.locator('#phoneprov_st_lifetime + .phoneprov-field-error');
      await error.waitFor({ timeout: 10000 });
      expect(await error.innerText()).to.contain('qr_lifetime');
      await page.fill('#phoneprov_st_lifetime', '3600');
      await page.click('.phoneprov-settings-sessiontalk-save');
      await toast(page, 'success', /settings are saved/);
      const res = await world.api('GET', `accounts/${world.accountId}/sessiontalk/settings`);
      expect(res.json.data.qr_lifetime).to.equal(3600);
    });

    it('refuses an invalid CIDR at its field, saves valid ones, and leaves the other settings as they were', async () => {
      const settings = async () => (await world.api('GET', `accounts/${world.accountId}/provisioning/settings`)).json.data;
      const before = await settings();
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Settings');
      const cidrs = page.locator('#phoneprov_settings_cidrs');
      await cidrs.waitFor();
      try {
        await cidrs.fill('127.0.0.0/8\n10.0.0.0/33');
        await page.click('.phoneprov-settings-provisioning-save');
        const error = page.locator('#phoneprov_settings_cidrs + .phoneprov-field-error');
        await error.waitFor({ timeout: 10000 });
        expect(await error.innerText()).to.contain('"10.0.0.0/33" is not');
        expect(await cidrs.getAttribute('class')).to.contain('phoneprov-invalid');
        expect((await settings()).cidrs).to.deep.equal(before.cidrs);
        await cidrs.fill('127.0.0.0/8\n192.0.2.0/24');
        await page.click('.phoneprov-settings-provisioning-save');
        await toast(page, 'success', /settings are saved/);
        expect(await page.locator('.phoneprov-settings-provisioning .phoneprov-field-error').count()).to.equal(0);
        const saved = await settings();
        expect(saved.cidrs).to.deep.equal(['127.0.0.0/8', '192.0.2.0/24']);
        // Saving the ranges does not pin "require credentials", which still follows the account's urlpass.
        expect(saved).to.include({ first_contact_lock: before.first_contact_lock, require_credentials_setting: before.require_credentials_setting });
      } finally {
        await world.api('PUT', `accounts/${world.accountId}/provisioning/settings`, { data: { cidrs: [] } });
      }
    });
  });
  describe('Phonebook', () => {
    it('adds a number to the account\'s phonebook, refuses one no phone can dial, and the account\'s phones get it', async () => {
      const before = (await world.api('GET', `accounts/${world.accountId}/phonebook`)).json.data.entries;
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Phonebook');
      await page.locator('.phoneprov-phonebook-form').waitFor();
      await page.click('.phoneprov-phonebook-add');
      const row = page.locator('.phoneprov-phonebook-row').last();
      await row.locator('[name="name"]').fill('Front Desk');
      await row.locator('[name="number"]').fill('call reception');
      await page.click('.phoneprov-phonebook-save');
      await toast(page, 'error', /"call reception" is not a dialable number/);
      expect((await world.api('GET', `accounts/${world.accountId}/phonebook`)).json.data.entries, 'nothing saved').to.deep.equal(before);

      await row.locator('[name="number"]').fill('+4930123456');
      await page.click('.phoneprov-phonebook-save');
      await toast(page, 'success', /phonebook is saved/);
      // The merged list shows it beside the Kazoo users, and the account's Yealink gets it in its directory.
      await page.locator('.phoneprov-phonebook-merged tr', { hasText: '+4930123456' }).waitFor();
      expect(await page.locator('.phoneprov-phonebook-merged').innerText()).to.contain('Front Desk');
      const { mac } = world.devices.yealink;
      const book = async () => (await http(`${world.srv.url}/prov/yealink/phonebook-${mac}.xml?pass=${await currentUrlpass(world)}`,
        { headers: { 'user-agent': `Yealink SIP-T46S 66.86.0.15 ${mac}` } })).text;
      await waitFor(async () => (await book()).includes('<Telephone>+4930123456</Telephone>'), 8000, 'the entry in the phone\'s phonebook');
      await screenshot(page, 'phonebook');
    });

    it('shows a user the phonebook without letting them edit it', async () => {
      page = await openApp(browser, world, 'user');
      await openTab(page, 'Phonebook');
      await page.locator('.phoneprov-phonebook-merged').waitFor();
      expect(await page.locator('.phoneprov-phonebook-form, .phoneprov-phonebook-save').count()).to.equal(0);
    });
  });

  describe('Firmware', () => {
    it('uploads an image (a wrong checksum is refused), pins it for a model, and the phone\'s config names its URL', async () => {
      const bytes = Buffer.from(`not a real Yealink image ${Date.now()}`);
      const sha = createHash('sha256').update(bytes).digest('hex');
      page = await openApp(browser, world, 'admin');
      await openTab(page, 'Firmware');
      await page.locator('.phoneprov-firmware-upload-form').waitFor();
      await page.fill('#phoneprov_fw_brand', 'yealink');
      await page.fill('#phoneprov_fw_models', 't4x/t46s');
      await page.fill('#phoneprov_fw_version', '66.86.0.99');
      await page.fill('#phoneprov_fw_sha256', '0'.repeat(64));
      await page.setInputFiles('#phoneprov_fw_file', { name: 'T46S-66.86.0.99.rom', mimeType: 'application/octet-stream', buffer: bytes });
      await page.click('.phoneprov-firmware-upload');
      await toast(page, 'error', /nothing was stored/);
      expect((await world.api('GET', 'firmware')).json.data.map((f: { version: string }) => f.version)).to.not.include('66.86.0.99');

      await page.fill('#phoneprov_fw_sha256', sha);
      await page.click('.phoneprov-firmware-upload');
      await toast(page, 'success', /Firmware uploaded/);
      await page.locator('.phoneprov-firmware-files tr', { hasText: '66.86.0.99' }).waitFor();
      const file = (await world.api('GET', 'firmware')).json.data.find((f: { version: string }) => f.version === '66.86.0.99');
      expect(file.sha256).to.equal(sha);
      try {
        await page.fill('#phoneprov_fw_model', 'yealink/t4x/t46s');
        await page.selectOption('#phoneprov_fw_pinned', file.id);
        await page.click('.phoneprov-firmware-policy-save');
        await page.locator('.phoneprov-firmware-policies tr', { hasText: 'yealink/t4x/t46s' }).filter({ hasText: '66.86.0.99' }).waitFor();
        // Yealink Administrator Guide: static.firmware.url names the image the phone fetches.
        await waitFor(async () => (await phoneFile(world, world.devices.yealink.id, 'Yealink SIP-T46S 66.86.0.15')).text
          .includes(`static.firmware.url = ${world.srv.app.config.publicUrl}/prov/fw/${file.id}/T46S-66.86.0.99.rom`), 8000, 'the firmware URL in the config');
        await screenshot(page, 'firmware');
      } finally {
        await world.api('DELETE', `accounts/${world.accountId}/firmware/policies/yealink/t4x/t46s`);
        await world.api('DELETE', `firmware/${encodeURIComponent(file.id)}`);
      }
    });
  });

  describe('History', () => {
    it('shows who changed what, what changed for a phone since its last fetch, and rolls a template back', async () => {
      const id = 'ui/yealink/t4x/t46s';
      const { yealink } = world.devices;
      expect(await phoneFetch(world, yealink.id, 'Yealink SIP-T46S 66.86.0.15')).to.equal(200);
      await waitFor(async () => (await world.api('GET', `accounts/${world.accountId}/devices/${yealink.id}/fetches`)).json.data?.fetches?.length, 5000, 'fetch recorded');
      expect((await world.api('DELETE', `locks/${world.accountId}/${yealink.mac}`)).status).to.equal(200);
      const doc = (await world.api('GET', `catalog/templates/${encodeURIComponent(id)}`)).json.data;
      const toneBefore = doc.cfg_tone['voice.tone.country'].value;
      doc.cfg_tone['voice.tone.country'] = { value: 'Japan' };
      expect((await world.api('PUT', `catalog/templates/${encodeURIComponent(id)}`, { data: doc })).status).to.equal(200);

      page = await openApp(browser, world, 'admin');
      await openTab(page, 'History');
      await page.locator('.phoneprov-history-event').first().waitFor();
      expect(await page.locator('.phoneprov-history-events').innerText()).to.contain('lock_removed');
      await page.selectOption('#phoneprov_history_device', yealink.id);
      await page.locator('.phoneprov-history-changed').waitFor();
      expect(await page.locator('.phoneprov-diff-added').allInnerTexts()).to.include('+ voice.tone.country = Japan');
      expect(await page.locator('.phoneprov-history-lines').innerText()).not.to.contain(await currentUrlpass(world));
      await screenshot(page, 'history');

      await page.selectOption('#phoneprov_history_template', id);
      await page.locator('.phoneprov-history-rollback').first().click();
      await page.click('.monster-confirm #confirm_button');
      await toast(page, 'success', /rolled back/);
      const after = (await world.api('GET', `catalog/templates/${encodeURIComponent(id)}`)).json.data;
      expect(after.cfg_tone['voice.tone.country'].value).to.equal(toneBefore);
    });
  });
});
