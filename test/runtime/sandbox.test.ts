/**
 * The sandbox's API surface: arguments and results per the JS API, structured errors for the host's own
 * mistakes (never a trap), raw exports without the instrumentation's, a frozen public object.
 */
import { describe, expect, it } from 'vitest';
import { WasmHardenError } from '../../src/issues.js';
import { codeOf, sandboxOf } from './helpers.js';

const API = `(module
  (memory (export "memory") 1 1)
  (global (export "answer") i32 (i32.const 42))
  (func (export "mix") (param i32 i64 f32 f64) (result f64 i64 i32)
    (f64.add (f64.promote_f32 (local.get 2)) (local.get 3)) (local.get 1) (local.get 0))
  (func (export "none"))
  (func (export "ref") (param externref) (result externref) (local.get 0))
  (func (export "vec") (param v128) (result i32) (i32.const 0)))`;

describe('sandbox.call', async () => {
  const s = await sandboxOf(API);

  it('follows the JS API: i64 as bigint, several results as an array', () => {
    expect(s.call('mix', 7, 2n ** 63n, 1.5, 0.25)).toMatchObject({ ok: true, values: [1.75, -(2n ** 63n), 7] });
    expect(s.call('mix', 7, 5, 1.5, 0.25)).toMatchObject({ ok: true, values: [1.75, 5n, 7] }); // a safe integer for an i64
    expect(s.call('none')).toMatchObject({ ok: true, values: [] });
    const o = { any: 'thing' };
    expect((s.call('ref', o) as { values: unknown[] }).values[0]).toBe(o);
  });

  it('refuses unknown exports and bad arguments with structured errors, not traps', async () => {
    expect(await codeOf(() => s.call('missing'))).toBe('sandbox.unknown-export');
    expect(await codeOf(() => s.call('answer'))).toBe('sandbox.unknown-export'); // a global, not a function
    expect(await codeOf(() => s.call('__wasm_harden_fuel'))).toBe('sandbox.unknown-export');
    expect(await codeOf(() => s.call('toString'))).toBe('sandbox.unknown-export');
    expect(await codeOf(() => s.call(undefined as never))).toBe('sandbox.unknown-export');
    expect(await codeOf(() => s.call('mix', 1, 2n, 3))).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => s.call('mix', 1, 2.5, 3, 4))).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => s.call('mix', '1', 2n, 3, 4))).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => s.call('mix', 1n, 2n, 3, 4))).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => s.call('vec', 0))).toBe('sandbox.invalid-argument');
    const e = (() => {
      try {
        s.call('missing');
      } catch (x) {
        return x as WasmHardenError;
      }
    })();
    expect(e?.issues[0]?.message).toMatch(/^unknown export: no exported function "missing" \(exported functions: "mix", "none", "ref", "vec"\)/);
  });

  it('raw exports hide the instrumentation, and the public objects are frozen', () => {
    expect(Object.keys(s.exports).sort()).toEqual(['answer', 'memory', 'mix', 'none', 'ref', 'vec']);
    expect(Object.isFrozen(s.exports)).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.memory)).toBe(true);
    expect(() => {
      (s as unknown as { fuel: bigint }).fuel = 5n;
    }).toThrow(TypeError);
    expect((s.exports['answer'] as WebAssembly.Global).value).toBe(42);
  });
});
