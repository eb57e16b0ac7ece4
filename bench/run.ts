/**
 * `npm run bench [-- --quick] [-- --json-dir DIR]`: the npm script builds dist/ first; this runs every
 * benchmark in its own process, one after another, passing the options through, then writes
 * bench/RESULTS.md and bench/results.json from their JSON (a `--quick` run writes them into the JSON
 * directory instead, so a smoke run never overwrites the committed results).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeResults } from './results.js';

// overhead-quickjs.bench.ts is not in the suite: execution.bench.ts covers its QuickJS workloads and
// harden.bench.ts its harden timing (run it alone with `npx tsx bench/overhead-quickjs.bench.ts`)
// the execution bench runs twice: as V8 runs by default, and with the opt-in engine tuning (engine.ts)
const BENCHES: { file: string; json: string; extra: string[] }[] = [
  { file: 'validate.bench.ts', json: 'validate', extra: [] },
  { file: 'harden.bench.ts', json: 'harden', extra: [] },
  { file: 'execution.bench.ts', json: 'execution', extra: [] },
  { file: 'execution.bench.ts', json: 'execution-tuned', extra: ['--engine-tuned', ...(process.argv.includes('--quick') ? ['--only', 'sqlite'] : [])] },
];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const dirIndex = args.indexOf('--json-dir');
const jsonDir = dirIndex >= 0 ? args[dirIndex + 1]! : mkdtempSync(join(tmpdir(), 'wasm-harden-bench-'));

let failed = 0;
for (const bench of BENCHES) {
  const benchArgs = [...(quick ? ['--quick'] : []), ...bench.extra, '--json', join(jsonDir, `${bench.json}.json`)];
  console.log(`\n::: ${bench.file} ${benchArgs.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', bench.file), ...benchArgs], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}

const read = (name: string): unknown => {
  const p = join(jsonDir, `${name}.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
};
const written = writeResults(
  { validate: read('validate'), harden: read('harden'), execution: read('execution'), executionTuned: read('execution-tuned') } as Parameters<typeof writeResults>[0],
  quick ? jsonDir : 'bench',
);
console.log(`\nresults: ${JSON.stringify(written)}`);
process.exit(failed === 0 ? 0 : 1);
