/**
 * Optional Prometheus metrics (prom-client) for the runtime: calls, traps by kind, fuel consumed, and the
 * durations of hardening, compiling and calling.
 *
 *   import { Registry } from 'prom-client';
 *   const registry = new Registry();
 *   const metrics = createMetrics(registry);           // registers wasm_harden_* on this registry only
 *   const pool = new SandboxPool({ threads: 4, metrics });
 *   ...
 *   res.end(await registry.metrics());
 *
 * Off unless the host passes a registry: nothing here runs, and prom-client is not even loaded, until
 * `createMetrics` is called. No global side effects: the metrics go on the registry given (never on
 * prom-client's global default registry), and no default process metrics are collected.
 *
 * prom-client is an *optional peer dependency* of wasm-harden: a host that wants metrics has it installed
 * already (it made the registry); it is loaded lazily with `require` from here, so a host without it never
 * pays for it. `createMetrics` is idempotent per (registry, prefix): a second call returns the same object
 * instead of failing on duplicate metric names.
 *
 * Metrics (prefix `wasm_harden_` by default):
 *
 *   calls_total{runtime, outcome}        counter   every classified call; outcome "ok" or "trap"
 *   traps_total{runtime, kind}           counter   failed calls by TrapKind (timeout and host-error included)
 *   fuel_consumed_total{runtime}         counter   the sum of `fuelUsed` (a timeout counts the fuel seen
 *                                                  at the guest's last host call: a lower bound)
 *   call_duration_seconds{runtime}       histogram the call's duration (in the worker; a timeout: until the kill)
 *   harden_duration_seconds{cache}       histogram harden() of a job's bytes: cache "miss" (harden ran) or "hit"
 *   compile_duration_seconds             histogram a module's first instantiation in a worker (decode, compile,
 *                                                  instantiate, start function): once per module per worker
 *   worker_restarts_total{reason}        counter   workers replaced: "timeout" (terminated) or "crash"
 *
 * `runtime` is "worker" (instantiateInWorker), "pool" (SandboxPool) or "in-process" (a host recording its
 * own `sandbox.call`s with `recordCall`).
 */

import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';
import type { RunResult } from './types.js';

export type MetricsRuntime = 'worker' | 'pool' | 'in-process';

export interface MetricsOptions {
  /** metric name prefix (default `wasm_harden_`) */
  prefix?: string;
  /** histogram buckets in seconds (defaults below) */
  callBuckets?: number[];
  hardenBuckets?: number[];
  compileBuckets?: number[];
}

export const DEFAULT_CALL_BUCKETS: readonly number[] = Object.freeze([0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30]);
export const DEFAULT_HARDEN_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30]);
export const DEFAULT_COMPILE_BUCKETS: readonly number[] = DEFAULT_HARDEN_BUCKETS;

type PromClient = typeof import('prom-client');

let promClient: PromClient | undefined;
function loadPromClient(): PromClient {
  if (promClient === undefined) {
    try {
      promClient = createRequire(import.meta.url)('prom-client') as PromClient;
    } catch (e) {
      throw new Error(`wasm-harden: metrics need prom-client (an optional peer dependency): npm install prom-client (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return promClient;
}

/** The runtime's metrics on one registry. Methods are cheap; hosts may call them for their own sandboxes. */
export class WasmHardenMetrics {
  readonly registry: Registry;
  readonly #calls: Counter<'runtime' | 'outcome'>;
  readonly #traps: Counter<'runtime' | 'kind'>;
  readonly #fuel: Counter<'runtime'>;
  readonly #callSeconds: Histogram<'runtime'>;
  readonly #hardenSeconds: Histogram<'cache'>;
  readonly #compileSeconds: Histogram;
  readonly #restarts: Counter<'reason'>;

  /** Use `createMetrics` (idempotent per registry). */
  constructor(registry: Registry, options: MetricsOptions = {}) {
    const { Counter: CounterCtor, Histogram: HistogramCtor } = loadPromClient();
    const p = options.prefix ?? 'wasm_harden_';
    const registers = [registry];
    this.registry = registry;
    this.#calls = new CounterCtor({ name: `${p}calls_total`, help: 'Sandbox calls, by runtime and outcome (ok or trap).', labelNames: ['runtime', 'outcome'], registers });
    this.#traps = new CounterCtor({ name: `${p}traps_total`, help: 'Failed sandbox calls, by runtime and trap kind.', labelNames: ['runtime', 'kind'], registers });
    this.#fuel = new CounterCtor({ name: `${p}fuel_consumed_total`, help: 'Fuel consumed by sandbox calls (sum of fuelUsed).', labelNames: ['runtime'], registers });
    this.#callSeconds = new HistogramCtor({
      name: `${p}call_duration_seconds`,
      help: 'Duration of sandbox calls in seconds.',
      labelNames: ['runtime'],
      buckets: [...(options.callBuckets ?? DEFAULT_CALL_BUCKETS)],
      registers,
    });
    this.#hardenSeconds = new HistogramCtor({
      name: `${p}harden_duration_seconds`,
      help: 'Duration of harden() in seconds, by cache outcome (miss: harden ran; hit: served by the cache).',
      labelNames: ['cache'],
      buckets: [...(options.hardenBuckets ?? DEFAULT_HARDEN_BUCKETS)],
      registers,
    });
    this.#compileSeconds = new HistogramCtor({
      name: `${p}compile_duration_seconds`,
      help: "Duration of a module's first instantiation in a worker (decode and compile), in seconds.",
      buckets: [...(options.compileBuckets ?? DEFAULT_COMPILE_BUCKETS)],
      registers,
    });
    this.#restarts = new CounterCtor({ name: `${p}worker_restarts_total`, help: 'Workers replaced, by reason (timeout or crash).', labelNames: ['reason'], registers });
    // zero the usual series so that dashboards see them before the first event
    for (const runtime of ['worker', 'pool'] as const) {
      this.#calls.inc({ runtime, outcome: 'ok' }, 0);
      this.#calls.inc({ runtime, outcome: 'trap' }, 0);
      this.#fuel.inc({ runtime }, 0);
    }
    this.#restarts.inc({ reason: 'timeout' }, 0);
    this.#restarts.inc({ reason: 'crash' }, 0);
  }

  /** One classified call: outcome, trap kind, fuel and (when known) its duration. */
  recordCall(result: RunResult, seconds: number | undefined, runtime: MetricsRuntime = 'in-process'): void {
    this.#calls.inc({ runtime, outcome: result.ok ? 'ok' : 'trap' });
    if (!result.ok) this.#traps.inc({ runtime, kind: result.trap });
    if (result.fuelUsed > 0n) this.#fuel.inc({ runtime }, Number(result.fuelUsed));
    if (seconds !== undefined) this.#callSeconds.observe({ runtime }, seconds);
  }

  recordHarden(seconds: number, cache: 'hit' | 'miss'): void {
    this.#hardenSeconds.observe({ cache }, seconds);
  }

  recordCompile(seconds: number): void {
    this.#compileSeconds.observe(seconds);
  }

  recordWorkerRestart(reason: 'timeout' | 'crash'): void {
    this.#restarts.inc({ reason });
  }
}

const created = new WeakMap<Registry, Map<string, WasmHardenMetrics>>();

/** The runtime's metrics on `registry` (created once per registry and prefix). */
export function createMetrics(registry: Registry, options: MetricsOptions = {}): WasmHardenMetrics {
  if (registry === null || typeof registry !== 'object' || typeof (registry as { registerMetric?: unknown }).registerMetric !== 'function')
    throw new TypeError('wasm-harden: createMetrics needs a prom-client Registry');
  const prefix = options.prefix ?? 'wasm_harden_';
  let byPrefix = created.get(registry);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    created.set(registry, byPrefix);
  }
  let m = byPrefix.get(prefix);
  if (m === undefined) {
    m = new WasmHardenMetrics(registry, options);
    byPrefix.set(prefix, m);
  }
  return m;
}
