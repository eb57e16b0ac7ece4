/**
 * `npm run bench [-- --quick] [-- --json-dir DIR]`: builds nothing itself (the npm script builds first), then
 * runs every benchmark in its own process, one after another, passing the options through.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = ['validate.bench.ts', 'harden.bench.ts', 'overhead-quickjs.bench.ts'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const dirIndex = args.indexOf('--json-dir');
const jsonDir = dirIndex >= 0 ? args[dirIndex + 1] : undefined;

let failed = 0;
for (const bench of BENCHES) {
  const benchArgs = [...(quick ? ['--quick'] : []), ...(jsonDir ? ['--json', join(jsonDir, bench.replace('.bench.ts', '.json'))] : [])];
  console.log(`\n::: ${bench} ${benchArgs.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', bench), ...benchArgs], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
