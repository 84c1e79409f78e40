// The hooks every browser test file shares: Chromium and one app world for the file (or a clear
// failure when either cannot run, see monster-tree.ts), and per test a page that is screenshotted
// and logged when the test fails, must have raised no page error, and is closed.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { logLines } from '../harness.js';
import { pageLog, screenshot, type TestPage } from './app-page.js';
import { launchChromium } from './chromium.js';
import { browserTestsBlocked } from './monster-tree.js';
import { startAppWorld, type AppWorld } from './world.js';

export interface BrowserSuite {
  started(browser: Browser, world: AppWorld): void;
  page(): TestPage | null;
  pageClosed(): void;
}

export function useAppBrowser(suite: BrowserSuite): void {
  let browser: Browser | undefined;
  let world: AppWorld | undefined;
  before(async function () {
    this.timeout(120000);
    const blocked = browserTestsBlocked();
    if (blocked) {
      console.warn(`SKIP_BROWSER_TESTS=1: skipping the browser tests (${blocked})`);
      this.skip();
    }
    [browser, world] = await Promise.all([launchChromium(), startAppWorld()]);
    suite.started(browser, world);
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });
  afterEach(async function () {
    const page = suite.page();
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
      console.log(await pageLog(page).catch(() => ''));
      if (process.env.DEBUG_APP) console.log(logLines.slice(-25).map((l) => l.slice(0, 260)).join('\n'));
    }
    suite.pageClosed();
    await page?.close();
    if (page) expect(page.problems, 'page errors').to.deep.equal([]);
  });
}

/**
 * Waits for one of Monster's toasts (toastr: .toast-success / .toast-error) saying `text`. The save
 * behind it goes through Monster, our API and the fake crossbar: 4 s alone, past 10 s once in CI with
 * both suites running side by side, hence 20 s.
 */
export const toast = (p: Page, type: 'success' | 'error', text: RegExp) =>
  p.locator(`.toast-${type}`).filter({ hasText: text }).last().waitFor({ timeout: 20000 }).catch(async (err) => {
    // What was shown instead and which request was slow: the reason a CI run can be read from its log.
    throw new Error(`${(err as Error).message.split('\n')[0]}\n${await pageLog(p as TestPage)}`);
  });
