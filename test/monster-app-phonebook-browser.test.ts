// The Phonebook tab in a real browser inside the stock Monster UI (one Monster boot for the file):
// an admin sees the Kazoo users, adds an entry that a phone then gets, and is told about a bad one;
// a user sees the directory without the editor.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openApp, openTab, screenshot, type TestPage } from './browser/app-page.js';
import { toast, useAppBrowser } from './browser/suite.js';
import { URLPASS, type AppWorld } from './browser/world.js';
import { http, waitFor } from './support.js';

describe('Monster app Phonebook tab in Chromium', function () {
  this.timeout(60000);
  let browser: Browser;
  let world: AppWorld;
  let page: TestPage | null = null;
  useAppBrowser({ started: (b, w) => { browser = b; world = w; }, page: () => page, pageClosed: () => { page = null; } });

  const merged = (p: TestPage) => p.locator('.phoneprov-phonebook-merged tbody').innerText();

  it('an admin adds an entry, the phone gets it; a bad number is refused with the reason and nothing is saved', async () => {
    page = await openApp(browser, world, 'admin');
    await openTab(page, 'Phonebook');
    await page.locator('.phoneprov-phonebook-merged').waitFor();
    // The world's users have presence_ids 100-102: Kazoo's part of the directory.
    expect(await merged(page)).to.contain('Uma User').and.contain('101');

    await page.click('.phoneprov-phonebook-add');
    const row = page.locator('.phoneprov-phonebook-row').last();
    await row.locator('[name="name"]').fill('Reception desk');
    await row.locator('[name="number"]').fill('call me maybe');
    await page.click('.phoneprov-phonebook-save');
    await toast(page, 'error', /entries\[0\]\.number/);
    const stored = await world.api('GET', `accounts/${world.accountId}/phonebook`);
    expect(stored.json.data.entries).to.deep.equal([]);

    await row.locator('[name="number"]').fill('+4930555000');
    await page.click('.phoneprov-phonebook-save');
    await toast(page, 'success', /saved/);
    await waitFor(async () => (await merged(page!)).includes('Reception desk'), 10000, 'the entry in the directory');
    await screenshot(page, 'phonebook');

    const mac = world.devices.yealink.mac;
    const file = await waitFor(async () => {
      const res = await http(`${world.srv.url}/prov/yealink/phonebook-${mac}.xml?pass=${URLPASS}`);
      return res.status === 200 && res.text.includes('Reception desk') ? res.text : null;
    }, 10000, 'the phone file with the entry');
    expect(file).to.contain('<Telephone>+4930555000</Telephone>');
  });

  it('a user sees the directory but no editor', async () => {
    page = await openApp(browser, world, 'user');
    await openTab(page, 'Phonebook');
    await page.locator('.phoneprov-phonebook-merged').waitFor();
    expect(await merged(page)).to.contain('Reception desk').and.contain('Ada Admin');
    expect(await page.locator('.phoneprov-phonebook-form').count()).to.equal(0);
  });
});
