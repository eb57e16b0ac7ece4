/**
 * binaryen round trip (read + emit) through src/instrument/binaryen-host.ts: the baseline `harden` is compared
 * against, and the numbers behind the host's design comment.
 *
 *   - load: the first session in a fresh process (read index.js, compile the factory, instantiate)
 *   - cold: the first round trip of each real module, each in its own child process
 *   - warm: medians of interleaved rounds, read and emit timed separately; `module.validate()` once
 *   - validity (`WebAssembly.validate`) and determinism: across rounds, fresh instances and processes
 *   - recovery: a fresh factory instance after an abort, vs a cache-busting re-import (with the memory it
 *     keeps), vs a worker_thread (spawn, respawn, per-call overhead for ~1 KB and for sql-wasm.wasm)
 *
 * Run: `npx tsx bench/binaryen-roundtrip.bench.ts [--quick] [--json out.json]`.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { binaryenHostState, roundTrip, withBinaryenModule, withNewBinaryenModule } from '../src/instrument/binaryen-host.js';
import { WASM2_FEATURES, type FeatureName } from '../src/policy.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const FEATURES: readonly FeatureName[] = WASM2_FEATURES;

const FILES: Record<string, string> = {
  'sql-wasm.wasm': require.resolve('sql.js/dist/sql-wasm.wasm'),
  'QuickJS (release-sync)': require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
};

const hash = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

interface Timed {
  read: number;
  emit: number;
  total: number;
  out: Uint8Array;
}

/** One round trip with read and emit timed apart (read includes the session's setup, emit its dispose). */
async function timedRoundTrip(bytes: Uint8Array): Promise<Timed> {
  const t0 = performance.now();
  let t1 = 0;
  const out = await withBinaryenModule(bytes, FEATURES, (module) => {
    t1 = performance.now();
    return module.emitBinary();
  });
  const t2 = performance.now();
  return { read: t1 - t0, emit: t2 - t1, total: t2 - t0, out };
}

async function forceAbort(): Promise<void> {
  await withNewBinaryenModule(FEATURES, (module) => module.i32.add(0, 0)).catch(() => undefined);
}

// ── child mode: one cold round trip in a fresh process ─────────────────────────────────────────────────
if (args[0] === '--cold') {
  const file = FILES[args[1] ?? ''];
  if (!file) throw new Error(`unknown file ${args[1]}`);
  const bytes = new Uint8Array(readFileSync(file));
  let t = performance.now();
  await withNewBinaryenModule([], () => 0);
  const load = performance.now() - t;
  const cold = await timedRoundTrip(bytes);
  t = performance.now();
  await forceAbort();
  const fresh = await timedRoundTrip(bytes); // a fresh instance, in a process whose wasm code is warm
  process.stdout.write(JSON.stringify({ load, read: cold.read, emit: cold.emit, hash: hash(cold.out), freshHash: hash(fresh.out), freshTotal: fresh.total }));
  process.exit(0);
}

function child(file: string): { load: number; read: number; emit: number; hash: string; freshHash: string; freshTotal: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--cold', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof child>;
}

const report: Record<string, unknown> = {
  node: process.version,
  cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
};
console.log(`binaryen round trip — Node ${process.version}, ${String(report['cpu'])}\n`);

// ── load ────────────────────────────────────────────────────────────────────────────────────────────────
let t = performance.now();
await withNewBinaryenModule([], () => 0);
report['load'] = performance.now() - t;
console.log(`load (first session in this process): ${ms(report['load'] as number)}`);

// ── real modules: cold, warm, validity, determinism ────────────────────────────────────────────────────
const rounds = quick ? 3 : 9;
const subjects = Object.entries(FILES).map(([name, file]) => ({ name, bytes: new Uint8Array(readFileSync(file)) }));
const warm = new Map<string, Timed[]>(subjects.map((s) => [s.name, []]));
for (let i = 0; i < rounds + 1; i++)
  for (const s of subjects) {
    const r = await timedRoundTrip(s.bytes);
    if (i > 0) warm.get(s.name)!.push(r); // round 0 warms up
  }
for (const s of subjects) {
  const runs = warm.get(s.name)!;
  const first = runs[0]!.out;
  const sameEveryRound = runs.every((r) => hash(r.out) === hash(first));
  const again = await roundTrip(first, FEATURES);
  t = performance.now();
  await withBinaryenModule(s.bytes, FEATURES, (module) => module.validate());
  const validate = performance.now() - t;
  const cold = child(s.name);
  const row = {
    bytesIn: s.bytes.length,
    bytesOut: first.length,
    valid: WebAssembly.validate(first),
    cold: { load: cold.load, read: cold.read, emit: cold.emit },
    freshInstanceInWarmProcess: cold.freshTotal,
    warm: { read: median(runs.map((r) => r.read)), emit: median(runs.map((r) => r.emit)), total: median(runs.map((r) => r.total)) },
    sessionWithValidate: validate,
    hash: hash(first),
    deterministic: {
      rounds: sameEveryRound,
      process: cold.hash === hash(first),
      freshInstance: cold.freshHash === hash(first),
      idempotent: hash(again) === hash(first),
    },
  };
  report[s.name] = row;
  console.log(`\n${s.name}: ${row.bytesIn} B → ${row.bytesOut} B, WebAssembly.validate: ${row.valid}`);
  console.log(`  cold (fresh process): load ${ms(cold.load)}, read ${ms(cold.read)}, emit ${ms(cold.emit)}`);
  console.log(`  first on a fresh instance in that process: ${ms(cold.freshTotal)}`);
  console.log(`  warm median of ${rounds}: read ${ms(row.warm.read)}, emit ${ms(row.warm.emit)}, total ${ms(row.warm.total)}`);
  console.log(`  read + validate() session: ${ms(validate)}`);
  console.log(`  sha-256 ${row.hash}…; identical across rounds ${row.deterministic.rounds}, processes ${row.deterministic.process}, fresh instances ${row.deterministic.freshInstance}; idempotent ${row.deterministic.idempotent}`);
}

// ── recovery: fresh factory instance ───────────────────────────────────────────────────────────────────
const small = await withNewBinaryenModule(FEATURES, (m, b) => {
  const ii = b.createType([b.i32, b.i32]);
  for (let i = 0; i < 40; i++) {
    m.addFunction(`f${i}`, ii, b.i32, [], m.i32.add(m.local.get(0, b.i32), m.i32.mul(m.local.get(1, b.i32), m.i32.const(i))));
    m.addFunctionExport(`f${i}`, `e${i}`);
  }
  return m.emitBinary();
});
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rss = (): number => {
  gc();
  gc();
  return process.memoryUsage().rss / 1048576;
};
const reloads: number[] = [];
const rssBefore = rss();
const generationBefore = binaryenHostState().generation;
for (let i = 0; i < (quick ? 5 : 20); i++) {
  await forceAbort();
  t = performance.now();
  await roundTrip(small, FEATURES);
  reloads.push(performance.now() - t);
}
const rssGrowth = rss() - rssBefore;
const instances = binaryenHostState().generation - generationBefore;
report['freshFactoryInstance'] = { median: median(reloads), instances, rssGrowthMB: rssGrowth };
console.log(`\nrecovery, fresh factory instance + a ${small.length}-byte round trip: median ${ms(median(reloads))} of ${reloads.length}`);
console.log(`  RSS after ${instances} retired instances: ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(0)} MB`);

// ── recovery alternative: cache-busting re-import (in a child: ES modules are never unloaded) ──────────
{
  const url = pathToFileURL(require.resolve('binaryen')).href;
  const script = `
    const mb = () => { global.gc(); global.gc(); return process.memoryUsage().rss / 1048576; };
    const base = mb(); const times = [];
    for (let i = 1; i <= 4; i++) { const t = performance.now(); await import(${JSON.stringify(url)} + '?instance=' + i); times.push(performance.now() - t); }
    process.stdout.write(JSON.stringify({ times, rssPerInstance: (mb() - base) / 4 }));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const re = JSON.parse(r.stdout) as { times: number[]; rssPerInstance: number };
  report['reimport'] = re;
  console.log(`recovery alternative, cache-busting import(): ${re.times.map(ms).join(', ')}; RSS kept per instance ${re.rssPerInstance.toFixed(0)} MB`);
}

// ── recovery alternative: a worker_thread ──────────────────────────────────────────────────────────────
{
  const url = pathToFileURL(require.resolve('binaryen')).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ default: b }) => {
      const F = b.Features;
      const flags = F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.Multivalue | F.BulkMemory | F.BulkMemoryOpt | F.ReferenceTypes | F.SIMD128;
      parentPort.on('message', ({ id, bytes }) => {
        const m = b.readBinary(new Uint8Array(bytes), flags);
        m.setFeatures(flags);
        try { const out = m.emitBinary(); parentPort.postMessage({ id, out: out.buffer }, [out.buffer]); } finally { m.dispose(); }
      });
      parentPort.postMessage('ready');
    });`;
  const spawn = async (): Promise<{ worker: Worker; ms: number }> => {
    const start = performance.now();
    const worker = new Worker(code, { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
    return { worker, ms: performance.now() - start };
  };
  const { worker, ms: spawnMs } = await spawn();
  let nextId = 0;
  const pending = new Map<number, () => void>();
  worker.on('message', (m: { id: number }) => pending.get(m.id)?.());
  const call = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      const copy = bytes.slice();
      worker.postMessage({ id, bytes: copy.buffer }, [copy.buffer]);
    });
  const sql = subjects[0]!.bytes;
  const perCall: Record<string, { inProcess: number; worker: number }> = {};
  for (const [name, bytes, n] of [[`${small.length} B`, small, quick ? 50 : 300], ['sql-wasm.wasm', sql, quick ? 3 : 7]] as const) {
    const a: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < n + 2; i++) {
      t = performance.now();
      await roundTrip(bytes, FEATURES);
      const inProcess = performance.now() - t;
      t = performance.now();
      await call(bytes);
      if (i >= 2) {
        a.push(inProcess);
        w.push(performance.now() - t);
      }
    }
    perCall[name] = { inProcess: median(a), worker: median(w) };
    console.log(`worker per call, ${name}: in process ${ms(median(a))}, worker ${ms(median(w))} (+${ms(median(w) - median(a))})`);
  }
  t = performance.now();
  await worker.terminate();
  const terminateMs = performance.now() - t;
  const again = await spawn();
  await again.worker.terminate();
  report['worker'] = { spawn: spawnMs, terminate: terminateMs, respawn: again.ms, perCall };
  console.log(`worker spawn + load ${ms(spawnMs)}, terminate ${ms(terminateMs)}, respawn ${ms(again.ms)}`);
}

if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
