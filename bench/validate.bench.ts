/**
 * validate throughput: ours (`validate(bytes, policies.spec)`) against V8 (`WebAssembly.validate`), on real
 * modules from devDependencies and on the spec testsuite's modules in aggregate.
 *
 * Both sides run in the same process, interleaved round by round (ours, V8, ours, V8, ...), and each side's
 * figure is the median of its rounds, so machine noise hits both alike; the ratio is what to compare across
 * machines. Run: `npm run bench` (or `npm run bench -- --quick`, `--json out.json`).
 */

import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { Bench } from 'tinybench';
// the built package, as users get it (tsc inlines const enums; a TS-on-the-fly loader does not)
import { validate, policies } from '../dist/index.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

interface Subject {
  name: string;
  /** one or more modules validated per iteration */
  modules: Uint8Array[];
  bytes: number;
}

function subject(name: string, modules: Uint8Array[]): Subject {
  return { name, modules, bytes: modules.reduce((n, m) => n + m.length, 0) };
}

function specModules(): Uint8Array[] {
  const root = resolve(process.cwd(), '../shared/spec-testsuite/json');
  if (!existsSync(root)) return [];
  const out: Uint8Array[] = [];
  for (const dir of readdirSync(root))
    for (const f of readdirSync(join(root, dir))) if (f.endsWith('.wasm')) out.push(readFileSync(join(root, dir, f)));
  return out;
}

const subjects: Subject[] = [
  subject('sql-wasm.wasm (sql.js)', [readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'))]),
  subject('QuickJS (release-sync)', [readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))]),
];
const spec = specModules();
if (spec.length > 0) subjects.push(subject(`spec testsuite (${spec.length} modules)`, spec));

// sanity: both sides must agree on these inputs, or the comparison means nothing
for (const s of subjects)
  for (const m of s.modules)
    if (validate(m, policies.spec).ok !== WebAssembly.validate(m)) throw new Error(`disagreement on a module of ${s.name}`);

const rounds = quick ? 1 : 5;
const time = quick ? 200 : 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Row {
  subject: string;
  bytes: number;
  oursMs: number;
  v8Ms: number;
  oursMBps: number;
  v8MBps: number;
  ratio: number;
}
const rows: Row[] = [];

for (const s of subjects) {
  const ours: number[] = [];
  const v8: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmup: true });
    bench.add('ours', () => {
      for (const m of s.modules) validate(m, policies.spec);
    });
    bench.add('v8', () => {
      for (const m of s.modules) WebAssembly.validate(m);
    });
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${s.name} ${task.name}: ${r.state}`);
      (task.name === 'ours' ? ours : v8).push(r.latency.mean);
    }
  }
  const oursMs = median(ours);
  const v8Ms = median(v8);
  const mbps = (ms: number) => s.bytes / 1e6 / (ms / 1000);
  rows.push({ subject: s.name, bytes: s.bytes, oursMs, v8Ms, oursMBps: mbps(oursMs), v8MBps: mbps(v8Ms), ratio: oursMs / v8Ms });
}

const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, Node ${process.version}`;
console.log(`validate throughput — ${machine}${quick ? ' (quick)' : ''}`);
console.table(
  rows.map((r) => ({
    module: r.subject,
    KB: (r.bytes / 1024).toFixed(0),
    'ours ms': r.oursMs.toFixed(2),
    'ours MB/s': r.oursMBps.toFixed(1),
    'V8 ms': r.v8Ms.toFixed(2),
    'V8 MB/s': r.v8MBps.toFixed(1),
    'ours/V8 time': `${r.ratio.toFixed(2)}×`,
  })),
);
if (jsonOut !== undefined) {
  writeFileSync(jsonOut, JSON.stringify({ benchmark: 'validate', machine, node: process.version, quick, rows }, null, 2));
  console.log(`wrote ${jsonOut}`);
}
