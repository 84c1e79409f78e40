// Small helpers the benchmark scripts share.
import { readFileSync } from 'node:fs';
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Busy and total CPU ticks of the whole host since boot (/proc/stat's first line). */
function hostTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] || 0), total };
}

/**
 * Waits until the whole host has used less than `below` of its CPU for `seconds` seconds in a row (at
 * most `timeoutMs`), so that a throughput measurement does not share the cores with what the step
 * before it left running — a database indexing what a storm wrote. The default outlasts the server's
 * own pause before it has the sightings indexed (QUIET_MS in sightings.ts, 5 s). Returns the seconds waited.
 */
export async function waitForQuietHost(below = 0.25, seconds = 8, timeoutMs = 300_000): Promise<number> {
  const t0 = Date.now();
  let quiet = 0;
  let prev = hostTicks();
  while (Date.now() - t0 < timeoutMs && quiet < seconds) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = hostTicks();
    quiet = (cur.busy - prev.busy) / Math.max(1, cur.total - prev.total) < below ? quiet + 1 : 0;
    prev = cur;
  }
  return (Date.now() - t0) / 1000;
}
