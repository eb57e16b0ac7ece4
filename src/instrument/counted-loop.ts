/**
 * Counted loops: a tight loop (fuel.ts `isTight`) that steps an i32 counter to a bound pays for a chunk of
 * iterations at once, with the fuel test folded into the loop's own exit test, instead of a subtraction and
 * a test per iteration.
 *
 * Why: a tight loop pays `sub`, `test`, `jl` per iteration, on loops of 4–6 instructions (the DRAM-bound copy
 * loop: 1.09×). The loop already compares its counter with a bound on every iteration; moving that bound
 * so that the loop stops where the slack runs out makes the fuel test free: copy 1.089× → 1.010×, sha256
 * 1.06× → 1.01× (same-process A/B).
 *
 * The two shapes, the whole body straight-line code (no branch but the last, no call), block type empty:
 *
 *   A (count down to 0 by 1)                B (count up by d to a bound B)
 *   loop                                    loop
 *     ...                                     ...
 *     local.get i  i32.const 1  i32.sub       local.get i  i32.const d  i32.add  local.tee i
 *     local.tee i  br_if 0                    <B>  <cmp>  br_if 0
 *   end                                     end
 *
 * with `i` written nowhere else in the body and 1 ≤ d ≤ 2^16. B is a constant 0 ≤ B < 2^31, or a local the
 * body does not write (`local.get n`: C's `for (i = 0; i < n; i++)` as clang emits it); cmp is `i32.lt_u`,
 * `i32.lt_s` or `i32.ne`. The chunked form runs only where they all agree with `i <u B` and nothing wraps:
 * i <u B, B <u 2^31 (so B + d < 2^32, and i and B are non-negative, so signed and unsigned agree), and for
 * `ne` with d > 1, d divides B - i (so the counter lands on B). Entered anywhere else, the loop runs as the
 * tight loop it was (a `lt_s` loop from a negative start, a `ne` loop that would wrap around).
 * A constant bound below SHORT steps is left a tight loop (it always runs a few iterations). Each becomes
 * (c: the loop's cost per iteration, its header segment's charge; C: the re-floor chunk):
 *
 *   block $exit
 *     if (fewer than SHORT iterations left, or B: not as above) { <the tight loop>; br $exit }
 *     loop $chunk
 *     if ($s < c) { f = $fuel + $s; if (f < c) { $fuel = f - c; unreachable }; $s = min(f, C); $fuel = f - $s }
 *     i0 = i;  n = $s / c  (≥ 1)
 *     A: k = min(n, i == 0 ? 2^32 : i);  stop = i - k;  $s -= k × c
 *     B: stop = min(i + n × d, B);  $s -= n × c
 *     loop  <body, its test against stop: A `i != stop`, B `i < stop`>  end
 *     B: $s += (n - (i - i0) / d) × c        ;; the iterations not run, refunded
 *     A: br_if $chunk (i != 0)    B: br_if $chunk (i cmp B)
 *   end  end
 *
 * Exact: A runs exactly k iterations a chunk (counting down by one, it meets stop before 0, or at 0 when
 * k reaches it, with u32 wrap-around when it starts at 0); B runs e = ⌈(stop - i0) / d⌉ ≤ n of them and
 * never wraps (i < stop ≤ B and B + d < 2^32), so (i - i0) / d is e. A B loop entered at or above its bound
 * runs one iteration with its original test (it may wrap around and carry on, as the original does). A chunk
 * is paid before it runs, so a trap inside overcharges by less than the slack (≤ C, within
 * `trapOvercharge`); the guest traps out of fuel at the first iteration it cannot pay for, as a tight loop
 * does. After the loop the slack is 0 or more, as after a tight loop (test-placement.ts `TightHeader`).
 *
 * The entry test is what keeps short loops from paying a chunk's set-up (two divisions, a minimum, a
 * refund) on every entry: without it a 4-iteration constant-bound loop measured 1.88× plain, against 1.34×
 * as a tight loop and 1.34× with it. Its price on an entry is one comparison (a constant bound) or about
 * ten instructions (a bound in a local): a 16 MiB read-modify-write loop to a local bound by `ne` measured
 * 0.97× → 0.86× chunked, and the extreme opposite, a loop of 1–4 iterations of one load and one store to a
 * local bound, 1.44× → 1.85× (same-process A/B against tight loops).
 *
 * Costs: four locals per function (stop: i32, i0: i32, n: i64, a scratch i64), and the body twice (bodies
 * above `MAX_BODY_BYTES` stay tight loops).
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { Reader } from '../binary/reader.js';
import { ByteWriter } from './byte-writer.js';
import { writeRefloor } from './calling-convention.js';

/** The largest body copied (twice) into the chunked form. */
export const MAX_BODY_BYTES = 256;

/**
 * Below this many iterations left on entry, a loop runs as the tight loop it was instead of setting up a
 * chunk (two divisions, a minimum, a refund): see the design comment.
 */
export const SHORT = 16;

export const enum CountedForm {
  /** count down to 0 by one */
  Down = 0,
  /** count up by a constant step to a constant bound, unsigned */
  Up = 1,
}

export interface CountedLoop {
  form: CountedForm;
  /** the counter local, as the input numbers it */
  local: number;
  step: number;
  /** B: the constant bound (when `boundLocal` is -1) */
  bound: number;
  /** B: the local holding the bound, as the input numbers it, or -1 for a constant */
  boundLocal: number;
  /** B: the comparison opcode: 0x49 i32.lt_u, 0x48 i32.lt_s, 0x47 i32.ne */
  compare: number;
  /** the body: [bodyStart, testAt) is kept; A: testAt is the `br_if`; B: testAt is the `i32.const B` */
  bodyStart: number;
  testAt: number;
  /** the `br_if 0` and the loop's `end` */
  brIfAt: number;
  endAt: number;
}

/**
 * Recognises a counted loop in `bytes[bodyStart, endAt)`, the body of a tight loop with an empty block type
 * (`endAt`: its `end`). Undefined when it is not one.
 */
export function countedLoop(bytes: Uint8Array, bodyStart: number, endAt: number): CountedLoop | undefined {
  if (endAt - bodyStart > MAX_BODY_BYTES) return undefined;
  const r = new Reader(bytes, bodyStart, endAt);
  // (offset, code, prefix, immediate) of each instruction; immediate: the local index or the i32 constant
  const at: number[] = [];
  const code: number[] = [];
  const imm: number[] = [];
  while (r.pos < endAt) {
    const start = r.pos;
    const op = readOpcode(r);
    if (op.prefix !== 0) {
      skipImmediates(r, op, start);
      if (op.prefix === 0xfc && op.code >= 0x08) return undefined; // bulk memory and table operations
      at.push(start);
      code.push(-1);
      imm.push(0);
      continue;
    }
    let value = 0;
    switch (op.code) {
      case 0x00: // unreachable
      case 0x02: // block
      case 0x03: // loop
      case 0x04: // if
      case 0x05: // else
      case 0x0b: // end
      case 0x0c: // br
      case 0x0e: // br_table
      case 0x0f: // return
      case 0x10: // call
      case 0x11: // call_indirect
      case 0x40: // memory.grow (a variable charge)
        return undefined;
      case 0x0d: // br_if: only the last instruction, to the loop
        value = r.u32();
        if (value !== 0 || r.pos !== endAt) return undefined;
        break;
      case 0x20:
      case 0x21:
      case 0x22:
        value = r.u32();
        break;
      case 0x41:
        value = r.s32();
        break;
      default:
        skipImmediates(r, op, start);
    }
    at.push(start);
    code.push(op.code);
    imm.push(value);
  }
  const n = code.length;
  if (n < 5 || code[n - 1] !== 0x0d) return undefined;
  const writes = (local: number, except: number) => {
    for (let k = 0; k < n; k++) if (k !== except && (code[k] === 0x21 || code[k] === 0x22) && imm[k] === local) return true;
    return false;
  };
  // A: local.get i, i32.const 1, i32.sub (or i32.const -1, i32.add), local.tee i, br_if 0
  const down = (k: number) =>
    code[k] === 0x20 &&
    code[k + 1] === 0x41 &&
    ((imm[k + 1] === 1 && code[k + 2] === 0x6b) || (imm[k + 1] === -1 && code[k + 2] === 0x6a)) &&
    code[k + 3] === 0x22 &&
    imm[k + 3] === imm[k];
  if (down(n - 5) && !writes(imm[n - 5]!, n - 2))
    return { form: CountedForm.Down, local: imm[n - 5]!, step: 1, bound: 0, boundLocal: -1, compare: 0, bodyStart, testAt: at[n - 1]!, brIfAt: at[n - 1]!, endAt };
  // B: local.get i, i32.const d, i32.add, local.tee i, (i32.const B | local.get n), (i32.lt_u | i32.lt_s | i32.ne), br_if 0
  const i = imm[n - 7]!;
  // a constant bound below SHORT steps: always a few iterations, left a tight loop
  const constantBound = code[n - 3] === 0x41 && imm[n - 3]! >= SHORT * imm[n - 6]! && imm[n - 3]! < 2 ** 31;
  const localBound = code[n - 3] === 0x20 && imm[n - 3] !== i && !writes(imm[n - 3]!, -1);
  if (
    n >= 7 &&
    code[n - 7] === 0x20 &&
    code[n - 6] === 0x41 &&
    imm[n - 6]! >= 1 &&
    imm[n - 6]! <= 65536 &&
    code[n - 5] === 0x6a &&
    code[n - 4] === 0x22 &&
    imm[n - 4] === i &&
    (constantBound || localBound) &&
    (code[n - 2] === 0x49 || code[n - 2] === 0x48 || code[n - 2] === 0x47) &&
    !writes(i, n - 4)
  )
    return {
      form: CountedForm.Up,
      local: i,
      step: imm[n - 6]!,
      bound: constantBound ? imm[n - 3]! : 0,
      boundLocal: constantBound ? -1 : imm[n - 3]!,
      compare: code[n - 2]!,
      bodyStart,
      testAt: at[n - 3]!,
      brIfAt: at[n - 1]!,
      endAt,
    };
  return undefined;
}

export interface CountedContext {
  slackLocal: number;
  fuelGlobal: number;
  /** the re-floor chunk C */
  chunk: number;
  /** declared locals at or above this move up by two (the params convention), or MAX_SAFE_INTEGER */
  shiftFrom: number;
  /** the four locals: stop (i32), i0 (i32), n (i64), a scratch (i64) */
  scratch: number;
  /**
   * the loop as a tight loop, for entries the chunked form does not take: fuel.ts `Charger.tightPrefix`
   * (`loop $retry` with its re-floor) and `Charger.tightHeader` (`$s -= c; br_if $retry ($s < 0)`), for an
   * empty block type and this loop's cost
   */
  tightPrefix: Uint8Array;
  tightHeader: Uint8Array;
}

/** Copies instructions `bytes[from, to)`, renumbering the declared locals of the params convention. */
function copyBody(bytes: Uint8Array, from: number, to: number, shiftFrom: number, w: ByteWriter): void {
  const r = new Reader(bytes, from, to);
  let copied = from;
  while (r.pos < to) {
    const start = r.pos;
    const op = readOpcode(r);
    if (op.prefix === 0 && op.code >= 0x20 && op.code <= 0x22) {
      const leb = r.pos;
      const index = r.u32();
      if (index >= shiftFrom) {
        w.range(bytes, copied, leb).u32(index + 2);
        copied = r.pos;
      }
      continue;
    }
    skipImmediates(r, op, start);
  }
  w.range(bytes, copied, to);
}

/** The chunked form of a counted loop (see the design comment), replacing `loop … end` whole; `cost` is c. */
export function chunkedLoop(bytes: Uint8Array, loop: CountedLoop, cost: number, ctx: CountedContext): Uint8Array {
  const { slackLocal: s, fuelGlobal: f, shiftFrom } = ctx;
  const stop = ctx.scratch;
  const i0 = stop + 1;
  const n = stop + 2;
  const tmp = stop + 3;
  const i = loop.local >= shiftFrom ? loop.local + 2 : loop.local;
  const boundLocal = loop.boundLocal >= shiftFrom ? loop.boundLocal + 2 : loop.boundLocal;
  const c = BigInt(cost);
  const w = new ByteWriter(4 * (loop.endAt - loop.bodyStart) + 256);
  const get = (x: number) => w.byte(0x20).u32(x);
  const set = (x: number) => w.byte(0x21).u32(x);
  const tee = (x: number) => w.byte(0x22).u32(x);
  const i64 = (v: bigint) => w.byte(0x42).s64(v);
  /** pushes B (i32) */
  const bound = () => (boundLocal >= 0 ? get(boundLocal) : w.byte(0x41).s32(loop.bound));
  /** pushes B as an i64 (a constant is one) */
  const bound64 = () => (boundLocal >= 0 ? get(boundLocal).byte(0xad) : i64(BigInt(loop.bound)));
  w.byte(0x02).byte(0x40); // block $exit
  // decided once, on entry: a few iterations left (fewer than SHORT, where a chunk's set-up costs more than
  // it saves), or outside the chunked form's range (a count-up entered at or above its bound, a bound at or
  // above 2^31, a `ne` loop that would not land on its bound): the loop as a tight loop (fuel.ts
  // `tightPrefix`/`tightHeader`), each iteration paid before it runs
  if (loop.form === CountedForm.Up) {
    // the chunked form needs 0 ≤ i, B < 2^31 and at least SHORT iterations left: B - i ≥ SHORT × d
    const least = SHORT * loop.step;
    if (boundLocal < 0) {
      // a constant B (< 2^31): i >u B - SHORT × d, one comparison
      if (loop.bound >= least) w.byte(0x41).s32(loop.bound - least).byte(0x20).u32(i).byte(0x49); // B - least <u i
      else w.byte(0x41).s32(1);
    } else {
      get(i);
      bound();
      w.byte(0x72).byte(0x41).s32(0).byte(0x48); // (i | B) <s 0: either at or above 2^31
      bound();
      get(i);
      w.byte(0x6b).byte(0x41).s32(least).byte(0x48).byte(0x72); // B - i <s SHORT × d (no overflow: both ≥ 0), i32.or
    }
    if (loop.compare === 0x47 && loop.step > 1) {
      bound();
      get(i);
      w.byte(0x6b).byte(0x41).s32(loop.step).byte(0x70).byte(0x72); // (B - i) rem_u d: it would not land on B, i32.or
    }
  } else {
    get(i);
    w.byte(0x41).s32(1).byte(0x6b).byte(0x41).s32(SHORT - 1).byte(0x49); // i - 1 <u SHORT - 1 (1 ≤ i < SHORT)
  }
  w.byte(0x04).byte(0x40); // if
  w.bytes(ctx.tightPrefix); //   loop $retry  if ($s < 0) { re-floor; $s += c }
  w.byte(0x03).byte(0x40); //     loop $l
  w.bytes(ctx.tightHeader); //      $s -= c; br_if $retry ($s < 0)
  copyBody(bytes, loop.bodyStart, loop.brIfAt, shiftFrom, w); // the body and its original test
  w.byte(0x0d).u32(0); //           br_if $l
  w.byte(0x0b).byte(0x0b); //     end $l, end $retry
  w.byte(0x0c).u32(1); //       br $exit
  w.byte(0x0b); //            end
  w.byte(0x03).byte(0x40); // loop $chunk
  // one iteration must be affordable: re-floor, or trap out of fuel (the sentinel: what it lacked)
  get(s);
  i64(c);
  w.byte(0x53).byte(0x04).byte(0x40); // if ($s < c)
  writeRefloor(w, s, f, ctx.chunk, cost);
  w.byte(0x0b);
  get(i);
  set(i0);
  get(s);
  i64(c);
  w.byte(0x80); // i64.div_u
  set(n);
  if (loop.form === CountedForm.Down) {
    // k = min(n, i == 0 ? 2^32 : i), into n; stop = i - k; $s -= k × c
    get(i);
    w.byte(0xad); // i64.extend_i32_u
    i64(1n << 32n);
    get(i);
    w.byte(0x1b); // select: i != 0 ? i : 2^32
    tee(tmp);
    get(n);
    get(tmp);
    get(n);
    w.byte(0x54).byte(0x1b); // tmp < n ? tmp : n   (i64.lt_u)
    set(n);
    get(i);
    get(n);
    w.byte(0xa7).byte(0x6b); // i32.wrap_i64, i32.sub
    set(stop);
  } else {
    // stop = min(i + n × d, B)
    get(i);
    w.byte(0xad);
    get(n);
    i64(BigInt(loop.step));
    w.byte(0x7e).byte(0x7c); // i64.mul, i64.add
    tee(tmp);
    bound64();
    get(tmp);
    bound64();
    w.byte(0x54).byte(0x1b); // tmp < B ? tmp : B
    w.byte(0xa7);
    set(stop);
  }
  get(s);
  get(n);
  i64(c);
  w.byte(0x7e).byte(0x7d); // $s -= n × c
  set(s);
  // the loop itself, its test against stop
  w.byte(0x03).byte(0x40);
  copyBody(bytes, loop.bodyStart, loop.testAt, shiftFrom, w);
  get(stop);
  w.byte(loop.form === CountedForm.Down ? 0x47 : 0x49); // i32.ne / i32.lt_u
  w.byte(0x0d).u32(0);
  w.byte(0x0b);
  if (loop.form === CountedForm.Up) {
    // refund the iterations not run: $s += (n - (i - i0) / d) × c
    get(s);
    get(n);
    get(i);
    get(i0);
    w.byte(0x6b).byte(0xad); // i32.sub, i64.extend_i32_u
    i64(BigInt(loop.step));
    w.byte(0x80).byte(0x7d); // i64.div_u, i64.sub
    i64(c);
    w.byte(0x7e).byte(0x7c); // i64.mul, i64.add
    set(s);
    get(i);
    bound();
    w.byte(loop.compare); // i cmp B, the original test
  } else get(i); // i != 0
  w.byte(0x0d).u32(0); // br_if $chunk
  w.byte(0x0b).byte(0x0b);
  return w.toBytes();
}
