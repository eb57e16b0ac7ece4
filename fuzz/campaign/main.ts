/**
 * The fuzz campaign behind `wasm-harden fuzz` (src/cli/fuzz.ts spawns this file with `node --import tsx`,
 * passing the parsed options as one JSON argument; see there why).
 *
 *   node --import tsx fuzz/campaign/main.ts '{"seed":1,"workers":2,"runs":200,"properties":[],"shard":{"index":0,"count":1},"json":false}'
 *
 * K worker threads (fuzz/campaign/worker.ts) ask for batches; the campaign hands them out round-robin over
 * the selected properties (the one with the fewest cases handed out first) until `runs` cases per property
 * are handed out or `seconds` have passed; batch seeds come from `batchSeed` (protocol.ts). A worker that
 * has run ~20,000 cases retires and is replaced. A property that fails stops getting batches (its failure is
 * shrunk and written to corpus/regressions/ by the worker); the others go on.
 *
 * stderr: a live progress line when it is a TTY, else a plain line every 10 s. stdout: the summary (text,
 * or JSON with `json`). Exit code 0 when no property failed, 1 otherwise, 2 on a campaign error.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WASM2_OPS } from '../../src/binary/opcodes.js';
import { OpcodeCoverage, type CoverageReport } from '../generator/coverage.js';
import { PROPERTIES } from '../properties/index.js';
import type { BatchFailure, CampaignOptions, FromWorker, ToWorker } from './protocol.js';
import { batchSeed } from './protocol.js';

export interface PropertySummary {
  property: string;
  cases: number;
  batches: number;
  /** worker time spent on this property, ms */
  ms: number;
  tags: Record<string, number>;
  failed: boolean;
}

export interface CampaignSummary {
  seed: number;
  shard: string;
  workers: number;
  seconds: number;
  cases: number;
  casesPerSecond: number;
  /** cases per second per worker thread (each worker runs on its own core when there are enough) */
  casesPerSecondPerCore: number;
  workerRestarts: number;
  properties: PropertySummary[];
  coverage: CoverageReport;
  failures: Omit<BatchFailure, 'message'>[];
  regressions: string[];
}

export interface CampaignIo {
  out(line: string): void;
  /** a progress line; `live` lines overwrite each other on a TTY */
  progress(line: string): void;
  err(line: string): void;
  /** the campaign is over (ends a live line) */
  end?(): void;
}

function processIo(): CampaignIo {
  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${l}\n`),
    progress: (l) => {
      if (tty) process.stderr.write(`\r\x1b[K${l}`);
      else if (performance.now() - lastPlain >= 10_000) {
        lastPlain = performance.now();
        process.stderr.write(`${l}\n`);
      }
    },
    end: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}

export async function runCampaign(o: CampaignOptions, io: CampaignIo = processIo()): Promise<{ code: number; summary: CampaignSummary }> {
  const selected = o.properties.length === 0 ? PROPERTIES.map((p) => p.name) : o.properties;
  const batchSize = o.batchSize ?? 100;
  const restartEvery = o.restartEvery ?? 20_000;
  const t0 = performance.now();
  const deadline = o.seconds !== undefined ? t0 + o.seconds * 1000 : Infinity;
  const seen = new Set<number>();
  const stats = new Map<string, PropertySummary & { handedOut: number; nextBatch: number }>(
    selected.map((name) => [name, { property: name, cases: 0, batches: 0, ms: 0, tags: {}, failed: false, handedOut: 0, nextBatch: 0 }]),
  );
  const failures: BatchFailure[] = [];
  let restarts = 0;
  let error: string | undefined;
  const wasm2 = new Set(WASM2_OPS.map((op) => op.index));
  let covered2 = 0;

  const nextBatch = (): ToWorker => {
    if (performance.now() >= deadline || error !== undefined) return { type: 'stop' };
    let best: (typeof stats extends Map<string, infer V> ? V : never) | undefined;
    for (const s of stats.values()) {
      if (s.failed) continue;
      if (o.runs !== undefined && s.handedOut >= o.runs) continue;
      if (best === undefined || s.handedOut < best.handedOut) best = s;
    }
    if (best === undefined) return { type: 'stop' };
    const numRuns = o.runs !== undefined ? Math.min(batchSize, o.runs - best.handedOut) : batchSize;
    best.handedOut += numRuns;
    return { type: 'batch', property: best.property, seed: batchSeed(o.seed, o.shard.index, best.property, best.nextBatch++), numRuns };
  };

  const totalCases = () => [...stats.values()].reduce((n, s) => n + s.cases, 0);
  const progressLine = () => {
    const secs = (performance.now() - t0) / 1000;
    const n = totalCases();
    return (
      `fuzz: ${secs.toFixed(0)} s, ${n.toLocaleString('en-US')} cases (${(n / Math.max(secs, 0.001)).toFixed(0)}/s), ` +
      `${failures.length} failure${failures.length === 1 ? '' : 's'}, opcode coverage ${((100 * covered2) / wasm2.size).toFixed(1)}%`
    );
  };
  const timer = setInterval(() => io.progress(progressLine()), 500);

  await new Promise<void>((resolveAll) => {
    let live = 0;
    const start = () => {
      live++;
      const w = new Worker(workerShim(), { workerData: { restartEvery }, execArgv: [] });
      let finished = false;
      const finish = (replace: boolean) => {
        if (finished) return;
        finished = true;
        live--;
        void w.terminate();
        if (replace) {
          restarts++;
          start();
        } else if (live === 0) resolveAll();
      };
      const send = () => {
        const m = nextBatch();
        if (m.type === 'stop') finish(false);
        else w.postMessage(m);
      };
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') send();
        else if (m.type === 'error') {
          error ??= m.message;
          finish(false);
        } else {
          const s = stats.get(m.property)!;
          s.cases += m.cases;
          s.batches++;
          s.ms += m.ms;
          for (const [t, k] of Object.entries(m.tags)) s.tags[t] = (s.tags[t] ?? 0) + k;
          for (const i of m.ops)
            if (!seen.has(i)) {
              seen.add(i);
              if (wasm2.has(i)) covered2++;
            }
          if (m.failure !== undefined) {
            s.failed = true;
            failures.push(m.failure);
            io.err(`fuzz: property "${m.property}" failed (batch seed ${m.seed}):\n${m.failure.message}`);
          }
          if (m.retiring) finish(true);
          else send();
        }
      });
      w.on('error', (e: Error) => {
        error ??= e.stack ?? e.message;
        finish(false);
      });
      w.on('exit', () => finish(false));
    };
    for (let i = 0; i < o.workers; i++) start();
  });
  clearInterval(timer);
  io.progress(progressLine());
  io.end?.();

  const seconds = (performance.now() - t0) / 1000;
  const cases = totalCases();
  const report = coverageReport(seen);
  const summary: CampaignSummary = {
    seed: o.seed,
    shard: `${o.shard.index}/${o.shard.count}`,
    workers: o.workers,
    seconds,
    cases,
    casesPerSecond: cases / seconds,
    casesPerSecondPerCore: cases / seconds / o.workers,
    workerRestarts: restarts,
    properties: [...stats.values()].map(({ handedOut: _h, nextBatch: _n, ...s }) => s),
    coverage: report,
    failures: failures.map(({ message: _m, ...f }) => f),
    regressions: failures.flatMap((f) => (f.file !== null ? [f.file, f.file.replace(/\.wasm$/, '.json')] : [])),
  };
  if (error !== undefined) {
    io.err(`fuzz: campaign error: ${error}`);
    if (o.json) io.out(JSON.stringify({ ...summary, error }, null, 2));
    return { code: 2, summary };
  }
  if (o.json) io.out(JSON.stringify(summary, null, 2));
  else for (const l of formatSummary(summary)) io.out(l);
  return { code: failures.length === 0 ? 0 : 1, summary };
}

/**
 * A worker does not inherit tsx's loader (`--import` in a worker's execArgv has no effect on Node 20), so it
 * runs a small ESM shim, written once to the temp directory, that registers tsx and imports worker.ts (as the
 * fallback of src/runtime/worker-sandbox.ts does; ~250 ms per worker start, paid once per ~20,000 cases).
 */
let shimPath: string | undefined;
function workerShim(): string {
  if (shimPath !== undefined) return shimPath;
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const exportsMap = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> }).exports;
  const api = pathToFileURL(join(dirname(tsxPackage), exportsMap?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs')).href;
  const text =
    `// wasm-harden: the fuzz campaign's worker entry from TypeScript sources (see fuzz/campaign/main.ts)\n` +
    `import { register } from ${JSON.stringify(api)};\nregister();\n` +
    `await import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)});\n`;
  const file = join(tmpdir(), `wasm-harden-fuzz-worker-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return (shimPath = file);
}

function coverageReport(seen: ReadonlySet<number>): CoverageReport {
  const c = new OpcodeCoverage();
  c.add(seen);
  return c.report();
}

export function formatSummary(s: CampaignSummary): string[] {
  const width = Math.max(...s.properties.map((p) => p.property.length)) + 2;
  const lines = [
    `fuzz campaign: seed ${s.seed}, shard ${s.shard}, ${s.workers} worker${s.workers === 1 ? '' : 's'}, ${s.seconds.toFixed(1)} s, ${s.workerRestarts} worker restart${s.workerRestarts === 1 ? '' : 's'}`,
    '',
    'cases per property:',
  ];
  for (const p of s.properties) {
    const tags = Object.entries(p.tags)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${t}: ${n}`)
      .join(', ');
    lines.push(`  ${p.property.padEnd(width)}${String(p.cases).padStart(9)}${p.failed ? '  FAILED' : ''}  (${(p.cases / Math.max(p.ms / 1000, 0.001)).toFixed(0)}/s in a worker)  ${tags}`);
  }
  lines.push(
    `  ${'total'.padEnd(width)}${String(s.cases).padStart(9)}`,
    '',
    `throughput: ${s.casesPerSecond.toFixed(0)} cases/s, ${s.casesPerSecondPerCore.toFixed(0)} cases/s per core (worker)`,
    `opcode coverage: ${s.coverage.percent.toFixed(1)}% (${s.coverage.covered}/${s.coverage.total} Wasm 2.0 opcodes generated)` +
      (s.coverage.missing.length > 0 ? `; missing: ${s.coverage.missing.join(', ')}` : ''),
  );
  if (s.failures.length === 0) lines.push('failures: none');
  else {
    lines.push(`failures: ${s.failures.length}`);
    for (const f of s.failures)
      lines.push(`  ${f.property}: seed ${f.seed}, path ${JSON.stringify(f.path)}: ${f.note.split('\n')[0]}${f.file !== null ? `\n    regression: ${f.file}` : ''}`);
  }
  return lines;
}

// as a script: the options are one JSON argument
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const options = JSON.parse(process.argv[2] ?? '{}') as CampaignOptions;
  const { code } = await runCampaign(options);
  process.exitCode = code;
}
