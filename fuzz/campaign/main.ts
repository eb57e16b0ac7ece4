/**
 * The fuzz campaign behind `wasm-harden fuzz` (src/cli/fuzz.ts spawns this file with `node --import tsx`,
 * passing the parsed options as one JSON argument; see there why).
 *
 *   node --import tsx fuzz/campaign/main.ts '{"seed":1,"workers":2,"runs":200,"properties":[],"shard":{"index":0,"count":1},"json":false}'
 *
 * K worker processes (fuzz/campaign/worker.ts, forked with tsx; see there why processes) ask for batches;
 * the campaign hands them out by the rule of fuzz/campaign/schedule.ts (equal worker time per property)
 * until `runs` cases per property are handed out or `seconds` have passed; batch seeds come from
 * `batchSeed` (protocol.ts). A worker retires after `restartEvery` cases or `restartAfterMs` of batch time
 * and is replaced. A property that fails stops getting batches (its failure is shrunk and written to
 * corpus/regressions/ by the worker); the others go on.
 *
 * Hangs and crashes: a worker running a batch sends a heartbeat at least once a second while cases start;
 * one that has sent nothing for `caseTimeoutMs` (default 60 s) is killed, its property fails with a 'hang'
 * (batch seed and size in the summary: `runProperty(property, { seed, numRuns })` replays it), and a fresh
 * worker takes its place. A worker process that dies during a batch is a 'crash' of that property, handled
 * the same way. A worker that dies before it is ready, or reports an error of the harness, ends the
 * campaign with an error.
 *
 * stderr: a live progress line when it is a TTY, else a plain line every 10 s. stdout: the summary (text,
 * or JSON with `json`): cases per property, throughput, opcode coverage, the trap-kind histogram of the
 * hardened modules' runs, failures. Exit code 0 when no property failed, 1 otherwise, 2 on a campaign error.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASM2_OPS } from '../../src/binary/opcodes.js';
import { OpcodeCoverage, type CoverageReport } from '../generator/coverage.js';
import { PROPERTIES } from '../properties/index.js';
import type { BatchFailure, CampaignOptions, FromWorker, OutcomeCounts, ToWorker, WorkerConfig } from './protocol.js';
import { CASE_TIMEOUT_MS, RESTART_AFTER_MS, RESTART_EVERY, batchSeed } from './protocol.js';
import { Scheduler, type ScheduledBatch } from './schedule.js';

export interface PropertySummary {
  property: string;
  cases: number;
  batches: number;
  /** worker time spent on this property, ms */
  ms: number;
  tags: Record<string, number>;
  /** runs of hardened modules in this property's cases, and their trap kinds */
  outcomes: OutcomeCounts;
  failed: boolean;
}

export interface CampaignSummary {
  seed: number;
  shard: string;
  workers: number;
  seconds: number;
  cases: number;
  casesPerSecond: number;
  /** cases per second per worker process (each worker runs on its own core when there are enough) */
  casesPerSecondPerCore: number;
  /**
   * CPU time of the worker processes (user + system, every thread: V8's compiler and GC threads too, and
   * each worker's start-up), up to each one's last batch; and cases per CPU second, which does not depend
   * on what else the machine runs
   */
  cpuSeconds: number;
  casesPerCpuSecond: number;
  workerRestarts: number;
  properties: PropertySummary[];
  coverage: CoverageReport;
  /**
   * The trap-kind histogram: every run of a hardened module in the execution properties (instantiations
   * and export calls), `runs` in all, `returned` of them without a trap, `traps` by kind.
   */
  trapKinds: { runs: number; returned: number; traps: Record<string, number> };
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

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** The package root (the workers resolve `--import tsx` from there). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function addCounts(into: Record<string, number>, from: Record<string, number | undefined>): void {
  for (const [k, n] of Object.entries(from)) if (n !== undefined) into[k] = (into[k] ?? 0) + n;
}

export async function runCampaign(o: CampaignOptions, io: CampaignIo = processIo()): Promise<{ code: number; summary: CampaignSummary }> {
  const selected = o.properties.length === 0 ? PROPERTIES.map((p) => p.name) : o.properties;
  const batchSize = o.batchSize ?? 100;
  const caseTimeoutMs = o.caseTimeoutMs ?? CASE_TIMEOUT_MS;
  const workerConfig: WorkerConfig = {
    restartEvery: o.restartEvery ?? RESTART_EVERY,
    restartAfterMs: o.restartAfterMs ?? RESTART_AFTER_MS,
    testProperties: o.testProperties === true,
    ...(o.regressionsDir !== undefined ? { regressionsDir: o.regressionsDir } : {}),
  };
  const t0 = performance.now();
  const deadline = o.seconds !== undefined ? t0 + o.seconds * 1000 : Infinity;
  const seen = new Set<number>();
  const scheduler = new Scheduler(selected, { batchSize, ...(o.runs !== undefined ? { runs: o.runs } : {}) });
  const stats = new Map<string, PropertySummary>(
    selected.map((name) => [name, { property: name, cases: 0, batches: 0, ms: 0, tags: {}, outcomes: { runs: 0, traps: {} }, failed: false }]),
  );
  const failures: BatchFailure[] = [];
  let restarts = 0;
  let cpuMs = 0;
  let error: string | undefined;
  const wasm2 = new Set(WASM2_OPS.map((op) => op.index));
  let covered2 = 0;

  const fail = (f: BatchFailure) => {
    stats.get(f.property)!.failed = true;
    scheduler.fail(f.property);
    failures.push(f);
    io.err(`fuzz: property "${f.property}" ${f.kind === 'failed' ? 'failed' : f.kind === 'hang' ? 'hung' : 'crashed its worker'} (batch seed ${f.seed}):\n${f.message}`);
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

  interface Running {
    batch: ScheduledBatch;
    seed: number;
    started: number;
    lastHeard: number;
    lastIndex: number;
  }
  interface Live {
    child: ChildProcess;
    started: number;
    ready: boolean;
    /** the batch in flight */
    running: Running | undefined;
    /** the worker's end is accounted for (retired, stopped, killed, crashed) */
    gone: boolean;
    /** the CPU time it reported last, ms */
    cpuMs: number;
  }

  let watchdog: ReturnType<typeof setInterval> | undefined;
  await new Promise<void>((resolveAll) => {
    const workers = new Set<Live>();
    const stopping = () => performance.now() >= deadline || error !== undefined;
    const settle = () => {
      if (workers.size === 0) resolveAll();
    };
    // a worker that is gone leaves the set; a replacement is started unless the campaign is over
    const gone = (w: Live, replace: boolean) => {
      if (w.gone) return;
      w.gone = true;
      workers.delete(w);
      cpuMs += w.cpuMs;
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      if (replace && !stopping()) {
        restarts++;
        start();
      } else settle();
    };
    const send = (w: Live) => {
      const b = stopping() ? undefined : scheduler.next();
      if (b === undefined) {
        w.child.send({ type: 'stop' } satisfies ToWorker);
        return;
      }
      const seed = batchSeed(o.seed, o.shard.index, b.property, b.index);
      const now = performance.now();
      w.running = { batch: b, seed, started: now, lastHeard: now, lastIndex: 0 };
      w.child.send({ type: 'batch', property: b.property, seed, numRuns: b.numRuns } satisfies ToWorker);
    };
    // the batch in flight of a worker that hung or died: a failure of its property
    const lose = (w: Live, kind: 'hang' | 'crash', why: string) => {
      const r = w.running;
      if (r === undefined) return;
      w.running = undefined;
      scheduler.done(r.batch, 0, performance.now() - r.started);
      const replay = `replay: runProperty(${r.batch.property}, { seed: ${r.seed}, numRuns: ${r.batch.numRuns} })`;
      fail({
        property: r.batch.property,
        kind,
        seed: r.seed,
        numRuns: r.batch.numRuns,
        path: null,
        note: `${why}, running case ${r.lastIndex} or a later one of the batch (${r.batch.numRuns} cases, and shrinking steps after them)`,
        file: null,
        message: `${why}\n${replay}`,
      });
    };
    const start = () => {
      const child = fork(WORKER_SCRIPT, [JSON.stringify(workerConfig)], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        // the workers' own output (none expected) goes to stderr: stdout is the summary's
        stdio: ['ignore', 2, 2, 'ipc'],
      });
      const w: Live = { child, started: performance.now(), ready: false, running: undefined, gone: false, cpuMs: 0 };
      workers.add(w);
      child.on('message', (m: FromWorker) => {
        if (w.gone) return;
        if (m.type === 'ready') {
          w.ready = true;
          send(w);
        } else if (m.type === 'progress') {
          if (w.running !== undefined && m.seed === w.running.seed) {
            w.running.lastHeard = performance.now();
            w.running.lastIndex = m.index;
          }
        } else if (m.type === 'error') {
          error ??= m.message;
          gone(w, false);
        } else {
          const r = w.running;
          w.running = undefined;
          w.cpuMs = m.cpuMs;
          if (r !== undefined) scheduler.done(r.batch, m.cases, m.ms);
          const s = stats.get(m.property)!;
          s.cases += m.cases;
          s.batches++;
          s.ms += m.ms;
          addCounts(s.tags, m.tags);
          s.outcomes.runs += m.outcomes.runs;
          addCounts(s.outcomes.traps, m.outcomes.traps);
          for (const i of m.ops)
            if (!seen.has(i)) {
              seen.add(i);
              if (wasm2.has(i)) covered2++;
            }
          if (m.failure !== undefined) fail(m.failure);
          if (m.retiring) gone(w, true);
          else send(w);
        }
      });
      child.on('error', (e: Error) => {
        if (w.gone) return;
        // a message sent just as the worker died: its 'exit' (a crash, if a batch was in flight) follows
        if ((e as NodeJS.ErrnoException).code === 'ERR_IPC_CHANNEL_CLOSED') return;
        error ??= `a worker process failed: ${e.stack ?? e.message}`;
        gone(w, false);
      });
      child.on('exit', (code, signal) => {
        if (w.gone) return;
        const how = signal !== null ? `signal ${signal}` : `code ${code}`;
        if (w.running !== undefined) {
          lose(w, 'crash', `the worker process died (${how}) during the batch`);
          gone(w, true);
        } else if (!w.ready) {
          error ??= `a worker process exited (${how}) before it was ready`;
          gone(w, false);
        } else gone(w, false);
      });
    };
    watchdog = setInterval(() => {
      const now = performance.now();
      for (const w of [...workers]) {
        if (w.running !== undefined && now - w.running.lastHeard > caseTimeoutMs) {
          lose(w, 'hang', `no answer from the worker for ${(caseTimeoutMs / 1000).toFixed(0)} s: killed`);
          gone(w, true);
        } else if (!w.ready && now - w.started > Math.max(caseTimeoutMs, 30_000)) {
          error ??= `a worker process was not ready after ${((now - w.started) / 1000).toFixed(0)} s`;
          gone(w, false);
        }
      }
    }, Math.min(1000, Math.max(50, caseTimeoutMs / 4)));
    for (let i = 0; i < o.workers; i++) start();
  });
  clearInterval(watchdog);
  clearInterval(timer);
  io.progress(progressLine());
  io.end?.();

  const seconds = (performance.now() - t0) / 1000;
  const cases = totalCases();
  const report = coverageReport(seen);
  const properties = [...stats.values()];
  const trapKinds = { runs: 0, returned: 0, traps: {} as Record<string, number> };
  for (const p of properties) {
    trapKinds.runs += p.outcomes.runs;
    addCounts(trapKinds.traps, p.outcomes.traps);
  }
  trapKinds.returned = trapKinds.runs - Object.values(trapKinds.traps).reduce((a, b) => a + b, 0);
  trapKinds.traps = Object.fromEntries(Object.entries(trapKinds.traps).sort((a, b) => b[1] - a[1]));
  const summary: CampaignSummary = {
    seed: o.seed,
    shard: `${o.shard.index}/${o.shard.count}`,
    workers: o.workers,
    seconds,
    cases,
    casesPerSecond: cases / seconds,
    casesPerSecondPerCore: cases / seconds / o.workers,
    cpuSeconds: cpuMs / 1000,
    casesPerCpuSecond: cpuMs > 0 ? cases / (cpuMs / 1000) : 0,
    workerRestarts: restarts,
    properties,
    coverage: report,
    trapKinds,
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
    `throughput: ${s.casesPerSecond.toFixed(0)} cases/s, ${s.casesPerSecondPerCore.toFixed(0)} cases/s per core (worker); ` +
      `${s.casesPerCpuSecond.toFixed(0)} cases per CPU second (${s.cpuSeconds.toFixed(1)} CPU s in the workers)`,
    `opcode coverage: ${s.coverage.percent.toFixed(1)}% (${s.coverage.covered}/${s.coverage.total} Wasm 2.0 opcodes generated)` +
      (s.coverage.missing.length > 0 ? `; missing: ${s.coverage.missing.join(', ')}` : ''),
  );
  const t = s.trapKinds;
  if (t.runs > 0) {
    const pct = (n: number) => `${((100 * n) / t.runs).toFixed(1).padStart(5)}%`;
    lines.push(`trap kinds: ${t.runs.toLocaleString('en-US')} runs of hardened modules (instantiations and export calls)`);
    lines.push(`  ${'returned'.padEnd(26)}${t.returned.toLocaleString('en-US').padStart(12)}  ${pct(t.returned)}`);
    for (const [k, n] of Object.entries(t.traps)) lines.push(`  ${k.padEnd(26)}${n.toLocaleString('en-US').padStart(12)}  ${pct(n)}`);
  } else lines.push('trap kinds: no hardened module ran');
  if (s.failures.length === 0) lines.push('failures: none');
  else {
    lines.push(`failures: ${s.failures.length}`);
    for (const f of s.failures)
      lines.push(
        `  ${f.property}${f.kind !== 'failed' ? ` (${f.kind})` : ''}: seed ${f.seed}, ${f.path !== null ? `path ${JSON.stringify(f.path)}` : `${f.numRuns} cases`}: ${f.note.split('\n')[0]}` +
          (f.file !== null ? `\n    regression: ${f.file}` : ''),
      );
  }
  return lines;
}

// as a script: the options are one JSON argument
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const options = JSON.parse(process.argv[2] ?? '{}') as CampaignOptions;
  const { code } = await runCampaign(options);
  process.exitCode = code;
}
