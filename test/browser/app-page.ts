// Opens the app in a fresh browser page as a given Kazoo user, and small helpers on the page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../support.js';
import type { AppWorld } from './world.js';

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'monster-app');

export async function openApp(browser: Browser, world: AppWorld, who: 'admin' | 'user', language = 'en-US'): Promise<Page> {
  const u = world.users[who];
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.addInitScript((cfg) => { (window as unknown as { __monsterTest: unknown }).__monsterTest = cfg; }, {
    appPath: `${world.srv.url}/monster-app`,
    provisioner: `${world.srv.url}/api/`,
    kazooApi: `${world.crossbar.url}/v2/`,
    authToken: u.token, accountId: world.accountId, userId: u.id, language,
    currentUser: { id: u.id, priv_level: (u.doc as { priv_level: string }).priv_level, first_name: u.doc.first_name, last_name: u.doc.last_name },
    currentAccount: { id: world.accountId, name: 'Example GmbH', realm: world.realm },
  });
  await page.goto(world.page.url + '/');
  await page.waitForFunction(() => (window as unknown as { __appReady?: boolean }).__appReady === true, null, { timeout: 20000 });
  await page.locator('.phoneprov-devices').waitFor();
  return page;
}

export async function openTab(page: Page, label: string): Promise<void> {
  await page.click(`.app-navbar .navbar-menu-item-link:text-is("${label}")`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Page errors and failed requests the app logged (for a clear assertion message). */
export async function pageLog(page: Page): Promise<string> {
  const log = await page.evaluate(() => (window as unknown as { __monsterLog: unknown[] }).__monsterLog);
  const shown = await page.locator('.phoneprov-field-error, .monster-toast').allInnerTexts();
  return JSON.stringify({ errors: (page as Page & { problems?: string[] }).problems, log: (log as unknown[]).slice(-12), shown }, null, 1);
}

/** A tab's screenshot for the README and the app store (UPDATE_SCREENSHOTS=1), besides the artifact. */
export async function publishScreenshot(page: Page, name: string): Promise<void> {
  const file = await screenshot(page, name);
  if (!process.env.UPDATE_SCREENSHOTS) return;
  const shot = await page.screenshot({ fullPage: false });
  for (const dir of [join(ROOT, 'docs', 'screenshots'), join(ROOT, 'monster-app', 'metadata', 'screenshots')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.png`), shot);
  }
  void file;
}
