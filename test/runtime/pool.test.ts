/**
 * SandboxPool: many jobs over a fixed set of worker threads. A job that blocks in a host import, or loops
 * in the guest with fuel to spare, is killed at `timeoutMs` (counted from when it starts running, not while
 * queued) and reported as `timeout`; a worker that crashes is `host-error`; either way the worker is
 * replaced and the other jobs, running or queued, get their own right results.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HardenCache } from '../../src/runtime/cache.js';
import { SandboxPool } from '../../src/runtime/pool.js';
import type { RunResult } from '../../src/runtime/types.js';
import { codeOf, hardenWat, wat } from './helpers.js';

const host = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

const TOOLS = host(`
export default (ctx) => ({ env: {
  spin() { for (;;) {} },
  exit() { process.exit(3); },
  late() { setTimeout(() => { throw new Error('late failure'); }, 0); return 0; },
  data() { return ctx.data?.n ?? -1; },
}});`);

const SOURCE = `(module
  (import "env" "spin" (func $spin))
  (import "env" "exit" (func $exit))
  (import "env" "late" (func $late (result i32)))
  (import "env" "data" (func $data (result i32)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "loop") (loop $l (br $l)))
  (func (export "block") (call $spin))
  (func (export "crash") (call $exit))
  (func (export "late") (result i32) (call $late))
  (func (export "data") (result i32) (call $data)))`;
const POLICY = { imports: [{ module: 'env', name: '*' }], fuel: 1n << 60n };
const MARGIN_MS = 400;

const h = await hardenWat(SOURCE, POLICY);
const pools: SandboxPool[] = [];
function pool(options: ConstructorParameters<typeof SandboxPool>[0]): SandboxPool {
  const p = new SandboxPool(options);
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('SandboxPool', () => {
  const p = pool({ threads: 2, timeoutMs: 250 });
  const run = (name: string, args: unknown[] = [], options = {}) => p.run(h, name, args, { hostModule: TOOLS, ...options });

  it('runs jobs; a host import that blocks is killed on time, and the next job runs fine', async () => {
    expect(await run('add', [2, 3])).toEqual({ ok: true, values: [5], fuelUsed: expect.any(BigInt) });
    await Promise.all([run('add', [1, 1]), run('add', [1, 1])]); // both workers warm
    const t0 = performance.now();
    const r = await run('block');
    const elapsed = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, trap: 'timeout', message: expect.stringMatching(/wall-clock limit of 250 ms/) });
    expect(elapsed).toBeGreaterThanOrEqual(245);
    expect(elapsed).toBeLessThan(250 + MARGIN_MS);
    expect(await run('add', [20, 22])).toMatchObject({ ok: true, values: [42] });
    expect(p.stats).toMatchObject({ threads: 2, timeouts: 1, running: 0, queued: 0 });
  });

  it('stops a guest infinite loop that has fuel to spare', async () => {
    const t0 = performance.now();
    expect(await run('loop')).toMatchObject({ ok: false, trap: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(250 + MARGIN_MS);
    expect(await run('loop', [], { fuel: 5000 })).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 5000n });
  });

  it('N concurrent jobs, some killed and some not, each get their own right result', async () => {
    const jobs: { name: string; args: unknown[]; options?: object; expect: Partial<RunResult> & Record<string, unknown> }[] = [];
    for (let i = 0; i < 16; i++) {
      switch (i % 6) {
        case 0:
          jobs.push({ name: 'block', args: [], expect: { ok: false, trap: 'timeout' } });
          break;
        case 1:
          jobs.push({ name: 'loop', args: [], expect: { ok: false, trap: 'timeout' } });
          break;
        case 2:
          jobs.push({ name: 'loop', args: [], options: { fuel: 1000 + i }, expect: { ok: false, trap: 'out-of-fuel', fuelUsed: BigInt(1000 + i) } });
          break;
        case 3:
          jobs.push({ name: 'div', args: [i, 0], expect: { ok: false, trap: 'integer-division-by-zero' } });
          break;
        case 4:
          jobs.push({ name: 'data', args: [], options: { hostData: { n: i } }, expect: { ok: true, values: [i] } });
          break;
        default:
          jobs.push({ name: 'add', args: [i, 1000], expect: { ok: true, values: [i + 1000] } });
      }
    }
    // 6 kills of 250 ms each on 2 threads: the jobs queued behind them wait longer than timeoutMs, and still
    // succeed (the clock starts when a job starts)
    const results = await Promise.all(jobs.map((j) => run(j.name, j.args, j.options)));
    results.forEach((r, i) => expect(r, `job ${i}: ${jobs[i]!.name}`).toMatchObject(jobs[i]!.expect));
    expect(await run('add', [1, 2])).toMatchObject({ ok: true, values: [3] });
  });
});

describe('crashes', () => {
  const p = pool({ threads: 2, timeoutMs: 5_000 });
  const run = (name: string, args: unknown[] = [], options = {}) => p.run(h, name, args, { hostModule: TOOLS, ...options });

  it('process.exit in a host function is host-error; the other jobs and the pool go on', async () => {
    const [a, b, c] = await Promise.all([run('crash'), run('add', [1, 2]), run('add', [3, 4])]);
    expect(a).toMatchObject({ ok: false, trap: 'host-error', message: expect.stringMatching(/exited with code 3/) });
    expect(b).toMatchObject({ ok: true, values: [3] });
    expect(c).toMatchObject({ ok: true, values: [7] });
    const after = await Promise.all([1, 2, 3, 4].map((i) => run('add', [i, i])));
    expect(after.map((r) => (r.ok ? r.values[0] : r.trap))).toEqual([2, 4, 6, 8]);
    expect(p.stats.crashes).toBe(1);
  });

  it('an exception a job left behind kills its worker between jobs, not the next job; the pool goes on', async () => {
    expect(await run('late')).toMatchObject({ ok: true, values: [0] });
    for (let i = 0; i < 100 && p.stats.crashes < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(p.stats.crashes).toBe(2);
    const after = await Promise.all([1, 2, 3, 4].map((i) => run('add', [i, i])));
    expect(after.map((r) => (r.ok ? r.values[0] : r.trap))).toEqual([2, 4, 6, 8]);
  });

  it('a host module that throws at load rejects that job (the host mistake); the pool goes on', async () => {
    const bad = host(`throw new Error('cannot load tools');`);
    const e = await p.run(h, 'add', [1, 1], { hostModule: bad }).catch((x: { issues: { code: string; message: string }[] }) => x.issues[0]);
    expect(e).toMatchObject({ code: 'sandbox.invalid-option', message: expect.stringMatching(/cannot load tools/) });
    expect(await run('add', [5, 5])).toMatchObject({ ok: true, values: [10] });
  });

  it('a worker heap past resourceLimits is host-error, in a worker of its own', async () => {
    const small = pool({ threads: 1, timeoutMs: 10_000, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const hog = host(`export default { env: { spin() { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); }, exit() {}, late() { return 0; }, data() { return 1; } } };`);
    const r = await small.run(h, 'block', [], { hostModule: hog });
    expect(r).toMatchObject({ ok: false, trap: 'host-error', message: expect.stringMatching(/resourceLimits|heap/) });
    expect(await small.run(h, 'add', [2, 2], { hostModule: hog })).toMatchObject({ ok: true, values: [4] });
  });
});

describe('jobs and options', () => {
  it('bytes and a policy are hardened through the cache (once); host mistakes reject; a closed pool refuses', async () => {
    const cache = new HardenCache();
    const p = pool({ threads: 1, cache });
    const bytes = wat(`(module (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))`);
    expect(await p.run({ bytes, policy: { fuel: 1000n } }, 'mul', [6, 7])).toMatchObject({ ok: true, values: [42] });
    expect(await p.run({ bytes, policy: { fuel: 1000n } }, 'mul', [3, 3])).toMatchObject({ ok: true, values: [9] });
    expect(cache.getStats()).toMatchObject({ misses: 1, hits: 1 });
    expect(await codeOf(p.run({ bytes }, 'nope'))).toBe('sandbox.unknown-export');
    expect(await codeOf(p.run({ bytes }, 'mul', [1]))).toBe('sandbox.invalid-argument');
    expect(await codeOf(p.run({ bytes }, 'mul', [() => 1, 2]))).toBe('sandbox.invalid-argument');
    expect(await codeOf(p.run(h, 'add', [1, 2]))).toBe('sandbox.missing-import');
    expect(await codeOf(p.run({ bytes }, 'mul', [1, 2], { imports: {} } as never))).toBe('sandbox.invalid-option');
    expect(await codeOf(p.run({ bytes: new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0]) }, 'mul'))).toMatch(/^malformed\./);
    // a start function that runs out of fuel: the job's result, as a trap
    const start = await hardenWat(`(module (start $s) (func $s (loop $l (br $l))))`, { fuel: 100n });
    expect(await p.run(start, 'x')).toMatchObject({ ok: false, trap: 'out-of-fuel' });
    await p.close();
    expect(await codeOf(p.run({ bytes }, 'mul', [1, 2]))).toBe('sandbox.invalid-argument');
  });

  it('refuses bad pool options', () => {
    expect(() => new SandboxPool({ threads: 0 })).toThrow(/threads/);
    expect(() => new SandboxPool({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => new SandboxPool({ nope: 1 } as never)).toThrow(/unknown pool option/);
    expect(() => new SandboxPool({ resourceLimits: { maxOldGenerationSizeMb: -5 } })).toThrow(/resourceLimits/);
  });
});
