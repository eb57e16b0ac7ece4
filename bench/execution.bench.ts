/**
 * Execution overhead (issue 6): the same work run by the plain module and by its hardened twin (default
 * costs, an ample budget refilled before every hardened run, the depth reset to 0 as a host does), on
 *   - the kernels of corpus/bench/*.wat (bench/kernels.ts): matmul, sort, crc32, sha256, fib, a br_table
 *     interpreter and a copy loop, each a single `run(n)` call;
 *   - QuickJS evaluating JavaScript (fib(25), a JSON round trip, string operations), both modules loaded
 *     through quickjs-emscripten's stock loader with an `instantiateWasm` hook, so that only the bytes differ;
 *   - SQLite (sql.js) creating a table, inserting 10k rows and running 8 queries, both modules loaded by a
 *     fresh `initSqlJs` (test/instrument/real/programs.ts re-evaluates sql.js, whose init is memoised).
 *
 * Method: both sides live in one process. Warm-up rounds first (V8 compiles wasm with Liftoff and tiers hot
 * functions up to TurboFan in the background, without on-stack replacement: only calls that start after
 * tier-up run optimised code), then a pause for background compilation, then measured rounds in ABBA order
 * (plain first on even rounds, hardened first on odd ones). Every round checks that both sides returned the
 * same value. Each side's time is the median of its rounds. The workload's ratio is the median of the
 * per-round ratios (hardened / plain of the two runs of one round, which ran back to back): pairing cancels
 * the machine's slow phases that outlast a round, which a ratio of the two medians does not (on a shared
 * 2-core machine, a busy phase that fell on more hardened rounds than plain ones moved fib's ratio of
 * medians from 1.65× to 2.20× while its paired median stayed at 1.61–1.65×). The ratio of medians is
 * reported too, and the interquartile range of the per-round ratios says how stable a figure is. The
 * summary is the geometric mean of the ratios.
 *
 *   npm run build && npx tsx bench/execution.bench.ts [--quick] [--json out.json] [--only name,name] [--engine-tuned]
 *
 * `--engine-tuned` calls `tuneEngine()` first (src/runtime/engine.ts): both sides then compile huge functions
 * with V8's optimising register allocator. Only functions above V8's threshold change, so only the hardened
 * side of sql.js moves (its interpreter is above it once hardened, below it plain).
 *
 * Runs on the built package (tsc inlines const enums; tsx does not).
 */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { QuickJSContext } from 'quickjs-emscripten-core';
import { harden, tuneEngine } from '../dist/index.js';
import {
  hardenGlobals,
  JS_PROGRAMS,
  loadQuickJSCapturing,
  loadSqlJsCapturing,
  QUICKJS_POLICY,
  QUICKJS_WASM_PATH,
  readWasm,
  SQL_ROWS,
  SQL_WASM_PATH,
  SQLJS_POLICY,
  sqlWorkload,
  type HardenGlobals,
} from '../test/instrument/real/programs.js';
import { instantiateKernel, kernelBytes, KERNELS } from './kernels.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const selected = (name: string) => only === undefined || only.has(name);
// --engine-tuned: V8's optimising register allocator for huge functions too (src/runtime/engine.ts), set
// before anything compiles; it changes only functions above V8's threshold (of these workloads, sql.js's
// interpreter once hardened)
const engine = args.includes('--engine-tuned') ? tuneEngine() : undefined;
if (engine !== undefined && !engine.applied) throw new Error(`--engine-tuned: this V8 (${engine.v8}) is not known to have ${engine.flag}`);

/** The budget given to every hardened module, refilled before each hardened run. */
const FUEL = 1n << 62n;

// ── statistics ──────────────────────────────────────────────────────────────────────────────────────────
const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};
const median = (xs: readonly number[]) => quantile(xs, 0.5);
const geomean = (xs: readonly number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── the machine ─────────────────────────────────────────────────────────────────────────────────────────
function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return head;
  } catch {
    return undefined;
  }
}
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown cpu',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
const node = process.version;
const binaryen = (require('binaryen/package.json') as { version: string }).version;
const machineLine = `${machine.cpu} × ${machine.cores}, Node ${node}`;

// ── workloads ───────────────────────────────────────────────────────────────────────────────────────────
interface Side {
  /** runs the work once; returns a value that must be the same on both sides */
  run(): unknown;
}
interface Workload {
  name: string;
  group: 'kernel' | 'QuickJS' | 'SQLite';
  what: string;
  plain: Side;
  hardened: Side;
  globals: HardenGlobals;
  warmup: number;
  rounds: number;
}

const workloads: Workload[] = [];

for (const k of KERNELS) {
  if (!selected(k.name)) continue;
  const bytes = await kernelBytes(k.name);
  const hardenedBytes = (await harden(bytes, { imports: [], fuel: FUEL })).bytes;
  const plain = await instantiateKernel(bytes);
  const hard = await instantiateKernel(hardenedBytes);
  workloads.push({
    name: k.name,
    group: 'kernel',
    what: `${k.what}; n = ${k.n.toLocaleString('en-US')} (${k.unit})`,
    plain: { run: () => plain.run(k.n) },
    hardened: { run: () => hard.run(k.n) },
    globals: { fuel: hard.fuel!, depth: hard.depth! },
    warmup: quick ? 3 : 6,
    rounds: quick ? 7 : 31,
  });
}

// QuickJS: every run evaluates in the same context; a block scopes a workload's `let`/`const`, and a
// block's completion value is that of its last statement
const block = (source: string): string => `{\n${source}\n}`;
const JS_WORKLOADS: Record<string, { what: string; source: string }> = {
  'quickjs-fib': {
    what: 'QuickJS: fib(25) in JavaScript',
    source: block('function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(25)'),
  },
  'quickjs-json': {
    what: 'QuickJS: JSON stringify/parse round trips of a 5,461-node tree',
    source: block(`
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const make = (d) => { const o = { id: rnd(), s: 'v' + rnd().toString(36), f: rnd() / 3, a: [rnd() % 100, 'x', null, true] };
      if (d > 0) o.c = [make(d - 1), make(d - 1), make(d - 1), make(d - 1)]; return o; };
    const root = make(6);
    let t = '';
    for (let i = 0; i < 4; i++) t = JSON.stringify(JSON.parse(JSON.stringify(root)));
    t.length`),
  },
  'quickjs-strings': {
    what: 'QuickJS: string building, regexps, split/replace/sort (the test suite string program, 4 times)',
    // a loop's completion value is that of its last iteration
    source: block(`for (let rep = 0; rep < 4; rep++) {\n${JS_PROGRAMS['strings']!}\n}`),
  },
};
const jsSelected = Object.keys(JS_WORKLOADS).filter(selected);
const disposers: (() => void)[] = [];
if (jsSelected.length > 0) {
  const plainBytes = readWasm(QUICKJS_WASM_PATH);
  const hardenedBytes = (await harden(plainBytes, { ...QUICKJS_POLICY, fuel: FUEL })).bytes;
  const plainVm = await loadQuickJSCapturing(plainBytes);
  const hardVm = await loadQuickJSCapturing(hardenedBytes);
  const globals = hardenGlobals(hardVm.instance);
  const plainCtx = plainVm.QuickJS.newContext();
  const hardCtx = hardVm.QuickJS.newContext();
  disposers.push(() => plainCtx.dispose(), () => hardCtx.dispose());
  const evaluate = (ctx: QuickJSContext, source: string): unknown => {
    const handle = ctx.unwrapResult(ctx.evalCode(source));
    const value = ctx.dump(handle);
    handle.dispose();
    return value;
  };
  for (const name of jsSelected) {
    const { what, source } = JS_WORKLOADS[name]!;
    workloads.push({
      name,
      group: 'QuickJS',
      what,
      plain: { run: () => evaluate(plainCtx, source) },
      hardened: { run: () => evaluate(hardCtx, source) },
      globals,
      warmup: quick ? 2 : 5,
      rounds: quick ? 5 : 21,
    });
  }
}

if (selected('sqlite')) {
  const plainBytes = readWasm(SQL_WASM_PATH);
  const hardenedBytes = (await harden(plainBytes, { ...SQLJS_POLICY, fuel: FUEL })).bytes;
  // the same loader on both sides (emscripten's instantiateWasm hook), so that only the bytes differ
  const plain = await loadSqlJsCapturing(plainBytes);
  const hard = await loadSqlJsCapturing(hardenedBytes);
  workloads.push({
    name: 'sqlite',
    group: 'SQLite',
    what: `sql.js: CREATE TABLE, ${SQL_ROWS.toLocaleString('en-US')} INSERTs (prepared, one transaction), 8 queries (aggregates, GROUP BY, ORDER BY, a self-join)`,
    plain: { run: () => sqlWorkload(plain.SQL) },
    hardened: { run: () => sqlWorkload(hard.SQL) },
    globals: hardenGlobals(hard.instance),
    warmup: quick ? 2 : 4,
    rounds: quick ? 5 : 21,
  });
}

if (workloads.length === 0)
  throw new Error(`--only matched no workload; the names are ${[...KERNELS.map((k) => k.name), ...Object.keys(JS_WORKLOADS), 'sqlite'].join(', ')}`);

// ── measurement ─────────────────────────────────────────────────────────────────────────────────────────
interface ExecutionRow {
  workload: string;
  group: Workload['group'];
  what: string;
  rounds: number;
  plainMs: number;
  hardenedMs: number;
  /** the median of the per-round ratios (hardened / plain within a round): the headline figure */
  ratio: number;
  /** hardenedMs / plainMs */
  ratioOfMedians: number;
  /**
   * the fastest hardened round ÷ the fastest plain round: what each side costs when nothing else interferes.
   * A shared machine has slow phases that hit the two sides unequally (hardened code touches more stack, so
   * memory contention slows it more: fib measured 29 ms against 20 ms in such a phase, 15.5 against 15.8
   * outside it); when they cover half the rounds they move the median, not this.
   */
  ratioOfMinima: number;
  /** the median, first and third quartile of the per-round ratios */
  roundRatio: { median: number; p25: number; p75: number };
  /** fuel one hardened run uses */
  fuel: number;
  /** fuel per second of the hardened run, in millions */
  mFuelPerSecond: number;
}

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

function timeSide(w: Workload, side: 'plain' | 'hardened'): { ms: number; value: unknown; fuel: bigint } {
  if (side === 'hardened') {
    w.globals.fuel.value = FUEL;
    w.globals.depth.value = 0; // a host resets the depth before each top-level call
  }
  const t0 = performance.now();
  const value = w[side].run();
  const ms = performance.now() - t0;
  return { ms, value, fuel: side === 'hardened' ? FUEL - w.globals.fuel.value : 0n };
}

/**
 * Short workloads get more rounds: at least `Workload.rounds`, and in a full run as many as fill
 * MEASURE_BUDGET_MS per side (at most MAX_ROUNDS), so that a 10 ms workload's median ratio rests on as much
 * measured time as a 200 ms one's (QuickJS strings measured 1.08–1.26× across runs with 21 rounds).
 */
const MEASURE_BUDGET_MS = 1500;
const MAX_ROUNDS = 151;

function roundsFor(w: Workload, runMs: number): number {
  if (quick) return w.rounds;
  return Math.max(w.rounds, Math.min(MAX_ROUNDS, Math.ceil(MEASURE_BUDGET_MS / Math.max(runMs, 0.01))));
}

async function measure(w: Workload): Promise<ExecutionRow> {
  const plain: number[] = [];
  const hard: number[] = [];
  let fuel = 0n;
  let rounds = w.rounds;
  for (let i = 0; i < w.warmup + rounds; i++) {
    if (i === w.warmup) await sleep(quick ? 20 : 100); // let background TurboFan jobs finish
    const order = i % 2 === 0 ? (['plain', 'hardened'] as const) : (['hardened', 'plain'] as const);
    const r = { plain: timeSide(w, order[0]), hardened: timeSide(w, order[1]) };
    const [p, h] = order[0] === 'plain' ? [r.plain, r.hardened] : [r.hardened, r.plain];
    if (!same(p.value, h.value)) throw new Error(`${w.name}: plain and hardened results differ: ${JSON.stringify(p.value)?.slice(0, 200)} vs ${JSON.stringify(h.value)?.slice(0, 200)}`);
    if (i === w.warmup - 1) rounds = roundsFor(w, Math.max(p.ms, h.ms));
    if (i >= w.warmup) {
      plain.push(p.ms);
      hard.push(h.ms);
      fuel = h.fuel;
    }
  }
  const perRound = hard.map((h, i) => h / plain[i]!);
  const plainMs = median(plain);
  const hardenedMs = median(hard);
  return {
    workload: w.name,
    group: w.group,
    what: w.what,
    rounds,
    plainMs,
    hardenedMs,
    ratio: median(perRound),
    ratioOfMedians: hardenedMs / plainMs,
    ratioOfMinima: Math.min(...hard) / Math.min(...plain),
    roundRatio: { median: median(perRound), p25: quantile(perRound, 0.25), p75: quantile(perRound, 0.75) },
    fuel: Number(fuel),
    mFuelPerSecond: Number(fuel) / hardenedMs / 1e3,
  };
}

console.log(
  `execution overhead, hardened (default costs) vs plain — ${machineLine}, binaryen ${binaryen}${quick ? ' (quick)' : ''}` +
    (engine === undefined ? '' : `, engine tuned (${engine.flag})`),
);
const rows: ExecutionRow[] = [];
for (const w of workloads) {
  const row = await measure(w);
  rows.push(row);
  console.log(
    `  ${row.workload.padEnd(16)} plain ${row.plainMs.toFixed(2).padStart(7)} ms  hardened ${row.hardenedMs.toFixed(2).padStart(7)} ms  ` +
      `${row.ratio.toFixed(3)}×  (per-round p25–p75 ${row.roundRatio.p25.toFixed(3)}–${row.roundRatio.p75.toFixed(3)}; ratio of medians ${row.ratioOfMedians.toFixed(3)}×; of minima ${row.ratioOfMinima.toFixed(3)}×)`,
  );
}
for (const d of disposers) d();

const summary = {
  geomean: geomean(rows.map((r) => r.ratio)),
  geomeanKernels: rows.some((r) => r.group === 'kernel') ? geomean(rows.filter((r) => r.group === 'kernel').map((r) => r.ratio)) : undefined,
  max: rows.reduce((m, r) => (r.ratio > m.ratio ? { workload: r.workload, ratio: r.ratio } : m), { workload: '', ratio: 0 }),
};
console.log('');
console.table(
  rows.map((r) => ({
    workload: r.workload,
    'plain ms': r.plainMs.toFixed(2),
    'hardened ms': r.hardenedMs.toFixed(2),
    ratio: `${r.ratio.toFixed(3)}×`,
    'ratio of medians': `${r.ratioOfMedians.toFixed(3)}×`,
    'ratio of minima': `${r.ratioOfMinima.toFixed(3)}×`,
    'per-round p25–p75': `${r.roundRatio.p25.toFixed(3)}–${r.roundRatio.p75.toFixed(3)}`,
    'Mfuel/s': r.mFuelPerSecond.toFixed(0),
  })),
);
console.log(
  `geometric mean ${summary.geomean.toFixed(3)}× over ${rows.length} workloads` +
    (summary.geomeanKernels === undefined ? '' : ` (kernels alone ${summary.geomeanKernels.toFixed(3)}×)`) +
    `; worst ${summary.max.workload} ${summary.max.ratio.toFixed(3)}×`,
);

if (jsonOut !== undefined) {
  const out = {
    benchmark: 'execution',
    machine: machineLine,
    machineInfo: machine,
    node,
    binaryen,
    commit: gitCommit(),
    quick,
    engineTuned: engine !== undefined,
    fuelBudget: FUEL.toString(),
    rows,
    ...summary,
  };
  writeFileSync(jsonOut, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${jsonOut}`);
}
