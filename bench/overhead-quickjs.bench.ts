/**
 * Runtime overhead, first look (issue 3, acceptance 5), and harden() against binaryen's bare read + emit
 * (acceptance 4).
 *
 *   1. QuickJS, plain and hardened, each loaded through quickjs-emscripten's stock loader (`newVariant` with
 *      an `instantiateWasm` hook on both sides, so that the only difference is the bytes), runs JavaScript
 *      workloads (fib(25), a JSON stringify/parse round trip, and the test suite's program set). Rounds are
 *      interleaved in one process, in ABBA order, after warm-up rounds; each side's figure is the median
 *      of its rounds; the hardened module is refuelled before each run so it never runs dry.
 *   2. harden() vs `roundTrip` (binaryen read + emit, src/instrument/binaryen-host.ts) on sql-wasm.wasm and
 *      the QuickJS wasm, warm, interleaved, medians; with the median `report.timings` breakdown.
 *
 * Runs the built package (tsc inlines const enums; tsx does not): `npm run build && npx tsx
 * bench/overhead-quickjs.bench.ts [--quick] [--json out.json]`. Not part of `npm test`.
 */

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { QuickJSContext } from 'quickjs-emscripten-core';
import { roundTrip } from '../dist/instrument/binaryen-host.js';
import { harden, type HardenReport } from '../dist/instrument/harden.js';
import {
  hardenGlobals,
  JS_PROGRAMS,
  loadQuickJSCapturing,
  QUICKJS_POLICY,
  QUICKJS_WASM_PATH,
  readWasm,
  SQL_WASM_PATH,
  SQLJS_POLICY,
} from '../test/instrument/real/programs.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(3)}×`;

const report: Record<string, unknown> = {
  node: process.version,
  cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
  quick,
};
console.log(`QuickJS runtime overhead and harden() speed — Node ${process.version}, ${String(report['cpu'])}${quick ? ' (quick)' : ''}\n`);

// ── 1. runtime overhead ─────────────────────────────────────────────────────────────────────────────────
// every run evaluates in the same context: a block scopes a workload's `let`/`const`, and a block's
// completion value is that of its last statement
const block = (source: string): string => `{\n${source}\n}`;
const WORKLOADS: Record<string, string> = {
  'fib(25)': block('function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(25)'),
  'JSON round trip': block(`
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const make = (d) => { const o = { id: rnd(), s: 'v' + rnd().toString(36), f: rnd() / 3, a: [rnd() % 100, 'x', null, true] };
      if (d > 0) o.c = [make(d - 1), make(d - 1), make(d - 1), make(d - 1)]; return o; };
    const root = make(6);
    let t = '';
    for (let i = 0; i < 4; i++) t = JSON.stringify(JSON.parse(JSON.stringify(root)));
    t.length`),
  'test programs (fib 20, JSON, strings, misc)': Object.values(JS_PROGRAMS).map(block).join('\n'),
};

const plainBytes = readWasm(QUICKJS_WASM_PATH);
const FUEL = (1n << 62n);
const hardened = await harden(plainBytes, { ...QUICKJS_POLICY, fuel: FUEL });
const plainVm = await loadQuickJSCapturing(plainBytes);
const hardVm = await loadQuickJSCapturing(hardened.bytes);
const globals = hardenGlobals(hardVm.instance);
const plainCtx = plainVm.QuickJS.newContext();
const hardCtx = hardVm.QuickJS.newContext();

function run(ctx: QuickJSContext, source: string, refuel: boolean): { ms: number; value: unknown; fuel: bigint } {
  if (refuel) {
    globals.fuel.value = FUEL;
    globals.depth.value = 0; // a host resets the depth before each top-level call
  }
  const t0 = performance.now();
  const handle = ctx.unwrapResult(ctx.evalCode(source));
  const elapsed = performance.now() - t0;
  const value = ctx.dump(handle);
  handle.dispose();
  return { ms: elapsed, value, fuel: refuel ? FUEL - globals.fuel.value : 0n };
}

const warmup = quick ? 2 : 5;
const rounds = quick ? 7 : 21;
const overhead: Record<string, unknown> = {};
for (const [name, source] of Object.entries(WORKLOADS)) {
  const plain: number[] = [];
  const hard: number[] = [];
  let fuelUsed = 0n;
  for (let i = 0; i < warmup + rounds; i++) {
    // ABBA: plain first on even rounds, hardened first on odd ones
    const order = i % 2 === 0 ? (['plain', 'hard'] as const) : (['hard', 'plain'] as const);
    const results: Record<string, { ms: number; value: unknown; fuel: bigint }> = {};
    for (const side of order) results[side] = side === 'plain' ? run(plainCtx, source, false) : run(hardCtx, source, true);
    if (JSON.stringify(results['plain']!.value) !== JSON.stringify(results['hard']!.value))
      throw new Error(`${name}: results differ: ${JSON.stringify(results['plain']!.value)} vs ${JSON.stringify(results['hard']!.value)}`);
    if (i >= warmup) {
      plain.push(results['plain']!.ms);
      hard.push(results['hard']!.ms);
      fuelUsed = results['hard']!.fuel;
    }
  }
  const row = {
    plain: median(plain),
    hardened: median(hard),
    ratio: median(hard) / median(plain),
    // the ratio of medians, and the median of per-round ratios (robust to drift across rounds)
    medianRoundRatio: median(hard.map((h, i) => h / plain[i]!)),
    fuel: Number(fuelUsed),
    gigaFuelPerSecond: Number(fuelUsed) / median(hard) / 1e6,
  };
  overhead[name] = row;
  console.log(
    `${name}: plain ${ms(row.plain)}, hardened ${ms(row.hardened)} → ${ratio(row.hardened, row.plain)} ` +
      `(median of per-round ratios ${row.medianRoundRatio.toFixed(3)}×; ${row.fuel.toLocaleString('en-US')} fuel, ${row.gigaFuelPerSecond.toFixed(1)} G fuel/s)`,
  );
}
report['overhead'] = overhead;
plainCtx.dispose();
hardCtx.dispose();

// ── 2. harden() vs binaryen read + emit ─────────────────────────────────────────────────────────────────
console.log('');
const subjects = [
  { name: 'sql-wasm.wasm', bytes: readWasm(SQL_WASM_PATH), policy: { ...SQLJS_POLICY } },
  { name: 'QuickJS (release-sync)', bytes: plainBytes, policy: { ...QUICKJS_POLICY } },
];
const hardenRounds = quick ? 3 : 7;
const speed: Record<string, unknown> = {};
for (const s of subjects) {
  const features = (await harden(s.bytes, s.policy)).policy.features; // also warms both paths up
  await roundTrip(s.bytes, features);
  const h: number[] = [];
  const b: number[] = [];
  const timings: HardenReport['timings'][] = [];
  let out: Awaited<ReturnType<typeof harden>> | undefined;
  for (let i = 0; i < hardenRounds; i++) {
    const order = i % 2 === 0 ? ['harden', 'binaryen'] : ['binaryen', 'harden'];
    for (const side of order) {
      const t0 = performance.now();
      if (side === 'harden') {
        out = await harden(s.bytes, s.policy);
        h.push(performance.now() - t0);
        timings.push(out.report.timings);
      } else {
        await roundTrip(s.bytes, features);
        b.push(performance.now() - t0);
      }
    }
  }
  const phase = (k: keyof HardenReport['timings']) => median(timings.map((t) => t[k]));
  const row = {
    bytesIn: s.bytes.length,
    bytesOut: out!.bytes.length,
    meteringPoints: out!.report.meteringPoints,
    harden: median(h),
    readEmit: median(b),
    ratio: median(h) / median(b),
    timings: { validate: phase('validate'), rewrite: phase('rewrite'), verify: phase('verify'), binaryen: phase('binaryen'), total: phase('total') },
  };
  speed[s.name] = row;
  console.log(
    `${s.name}: ${row.bytesIn.toLocaleString('en-US')} B → ${row.bytesOut.toLocaleString('en-US')} B, ${row.meteringPoints.toLocaleString('en-US')} metering points`,
  );
  console.log(`  harden ${ms(row.harden)} vs binaryen read+emit ${ms(row.readEmit)} → ${ratio(row.harden, row.readEmit)} (median of ${hardenRounds}, warm)`);
  const t = row.timings;
  console.log(`  report.timings (medians): validate ${ms(t.validate)}, rewrite ${ms(t.rewrite)}, verify ${ms(t.verify)}, binaryen ${ms(t.binaryen)}, total ${ms(t.total)}`);
}
report['hardenSpeed'] = speed;

if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
