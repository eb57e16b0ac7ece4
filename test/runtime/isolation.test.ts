/**
 * Many sandboxes side by side: each has its own instance, memory, globals, fuel and depth; nothing is
 * shared unless the host links them (raw exports as imports), and then a trap in the callee is classified
 * with the callee's fuel and depth.
 */
import { describe, expect, it } from 'vitest';
import { instantiate, type Sandbox } from '../../src/runtime/sandbox.js';
import { hardenWat } from './helpers.js';

const STATEFUL = `(module
  (memory (export "memory") 1 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "spin") (loop $l (br $l))))`;

describe('independent sandboxes', () => {
  it('of one hardened module share nothing: memory, globals, fuel', async () => {
    const h = await hardenWat(STATEFUL);
    const boxes: Sandbox[] = [];
    for (let i = 0; i < 50; i++) boxes.push(await instantiate(h, { fuel: 100_000n }));
    boxes.forEach((b, i) => {
      for (let k = 0; k <= i; k++) b.call('bump');
      b.call('poke', 0, i);
    });
    boxes.forEach((b, i) => {
      expect(b.call('bump')).toMatchObject({ ok: true, values: [i + 2] });
      expect(b.call('peek', 0)).toMatchObject({ ok: true, values: [i] });
    });
    expect(boxes[3]!.call('spin')).toMatchObject({ ok: false, trap: 'out-of-fuel' });
    expect(boxes[3]!.exhausted).toBe(true);
    expect(boxes.filter((b) => b.exhausted)).toHaveLength(1);
    expect(boxes[4]!.call('bump').ok).toBe(true);
    expect(boxes[0]!.memory).not.toBe(boxes[1]!.memory);
    expect(boxes[0]!.exports['memory']).not.toBe(boxes[1]!.exports['memory']);
  });

  it('a host function given to two sandboxes reports its failure to the sandbox that called it', async () => {
    const h = await hardenWat(`(module (import "env" "tool" (func $t (param i32))) (func (export "go") (param i32) (call $t (local.get 0))))`, {
      imports: [{ module: 'env', name: 'tool' }],
    });
    const tool = (x: number) => {
      if (x === 2) throw new Error('bad input');
    };
    const a = await instantiate(h, { imports: { env: { tool } } });
    const b = await instantiate(h, { imports: { env: { tool } } });
    expect(a.call('go', 2)).toMatchObject({ ok: false, trap: 'host-error' });
    expect(b.call('go', 1)).toMatchObject({ ok: true });
  });
});

describe('linked sandboxes (raw exports as imports)', async () => {
  const callee = await hardenWat(`(module
    (func (export "spin") (loop $l (br $l)))
    (func $rec (export "rec") (call $rec))
    (func $chain (export "chain") (param i32) (result i32)
      (if (result i32) (local.get 0) (then (call $chain (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 1))))
    (func (export "id") (param i32) (result i32) (local.get 0)))`, { stackLimit: 8192 });
  const caller = await hardenWat(`(module
    (import "b" "spin" (func $spin)) (import "b" "rec" (func $rec)) (import "b" "chain" (func $chain (param i32) (result i32)))
    (import "b" "id" (func $id (param i32) (result i32)))
    (func (export "spin") (call $spin)) (func (export "rec") (call $rec))
    (func (export "chain") (param i32) (result i32) (call $chain (local.get 0)))
    (func (export "id") (param i32) (result i32) (call $id (local.get 0))))`, { imports: [{ module: 'b', name: '*' }] });

  it('a call into the callee is metered by the callee\'s fuel, and its exhaustion is out-of-fuel for the caller', async () => {
    const b = await instantiate(callee, { fuel: 50_000n });
    const a = await instantiate(caller, { fuel: 1_000_000n, imports: { b: b.exports as Record<string, unknown> } });
    expect(a.call('id', 9)).toMatchObject({ ok: true, values: [9] });
    const r = a.call('spin');
    expect(r).toMatchObject({ ok: false, trap: 'out-of-fuel' });
    expect(b.exhausted).toBe(true);
    expect(a.exhausted).toBe(false);
    expect(r.fuelUsed).toBeLessThan(100n); // the caller's own fuel: the loop ran on the callee's
    b.setFuel(50_000n);
    expect(a.call('id', 4)).toMatchObject({ ok: true, values: [4] });
  });

  it('the callee\'s stack overflow is stack-overflow for the caller, and the callee\'s depth is given back', async () => {
    const b = await instantiate(callee);
    const a = await instantiate(caller, { imports: { b: b.exports as Record<string, unknown> } });
    const r = a.call('rec');
    expect(r).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect((r as { message: string }).message).toContain('8192');
    // a chain that fits only if the callee's depth was restored after the trap (its entry from the caller
    // is not a top-level entry of the callee, so nothing else would reset it)
    expect(a.call('chain', 30)).toMatchObject({ ok: true, values: [1] });
    expect(a.call('rec')).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect(a.call('chain', 30)).toMatchObject({ ok: true, values: [1] });
  });
});
