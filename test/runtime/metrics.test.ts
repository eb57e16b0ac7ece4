/**
 * Metrics (prom-client): off unless a registry is given; on the given registry only (never the global one);
 * the counts match what ran: calls by outcome, traps by kind, fuel, harden (miss/hit), compile (once per
 * module per worker), worker restarts.
 */
import { Registry, register as globalRegistry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics, WasmHardenMetrics } from '../../src/runtime/metrics.js';
import { SandboxPool } from '../../src/runtime/pool.js';
import { instantiate } from '../../src/runtime/sandbox.js';
import type { RunResult } from '../../src/runtime/types.js';
import { instantiateInWorker } from '../../src/runtime/worker-sandbox.js';
import { hardenWat, wat } from './helpers.js';

const TOOLS = `data:text/javascript,${encodeURIComponent(`export default { env: { spin() { for (;;) {} }, exit() { process.exit(1); } } };`)}`;
const SOURCE = `(module
  (import "env" "spin" (func $spin))
  (import "env" "exit" (func $exit))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "loop") (loop $l (br $l)))
  (func (export "block") (call $spin))
  (func (export "crash") (call $exit)))`;
const h = await hardenWat(SOURCE, { imports: [{ module: 'env', name: '*' }], fuel: 1n << 60n });

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[];
async function values(registry: Registry, name: string): Promise<Values> {
  const m = registry.getSingleMetric(name);
  if (m === undefined) throw new Error(`no metric ${name}`);
  return (await m.get()).values as Values;
}
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const v = (await values(registry, name)).find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}
/** a histogram's observation count */
async function count(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const v = (await values(registry, name)).find((x) => x.metricName === `${name}_count` && Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

const pools: SandboxPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('metrics', () => {
  it('are created once per registry, on that registry only', () => {
    const registry = new Registry();
    const m = createMetrics(registry);
    expect(createMetrics(registry)).toBe(m);
    expect(m).toBeInstanceOf(WasmHardenMetrics);
    expect(registry.getSingleMetric('wasm_harden_calls_total')).toBeDefined();
    expect(globalRegistry.getSingleMetric('wasm_harden_calls_total')).toBeUndefined();
    const other = createMetrics(registry, { prefix: 'agent_' });
    expect(other).not.toBe(m);
    expect(registry.getSingleMetric('agent_traps_total')).toBeDefined();
    expect(() => createMetrics({} as never)).toThrow(/Registry/);
  });

  it('count what a pool ran: calls, traps by kind, fuel, harden, compile once per worker, restarts', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const pool = new SandboxPool({ threads: 1, timeoutMs: 300, metrics });
    pools.push(pool);
    const opts = { hostModule: TOOLS };
    const results: RunResult[] = [];
    for (let i = 0; i < 5; i++) results.push(await pool.run(h, 'add', [i, 1], opts));
    results.push(await pool.run(h, 'div', [1, 0], opts));
    results.push(await pool.run(h, 'loop', [], { ...opts, fuel: 777 }));
    results.push(await pool.run(h, 'block', [], opts)); // timeout: the worker is replaced
    results.push(await pool.run(h, 'add', [9, 9], opts)); // a new worker compiles again
    results.push(await pool.run(h, 'crash', [], opts)); // host-error: replaced again
    const bytes = wat(`(module (func (export "one") (result i32) (i32.const 1)))`);
    results.push(await pool.run({ bytes }, 'one', [])); // harden miss, compile
    results.push(await pool.run({ bytes }, 'one', [])); // harden hit

    const kinds = results.map((r) => (r.ok ? 'ok' : r.trap));
    expect(kinds).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'integer-division-by-zero', 'out-of-fuel', 'timeout', 'ok', 'host-error', 'ok', 'ok']);
    expect(await value(registry, 'wasm_harden_calls_total', { runtime: 'pool', outcome: 'ok' })).toBe(8);
    expect(await value(registry, 'wasm_harden_calls_total', { runtime: 'pool', outcome: 'trap' })).toBe(4);
    for (const kind of ['integer-division-by-zero', 'out-of-fuel', 'timeout', 'host-error'])
      expect(await value(registry, 'wasm_harden_traps_total', { runtime: 'pool', kind }), kind).toBe(1);
    const fuel = results.reduce((sum, r) => sum + r.fuelUsed, 0n);
    expect(fuel).toBeGreaterThan(777n);
    expect(await value(registry, 'wasm_harden_fuel_consumed_total', { runtime: 'pool' })).toBe(Number(fuel));
    // every call has a duration (a killed one: until the kill)
    expect(await count(registry, 'wasm_harden_call_duration_seconds', { runtime: 'pool' })).toBe(12);
    expect(await count(registry, 'wasm_harden_harden_duration_seconds', { cache: 'miss' })).toBe(1);
    expect(await count(registry, 'wasm_harden_harden_duration_seconds', { cache: 'hit' })).toBe(1);
    // compiled once per module per worker: h by the first worker (for 7 jobs) and by its replacement after
    // the timeout (for 2); the bytes module by the replacement after the crash (for 2)
    expect(await count(registry, 'wasm_harden_compile_duration_seconds')).toBe(3);
    expect(await value(registry, 'wasm_harden_worker_restarts_total', { reason: 'timeout' })).toBe(1);
    expect(await value(registry, 'wasm_harden_worker_restarts_total', { reason: 'crash' })).toBe(1);
    expect(await registry.metrics()).toMatch(/^wasm_harden_traps_total\{runtime="pool",kind="timeout"\} 1$/m);
  });

  it('count a worker sandbox, and in-process calls the host records itself', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const s = await instantiateInWorker(h, { hostModule: TOOLS, timeoutMs: 300, metrics });
    expect(await s.call('add', 1, 2)).toMatchObject({ ok: true });
    expect(await s.call('block')).toMatchObject({ ok: false, trap: 'timeout' });
    await s.close();
    expect(await value(registry, 'wasm_harden_calls_total', { runtime: 'worker', outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'wasm_harden_traps_total', { runtime: 'worker', kind: 'timeout' })).toBe(1);
    expect(await value(registry, 'wasm_harden_worker_restarts_total', { reason: 'timeout' })).toBe(1);
    expect(await count(registry, 'wasm_harden_compile_duration_seconds')).toBe(1);

    const local = await instantiate(h, { imports: { env: { spin() {}, exit() {} } }, fuel: 50 });
    for (const r of [local.call('add', 1, 2), local.call('loop')]) metrics.recordCall(r, 0.001);
    expect(await value(registry, 'wasm_harden_calls_total', { runtime: 'in-process', outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'wasm_harden_traps_total', { runtime: 'in-process', kind: 'out-of-fuel' })).toBe(1);
    expect(await value(registry, 'wasm_harden_fuel_consumed_total', { runtime: 'in-process' })).toBe(50);
  });
});
