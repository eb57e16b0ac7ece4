/**
 * Fuel: per-call `fuelUsed` is deterministic and adds up, exhaustion is sticky until refuelled, refuels
 * during a call are not usage, `options.fuel` overrides the embedded budget (start function included).
 */
import { describe, expect, it } from 'vitest';
import { MAX_FUEL } from '../../src/policy.js';
import { InstantiationTrapError } from '../../src/runtime/errors.js';
import { instantiate } from '../../src/runtime/sandbox.js';
import { codeOf, hardenWat, sandboxOf } from './helpers.js';

const COUNTER = `(module
  (memory (export "memory") 1 1)
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (local.get $i))
  (func (export "spin") (loop $l (br $l))))`;

describe('fuel accounting', () => {
  it('is deterministic per call, and the budget goes down by exactly what calls report', async () => {
    const s = await sandboxOf(COUNTER, { fuel: 1_000_000n });
    const start = s.fuel;
    const used: bigint[] = [];
    for (const n of [0, 1, 2, 10, 10, 0]) {
      const r = s.call('count', n);
      expect(r).toMatchObject({ ok: true, values: [n] });
      used.push(r.fuelUsed);
    }
    expect(used[3]).toBe(used[4]);
    expect(used[0]).toBe(used[5]);
    // linear in the iteration count
    const step = used[1]! - used[0]!;
    expect(step).toBeGreaterThan(0n);
    expect(used[2]! - used[1]!).toBe(step);
    expect(used[3]! - used[0]!).toBe(10n * step);
    expect(start - s.fuel).toBe(used.reduce((a, b) => a + b, 0n));
    // another sandbox of the same module charges the same
    const t = await sandboxOf(COUNTER, { fuel: 5_000n });
    expect(t.call('count', 10).fuelUsed).toBe(used[3]);
  });

  it('exact budget succeeds, one less runs out, and never reports more than there was', async () => {
    const s = await sandboxOf(COUNTER, { fuel: 1_000_000n });
    const need = s.call('count', 5).fuelUsed;
    s.setFuel(need);
    expect(s.call('count', 5)).toMatchObject({ ok: true, fuelUsed: need });
    expect(s.fuel).toBe(0n);
    expect(s.exhausted).toBe(false);
    s.setFuel(need - 1n);
    const r = s.call('count', 5);
    expect(r).toMatchObject({ ok: false, trap: 'out-of-fuel' });
    expect(r.fuelUsed).toBe(need - 1n);
    expect(s.fuel).toBe(0n);
    expect(s.exhausted).toBe(true);
  });

  it('exhaustion is sticky: no call enters the guest until refuelled', async () => {
    const s = await sandboxOf(COUNTER, { fuel: 10_000n });
    expect(s.call('spin')).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 10_000n });
    const before = s.memory!.readBytes(0, 4);
    for (let i = 0; i < 3; i++) expect(s.call('count', 0)).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 0n });
    expect(s.memory!.readBytes(0, 4)).toEqual(before); // the guest never ran
    expect(s.fuel).toBe(0n);

    // addFuel starts from 0, not from the overdraft
    expect(s.addFuel(1_000n)).toBe(1_000n);
    expect(s.exhausted).toBe(false);
    const r = s.call('count', 1);
    expect(r.ok).toBe(true);
    expect(s.fuel).toBe(1_000n - r.fuelUsed);
    expect(s.memory!.readBytes(0, 4)[0]).toBe(before[0]! + 1);
    // and runs out again
    expect(s.call('spin')).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 1_000n - r.fuelUsed });
    s.setFuel(50n);
    expect(s.fuel).toBe(50n);
    expect(s.call('count', 0).ok).toBe(true);
  });

  it('addFuel caps at 2^63 - 1; bad amounts are refused', async () => {
    const s = await sandboxOf(COUNTER, { fuel: 10n });
    expect(s.addFuel(MAX_FUEL)).toBe(MAX_FUEL);
    expect(s.fuel).toBe(MAX_FUEL);
    for (const bad of [-1, 1.5, -1n, MAX_FUEL + 1n, '7', NaN, null])
      expect(await codeOf(() => s.setFuel(bad as never)), String(bad)).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => s.addFuel(-5))).toBe('sandbox.invalid-argument');
    expect(s.fuel).toBe(MAX_FUEL);
  });

  it('options.fuel overrides the embedded budget; without it the policy budget applies', async () => {
    const h = await hardenWat(COUNTER, { fuel: 123_456n });
    expect((await instantiate(h)).fuel).toBe(123_456n);
    expect((await instantiate(h, { fuel: 77 })).fuel).toBe(77n);
    expect((await instantiate(h, { fuel: 0n })).call('count', 0)).toMatchObject({ ok: false, trap: 'out-of-fuel' });
    for (const bad of [-1, 2.5, MAX_FUEL + 1n, '100'])
      expect(await codeOf(instantiate(h, { fuel: bad as never })), String(bad)).toBe('sandbox.invalid-option');
  });

  it('a refuel by a host function during a call is not counted as the call\'s usage', async () => {
    let sb: Awaited<ReturnType<typeof instantiate>>;
    const h = await hardenWat(
      `(module (import "host" "refuel" (func $refuel))
        (func (export "work") (param i32) (local $i i32)
          (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
          (call $refuel)
          (local.set $i (i32.const 0))
          (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get 0))))))`,
      { imports: [{ module: 'host', name: 'refuel' }] },
    );
    let mode: 'none' | 'add' | 'set' = 'none';
    sb = await instantiate(h, {
      fuel: 1_000_000n,
      imports: { host: { refuel: () => (mode === 'add' ? sb.addFuel(500_000n) : mode === 'set' ? sb.setFuel(10n ** 12n) : undefined) } },
    });
    const plain = sb.call('work', 100).fuelUsed;
    mode = 'add';
    expect(sb.call('work', 100).fuelUsed).toBe(plain);
    mode = 'set';
    const r = sb.call('work', 100);
    expect(r.fuelUsed).toBe(plain);
    // the host set 10^12 mid-call; only the part after it was spent from the new budget
    expect(sb.fuel).toBeLessThan(10n ** 12n);
    expect(sb.fuel).toBeGreaterThan(10n ** 12n - plain);
  });
});

describe('the start function runs on the sandbox budget', () => {
  const START = (n: number) => `(module (global $g (mut i32) (i32.const 0)) (global (export "g") (mut i32) (i32.const 0))
    (func $start (local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const ${n}))))
      (global.set 1 (local.get $i)))
    (start $start)
    (func (export "get") (result i32) (global.get 1)))`;

  it('runs once, after segments, with options.fuel in place', async () => {
    const h = await hardenWat(START(1000));
    const s = await instantiate(h, { fuel: 1_000_000n });
    expect(s.call('get')).toMatchObject({ ok: true, values: [1000] });
    expect(s.fuel).toBeLessThan(1_000_000n - 1000n);
    expect(Object.keys(s.exports).sort()).toEqual(['g', 'get']); // the deferred start is not visible
  });

  it('an infinite start function ends as InstantiationTrapError out-of-fuel, under options.fuel', async () => {
    const h = await hardenWat(`(module (func $s (loop $l (br $l))) (start $s) (func (export "f")))`, { fuel: 10n ** 15n });
    const t0 = performance.now();
    const e = await instantiate(h, { fuel: 100_000n }).catch((x: unknown) => x);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(e).toBeInstanceOf(InstantiationTrapError);
    expect((e as InstantiationTrapError).trap).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 100_000n });
    expect((e as InstantiationTrapError).issues[0]!.code).toBe('sandbox.instantiation-trap');
  });

  it('a trapping start function and an out-of-bounds data segment are classified', async () => {
    const a = await instantiate(await hardenWat(`(module (func $s unreachable) (start $s))`)).catch((x: unknown) => x);
    expect((a as InstantiationTrapError).trap.trap).toBe('unreachable');
    const b = await instantiate(await hardenWat(`(module (memory 1 1) (data (i32.const 65535) "ab"))`)).catch((x: unknown) => x);
    expect((b as InstantiationTrapError).trap.trap).toBe('memory-out-of-bounds');
    const c = await instantiate(await hardenWat(`(module (func $r (call $r)) (start $r))`)).catch((x: unknown) => x);
    expect((c as InstantiationTrapError).trap.trap).toBe('stack-overflow');
  });
});
