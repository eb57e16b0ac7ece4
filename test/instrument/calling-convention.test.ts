/**
 * Split functions (src/instrument/calling-convention.ts): a function that a host or a table can call, and
 * that other functions call directly, keeps its index and type as a wrapper, and its body moves to a new
 * params-convention function that the direct calls name.
 */
import { describe, expect, it } from 'vitest';
import { harden } from '../../src/instrument/harden.js';
import { normalizePolicy, policies } from '../../src/policy.js';
import { validateWith } from '../../src/validate/validate.js';
import { ExternKindCode, type ModuleInfo } from '../../src/binary/module-info.js';
import { DEPTH_EXPORT, FUEL_EXPORT } from '../../src/instrument/module-rewriter.js';
import { wat } from '../runtime/helpers.js';

const SRC = `(module
  (type $ii (func (param i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $sq)
  ;; in a table and called directly by $deep: split
  (func $sq (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  ;; exported and recursive: split; its call through the table hands the depth over through \`$depth\`
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add
        (i32.add (call $sq (local.get 0)) (call_indirect (type $ii) (local.get 0) (i32.const 0)))
        (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
  ;; exported, never called directly: not split
  (func (export "viaTable") (param i32) (result i32) (call_indirect (type $ii) (local.get 0) (i32.const 0)))
)`;

function decode(bytes: Uint8Array): ModuleInfo {
  const r = validateWith(bytes, normalizePolicy({ features: [...policies.spec.features] }, policies.spec), false);
  if (!r.ok) throw new Error(r.issues[0]?.message);
  return r.module;
}
const typeOf = (m: ModuleInfo, func: number) => {
  const t = m.types[m.funcTypeIndices[func]!]!;
  return { params: [...t.params], results: [...t.results] };
};

describe('split functions', async () => {
  const input = wat(SRC);
  const hardened = await harden(input, { fuel: 1_000_000_000n });
  const before = decode(input);
  const after = decode(hardened.bytes);

  it('keeps every exported index and type; appends one params-convention copy per split function', () => {
    expect(after.codes.length).toBe(before.codes.length + 2);
    for (const e of before.exports.filter((x) => x.kind === ExternKindCode.Func)) {
      const same = after.exports.find((x) => x.name === e.name)!;
      expect(same.index).toBe(e.index);
      expect(typeOf(after, same.index)).toEqual(typeOf(before, e.index));
    }
    // the copies, in function order ($sq, then $deep): the original type + $s: i64, $d: i32 → + the slack
    for (const k of [0, 1]) expect(typeOf(after, before.codes.length + k)).toEqual({ params: [0x7f, 0x7e, 0x7f], results: [0x7f, 0x7e] });
    // the table is closed (neither imported nor exported): it now holds $sq's inner copy
    expect([...after.elements[0]!.funcIndices!]).toEqual([before.codes.length]);
  });

  it('runs as the original under a stock loader: same results, `$depth` back at 0, the fuel charged exactly', async () => {
    const plain = (await WebAssembly.instantiate(input)).instance.exports as Record<string, (n: number) => number>;
    const h = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
    const fuel = h[FUEL_EXPORT] as WebAssembly.Global;
    const depth = h[DEPTH_EXPORT] as WebAssembly.Global;
    const call = (name: string, n: number) => {
      const start = fuel.value as bigint;
      const value = (h[name] as (n: number) => number)(n);
      return { value, used: start - (fuel.value as bigint) };
    };
    const used: bigint[] = [];
    for (const n of [0, 1, 2, 3, 40]) {
      const r = call('deep', n);
      expect(r.value).toBe(plain.deep!(n));
      expect(depth.value).toBe(0); // the wrapper puts back what the inner copy's calls left in `$depth`
      used.push(r.used);
    }
    // every level of the recursion costs the same: used(n) is exactly linear in n
    const step = used[2]! - used[1]!;
    expect(used[3]! - used[2]!).toBe(step);
    expect(used[4]! - used[3]!).toBe(step * 37n);
    expect(call('sq', 9)).toMatchObject({ value: 81 });
    expect(call('viaTable', 7)).toMatchObject({ value: 49 });
    // through the table or from the host, $sq costs the same (the wrapper charges nothing)
    expect(call('sq', 9).used).toBe(call('sq', 3).used);
    expect(depth.value).toBe(0);
  });

  it('the recursion through the inner copy still ends at our stack limit', async () => {
    const small = await harden(input, { fuel: 1_000_000_000n, stackLimit: 4096 });
    const h = (await WebAssembly.instantiate(small.bytes)).instance.exports as Record<string, unknown>;
    expect(() => (h.deep as (n: number) => number)(1000)).toThrow(WebAssembly.RuntimeError);
    expect((h[DEPTH_EXPORT] as WebAssembly.Global).value as number).toBeGreaterThan(4096); // the sentinel
    expect((h[FUEL_EXPORT] as WebAssembly.Global).value as bigint).toBeGreaterThanOrEqual(0n); // not out of fuel
  });
});

describe('closed tables', async () => {
  // $open is exported: its entries keep the original convention. $closed is private: its functions take
  // the params convention, and call_indirect on it names their internal type. $a is in both (and
  // exported): split, with $closed naming its inner copy. Segment forms: function indices with an explicit
  // table, and expressions (ref.func, ref.null).
  const src = `(module
    (type $ii (func (param i32) (result i32)))
    (type $v (func))
    (table $open (export "t") 2 funcref)
    (table $closed 6 funcref)
    (elem (table $open) (i32.const 0) func $a)
    (elem (table $closed) (i32.const 0) func $a $b)
    (elem (table $closed) (i32.const 2) funcref (ref.func $c) (ref.null func) (ref.func $a))
    (elem (table $closed) (i32.const 5) func $v0)
    (func $a (export "a") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func $b (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func $c (param i32) (result i32) (i32.sub (local.get 0) (i32.const 3)))
    (func $v0)
    (func (export "viaClosed") (param $k i32) (param $x i32) (result i32)
      (call_indirect $closed (type $ii) (local.get $x) (local.get $k)))
    (func (export "viaOpen") (param $k i32) (param $x i32) (result i32)
      (call_indirect $open (type $ii) (local.get $x) (local.get $k))))`;
  const input = wat(src);
  const hardened = await harden(input, { fuel: 1_000_000_000n });
  const before = decode(input);
  const after = decode(hardened.bytes);

  it('gives the private table params functions (and $a’s inner copy); the exported one keeps its entries', () => {
    const inner = before.codes.length; // $a's inner copy, the only split function
    expect(after.codes.length).toBe(before.codes.length + 1);
    expect([...after.elements[0]!.funcIndices!]).toEqual([0]); // $open: $a itself (its wrapper)
    expect([...after.elements[1]!.funcIndices!]).toEqual([inner, 1]); // $closed: the inner copy, $b
    const refFunc = (e: { start: number; end: number }) => (hardened.bytes[e.start] === 0xd2 ? hardened.bytes[e.start + 1] : -1);
    expect(after.elements[2]!.exprs!.map(refFunc)).toEqual([2, -1, inner]); // $c, null, the inner copy
    const internal = { params: [0x7f, 0x7e, 0x7f], results: [0x7f, 0x7e] };
    for (const f of [1, 2, inner]) expect(typeOf(after, f)).toEqual(internal);
    expect(typeOf(after, 0)).toEqual(typeOf(before, 0));
  });

  it('behaves as the original: results, traps (null, out of bounds, signature) and the host’s view of the exported table', async () => {
    const plain = (await WebAssembly.instantiate(input)).instance.exports as Record<string, unknown>;
    const h = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
    const fuel = h[FUEL_EXPORT] as WebAssembly.Global;
    const run = (e: Record<string, unknown>, name: string, k: number) => {
      const start = e === h ? (fuel.value as bigint) : 0n;
      try {
        const value = (e[name] as (k: number, x: number) => number)(k, 10);
        return { value, used: e === h ? start - (fuel.value as bigint) : 0n };
      } catch (err) {
        return { trap: String(err) };
      }
    };
    for (const k of [0, 1, 2, 3, 4, 5, 6]) {
      const p = run(plain, 'viaClosed', k);
      const r = run(h, 'viaClosed', k);
      if ('trap' in p) expect(r).toEqual(p);
      else expect(r).toEqual({ value: p.value, used: 6n }); // get, get, call_indirect + the callee's get, const, op
    }
    for (const k of [0, 1, 2]) {
      const p = run(plain, 'viaOpen', k);
      const r = run(h, 'viaOpen', k);
      expect('trap' in r ? r : r.value).toEqual('trap' in p ? p : p.value);
    }
    const table = h.t as WebAssembly.Table;
    expect((table.get(0) as (x: number) => number)(41)).toBe(42);
  });
});
