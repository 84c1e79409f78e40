// `npm run bench`: every benchmark at its small default scale (well under two minutes), one after
// the other so they do not share the two cores. Flags after `--` go to each script.
import { spawnSync } from 'node:child_process';

const scripts = ['bench/phones.ts', 'bench/sessiontalk.ts', 'bench/boot-storm.ts', 'bench/scale.ts'];
let failed = false;
for (const script of scripts) {
  console.log(`\n== ${script}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (res.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
