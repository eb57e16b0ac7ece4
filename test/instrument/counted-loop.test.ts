/**
 * Counted loops (src/instrument/counted-loop.ts): a tight loop that steps a counter to a bound pays a chunk
 * of iterations at a time. Checked against the fuzz harness's reference instrumentation (a counter bumped
 * before every instruction, fuzz/oracle/reference-fuel.ts), which shares no code with the fuel pass: the
 * charge is exact for every count, across chunks, at the edges (a count-down from 0 wraps; a count-up
 * entered at or past its bound, or about to wrap, runs as the original does); the budget holds at exactly
 * the charge; a trap inside a chunk is never undercharged and overcharged by less than `trapOvercharge`.
 */
import { describe, expect, it } from 'vitest';
import { harden } from '../../src/instrument/harden.js';
import { FUEL_EXPORT } from '../../src/instrument/module-rewriter.js';
import { countedLoop, CountedForm } from '../../src/instrument/counted-loop.js';
import { instrumentReference, ORACLE_COUNT_EXPORT } from '../../fuzz/oracle/reference-fuel.js';
import { policies } from '../../src/policy.js';
import { validateWith } from '../../src/validate/validate.js';
import { wat } from '../runtime/helpers.js';
import { scanBody } from './body-scan.js';

const BUDGET = 1n << 50n;

/** Runs export `run` on the hardened module and on the reference; returns both outcomes and charges. */
async function compare(src: string, args: number[], budget = BUDGET) {
  const bytes = wat(src);
  const hardened = await harden(bytes, { fuel: budget, imports: [] });
  const h = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
  const r = validateWith(bytes, policies.spec, true);
  if (!r.ok) throw new Error(r.issues[0]?.message);
  const o = (await WebAssembly.instantiate(instrumentReference(r.module))).instance.exports as Record<string, unknown>;
  const fuel = h[FUEL_EXPORT] as WebAssembly.Global;
  const count = o[ORACLE_COUNT_EXPORT] as WebAssembly.Global;
  const call = (e: Record<string, unknown>) => {
    try {
      return { value: (e['run'] as (...a: number[]) => number)(...args) };
    } catch (err) {
      return { trap: (err as Error).message };
    }
  };
  const before = fuel.value as bigint;
  const hr = call(h);
  const cr = call(o);
  return { hardened, hardenedResult: hr, oracleResult: cr, used: before - (fuel.value as bigint), counted: count.value as bigint, fuelLeft: fuel.value as bigint };
}

/** how many `i64.div_u` defined function `index` has (two or three per chunked loop) */
function divisions(bytes: Uint8Array, index: number): number {
  let n = 0;
  scanBody(bytes, index, (op) => {
    if (op.prefix === 0 && op.code === 0x80) n++;
    return false;
  });
  return n;
}

// A: acc += i * 3 (a memory load too) while counting i down to 0
const down = `(module (memory 1)
  (func (export "run") (param $i i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.load8_u (i32.and (local.get $i) (i32.const 255))))))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (local.get $acc)))`;

// B: sum the bytes of [p, 4096) stepping by d, as a do-while (it runs once even at or past the bound)
const up = (d: number, bound: number) => `(module (memory 1)
  (func (export "run") (param $p i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (i32.and (local.get $p) (i32.const 0xffff)))))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const ${d}))) (i32.const ${bound}))))
    (local.get $acc)))`;

// B with a bound in a local (C's `for (p = ...; p < n; p += d)` as clang emits it), compared by `cmp`
const upTo = (d: number, cmp: 'lt_u' | 'lt_s' | 'ne') => `(module (memory 1)
  (func (export "run") (param $p i32) (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (i32.and (local.get $p) (i32.const 0xffff)))))
      (br_if $l (i32.${cmp} (local.tee $p (i32.add (local.get $p) (i32.const ${d}))) (local.get $n))))
    (local.get $acc)))`;

describe('counted loops', () => {
  it('recognises the two shapes, and only them', () => {
    const body = (src: string) => {
      const bytes = wat(src);
      const r = validateWith(bytes, policies.spec, true);
      if (!r.ok) throw new Error(r.issues[0]?.message);
      const f = r.module.codes[0]!;
      // the loop opens at the first byte of the body (no locals), its body starts after `loop 0x40`
      return countedLoop(bytes, f.codeStart + 2, f.end - 2);
    };
    expect(body(`(module (func (param i32) (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`)).toMatchObject({ form: CountedForm.Down, local: 0 });
    expect(body(`(module (func (param i32) (loop (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 4))) (i32.const 100))))))`)).toMatchObject({
      form: CountedForm.Up,
      local: 0,
      step: 4,
      bound: 100,
    });
    expect(body(`(module (func (param i32 i32) (loop (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 1))))))`)).toMatchObject({
      form: CountedForm.Up,
      local: 0,
      step: 1,
      boundLocal: 1,
      compare: 0x47,
    });
    expect(body(`(module (func (param i32) (loop (br_if 0 (i32.lt_s (local.tee 0 (i32.add (local.get 0) (i32.const 4))) (i32.const 100))))))`)).toMatchObject({ compare: 0x48, bound: 100, boundLocal: -1 });
    // a second write of the counter, a bound the body writes, a bound that is the counter, a negative
    // constant bound, a step of 2 down, a call: not counted
    expect(body(`(module (func (param i32) (loop (local.set 0 (i32.const 5)) (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`)).toBeUndefined();
    expect(body(`(module (func (param i32 i32) (loop (local.set 1 (i32.const 9)) (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 1))))))`)).toBeUndefined();
    expect(body(`(module (func (param i32) (loop (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0))))))`)).toBeUndefined();
    expect(body(`(module (func (param i32) (loop (br_if 0 (i32.lt_s (local.tee 0 (i32.add (local.get 0) (i32.const 4))) (i32.const -100))))))`)).toBeUndefined();
    expect(body(`(module (func (param i32) (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 2)))))))`)).toBeUndefined();
    expect(body(`(module (func $f) (func (param i32) (loop (call $f) (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`)).toBeUndefined();
  });

  it('count-down: exact for every count, across many chunks, and from 0 it wraps as the original', async () => {
    for (const n of [1, 2, 3, 100, 40_000]) {
      const r = await compare(down, [n]);
      expect(r.hardenedResult).toEqual(r.oracleResult);
      expect(r.used).toBe(r.counted);
    }
    expect(divisions((await harden(wat(down), { imports: [] })).bytes, 0)).toBe(1);
  });

  it('count-up: exact for every start, at and past the bound, and about to wrap around', async () => {
    for (const [d, bound] of [
      [1, 4096],
      [4, 4096],
      [7, 4000],
      [65536, 2 ** 31],
    ] as const) {
      for (const p of [0, 1, bound - 1, bound, bound + 5, 0xffff_fffe, 0xffff_ffff]) {
        const r = await compare(up(d, bound), [p | 0]);
        expect(r.hardenedResult, `d ${d} bound ${bound} p ${p}`).toEqual(r.oracleResult);
        expect(r.used, `d ${d} bound ${bound} p ${p}`).toBe(r.counted);
      }
    }
    expect(divisions((await harden(wat(up(4, 4096)), { imports: [] })).bytes, 0)).toBe(2);
  });

  it('count-up to a bound in a local: exact with lt_u, lt_s and ne, in and out of the chunked range', async () => {
    const cases: [number, 'lt_u' | 'lt_s' | 'ne', number, number][] = [
      // d, cmp, p, n
      [1, 'lt_u', 0, 4096],
      [1, 'lt_u', 4095, 4096],
      [1, 'lt_u', 4096, 4096], // at the bound: one iteration
      [4, 'lt_u', 5000, 4096], // past it
      [1, 'lt_u', 0x8000_0000, 0x8000_0010], // a bound at or above 2^31: one iteration at a time
      [1, 'lt_u', 0, 0], // bound 0: one iteration, then the counter is 1 ≥ 0
      [3, 'lt_s', 0, 4000],
      [3, 'lt_s', -10, 100], // negative start: one at a time until the counter is ≥ 0, then chunked
      [2, 'lt_s', -20, -2], // negative bound: one at a time throughout
      [1, 'ne', 0, 4096],
      [1, 'ne', 4095, 4096],
      [4, 'ne', 0, 4096], // lands on the bound
      [4, 'ne', 8, 40_000],
      [65536, 'lt_u', 0, 2 ** 31 - 1],
    ];
    for (const [d, cmp, p, n] of cases) {
      const r = await compare(upTo(d, cmp), [p | 0, n | 0]);
      const what = `d ${d} ${cmp} p ${p} n ${n}`;
      expect(r.hardenedResult, what).toEqual(r.oracleResult);
      expect(r.used, what).toBe(r.counted);
    }
    for (const cmp of ['lt_u', 'lt_s', 'ne'] as const) expect(divisions((await harden(wat(upTo(4, cmp)), { imports: [] })).bytes, 0), cmp).toBe(2);
  });

  it('a ne loop that would not land on its bound runs one iteration at a time, and still runs out of fuel exactly', async () => {
    // from 1 by 4 towards 4096: it never lands, and would wrap around; the budget stops it
    const budget = 100_000n;
    // (the reference has no budget: it would run for about 2^32 iterations, so only the hardened side runs)
    const hardened = await harden(wat(upTo(4, 'ne')), { fuel: budget, imports: [] });
    const e = (await WebAssembly.instantiate(hardened.bytes)).instance.exports as Record<string, unknown>;
    expect(() => (e['run'] as (p: number, n: number) => number)(1, 4096)).toThrow(/unreachable/);
    const left = (e[FUEL_EXPORT] as WebAssembly.Global).value as bigint;
    expect(left).toBeLessThan(0n);
    expect(-left).toBeLessThan(20n); // it ran until the iteration it could not pay for
  });

  it('the budget holds at exactly the charge, and one unit less traps out of fuel by less than an iteration', async () => {
    for (const [src, arg] of [
      [down, [30_000]],
      [up(3, 4096), [0]],
      [upTo(1, 'ne'), [0, 30_000]],
    ] as const) {
      const exact = await compare(src, [...arg]);
      const fits = await compare(src, [...arg], exact.used);
      expect(fits.hardenedResult).toEqual(exact.hardenedResult);
      expect(fits.fuelLeft).toBe(0n);
      for (const short of [1n, 7n, 1000n]) {
        const r = await compare(src, [...arg], exact.used - short);
        expect(r.hardenedResult).toEqual({ trap: 'unreachable' });
        expect(r.fuelLeft).toBeLessThan(0n);
        expect(-r.fuelLeft).toBeLessThan(20n); // an iteration of either loop costs less than 20
      }
    }
  });

  it('a trap inside a chunk is never undercharged, and overcharged by less than trapOvercharge', async () => {
    // the count-up reads past the end of memory once p passes 65536: i32.load8_u without the mask
    const src = `(module (memory 1)
      (func (export "run") (param $p i32) (result i32) (local $acc i32)
        (loop $l
          (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
          (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (i32.const 100000))))
        (local.get $acc)))`;
    const r = await compare(src, [60_000]);
    expect(r.hardenedResult).toEqual(r.oracleResult);
    expect(r.hardenedResult).toMatchObject({ trap: expect.stringContaining('memory access out of bounds') as string });
    expect(r.used).toBeGreaterThanOrEqual(r.counted);
    expect(r.used - r.counted).toBeLessThanOrEqual(BigInt(r.hardened.report.fuel.trapOvercharge));
  });
});
