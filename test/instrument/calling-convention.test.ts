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
    // the table still holds $sq's own index (the wrapper)
    expect(after.elements[0]!.funcIndices).toEqual(before.elements[0]!.funcIndices);
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
