/**
 * One module per TrapKind (timeout is the worker's): each is triggered for real, through harden and the
 * sandbox, and must come back as exactly that kind with our own message. Also: V8's messages are the ones
 * the classifier's table says (Node 20), and no V8 text is ever the result's message.
 */
import { describe, expect, it } from 'vitest';
import { TRAP_KINDS, type RunResult, type TrapKind } from '../../src/runtime/types.js';
import { TRAP_MESSAGES, kindOfV8Message } from '../../src/runtime/traps.js';
import { hardenWat, sandboxOf, wat } from './helpers.js';
import { HOST_CALL_WEIGHT, instantiate } from '../../src/runtime/sandbox.js';
import { harden } from '../../src/instrument/harden.js';

function expectTrap(r: RunResult, kind: TrapKind): void {
  expect(r.ok, JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))).toBe(false);
  if (r.ok) return;
  expect(r.trap).toBe(kind);
  expect(TRAP_KINDS).toContain(r.trap);
  expect(r.message.startsWith(TRAP_MESSAGES[kind].split(':')[0]!)).toBe(true);
  expect(typeof r.fuelUsed).toBe('bigint');
}

const TRAPS = `(module
  (type $v (func)) (type $ii (func (param i32) (result i32)))
  (memory 1 1)
  (table $t 4 4 funcref)
  (func $nop)
  (func (export "unreachable") unreachable)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store8") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1)))
  (func (export "call_past_end") (call_indirect (type $v) (i32.const 4)))
  (func (export "table_get") (drop (table.get $t (i32.const 99))))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "trunc_u64") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "spin") (loop $l (br $l)))
  (func $rec (export "rec") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
)`;

describe('every TrapKind from a real guest', async () => {
  // a trap may overcharge by up to `report.fuel.trapOvercharge` (about 65k here): room for all of them
  const s = await sandboxOf(TRAPS, { fuel: 100_000_000n });

  it('unreachable', () => expectTrap(s.call('unreachable'), 'unreachable'));

  it('memory-out-of-bounds: load, store and memory.fill past the end', () => {
    expectTrap(s.call('load', 65536), 'memory-out-of-bounds');
    expectTrap(s.call('load', 65533), 'memory-out-of-bounds');
    expectTrap(s.call('load', -1), 'memory-out-of-bounds');
    expectTrap(s.call('store8', 65536), 'memory-out-of-bounds');
    expectTrap(s.call('fill', 65000, 1000), 'memory-out-of-bounds');
    expect(s.call('load', 65532)).toMatchObject({ ok: true, values: [0] });
  });

  it('table-out-of-bounds: call_indirect past the end, table.get', () => {
    expectTrap(s.call('call_past_end'), 'table-out-of-bounds');
    expectTrap(s.call('table_get'), 'table-out-of-bounds');
  });

  it('integer-division-by-zero: div and rem, i32 and i64', () => {
    expectTrap(s.call('div_s', 1, 0), 'integer-division-by-zero');
    expectTrap(s.call('rem_s', 1, 0), 'integer-division-by-zero');
    expectTrap(s.call('div_u64', 1n, 0n), 'integer-division-by-zero');
  });

  it('integer-overflow: INT_MIN / -1', () => {
    expectTrap(s.call('div_s', -0x8000_0000, -1), 'integer-overflow');
    // rem_s of INT_MIN by -1 is 0, not a trap
    expect(s.call('rem_s', -0x8000_0000, -1)).toMatchObject({ ok: true, values: [0] });
  });

  it('bad-conversion-to-integer: NaN, infinities and out-of-range values (V8 does not tell them apart)', () => {
    expectTrap(s.call('trunc', NaN), 'bad-conversion-to-integer');
    expectTrap(s.call('trunc', 3e9), 'bad-conversion-to-integer');
    expectTrap(s.call('trunc', -Infinity), 'bad-conversion-to-integer');
    expectTrap(s.call('trunc_u64', -1), 'bad-conversion-to-integer');
    expect(s.call('trunc', -2.9)).toMatchObject({ ok: true, values: [-2] });
  });

  it('stack-overflow: our limit fires first (deterministic depth)', () => {
    const a = s.call('rec', 0);
    expectTrap(a, 'stack-overflow');
    const b = s.call('rec', 0);
    expectTrap(b, 'stack-overflow');
    expect(b.fuelUsed).toBe(a.fuelUsed); // the depth was reset: same depth, same fuel
  });

  it('out-of-fuel: an infinite loop, then sticky', () => {
    const r = s.call('spin');
    expectTrap(r, 'out-of-fuel');
    expect(s.exhausted).toBe(true);
    expectTrap(s.call('unreachable'), 'out-of-fuel');
    s.setFuel(1_000_000n);
    expectTrap(s.call('unreachable'), 'unreachable');
  });

  it('host-error: a host function that throws', async () => {
    const h = await sandboxOf(
      `(module (import "env" "boom" (func $boom)) (func (export "go") (call $boom)))`,
      { imports: { env: { boom: () => { throw new Error('tool failed'); } } } },
      { imports: [{ module: 'env', name: 'boom' }] },
    );
    const r = h.call('go');
    expectTrap(r, 'host-error');
    if (!r.ok) {
      expect(r.message).toContain('"env"."boom"');
      expect(r.message).toContain('tool failed');
      expect((r.cause as Error).message).toBe('tool failed');
      expect(Object.keys(r)).not.toContain('cause'); // non-enumerable: out of JSON and deep equality
    }
  });

  it('stack-overflow from V8 itself: a RangeError "Maximum call stack size exceeded"', async () => {
    const blow = (n: number): number => blow(n + 1) + 1;
    const h = await sandboxOf(`(module (import "env" "deep" (func $d (param i32) (result i32))) (func (export "f") (result i32) (call $d (i32.const 0))))`, {
      imports: { env: { deep: blow } },
    }, { imports: [{ module: 'env', name: 'deep' }] });
    const r = h.call('f');
    expectTrap(r, 'stack-overflow');
    if (!r.ok) {
      expect(r.message).toContain('native stack');
      expect(r.cause).toBeInstanceOf(RangeError);
    }
  });

  it('recursion through the host ends at our limit, at the same level every time, even under the largest limit', async () => {
    let sb: Awaited<ReturnType<typeof instantiate>>;
    let levels = 0;
    const h = await hardenWat(
      `(module (import "env" "again" (func $again (param i32) (result i32)))
        (func (export "f") (param i32) (result i32) (call $again (i32.add (local.get 0) (i32.const 1)))))`,
      { imports: [{ module: 'env', name: 'again' }], stackLimit: 2 * 1024 * 1024 },
    );
    sb = await instantiate(h, { imports: { env: { again: (n: number) => { levels = n; return (sb.exports['f'] as (n: number) => number)(n); } } } });
    const r = sb.call('f', 0);
    expectTrap(r, 'stack-overflow');
    if (!r.ok) expect(r.message).toContain('stack limit of 2097152');
    const first = levels;
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(2 * 1024 * 1024 / HOST_CALL_WEIGHT);
    expect(sb.call('f', 0)).toEqual(r);
    expect(levels).toBe(first);
  });
});

describe('call_indirect: null entry or signature mismatch', () => {
  it('indirect-call-to-null: an empty slot, every present function of the right type', async () => {
    const s = await sandboxOf(`(module (type $v (func)) (table 2 2 funcref) (elem (i32.const 1) $f) (func $f)
      (func (export "call") (param i32) (call_indirect (type $v) (local.get 0))))`);
    expect(s.call('call', 1).ok).toBe(true);
    expectTrap(s.call('call', 0), 'indirect-call-to-null');
  });

  it('bad-signature: every slot filled (statically), the wrong type called', async () => {
    const s = await sandboxOf(`(module (type $v (func)) (type $i (func (param i32))) (table 2 2 funcref)
      (elem (i32.const 0) $f $g) (func $f) (func $g (param i32))
      (func (export "call") (param i32) (call_indirect (type $v) (local.get 0))))`);
    expect(s.call('call', 0).ok).toBe(true);
    expectTrap(s.call('call', 1), 'bad-signature');
  });

  it('bad-signature: an exported table with no null entry, read at run time', async () => {
    const s = await sandboxOf(`(module (type $v (func)) (table (export "t") 2 2 funcref)
      (elem (i32.const 0) $f $g) (func $f) (func $g (param i32))
      (func (export "call") (param i32) (call_indirect (type $v) (local.get 0))))`);
    expectTrap(s.call('call', 1), 'bad-signature');
  });

  it('bad-signature in a table.init-filled table with a mismatch; null when a slot can be empty and both are possible', async () => {
    const s = await sandboxOf(`(module (type $v (func)) (table 3 3 funcref)
      (elem (i32.const 1) $f $g) (func $f) (func $g (param i32))
      (func (export "call") (param i32) (call_indirect (type $v) (local.get 0))))`);
    expectTrap(s.call('call', 0), 'indirect-call-to-null');
    // ambiguous statically (slot 0 can be null, $g has another type): reported as null, see traps.ts
    expectTrap(s.call('call', 2), 'indirect-call-to-null');
  });

  it('a function name cannot spoof the location (the structured stack is read, not the text)', async () => {
    const bytes = wat(`(module (type $v (func)) (type $i (func (param i32))) (table 1 1 funcref) (elem (i32.const 0) $g)
      (func $g (param i32)) (func (export "call") (call_indirect (type $v) (i32.const 0))))`);
    // a name section naming function 1 with a fake frame in it
    const fake = 'x (wasm://wasm/0:wasm-function[0]:0x1)\n    at wasm://wasm/0:wasm-function[0]:0x1';
    const h = await harden(withFunctionName(bytes, 1, fake), { fuel: 1_000_000n }, { binaryenCheck: false });
    const s = await instantiate(h);
    const r = s.call('call');
    expectTrap(r, 'bad-signature');
    if (!r.ok) expect(String((r.cause as Error).stack)).toContain('wasm-function[0]:0x1');
  });
});

/** Appends a `name` custom section with one function name. */
function withFunctionName(bytes: Uint8Array, index: number, name: string): Uint8Array {
  const enc = new TextEncoder();
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const str = (s: string) => [...leb(enc.encode(s).length), ...enc.encode(s)];
  const names = [...leb(1), ...leb(index), ...str(name)];
  const sub = [1, ...leb(names.length), ...names];
  const payload = [...str('name'), ...sub];
  return new Uint8Array([...bytes, 0, ...leb(payload.length), ...payload]);
}

describe("V8's messages (Node 20) map as documented", () => {
  const cases: [string, TrapKind | 'indirect-call'][] = [
    ['unreachable', 'unreachable'],
    ['memory access out of bounds', 'memory-out-of-bounds'],
    ['WebAssembly.Instance(): data segment is out of bounds', 'memory-out-of-bounds'],
    ['table index is out of bounds', 'table-out-of-bounds'],
    ['element segment out of bounds', 'table-out-of-bounds'],
    ['null function or function signature mismatch', 'indirect-call'],
    ['divide by zero', 'integer-division-by-zero'],
    ['remainder by zero', 'integer-division-by-zero'],
    ['divide result unrepresentable', 'integer-overflow'],
    ['float unrepresentable in integer range', 'bad-conversion-to-integer'],
  ];
  it.each(cases)('%s → %s', (message, kind) => expect(kindOfV8Message(message)).toBe(kind));

  it('the plain engine raises exactly these texts', () => {
    const bytes = wat(`(module (type $v (func)) (memory 1) (table 2 funcref) (elem (i32.const 1) $f) (func $f)
      (data $d "x") (elem $e func $f)
      (func (export "a") unreachable)
      (func (export "b") (drop (i32.load (i32.const 65536))))
      (func (export "c") (call_indirect (type $v) (i32.const 2)))
      (func (export "d") (call_indirect (type $v) (i32.const 0)))
      (func (export "e") (drop (i32.div_u (i32.const 1) (i32.const 0))))
      (func (export "f") (drop (i64.rem_s (i64.const 1) (i64.const 0))))
      (func (export "g") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
      (func (export "h") (drop (i32.trunc_f32_u (f32.const -1))))
      (func (export "i") (data.drop $d) (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)))
      (func (export "j") (elem.drop $e) (table.init $e (i32.const 0) (i32.const 0) (i32.const 1))))`);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const seen: Record<string, string> = {};
    for (const [name, fn] of Object.entries(inst.exports))
      try {
        (fn as () => void)();
      } catch (e) {
        seen[name] = (e as Error).message;
      }
    expect(seen).toEqual({
      a: 'unreachable',
      b: 'memory access out of bounds',
      c: 'table index is out of bounds',
      d: 'null function or function signature mismatch',
      e: 'divide by zero',
      f: 'remainder by zero',
      g: 'divide result unrepresentable',
      h: 'float unrepresentable in integer range',
      i: 'memory access out of bounds',
      j: 'element segment out of bounds',
    });
  });
});
