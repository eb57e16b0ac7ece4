import { describe, expect, it } from 'vitest';
import { ALL_OPS, Check, FAST_ARITY, FD_OPS, Imm, SINGLE_OPS, WASM2_OPS, lookupOp } from '../../src/binary/opcodes.js';

describe('the opcode table', () => {
  it('has every Wasm 2.0 instruction once', () => {
    // MVP 172 + sign-ext 5 + sat-trunc 8 + bulk 7 + reference types 8 (incl. typed select) + SIMD 236
    const simd = WASM2_OPS.filter((op) => op.feature === 'simd');
    expect(simd.length).toBe(236);
    expect(WASM2_OPS.filter((op) => op.feature === 'sign-ext').length).toBe(5);
    expect(WASM2_OPS.filter((op) => op.feature === 'nontrapping-fptoint').length).toBe(8);
    expect(WASM2_OPS.filter((op) => op.feature === 'bulk-memory').length).toBe(7);
    expect(WASM2_OPS.filter((op) => op.feature === 'reference-types').length).toBe(9);
    expect(WASM2_OPS.filter((op) => op.feature === undefined).length).toBe(172);
  });
  it('names are unique except the two encodings of select', () => {
    const names = WASM2_OPS.map((op) => op.name);
    const dupes = names.filter((n, i) => names.indexOf(n) !== i);
    expect(dupes).toEqual(['select']);
  });
  it('indexes every entry densely and finds it again by encoding', () => {
    ALL_OPS.forEach((op, i) => {
      expect(op.index).toBe(i);
      expect(lookupOp(op.prefix, op.code)).toBe(op);
    });
  });
  it('gives every simple instruction a signature and every memory access an alignment', () => {
    for (const op of WASM2_OPS) {
      if (op.check === Check.Memory || op.check === Check.MemoryLane) {
        expect(op.imm === Imm.MemArg || op.imm === Imm.MemArgLane).toBe(true);
        expect(op.naturalAlign).toBeLessThanOrEqual(4);
      }
      if (op.check === Check.Lane || op.check === Check.MemoryLane) expect(op.lanes).toBeGreaterThan(0);
    }
    expect(SINGLE_OPS[0x6a]!.params).toEqual(Uint8Array.of(0x7f, 0x7f));
    expect(FD_OPS[0]!.naturalAlign).toBe(4); // v128.load
  });
  it('recognises later proposals by name, with their feature', () => {
    expect(lookupOp(0, 0x12)).toMatchObject({ name: 'return_call', feature: 'tail-call' });
    expect(lookupOp(0, 0x06)).toMatchObject({ name: 'try', feature: 'exceptions' });
    expect(lookupOp(0xfe, 0x00)).toMatchObject({ name: 'memory.atomic.notify', feature: 'threads' });
    expect(lookupOp(0xfe, 0x4e)).toMatchObject({ name: 'i64.atomic.rmw32.cmpxchg_u', feature: 'threads' });
    expect(lookupOp(0xfd, 0x100)).toMatchObject({ name: 'i8x16.relaxed_swizzle', feature: 'relaxed-simd' });
    for (const op of ALL_OPS.filter((o) => !WASM2_OPS.includes(o))) expect(op.imm).toBe(Imm.Unsupported);
  });
  it('derives the fast-path views from the table', () => {
    expect(FAST_ARITY[0x6a]).toBe(2); // i32.add
    expect(FAST_ARITY[0x41]).toBe(0); // i32.const
    expect(FAST_ARITY[0x28]).toBe(1); // i32.load
    expect(FAST_ARITY[0xc0]).toBe(255); // i32.extend8_s has a feature gate: not fast
    expect(FAST_ARITY[0x02]).toBe(255); // block
  });
});
