// The stock Monster UI the browser tests run the app in: 2600Hz's tree (with SmartPBX) from the
// tarball CI keeps beside the clone (`../shared/monster-ui/`, or MONSTER_UI_TARBALL), extracted once
// per test process into a temporary directory that goes when the process ends. Nothing in it is changed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../support.js';
import { CHROMIUM_PATH, chromiumAvailable } from './chromium.js';

const SHARED = resolve(ROOT, '..', 'shared', 'monster-ui');

/** The tarball, or the reason there is none. */
function findTarball(): { file?: string; missing?: string } {
  if (process.env.MONSTER_UI_TARBALL) {
    const file = process.env.MONSTER_UI_TARBALL;
    return existsSync(file) ? { file } : { missing: `MONSTER_UI_TARBALL=${file} does not exist` };
  }
  const found = existsSync(SHARED) ? readdirSync(SHARED).filter((f) => /^monster-ui-.*\.tar\.gz$/.test(f)).sort() : [];
  return found.length ? { file: join(SHARED, found[found.length - 1]) }
    : { missing: `no monster-ui-*.tar.gz in ${SHARED} (the stock Monster UI; set MONSTER_UI_TARBALL to use another)` };
}

let extracted: string | null = null;

/** The extracted tree's `src/` (served as Monster's web root). */
export function monsterTree(): string {
  if (extracted) return extracted;
  const { file, missing } = findTarball();
  if (!file) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'monster-ui-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync('tar', ['xzf', file, '-C', dir]);
  const top = readdirSync(dir).find((d) => existsSync(join(dir, d, 'src', 'index.html')));
  if (!top) throw new Error(`${file} holds no <dir>/src/index.html`);
  extracted = join(dir, top, 'src');
  return extracted;
}

/**
 * Whether the browser tests can run here. They never skip silently: without Chromium or the Monster
 * tree they fail with the reason, unless a developer opts out with SKIP_BROWSER_TESTS=1 (CI never does).
 */
export function browserTestsBlocked(): string | null {
  const reasons: string[] = [];
  if (!chromiumAvailable()) reasons.push(`no Chromium at ${CHROMIUM_PATH} (Debian: apt-get install chromium; or set CHROMIUM_PATH)`);
  const { missing } = findTarball();
  if (missing) reasons.push(missing);
  if (!reasons.length) return null;
  const reason = reasons.join('; ');
  if (process.env.SKIP_BROWSER_TESTS === '1') return reason;
  throw new Error(`browser tests cannot run: ${reason}. Set SKIP_BROWSER_TESTS=1 to skip them on purpose.`);
}
