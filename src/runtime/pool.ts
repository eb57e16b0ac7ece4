/**
 * A pool of worker threads for many concurrent sandboxed jobs, each under a wall-clock limit.
 *
 *   const pool = new SandboxPool({ threads: 4, timeoutMs: 1000 });
 *   const r = await pool.run(hardened, 'add', [2, 3]);                       // RunResult
 *   const s = await pool.run({ bytes, policy }, 'main', [], { fuel: 1e6, hostModule, wasi: true });
 *   await pool.close();
 *
 * A job is one fresh sandbox: instantiate (the host module's factory, the start function), call one export,
 * done. Nothing of a job survives into the next one except the worker's caches: the compiled module, keyed
 * by the content hash of the hardened bytes and policy (so many jobs of one module compile it once per
 * worker), and the host module (imported once per worker; its factory runs per job).
 *
 * ## Built on piscina
 * piscina gives the fixed set of workers, the FIFO queue (`maxQueue`), replacement of dead workers, and the
 * kill: aborting a *running* task terminates its worker (`worker.terminate()`) and starts a replacement,
 * while the other workers go on. What piscina lacks, and this file adds:
 *   - a per-job clock that starts when the job starts running, not when it is queued: the worker posts
 *     `{ wasmHardenJobStarted: id }` on its parentPort first thing (piscina re-emits it as a pool 'message'),
 *     and only then is the timer armed; past `timeoutMs` the job's AbortController aborts;
 *   - results instead of rejections: a kill is `{ ok: false, trap: 'timeout' }`, a worker that died during
 *     the job (a host function called `process.exit`, threw asynchronously, or its heap passed
 *     `resourceLimits`) is `{ ok: false, trap: 'host-error' }`; either way piscina replaces the worker and
 *     the queue goes on. An error a worker emits between jobs is caught (and counted), never thrown at the
 *     host.
 * A trap while instantiating (a start function that runs out of fuel, a timeout while loading the host
 * module) is the job's result too, as `RunResult`; only the host's own mistakes reject (`WasmHardenError`:
 * refused imports, unknown export, bad arguments or options, a closed pool).
 *
 * Host code shares its worker with the jobs that follow: what a job's host functions leave scheduled (a
 * timer, a promise) runs while the worker is idle, and an exception there ends the worker between jobs
 * (counted as a crash, replaced); only if it fires while the next job runs does that job see `host-error`.
 * Host modules should leave nothing running after their functions return.
 *
 * `fuelUsed` of a killed job is a lower bound: the fuel used up to the guest's last host call.
 * `resourceLimits` apply to every worker (defaults: `DEFAULT_RESOURCE_LIMITS`, worker-sandbox.ts). The host
 * module contract is the worker sandbox's (see worker-sandbox.ts). Idle workers do not keep the process
 * alive; `close()` ends them.
 */

import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { HardenedModule } from '../instrument/harden.js';
import type { Policy, PolicyInput } from '../policy.js';
import { HardenCache } from './cache.js';
import { InstantiationTrapError, sandboxError } from './errors.js';
import type { WasmHardenMetrics } from './metrics.js';
import type { RunResult, WasiOptions } from './types.js';
import type { JobStarted, PoolReply, PoolTask } from './worker-entry.js';
import {
  checkResourceLimits,
  checkRunOptions,
  crashResult,
  decodeWasi,
  deserializeError,
  fromReply,
  moduleMessage,
  timeoutResult,
  workerEntryPath,
  WORKER_EXEC_ARGV,
  type WorkerWasiOutput,
} from './worker-sandbox.js';

export interface PoolOptions {
  /** worker threads (default: the machine's parallelism, at most 4) */
  threads?: number;
  /** the default wall-clock limit of a job, in ms, from when it starts running (default: none) */
  timeoutMs?: number;
  /** jobs that may wait for a worker; past it `run` rejects (default: unbounded) */
  maxQueue?: number;
  /** each worker's resource limits, over `DEFAULT_RESOURCE_LIMITS` */
  resourceLimits?: ResourceLimits;
  /** hardens `{ bytes, policy }` jobs (default: a new in-memory HardenCache) */
  cache?: HardenCache;
  /** prom-client metrics (metrics.ts): jobs are recorded with runtime "pool" */
  metrics?: WasmHardenMetrics;
}

export interface PoolRunOptions {
  fuel?: bigint | number;
  wasi?: boolean | WasiOptions;
  /** this job's wall-clock limit (default: the pool's) */
  timeoutMs?: number;
  hostModule?: string | URL;
  hostData?: unknown;
}

/** What a job runs: a hardened module, or bytes (and a policy) the pool hardens through its cache. */
export type PoolModule = HardenedModule | { bytes: Uint8Array | ArrayBuffer; policy?: PolicyInput | Policy };

/** A job's result: a `RunResult`, plus the WASI output when `wasi` was given. */
export type PoolResult = RunResult & { wasi?: WorkerWasiOutput };

export interface PoolStats {
  threads: number;
  /** jobs waiting for a worker */
  queued: number;
  /** jobs running in a worker */
  running: number;
  completed: number;
  timeouts: number;
  crashes: number;
}

interface Job {
  timeoutMs: number | undefined;
  controller: AbortController;
  started: number | undefined;
  timer: NodeJS.Timeout | undefined;
  timedOut: boolean;
}

export class SandboxPool {
  readonly threads: number;
  readonly timeoutMs: number | undefined;
  readonly #piscina: Piscina<PoolTask, PoolReply>;
  readonly #cache: HardenCache;
  readonly #metrics: WasmHardenMetrics | undefined;
  readonly #jobs = new Map<number, Job>();
  #nextJob = 0;
  #closed = false;
  #completed = 0;
  #timeouts = 0;
  #crashes = 0;

  constructor(options: PoolOptions = {}) {
    const o: Record<string, unknown> = options === null || typeof options !== 'object' ? {} : { ...options };
    for (const key of Object.keys(o))
      if (!['threads', 'timeoutMs', 'maxQueue', 'resourceLimits', 'cache', 'metrics'].includes(key))
        throw sandboxError('sandbox.invalid-option', `unknown pool option "${key}"`, key);
    const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism()));
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw sandboxError('sandbox.invalid-option', 'threads must be an integer from 1 to 256', 'threads');
    const maxQueue = options.maxQueue ?? Infinity;
    if (!(maxQueue === Infinity || (Number.isInteger(maxQueue) && maxQueue >= 0)))
      throw sandboxError('sandbox.invalid-option', 'maxQueue must be a non-negative integer', 'maxQueue');
    this.timeoutMs = checkRunOptions(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }, [], 'SandboxPool').timeoutMs;
    if (options.cache !== undefined && !(options.cache instanceof HardenCache)) throw sandboxError('sandbox.invalid-option', 'cache must be a HardenCache', 'cache');
    this.threads = threads;
    this.#cache = options.cache ?? new HardenCache();
    this.#metrics = options.metrics;
    this.#piscina = new Piscina<PoolTask, PoolReply>({
      filename: workerEntryPath(),
      minThreads: threads,
      maxThreads: threads,
      maxQueue,
      concurrentTasksPerWorker: 1,
      resourceLimits: checkResourceLimits(options.resourceLimits),
      workerData: { wasmHardenWorker: 'pool' },
      execArgv: [...WORKER_EXEC_ARGV],
      recordTiming: false,
      // an idle worker runs its event loop (piscina's default parks it in Atomics.wait between tasks): what a
      // job's host code left scheduled runs, and fails, while the worker is idle, not inside the next job
      atomics: 'disabled',
    });
    this.#piscina.on('message', (m: JobStarted) => {
      const id = m?.wasmHardenJobStarted;
      const job = typeof id === 'number' ? this.#jobs.get(id) : undefined;
      if (job === undefined || job.started !== undefined) return;
      job.started = performance.now();
      const ms = job.timeoutMs;
      if (ms !== undefined)
        job.timer = setTimeout(() => {
          job.timedOut = true;
          job.controller.abort();
        }, ms);
    });
    // a worker that fails between jobs: piscina replaces it; never an unhandled 'error' on the host
    this.#piscina.on('error', () => {
      this.#crashes++;
      this.#metrics?.recordWorkerRestart('crash');
    });
  }

  get stats(): PoolStats {
    let running = 0;
    for (const j of this.#jobs.values()) if (j.started !== undefined) running++;
    return { threads: this.threads, queued: this.#piscina.queueSize, running, completed: this.#completed, timeouts: this.#timeouts, crashes: this.#crashes };
  }

  async #hardened(module: PoolModule): Promise<HardenedModule> {
    if (module !== null && typeof module === 'object' && 'report' in module) return module;
    if (module === null || typeof module !== 'object' || !(module.bytes instanceof Uint8Array || module.bytes instanceof ArrayBuffer))
      throw sandboxError('sandbox.invalid-argument', 'pool.run needs a HardenedModule or { bytes, policy }');
    const bytes = module.bytes instanceof Uint8Array ? module.bytes : new Uint8Array(module.bytes);
    const before = this.#cache.getStats();
    const t0 = performance.now();
    const hardened = await this.#cache.harden(bytes, module.policy);
    const after = this.#cache.getStats();
    this.#metrics?.recordHarden((performance.now() - t0) / 1000, after.misses > before.misses ? 'miss' : 'hit');
    return hardened;
  }

  /**
   * Runs `name(...args)` in a fresh sandbox of `module` on a free worker (queued until one is free).
   * Resolves to the job's `RunResult` for anything the guest or a host function does (timeout and crashes
   * included); rejects with a `WasmHardenError` for the host's mistakes.
   */
  async run(module: PoolModule, name: string, args: readonly unknown[] = [], options: PoolRunOptions = {}): Promise<PoolResult> {
    if (this.#closed) throw sandboxError('sandbox.invalid-argument', 'the pool is closed');
    if (typeof name !== 'string') throw sandboxError('sandbox.invalid-argument', 'the export name must be a string');
    if (!Array.isArray(args)) throw sandboxError('sandbox.invalid-argument', 'args must be an array');
    for (const [i, a] of args.entries())
      if (typeof a === 'function' || typeof a === 'symbol')
        throw sandboxError('sandbox.invalid-argument', `argument ${i} cannot be sent to a worker (a ${typeof a})`, `export "${name}"`);
    const { setup, timeoutMs = this.timeoutMs } = checkRunOptions(options, [], 'pool.run');
    const hardened = await this.#hardened(module);
    const message = moduleMessage(hardened);
    const jobId = ++this.#nextJob;
    const cell = new BigInt64Array(new SharedArrayBuffer(16));
    const job: Job = { timeoutMs, controller: new AbortController(), started: undefined, timer: undefined, timedOut: false };
    this.#jobs.set(jobId, job);
    const task: PoolTask = { jobId, module: message, setup, name, args: [...args], cell };
    let reply: PoolReply;
    try {
      reply = await this.#piscina.run(task, { signal: job.controller.signal });
    } catch (e) {
      const seconds = job.started === undefined ? undefined : (performance.now() - job.started) / 1000;
      let result: RunResult;
      if (job.timedOut) {
        this.#timeouts++;
        this.#metrics?.recordWorkerRestart('timeout');
        result = timeoutResult(job.timeoutMs!, cell, 'job');
      } else if (this.#closed) {
        throw sandboxError('sandbox.invalid-argument', 'the pool was closed before the job ended');
      } else if ((e as { name?: unknown })?.name === 'DataCloneError') {
        throw sandboxError('sandbox.invalid-argument', `a value cannot be sent to a worker: ${(e as Error).message}`);
      } else if (typeof (e as { message?: unknown })?.message === 'string' && /Task queue is at limit/.test((e as Error).message)) {
        throw sandboxError('sandbox.invalid-argument', `the pool's queue is full (maxQueue)`);
      } else {
        this.#crashes++;
        this.#metrics?.recordWorkerRestart('crash');
        result = crashResult(e, cell);
      }
      this.#completed++;
      this.#metrics?.recordCall(result, seconds, 'pool');
      return result;
    } finally {
      if (job.timer !== undefined) clearTimeout(job.timer);
      this.#jobs.delete(jobId);
    }
    this.#completed++;
    if (reply.compileMs !== undefined) this.#metrics?.recordCompile(reply.compileMs / 1000);
    if (!reply.ok) {
      const error = deserializeError(reply.error);
      if (!(error instanceof InstantiationTrapError)) throw error;
      this.#metrics?.recordCall(error.trap, undefined, 'pool');
      return error.trap;
    }
    const result: PoolResult = fromReply(reply.reply);
    if (reply.reply.wasi !== undefined) result.wasi = decodeWasi(reply.reply.wasi);
    this.#metrics?.recordCall(result, reply.reply.callMs / 1000, 'pool');
    return result;
  }

  /** Ends every worker; jobs still queued or running reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}

/** `new SandboxPool(options)`. */
export function createPool(options: PoolOptions = {}): SandboxPool {
  return new SandboxPool(options);
}
