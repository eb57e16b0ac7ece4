/**
 * Which frames need no stack accounting (src/instrument/stack-limit.ts `unaccountedFrames`): small leaves,
 * and small functions that call only such, so that what runs unaccounted above the deepest accounted frame
 * weighs at most LEAF_MAX_WEIGHT; and, end to end, that recursion still ends in our stack-overflow trap.
 */
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/instrument/byte-writer.js';
import { FRAME_BASE, LEAF_MAX_WEIGHT, unaccountedFrames } from '../../src/instrument/stack-limit.js';
import { hardenWat, sandboxOf } from '../runtime/helpers.js';

/** a call graph of defined functions 0..n-1 (no imports), all taking the depth as a parameter */
function frames(weights: number[], callees: number[][], opts: { indirect?: number[]; imported?: number; notParams?: number[] } = {}): number[] {
  const imported = opts.imported ?? 0;
  const takesParams = new Uint8Array(imported + weights.length).fill(1);
  for (const f of opts.notParams ?? []) takesParams[f] = 0;
  const indirect = new Uint8Array(weights.length);
  for (const i of opts.indirect ?? []) indirect[i] = 1;
  return Array.from(unaccountedFrames(weights, callees, indirect, imported, takesParams));
}

describe('unaccountedFrames', () => {
  it('leaves: by their own weight', () => {
    expect(frames([FRAME_BASE, LEAF_MAX_WEIGHT, LEAF_MAX_WEIGHT + 1], [[], [], []])).toEqual([1, 1, 0]);
  });

  it('a caller of small leaves: by the heaviest chain it can put on the stack', () => {
    // 0 calls 1 and 2: 400 + max(300, 600) = 1000 ≤ 1024; 3 calls 2: 500 + 600 > 1024
    expect(frames([400, 300, 600, 500], [[1, 2], [], [], [2]])).toEqual([1, 1, 1, 0]);
  });

  it('a chain: the functions whose part of it fits', () => {
    // 9 frames of 128 each: from function k, the chain weighs (9 - k) × 128; only k = 0 (1152) is too heavy
    const n = 9;
    const weights = new Array<number>(n).fill(FRAME_BASE);
    const callees = weights.map((_, k) => (k + 1 < n ? [k + 1] : []));
    expect(frames(weights, callees)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('recursion, direct or mutual, and whatever calls it, is accounted', () => {
    expect(frames([FRAME_BASE], [[0]])).toEqual([0]);
    expect(frames([FRAME_BASE, FRAME_BASE, FRAME_BASE, FRAME_BASE], [[1], [0], [0], []])).toEqual([0, 0, 0, 1]);
  });

  it('calls through a table, to an import, or with a hand-over through the global are accounted', () => {
    // two imports (0, 1); defined functions are 2.. in the index space
    expect(frames([FRAME_BASE, FRAME_BASE], [[0], []], { imported: 2 })).toEqual([0, 1]);
    expect(frames([FRAME_BASE, FRAME_BASE], [[], []], { indirect: [0] })).toEqual([0, 1]);
    expect(frames([FRAME_BASE, FRAME_BASE], [[1], []], { notParams: [1] })).toEqual([0, 1]);
  });

  it('a function first met deep in a long chain is judged on its own chain later', () => {
    // 0 → 1 → … → 8 → 9 → 10: from 0, function 8 is met at the depth bound (its figure is not recorded then),
    // but its own chain (8, 9, 10) is light
    const n = 11;
    const weights = new Array<number>(n).fill(FRAME_BASE);
    const callees = weights.map((_, k) => (k + 1 < n ? [k + 1] : []));
    const out = frames(weights, callees);
    expect(out[8]).toBe(1); // cut off at the bound when first met from 0
    expect(out[9]).toBe(1);
    expect(out[10]).toBe(1);
    expect(out[0]).toBe(0);
    expect(out[2]).toBe(0); // 9 frames above and including it: 1152
    expect(out[3]).toBe(1); // 8 frames: 1024
  });
});

describe('stack accounting, end to end', () => {
  const text = `(module
    (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func $mid (param i32) (result i32) (call $leaf (call $leaf (local.get 0))))
    (func (export "small") (param i32) (result i32) (call $mid (local.get 0)))
    (func $rec (export "rec") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1))))))))`;

  it('only the recursive function carries the depth check', async () => {
    const h = await hardenWat(text);
    const limit = h.report.stack.limit;
    // the prologue compares with the limit: `i32.const LIMIT; i32.gt_u`
    const w = new ByteWriter().byte(0x41).s32(limit).byte(0x4b).finish();
    expect(count(h.bytes, w)).toBe(1);
  });

  it('recursion still ends in our stack-overflow trap, and the small chain runs', async () => {
    const s = await sandboxOf(text);
    expect(s.call('small', 5)).toMatchObject({ ok: true, values: [7] });
    expect(s.call('rec', 50)).toMatchObject({ ok: true, values: [50] });
    expect(s.call('rec', 1_000_000)).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect(s.call('small', 1)).toMatchObject({ ok: true, values: [3] }); // after the trap, as before
  });
});

function count(bytes: Uint8Array, pattern: Uint8Array): number {
  let n = 0;
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    n++;
  }
  return n;
}
