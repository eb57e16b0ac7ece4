/**
 * Test placement (src/instrument/test-placement.ts): tests go only where the slack would run out, tracked
 * across calls through callee summaries. The fuzz oracles rarely get near a limit (after a test the slack is
 * at least T, far more than any small generated function charges), so these modules are built to: long
 * chains of untested calls, each as dear as the allowance allows, ending in a trap. If a test were missing,
 * the slack would be negative at the trap, `$fuel` would read higher than the truth, and the charge would
 * fall below the exact cost.
 */
import { describe, expect, it } from 'vitest';
import { harden } from '../../src/instrument/harden.js';
import { DEPTH_EXPORT, FUEL_EXPORT } from '../../src/instrument/module-rewriter.js';
import { wat } from '../runtime/helpers.js';
import { normalizePolicy, policies } from '../../src/policy.js';
import { validateWith } from '../../src/validate/validate.js';
import { scanBody } from './body-scan.js';

const BUDGET = 1_000_000_000_000n;

/** the offsets of the `i64.lt_s` in defined function `index` (the tests and their re-floors) */
function slackTests(bytes: Uint8Array, index: number): number[] {
  const found: number[] = [];
  scanBody(bytes, index, (op, at) => {
    if (op.prefix === 0 && op.code === 0x53) found.push(at);
    return false;
  });
  return found;
}

/** a straight-line body of `n` pairs `i32.const 1 i32.add` on local 0 (cost 2n + 1 with the get; `end` is free) */
const adds = (n: number) => `local.get 0 ${'i32.const 1 i32.add '.repeat(n)}`;

interface Run {
  value?: number;
  trapped: boolean;
  used: bigint;
}

async function load(src: string, stackLimit?: number) {
  const hardened = await harden(wat(src), { fuel: BUDGET, ...(stackLimit === undefined ? {} : { stackLimit }) });
  const exports = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
  const fuel = exports[FUEL_EXPORT] as WebAssembly.Global;
  const depth = exports[DEPTH_EXPORT] as WebAssembly.Global;
  const run = (name: string, ...args: number[]): Run => {
    fuel.value = BUDGET;
    depth.value = 0;
    try {
      const value = (exports[name] as (...a: number[]) => number)(...args);
      return { value, trapped: false, used: BUDGET - (fuel.value as bigint) };
    } catch {
      return { trapped: true, used: BUDGET - (fuel.value as bigint) };
    }
  };
  return { hardened, run };
}

describe('test placement', () => {
  it('a long sequence of calls to a dear straight-line leaf: exact on return, never undercharged at a trap', async () => {
    // the leaf costs about 2,000, so 60 calls charge about 120,000: more than one re-floor hands out
    const n = 1000;
    const calls = 60;
    const src = `(module
      (func $leaf (param i32) (result i32) ${adds(n)})
      (func $trap (param i32) (result i32) (i32.div_u (local.get 0) (i32.const 0)))
      (func (export "ok") (param i32) (result i32) local.get 0 ${'call $leaf '.repeat(calls)})
      (func (export "bad") (param i32) (result i32) local.get 0 ${'call $leaf '.repeat(calls)} call $trap))`;
    const { hardened, run } = await load(src);
    const leaf = BigInt(2 * n + 1);
    // ok: local.get, the calls, end (end costs 0): 1 + calls; bad: one more call, and $trap's 4 (get, const, div, end = 0)
    const ok = run('ok', 5);
    expect(ok).toEqual({ value: 5 + n * calls, trapped: false, used: 1n + BigInt(calls) + leaf * BigInt(calls) });
    const bad = run('bad', 5);
    expect(bad.trapped).toBe(true);
    const exact = 1n + BigInt(calls + 1) + leaf * BigInt(calls) + 3n;
    expect(exact).toBeGreaterThan(BigInt(hardened.report.fuel.trapOvercharge));
    expect(bad.used).toBeGreaterThanOrEqual(exact);
    expect(bad.used).toBeLessThanOrEqual(exact + BigInt(hardened.report.fuel.trapOvercharge));
  });

  it('a deep chain of callees, each charging before it calls: needs compose, and tests appear where they run out', async () => {
    // f0 → f1 → … → f39, each straight-line before its call (about 2,000 each: 80,000 in all, beyond B and
    // beyond a whole re-floor chunk), the last one traps
    const depth = 40;
    const n = 1000;
    const fs = Array.from({ length: depth }, (_, i) =>
      i === depth - 1
        ? `(func $f${i} (param i32) (result i32) ${adds(n)} i32.const 0 i32.div_u)`
        : `(func $f${i} (param i32) (result i32) ${adds(n)} call $f${i + 1})`,
    );
    const src = `(module ${fs.join('\n')}
      (func (export "run") (param i32) (result i32) (call $f0 (local.get 0))))`;
    const { hardened, run } = await load(src);
    const r = run('run', 1);
    expect(r.trapped).toBe(true);
    // run: get, call (2, its end never runs but is free); each f: get + 2n + call (the last: get + 2n + const + div)
    const exact = 2n + BigInt(depth - 1) * BigInt(2 * n + 2) + BigInt(2 * n + 3);
    expect(r.used).toBeGreaterThanOrEqual(exact);
    expect(r.used).toBeLessThanOrEqual(exact + BigInt(hardened.report.fuel.trapOvercharge));
    expect(exact).toBeGreaterThan(BigInt(hardened.report.fuel.trapOvercharge)); // more than one re-floor hands out
  });

  it('a small callee needs no test of its own; a recursive one keeps its exit test', async () => {
    const src = `(module
      (func $small (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $rec (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (call $small (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
      (func (export "run") (param i32) (result i32) (call $rec (local.get 0))))`;
    const { hardened, run } = await load(src);
    // $small: no comparison at all; $rec: a test (a compare with T, the re-floor's `< 0` inside) before its
    // recursive call, whose needs it cannot know yet, and one at its exit, since its callers cannot either
    expect(slackTests(hardened.bytes, 0)).toEqual([]);
    const rec = slackTests(hardened.bytes, 1);
    expect(rec.length).toBe(4);
    expect(rec[3]).toBeGreaterThan(rec[2]!); // the last one is the exit's re-floor, after the call
    for (const k of [0, 1, 5, 200]) {
      const r = run('run', k);
      expect(r).toEqual({ value: k, trapped: false, used: expect.any(BigInt) as bigint });
    }
    // exact and linear in the depth
    const u = [1, 2, 3].map((k) => run('run', k).used);
    expect(u[2]! - u[1]!).toBe(u[1]! - u[0]!);
  });
});

describe('the loop threshold in a local (`$lm`)', () => {
  const loop = (locals: number) => `(module
    (func $sum (param i32) (result i32) ${locals > 1 ? `(local ${'i32 '.repeat(locals - 1)})` : ''} (local $acc i32)
      (block $done (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $acc (i32.add (local.get $acc) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
      (local.get $acc))
    (func (export "run") (param i32) (result i32) (call $sum (local.get 0))))`;
  const localsOf = (bytes: Uint8Array, index: number) => {
    const r = validateWith(bytes, normalizePolicy({ features: [...policies.spec.features], limits: { localsPerFunction: 50_000 } }, policies.spec), false);
    if (!r.ok) throw new Error(r.issues[0]?.message);
    return r.module.codes[index]!.localCount;
  };

  it('a body with a wrapped loop gains one i64 local, and one only where V8 allows it', async () => {
    // $sum is internal (params): 1 parameter + its locals + $s, $d; $lm needs one more
    for (const [locals, gains] of [
      [1, 1],
      [49_996, 1], // 1 + 49,996 + 2 + 1 = 50,000
      [49_997, 0], // no room: the header compares with the global, as before
    ] as const) {
      // (a frame of 50,000 locals weighs 800,000 notional bytes: above the default stack limit)
      const { hardened, run } = await load(loop(locals), 2 * 1024 * 1024);
      expect(localsOf(hardened.bytes, 0)).toBe(locals + gains);
      const r = run('run', 100);
      expect(r).toMatchObject({ value: 5050, trapped: false });
      // exact: the same charge with and without the local
      expect(r.used).toBe((await load(loop(1))).run('run', 100).used + BigInt(locals - 1));
    }
  });
});

describe('tight loops and segments that cannot trap', () => {
  // a countdown whose header segment is its only charge, tested as `!= 0` so that it stays a tight loop
  // (the bare `br_if (local.tee …)` shape is a counted loop, counted-loop.test.ts)
  const countdown = (tail: string) => `(module (memory 1)
    (func $count (param i32) (result i32)
      (loop $l (br_if $l (i32.ne (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))
      ${tail})
    (func (export "run") (param i32) (result i32) (call $count (local.get 0))))`;

  /** runs `run(n)` with `budget` fuel; the fuel global afterwards */
  async function runWith(src: string, n: number, budget: bigint) {
    const hardened = await harden(wat(src), { fuel: budget });
    const exports = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
    const fuel = exports[FUEL_EXPORT] as WebAssembly.Global;
    try {
      const value = (exports['run'] as (n: number) => number)(n);
      return { value, trapped: false, fuel: fuel.value as bigint };
    } catch {
      return { trapped: true, fuel: fuel.value as bigint };
    }
  }

  it('a tight loop is exact at the budget and traps at the first iteration it cannot pay for', async () => {
    const src = countdown('local.get 0');
    const used = BUDGET - (await runWith(src, 1000, BUDGET)).fuel;
    expect(await runWith(src, 1000, used)).toEqual({ value: 0, trapped: false, fuel: 0n });
    // short of fuel: the first header (7 units: get, const, sub, tee, const, ne, br_if; the `loop` itself is
    // charged before it) that cannot pay traps, and the sentinel says by how much it fell short: less than a header
    for (const short of [1n, 5n, 7n, 100n]) {
      const r = await runWith(src, 1000, used - short);
      expect(r.trapped).toBe(true);
      expect(r.fuel).toBeLessThan(0n);
      expect(-r.fuel).toBeLessThanOrEqual(7n);
    }
  });

  it('code after a tight loop that cannot trap needs no test; a load after it does, and is never undercharged', async () => {
    const arith = await harden(wat(countdown('local.get 0 i32.const 7 i32.add i32.const 3 i32.mul')), { fuel: BUDGET });
    const load = await harden(wat(countdown('local.get 0 i32.const 7 i32.add i32.load')), { fuel: BUDGET });
    // the tight loop's own: its `$retry` (`$s < 0` and the re-floor's `< 0`) and its header; the load adds a test and its re-floor
    expect(slackTests(arith.bytes, 0).length).toBe(3);
    expect(slackTests(load.bytes, 0).length).toBe(5);
    // 5 iterations in, the load traps out of bounds (7 + 0 - 1 + 65536 ≥ 1 page): charged at least its cost
    const src = countdown('local.get 0 i32.const 65536 i32.add i32.load');
    const r = await runWith(src, 5, BUDGET);
    expect(r.trapped).toBe(true);
    const exact = 1n /* run: get */ + 1n /* call */ + 1n /* loop */ + 5n * 7n /* iterations */ + 4n /* tail */;
    expect(BUDGET - r.fuel).toBeGreaterThanOrEqual(exact);
  });
});
