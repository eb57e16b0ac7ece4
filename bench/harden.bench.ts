/**
 * harden speed: full `harden()` against binaryen's bare read + emit of the same bytes (the baseline, in the
 * same process, interleaved round by round), on sql-wasm.wasm and the QuickJS wasm, both as `harden` runs by
 * default and with the opt-in `binaryenCheck` (binaryen's validator on the output as well); and a ~1 KB module
 * in absolute milliseconds, warm. Runs on the built package (`npm run build` first; tsc inlines const enums).
 *
 *   npx tsx bench/harden.bench.ts [--quick] [--json out.json]
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import os from 'node:os';
import { tryHarden } from '../dist/instrument/harden.js';
import { roundTrip } from '../dist/instrument/binaryen-host.js';
import { normalizePolicy, WASM2_FEATURES } from '../dist/policy.js';
import { HardenCache } from '../dist/runtime/cache.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const rounds = quick ? 2 : 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const subjects = [
  { name: 'sql-wasm.wasm', bytes: readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')), policy: normalizePolicy({ imports: 'any' }) },
  {
    name: 'QuickJS',
    bytes: readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')),
    policy: normalizePolicy({ imports: 'any', limits: { memoryPages: 32768 } }),
  },
];

const rows = [];
for (const s of subjects) {
  const bytes = new Uint8Array(s.bytes);
  const hardenMs: number[] = [];
  const checkedMs: number[] = [];
  const baseMs: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i <= rounds; i++) {
    let t = performance.now();
    const r = await tryHarden(bytes, s.policy);
    const h = performance.now() - t;
    if (!r.ok) throw new Error(`${s.name}: ${r.issues[0]?.message}`);
    t = performance.now();
    const checked = await tryHarden(bytes, s.policy, { binaryenCheck: true });
    const c = performance.now() - t;
    if (!checked.ok || checked.module.report.binaryenCheck !== 'passed') throw new Error(`${s.name}: binaryen's check did not pass`);
    t = performance.now();
    await roundTrip(bytes, WASM2_FEATURES);
    const b = performance.now() - t;
    if (i === 0) continue; // warm-up
    hardenMs.push(h);
    checkedMs.push(c);
    baseMs.push(b);
    for (const [k, v] of Object.entries(r.module.report.timings)) (phases[k] ??= []).push(v);
  }
  rows.push({
    module: s.name,
    'harden ms': median(hardenMs),
    'binaryen read+emit ms': median(baseMs),
    ratio: median(hardenMs) / median(baseMs),
    'harden + binaryen check ms': median(checkedMs),
    ratioWithCheck: median(checkedMs) / median(baseMs),
    ...Object.fromEntries(Object.entries(phases).map(([k, v]) => [`${k} ms`, median(v)])),
  });
}

// a ~1 KB module, warm
const small = readFileSync(resolve(process.cwd(), '../shared/spec-testsuite/json/conversions/conversions.0.wasm'));
const smallPolicy = normalizePolicy({ imports: 'any' });
for (let i = 0; i < 50; i++) await tryHarden(small, smallPolicy);
const smallMs: number[] = [];
for (let i = 0; i < (quick ? 50 : 300); i++) {
  const t = performance.now();
  await tryHarden(small, smallPolicy);
  smallMs.push(performance.now() - t);
}

// cache hits (memory tier): the cost is hashing the input
const cache = new HardenCache();
const hitMs: Record<string, number> = {};
for (const [name, bytes, policy] of [
  ['sql-wasm.wasm', new Uint8Array(subjects[0]!.bytes), subjects[0]!.policy],
  [`${small.length}-byte module`, new Uint8Array(small), smallPolicy],
] as const) {
  await cache.harden(bytes, policy);
  const t: number[] = [];
  for (let i = 0; i < (quick ? 20 : 100); i++) {
    const s = performance.now();
    await cache.harden(bytes, policy);
    t.push(performance.now() - s);
  }
  hitMs[name] = median(t);
}

const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, Node ${process.version}`;
console.log(`harden vs binaryen read+emit — ${machine}${quick ? ' (quick)' : ''}`);
console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? (k === 'ratio' || k === 'ratioWithCheck' ? `${v.toFixed(2)}×` : v.toFixed(1)) : v]))));
console.log(`cache hit (memory tier): ${Object.entries(hitMs).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(', ')}`);
console.log(`${small.length}-byte module, warm: median ${median(smallMs).toFixed(2)} ms, p90 ${[...smallMs].sort((a, b) => a - b)[Math.floor(smallMs.length * 0.9)]!.toFixed(2)} ms`);
if (jsonOut !== undefined) {
  writeFileSync(jsonOut, JSON.stringify({ benchmark: 'harden', machine, node: process.version, quick, rows, smallModule: { bytes: small.length, medianMs: median(smallMs) }, cacheHit: { medianMs: hitMs['sql-wasm.wasm'], byModule: hitMs } }, null, 2));
  console.log(`wrote ${jsonOut}`);
}
