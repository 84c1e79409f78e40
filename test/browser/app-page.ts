// Opens the app inside the stock Monster UI in a fresh browser page, logged in as a Kazoo user the
// way Monster offers (`index.html?t=<token>`, then `#/apps/phoneprov`), and small helpers on the page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { ROOT } from '../support.js';
import { crossbarCalls, unknownCrossbarRoutes } from './crossbar-api.js';
import type { AppWorld } from './world.js';

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'monster-app');

export type TestPage = Page & { problems: string[]; consoleLog: string[]; requestLog: string[]; pending: () => string[] };

/** A logged-in Monster UI page (Monster's own apploader and top bar) showing `hash`. */
export async function openMonster(browser: Browser, world: AppWorld, who: keyof AppWorld['users'], hash: string,
  viewport = { width: 1400, height: 900 }): Promise<TestPage> {
  const page = await browser.newPage({ viewport }) as TestPage;
  page.problems = [];
  page.consoleLog = [];
  page.on('pageerror', (err) => page.problems.push(process.env.DEBUG_APP ? String(err.stack) : err.message));
  page.on('console', (msg) => page.consoleLog.push(`${msg.type()}: ${msg.text()}`.slice(0, 300)));
  // Each request's start and end, so a wait that timed out says which call was slow or failed.
  page.requestLog = [];
  const started = new Map<Request, number>();
  const named = (r: Request) => `${r.method()} ${r.url().replace(/^https?:\/\/[^/]+/, '').replace(/[?&]_=\d+/, '').slice(0, 120)}`;
  const ended = (r: Request, how: string) => {
    page.requestLog.push(`${named(r)} ${how} after ${Date.now() - (started.get(r) ?? Date.now())} ms`);
    started.delete(r);
    if (page.requestLog.length > 40) page.requestLog.shift();
  };
  page.on('request', (r) => started.set(r, Date.now()));
  // A request still unanswered when a wait times out is the slow one: the log only has those that ended.
  page.pending = () => [...started].map(([r, at]) => `${named(r)} pending for ${Date.now() - at} ms`);
  page.on('requestfinished', (r) => void r.response().then((res) => ended(r, String(res?.status() ?? '?')), () => ended(r, '?')));
  page.on('requestfailed', (r) => ended(r, `failed (${r.failure()?.errorText})`));
  await page.goto(`${world.page.url}/index.html?t=${encodeURIComponent(world.users[who].token)}#/${hash}`);
  return page;
}

export async function openApp(browser: Browser, world: AppWorld, who: keyof AppWorld['users'], viewport?: { width: number; height: number }): Promise<TestPage> {
  const page = await openMonster(browser, world, who, 'apps/phoneprov', viewport);
  await page.locator('.phoneprov-devices').waitFor({ timeout: 30000 });
  return page;
}

export async function openTab(page: Page, label: string): Promise<void> {
  await page.click(`.app-navbar .navbar-menu-item-link:text-is("${label}")`);
}

/**
 * Picks a model tile in SmartPBX's picker (Monster's common.chooseModel) and waits until the picker
 * has settled. After the click it slides its footer (with the save button) in, then scrolls the
 * dialog to it, and only then focuses the name field: a click on the save button during that scroll
 * could land on whatever the scroll had just moved under the pointer (CI saw the save never sent).
 */
export async function pickModel(page: Page, tile: Locator): Promise<void> {
  await tile.click();
  await page.waitForFunction(() => document.activeElement?.id === 'name', undefined, { timeout: 10000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  // The viewport only: a full-page shot resizes the window, and stock Monster's resize handler of a
  // dialog closed earlier then throws ("cannot call methods on dialog prior to initialization").
  await page.screenshot({ path: file });
  return file;
}

/** What the page showed and complained about, which requests are still open, and what the fake crossbar was asked (in vain, too). */
export async function pageLog(page: TestPage): Promise<string> {
  const shown = await page.locator('.phoneprov-field-error, .toast-message, .ui-dialog-title').allInnerTexts().catch(() => []);
  return JSON.stringify({ errors: page.problems, console: page.consoleLog.slice(-15), shown, requests: page.requestLog?.slice(-15),
    pending: page.pending?.(), crossbarCalls: crossbarCalls.slice(-8), unknownCrossbarRoutes: unknownCrossbarRoutes.slice(-15) }, null, 1);
}

/**
 * A screenshot: always as a test artifact; with UPDATE_SCREENSHOTS=1 also the viewport (as a person
 * sees it) into docs/screenshots/<name>-<language>.png, and a tab's in English into the app's metadata.
 */
export async function publishScreenshot(page: Page, name: string, language = 'en-US', isTab = false): Promise<void> {
  await screenshot(page, `${name}-${language}`);
  if (!process.env.UPDATE_SCREENSHOTS) return;
  const shot = await page.screenshot({ fullPage: false });
  const targets = [join(ROOT, 'docs', 'screenshots', `${name}-${language}.png`)];
  if (isTab && language === 'en-US') targets.push(join(ROOT, 'monster-app', 'metadata', 'screenshots', `${name}.png`));
  for (const file of targets) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, shot);
  }
}
