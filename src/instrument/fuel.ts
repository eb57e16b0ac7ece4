/**
 * Fuel: deterministic, weighted instruction counting.
 *
 * Purpose: every instruction a guest executes is paid for, before it runs, from an internal mutable i64
 * global `$fuel` whose initial value is the policy's budget (kept in a register inside the guest, see below).
 * When a test finds the fuel below zero, the guest stores it and executes `unreachable`; the negative value
 * is the sentinel that tells the host "out of fuel" from any other trap, and it is sticky: every later test
 * finds it negative until the host refuels.
 *
 * Metered blocks (after wasm-instrument): a body is cut into straight-line segments, each of which runs
 * entirely or not at all when nothing traps. A segment ends after a branch (`br`, `br_if`, `br_table`,
 * `return`, `unreachable`), at `if` (the condition is paid for before the branch), `else` and `end`, and a
 * new one starts at every branch target: a loop header (after `loop bt`), the then-branch, the
 * else-branch, after an `end`, after a `br_if`. The whole segment is charged at its start, so accounting is
 * exact on every path that does not trap and never undercharged; a trap in mid-segment overcharges.
 *
 *   before                          after (T: the module's test threshold, C: the chunk)
 *   (loop $l                        (loop $l
 *     local.get 0                     local.get $s  i64.const 5  i64.sub  local.set $s
 *     i32.const 1                     local.get $s  i64.const T  i64.lt_s
 *     i32.sub                         if  ($s = $fuel + $s: the fuel left; trap if < 0;
 *     local.tee 0                          $s = min($s, C), $fuel = the rest)  end
 *     br_if $l)                       local.get 0  i32.const 1  i32.sub  local.tee 0  br_if $l)
 *
 * Where the tests go: loop headers (everything that can repeat passes through one), variable charges (a
 * bulk operation never starts without its fuel), the entries of globals functions, after a hand-over, and
 * wherever the slack would otherwise run out (src/instrument/test-placement.ts: tracked through every body
 * and across calls, so most function entries and exits need none); the other segments only subtract. A
 * guest that runs out traps at the next test, at most 2T units later. A loop without calls keeps only a
 * compare and a subtraction in its header: its re-floor moves to a `$retry` loop wrapped around it
 * (`Charger.loopPrefix`); when the header is the loop's only charge (a tight loop), the header subtracts
 * first and compares with 0 (`Charger.tightPrefix`); and when a tight loop steps a counter to a bound (a
 * counted loop), it pays a chunk of iterations at once, its fuel test folded into its own exit test
 * (src/instrument/counted-loop.ts).
 *
 * Variable costs are charged right before the instruction (after the segment's own charge), from its
 * length operand (on top of the stack), through a scratch i32 *global*, so that no function gains a local
 * (a function may already have the most locals V8 allows):
 *   global.set $n   $fuel -= u64($n) × unit, then the same check   global.get $n
 * Nothing runs between the set and the get, so the scratch global needs no saving across calls.
 * That covers memory.fill/copy/init (per byte), table.fill/copy/init (per element), memory.grow (per page)
 * and table.grow (per element): a 4 GiB memory.fill is refused before it starts.
 *
 * Where the fuel lives (src/instrument/calling-convention.ts): inside a function, in a slack local or
 * parameter `$s`, with `$fuel + $s` the fuel left. Segments subtract from `$s`; the tests compare it with the
 * module's threshold T and re-floor inline when it is below. So `$fuel` is a lower bound while the guest runs (a trap overcharges by at most
 * a chunk, never undercharges) and exact at every boundary with the host, a table or another globals
 * function. A function at V8's locals limit (the direct convention) charges `$fuel` itself, exactly, and
 * tests at every charge.
 *
 * The function's locals are charged in its first segment (`CostTable.local` each, per call).
 *
 * Known limits: dead code after a branch is still charged (its charge never runs); a segment whose cost is
 * 0 (a policy may price instructions at 0) is not charged (a test placed there still is).
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { MAY_TRAP } from '../binary/opcodes.js';
import { Reader } from '../binary/reader.js';
import type { FunctionBody } from '../binary/module-info.js';
import type { CostTable } from './cost-model.js';
import type { BodyEdits } from './body-edits.js';
import { ByteWriter } from './byte-writer.js';
import { sinkCharges } from './charge-sinking.js';
import { chunkedLoop, countedLoop, type CountedLoop } from './counted-loop.js';
import { Convention, FUEL_CHUNK, writeRefloor } from './calling-convention.js';
import { CallKind, callKind, CLOSED_TABLE_CALL, Control, SegmentKind, type FuelRecord, type Placement } from './test-placement.js';

/** the block type of a counted loop (counted-loop.ts: always empty) */
const EMPTY_BLOCK_TYPE = Uint8Array.of(0x40);

export interface FuelContext {
  costs: CostTable;
  fuelGlobal: number;
  depthGlobal: number;
  /** the scratch i32 global of variable charges */
  scratchGlobal: number;
  convention: Convention;
  /** `$s` and `$d`: the two new parameters (params) or the two appended locals (globals); unused (direct) */
  slackLocal: number;
  depthLocal: number;
  /** params: the first declared local, which moves up by two, like every local after it */
  shiftFrom: number | undefined;
  /** per function index: 1 when calls to it pass the slack and the depth as arguments (params convention) */
  takesParams: Uint8Array;
  /** per function index: where a direct call goes instead (a split function's inner copy), or -1 */
  redirect: Int32Array;
  /** per table index: 1 for a closed table (calling-convention.ts): `call_indirect` on it is a params call */
  closedTables: Uint8Array;
  /** per original type index: its internal type's index in the output, for `call_indirect` on a closed table, or -1 */
  indirectType: Int32Array;
  /** the module's test threshold and re-floor chunk (`fuelLevels`) */
  levels: FuelLevels;
  /** `$lowmark` (mut i64): the loop headers' threshold, the test threshold, or 0 once less than a chunk is left */
  lowmarkGlobal: number;
  /**
   * `$lm` (i64), a local copy of `$lowmark` that each `$retry` takes, so that a wrapped loop's header
   * compares two registers instead of loading the global on every iteration; -1: the header reads the global
   * (a body without wrapped loops, or one with no room for a local more)
   */
  lowmarkLocal: number;
  /**
   * the offsets of the loops to wrap in a `$retry` loop (see `Charger.loopPrefix`): those with no call
   * inside (survey.ts), the tight loops, where an inline re-floor costs the most; in a loop that calls, V8
   * saves the loop's values around the call anyway, and the extra loop level measured slower (QuickJS's
   * interpreter loop: fib 1.07× → 1.80×). None in the direct convention, which tests every charge.
   */
  wrap: ReadonlySet<number>;
  /** snippets already made for this module (they repeat: same slack local, same cost), by `snippetKey` */
  snippets: Map<number, Uint8Array>;
  /**
   * the first of the four locals counted loops use (counted-loop.ts `CountedContext.scratch`), after every
   * other; -1: the function has no counted loop, or no room for them (they stay tight loops)
   */
  countedScratch: number;
}

/**
 * The module's margin: an upper bound on what any of its functions charges between two tests, which is at
 * most its static cost. Without walking the bodies: every instruction takes at least one byte, so a body
 * of n bytes costs at most n × the dearest instruction, plus its locals.
 */
export function fuelMargin(bodies: readonly FunctionBody[], costs: CostTable): number {
  let dearest = 0;
  for (const c of costs.instruction) dearest = Math.max(dearest, c);
  let margin = 0;
  for (const b of bodies) margin = Math.max(margin, (b.end - b.codeStart) * dearest + b.localCount * costs.local);
  return margin;
}

/** The most a caller guarantees at the entry of a params function (see `placeTests`). */
export const MAX_ALLOWANCE = 4096;

export interface FuelLevels {
  /** M: at least the most any function of the module charges between two of its tests (`fuelMargin`) */
  margin: number;
  /** B = min(M, MAX_ALLOWANCE): the slack every direct call to a params function guarantees (`placeTests`) */
  allowance: number;
  /** T = M + B: a test re-floors when the slack is below T, so it leaves at least T while the fuel lasts */
  threshold: number;
  /**
   * C = T + FUEL_CHUNK: what a re-floor leaves in the slack. It is also the most a trap other than out of
   * fuel can overcharge (`report.fuel.trapOvercharge`).
   */
  chunk: number;
}

export function fuelLevels(bodies: readonly FunctionBody[], costs: CostTable): FuelLevels {
  const margin = fuelMargin(bodies, costs);
  const allowance = Math.min(margin, MAX_ALLOWANCE);
  return { margin, allowance, threshold: margin + allowance, chunk: margin + allowance + FUEL_CHUNK };
}

/** A charge's snippet depends on the slack local, the cost and whether it tests (the threshold is the module's). */
function snippetKey(slackLocal: number, cost: number, checks: boolean): number {
  return (slackLocal * 2 ** 32 + cost) * 2 + (checks ? 1 : 0);
}

export interface FuelPlan {
  /** the cost of executing every instruction of the body once, plus its locals */
  staticCost: number;
  /** whether the body calls anything (`call` or `call_indirect`): a body that does not is a leaf */
  hasCalls: boolean;
}

/**
 * Edit order at one offset: the stack limit's prologue first, then what follows a call that ends just
 * before it (it belongs to that call), then the segment's charge, then variable charges, then a test
 * placed before a call, then the call's hand-over (which must see the charge of the segment the call starts).
 */
export const AFTER_CALL_ORDER = 1;
/** the `end` of a loop's `$retry` wrapper, right after the loop's own `end` */
export const RETRY_END_ORDER = 2;
export const FUEL_ORDER = 10;
export const VARIABLE_ORDER = 11;
/** a test right before a call (`placeTests`) */
export const CALL_TEST_ORDER = 12;
export const BEFORE_CALL_ORDER = 13;
/** a loop's `$retry` wrapper and its test, before the loop (after the charge of the segment the loop ends) */
export const RETRY_ORDER = 14;

/**
 * How charges read and write the fuel: the slack `$s` (params, globals) or the global itself (direct).
 *
 * Checks (params, globals) test `$s < T` (`FuelLevels.threshold`), which leaves at least T in the slack while
 * the fuel lasts; test-placement.ts places them so that `$s` stays ≥ 0, and `$fuel` a lower bound, until
 * the next one; the slow path re-floors so that `$s` = the chunk C. Direct-convention
 * charges are exact and each tests `$fuel < 0`.
 */
type ChargerContext = Pick<
  FuelContext,
  'slackLocal' | 'depthLocal' | 'fuelGlobal' | 'depthGlobal' | 'scratchGlobal' | 'lowmarkGlobal' | 'lowmarkLocal' | 'levels' | 'convention'
>;

class Charger {
  constructor(private readonly ctx: ChargerContext) {}

  private get direct(): boolean {
    return this.ctx.convention === Convention.Direct;
  }

  /** fuel -= cost */
  subtract(w: ByteWriter, cost: number): void {
    const { slackLocal: s, fuelGlobal: f } = this.ctx;
    if (this.direct) w.byte(0x23).u32(f).byte(0x42).s64(BigInt(cost)).byte(0x7d).byte(0x24).u32(f);
    else w.byte(0x20).u32(s).byte(0x42).s64(BigInt(cost)).byte(0x7d).byte(0x21).u32(s);
  }

  /**
   * The test. Params/globals: if ($s < T) re-floor inline (a call there, even one never taken, makes
   * V8 keep a hot loop's values in memory): `$s = $fuel + $s` (the fuel left); if that is negative, store
   * it (the sentinel) and trap; otherwise `$fuel = $s > chunk ? $s - chunk : 0` and `$s -= $fuel`.
   */
  check(w: ByteWriter, boundary = false): void {
    const { slackLocal: s, fuelGlobal: f } = this.ctx;
    if (this.direct) {
      w.byte(0x23).u32(f).byte(0x42).byte(0x00).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if ($fuel < 0) unreachable
      return;
    }
    w.byte(0x20).u32(s).byte(0x42).s64(BigInt(this.ctx.levels.threshold)).byte(0x53).byte(0x04).byte(0x40); // if ($s < T)
    this.refloor(w, boundary);
    w.byte(0x0b);
  }

  /** the re-floor (see `check`), inside an `if` */
  private refloor(w: ByteWriter, updateLowmark: boolean): void {
    writeRefloor(w, this.ctx.slackLocal, this.ctx.fuelGlobal, this.ctx.levels.chunk);
    if (updateLowmark) this.lowmark(w);
  }

  /**
   * `$lowmark = $fuel == 0 ? 0 : T` (see `loopPrefix`). Only where the guest can learn that the host
   * refuelled (a globals function's entry, the return of a call that hands over) or where the fuel runs low
   * in a loop (its `$retry`): elsewhere the guest only spends, and a `$lowmark` left at T once the
   * fuel is low is corrected by the next `$retry`. 3–4% on QuickJS against updating it at every re-floor.
   */
  private lowmark(w: ByteWriter): void {
    w.byte(0x42).byte(0x00).byte(0x42).s64(BigInt(this.ctx.levels.threshold)).byte(0x23).u32(this.ctx.fuelGlobal).byte(0x50).byte(0x1b);
    w.byte(0x24).u32(this.ctx.lowmarkGlobal);
  }

  /**
   * A loop's test lives outside it (the re-floor in a hot loop's body, even never taken, costs it 10–20%,
   * and up to 3× on a br_table interpreter): the loop is wrapped in a second loop with the same type,
   *
   *   $lm = T
   *   loop bt                                   ;; $retry
   *     if ($s < $lm) { re-floor; $lm = $lowmark }
   *     loop bt                                 ;; the original
   *       br_if $retry ($s < $lm)               ;; (carries the loop's parameters back)
   *       $s -= the header segment's cost
   *       ...
   *     end
   *   end
   *
   * so the header itself only compares two registers and subtracts. (`$lm`, a local, because a load of the
   * global on every iteration cost the memory-bound copy loop 8%: 1.18× → 1.09×; where V8 allows no local
   * more, the header reads the global. Inside a wrapped loop nothing can change `$lowmark`: it has no call.)
   * `$lowmark` is T while more than a chunk is left; once less is (`$fuel` is 0 and `$s` the exact fuel), it is 0, so that the retry cannot bounce:
   * the loop then runs until the fuel is negative and traps at the next test (one iteration late at most).
   * Branches from inside to labels outside the loop cross one more label (planFuel renumbers them).
   */
  loopPrefix(blockType: Uint8Array): Uint8Array {
    const { slackLocal: s, lowmarkGlobal } = this.ctx;
    const lm = this.ctx.lowmarkLocal;
    const w = new ByteWriter(80);
    if (lm < 0) {
      w.byte(0x03).bytes(blockType); // loop bt ($retry)
      w.byte(0x20).u32(s).byte(0x23).u32(lowmarkGlobal).byte(0x53).byte(0x04).byte(0x40); // if ($s < $lowmark)
      this.refloor(w, true);
      w.byte(0x0b);
      return w.toBytes();
    }
    // $lm = T on entry: no load of the global on the way in (sort 1.22× → 1.18×). If the fuel is low
    // (`$lowmark` 0) and `$s` below T, the first test re-floors, which sets `$lm` from the global.
    w.byte(0x42).s64(BigInt(this.ctx.levels.threshold)).byte(0x21).u32(lm); // $lm = T
    w.byte(0x03).bytes(blockType); // loop bt ($retry)
    w.byte(0x20).u32(s).byte(0x20).u32(lm).byte(0x53).byte(0x04).byte(0x40); // if ($s < $lm)
    this.refloor(w, true);
    w.byte(0x23).u32(lowmarkGlobal).byte(0x21).u32(lm); //   $lm = $lowmark
    w.byte(0x0b);
    return w.toBytes();
  }

  /** the original loop's header: back to `$retry` when the slack is low, else subtract */
  loopHeader(cost: number): Uint8Array {
    const { slackLocal: s } = this.ctx;
    const w = new ByteWriter(24);
    const lm = this.ctx.lowmarkLocal;
    w.byte(0x20).u32(s);
    if (lm >= 0) w.byte(0x20).u32(lm);
    else w.byte(0x23).u32(this.ctx.lowmarkGlobal);
    w.byte(0x53).byte(0x0d).u32(1); // br_if $retry ($s < $lm)
    if (cost > 0) this.subtract(w, cost);
    return w.toBytes();
  }

  /**
   * A tight loop (its header segment is its only charge, `isTight`) tests after its subtraction, against 0:
   *
   *   loop bt                                   ;; $retry
   *     if ($s < 0)                             ;; the header could not pay (or the guest ran past zero)
   *       re-floor; $s += the header's cost     ;; traps when the fuel left cannot pay for it
   *     loop bt                                 ;; the original
   *       $s -= the header's cost
   *       br_if $retry ($s < 0)
   *       ...
   *
   * A subtraction, then a test against 0 (no `$lm`, no load): sort 1.17× → 1.15×. The test covers the whole
   * iteration, so nothing else in the loop needs the slack; what follows the loop's exits starts from a slack
   * of 0 or more (test-placement.ts places a test there if it charges). Exact in every regime: the guest
   * traps out of fuel at the header it cannot pay for, never past zero, and no `$lowmark` is needed.
   */
  tightPrefix(blockType: Uint8Array, cost: number): Uint8Array {
    const { slackLocal: s } = this.ctx;
    const w = new ByteWriter(80);
    w.byte(0x03).bytes(blockType); // loop bt ($retry)
    w.byte(0x20).u32(s).byte(0x42).byte(0x00).byte(0x53).byte(0x04).byte(0x40); // if ($s < 0)
    this.refloor(w, true);
    if (cost > 0) w.byte(0x20).u32(s).byte(0x42).s64(BigInt(cost)).byte(0x7c).byte(0x21).u32(s); //   $s += cost
    w.byte(0x0b);
    return w.toBytes();
  }

  /** a tight loop's header: subtract, then back to `$retry` when the slack is below 0 */
  tightHeader(cost: number): Uint8Array {
    const { slackLocal: s } = this.ctx;
    const w = new ByteWriter(24);
    if (cost > 0) w.byte(0x20).u32(s).byte(0x42).s64(BigInt(cost)).byte(0x7d).byte(0x22).u32(s); // $s -= cost (tee)
    else w.byte(0x20).u32(s);
    w.byte(0x42).byte(0x00).byte(0x53).byte(0x0d).u32(1); // br_if $retry ($s < 0)
    return w.toBytes();
  }

  /** fuel -= cost, with the test when `checks` (placed by test-placement.ts, loop headers) or in the direct convention */
  charge(cost: number, checks: boolean, boundary = false): Uint8Array {
    const w = new ByteWriter(checks ? 64 : 16);
    if (cost > 0) this.subtract(w, cost);
    if (checks || (this.direct && cost > 0)) this.check(w, boundary);
    return w.toBytes();
  }

  /** charges `unit` × the i32 on top of the stack, keeping it there, through the scratch global, and tests */
  variable(unit: number): Uint8Array {
    const n = this.ctx.scratchGlobal;
    const { slackLocal: s, fuelGlobal: f } = this.ctx;
    const w = new ByteWriter(80);
    w.byte(0x24).u32(n); // global.set $n
    if (this.direct) w.byte(0x23).u32(f);
    else w.byte(0x20).u32(s);
    w.byte(0x23).u32(n).byte(0xad); // global.get $n, i64.extend_i32_u
    w.byte(0x42).s64(BigInt(unit)).byte(0x7e).byte(0x7d); // i64.const unit, i64.mul, i64.sub
    if (this.direct) w.byte(0x24).u32(f);
    else w.byte(0x21).u32(s);
    this.check(w);
    w.byte(0x23).u32(n); // global.get $n
    return w.toBytes();
  }

  /**
   * what goes before and after a call, by the callee's convention (see calling-convention.ts): a params
   * call, the same through a closed table, or a hand-over
   */
  call(kind: CallKind): { before: Uint8Array; after: Uint8Array } {
    const { slackLocal: s, depthLocal: d, fuelGlobal: f, depthGlobal: dg } = this.ctx;
    const before = new ByteWriter(16);
    const after = new ByteWriter(16);
    if (this.direct) {
      // a direct function keeps no slack to pass: planConventions gives its callees the globals
      // convention, and the survey opens every table it calls through
      if (kind !== CallKind.HandOver) throw new Error('wasm-harden internal error: a params call from a direct-convention function');
    } else if (kind !== CallKind.HandOver) {
      // what the callee returns is accounted by its summary (test-placement.ts); through a closed table the
      // element index is on top of the arguments, so the slack and the depth go below it, through the
      // scratch global (nothing runs between its set and its get)
      if (kind === CallKind.ClosedTable) before.byte(0x24).u32(this.ctx.scratchGlobal);
      before.byte(0x20).u32(s).byte(0x20).u32(d);
      if (kind === CallKind.ClosedTable) before.byte(0x23).u32(this.ctx.scratchGlobal);
      after.byte(0x21).u32(s);
    } else {
      before.byte(0x23).u32(f).byte(0x20).u32(s).byte(0x7c).byte(0x24).u32(f); // $fuel += $s: exact
      before.byte(0x20).u32(d).byte(0x24).u32(dg); // $depth = $d
      // the callee left `$fuel` exact: re-floor
      after.byte(0x42).byte(0x00).byte(0x21).u32(s); // $s = 0,
      this.check(after, true); // so the test re-floors (inline: a call to a shared helper here measured 4–12% slower)
    }
    return { before: before.toBytes(), after: after.toBytes() };
  }
}

/**
 * What a function's exit adds for the fuel (after the stack limit's epilogue, see calling-convention.ts):
 * params: the slack as the extra result (after the test, when `exitTest`: recursive functions); globals: `$fuel` made exact, and a trap if it is
 * negative (so that no call returns to the host or a table caller past its budget).
 */
export function fuelExit(ctx: FuelContext, exitTest: boolean): Uint8Array {
  const w = new ByteWriter(16);
  if (ctx.convention === Convention.Params) {
    if (exitTest) new Charger(ctx).check(w);
    w.byte(0x20).u32(ctx.slackLocal);
  } else if (ctx.convention === Convention.Globals) {
    w.byte(0x23).u32(ctx.fuelGlobal).byte(0x20).u32(ctx.slackLocal).byte(0x7c).byte(0x24).u32(ctx.fuelGlobal); // $fuel += $s
    w.byte(0x23).u32(ctx.fuelGlobal).byte(0x42).byte(0x00).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if ($fuel < 0) unreachable
  }
  return w.toBytes();
}

/**
 * A split function's wrapper takes `$s` from `$fuel` before it calls the inner copy: the test, on a slack
 * local that is 0, re-floors (and, this being a boundary, sets `$lowmark`). So the inner copy starts with at
 * least the allowance, like every params function, while the fuel lasts.
 */
export function wrapperRefloor(ctx: ChargerContext): Uint8Array {
  const w = new ByteWriter(64);
  new Charger(ctx).check(w, true);
  return w.toBytes();
}

const END = Uint8Array.of(0x0b);

/** 0xFC sub-opcodes of the bulk operations, and which unit they are charged in. */
const BULK_MEMORY = new Set([0x08, 0x0a, 0x0b]); // memory.init, memory.copy, memory.fill
const BULK_TABLE = new Set([0x0c, 0x0e, 0x11]); // table.init, table.copy, table.fill
const TABLE_GROW = 0x0f;

/** A body's walk (`walkFuel`): what `placeTests` needs, and where the snippets go. */
export interface FuelWalk extends FuelRecord, FuelPlan {
  /** (offset, unit) pairs */
  variables: number[];
  /**
   * (loop offset, block type start, block type end, header cost, tight) quintuples, of the loops wrapped in a
   * `$retry` loop; tight: 1 when the loop's header segment is its only charge (`Charger.tightPrefix`)
   */
  loops: number[];
  /** how many of `loops` are not tight (they compare with `$lm`, a local the function gains) */
  wideLoops: number;
  /** per loop of `loops` (its index / 5): the counted loops (counted-loop.ts), chunked when the function has room for their locals */
  counted: (CountedLoop | undefined)[];
  /** the header segments of the counted loops */
  countedHeaders: Set<number>;
  /** offsets right after a wrapped loop's `end` */
  loopEnds: number[];
}

/**
 * Whether a wrapped loop is tight: its header segment (index `header`) is the only one inside it that
 * charges anything or has an event, so one test right after the header's subtraction covers the whole
 * iteration. Called at the loop's `end`, when its last segment has just been closed.
 */
function isTight(segments: readonly number[], header: number): boolean {
  const last = segments.length / 5 - 1;
  const eventsStart = header === 0 ? 0 : segments[(header - 1) * 5 + 3]!;
  if (segments[last * 5 + 3] !== eventsStart) return false;
  for (let k = header + 1; k <= last; k++) if (segments[k * 5 + 1]! > 0) return false;
  return true;
}

/**
 * Walks a body: cuts it into segments and records the calls, the variable charges and the control flow
 * (for `placeTests`, test-placement.ts). The local renumbering of the params convention and the branch
 * depths across `$retry` loops go straight into `edits`; the charges wait for `emitFuel`.
 */
export function walkFuel(bytes: Uint8Array, body: FunctionBody, ctx: FuelContext, edits: BodyEdits): FuelWalk {
  const { costs } = ctx;
  const shiftFrom = ctx.shiftFrom ?? Number.MAX_SAFE_INTEGER;
  const r = new Reader(bytes, body.codeStart, body.end);
  const walk: FuelWalk = {
    segments: [],
    traps: [],
    events: [],
    controls: [],
    labels: [],
    calls: [],
    variables: [],
    loops: [],
    wideLoops: 0,
    counted: [],
    countedHeaders: new Set(),
    loopEnds: [],
    staticCost: body.localCount * costs.local,
    hasCalls: false,
  };
  const { segments, traps, events, controls, labels, calls, variables, loops, loopEnds } = walk;
  let segStart = body.codeStart;
  let segCost = body.localCount * costs.local;
  let depth = 0;
  // some loops are wrapped in a `$retry` loop (see `Charger.loopPrefix` and `FuelContext.wrap`)
  const wrapLoops = ctx.wrap.size > 0;
  // per open construct (innermost last): 1 for a wrapped loop, 0 for anything else
  const wrapped: number[] = [];
  // per open wrapped loop (innermost last): its index in `loops` and the index of its header segment
  const openLoops: number[] = [];
  /** a branch's new depth: one more for every wrapped loop between it and its target */
  const retarget = (leb: number, end: number, d: number) => {
    if (!wrapLoops) return;
    let extra = 0;
    for (let k = wrapped.length - 1; k > wrapped.length - 1 - d && k >= 0; k--) extra += wrapped[k]!;
    if (extra > 0) edits.shift(leb, end, d + extra);
  };
  // loop headers test; the other segments subtract, unless `placeTests` makes them test
  let segKind: SegmentKind = SegmentKind.Subtract;
  // whether the open segment holds an instruction that can trap (`MAY_TRAP`), or enters a wrapped loop
  let segTraps = 0;
  const flush = (next: number, control: Control, arg = 0, nextKind = SegmentKind.Subtract) => {
    controls.push(control, arg);
    segments.push(segStart, segCost, segKind, events.length, controls.length);
    traps.push(segTraps);
    segStart = next;
    segCost = 0;
    segKind = nextKind;
    segTraps = 0;
  };
  const variable = (at: number, unit: number) => {
    events.push(-1);
    variables.push(at, unit);
  };

  while (r.pos < body.end) {
    const at = r.pos;
    const op = readOpcode(r);
    const cost = costs.instruction[op.index]!;
    segCost += cost;
    segTraps |= MAY_TRAP[op.index]!;
    walk.staticCost += cost;
    if (op.prefix === 0) {
      switch (op.code) {
        case 0x20: // local.get/set/tee: declared locals move up by two in the params convention
        case 0x21:
        case 0x22: {
          const leb = r.pos;
          const index = r.u32();
          if (index >= shiftFrom) edits.shift(leb, r.pos, index + 2);
          continue;
        }
        case 0x02: // block: no new segment
          depth++;
          wrapped.push(0);
          controls.push(Control.Block, 0);
          break;
        case 0x03: // loop: its header is a branch target, and where repetition is paid for
          skipImmediates(r, op, at);
          depth++;
          if (ctx.wrap.has(at)) {
            // a wrapped loop's `$retry` takes a negative slack for a header that could not pay (tight
            // loops add the header's cost back): entered, the slack must be 0 or more
            segTraps = 1;
            openLoops.push(loops.length, segments.length / 5 + 1);
            loops.push(at, at + 1, r.pos, 0, 0);
            wrapped.push(1);
            flush(r.pos, Control.Loop, 0, SegmentKind.WrappedHeader);
          } else {
            wrapped.push(0);
            flush(r.pos, Control.Loop, 0, SegmentKind.Test);
          }
          continue;
        case 0x04: // if: the then-branch starts a segment
          skipImmediates(r, op, at);
          depth++;
          wrapped.push(0);
          flush(r.pos, Control.If);
          continue;
        case 0x05: // else
          flush(r.pos, Control.Else);
          continue;
        case 0x0b: // end
          flush(r.pos, Control.End);
          if (depth === 0) return walk;
          depth--;
          if (wrapped.pop() === 1) {
            loopEnds.push(r.pos);
            const header = openLoops.pop()!;
            const k = openLoops.pop()!;
            const cost = segments[header * 5 + 1]!;
            loops[k + 3] = cost;
            if (isTight(segments, header)) {
              segments[header * 5 + 2] = SegmentKind.TightHeader;
              loops[k + 4] = 1;
              // a tight loop with an empty block type that steps a counter to a bound: chunked (counted-loop.ts)
              const emptyType = loops[k + 2]! - loops[k + 1]! === 1 && bytes[loops[k + 1]!] === 0x40;
              const c = cost > 0 && emptyType ? countedLoop(bytes, loops[k + 2]!, at) : undefined;
              if (c !== undefined) {
                walk.counted[k / 5] = c;
                walk.countedHeaders.add(header);
              }
            } else walk.wideLoops++;
          }
          continue;
        case 0x10: {
          // call: the sequence depends on the callee's convention
          walk.hasCalls = true;
          const leb = r.pos;
          const callee = r.u32();
          const to = ctx.redirect[callee]!;
          if (to >= 0) edits.shift(leb, r.pos, to);
          events.push(calls.length / 3);
          calls.push(at, r.pos, callee);
          continue;
        }
        case 0x11: {
          // call_indirect: a closed table holds params functions (its type becomes the internal one);
          // any other table, globals functions and imports
          const leb = r.pos;
          const type = r.u32();
          const typeEnd = r.pos;
          const table = r.u32();
          walk.hasCalls = true;
          events.push(calls.length / 3);
          const internal = ctx.closedTables[table] === 1 ? ctx.indirectType[type]! : -1;
          if (internal >= 0) edits.shift(leb, typeEnd, internal);
          calls.push(at, r.pos, internal >= 0 ? CLOSED_TABLE_CALL : -1);
          continue;
        }
        case 0x0c: // br
        case 0x0d: {
          // br_if
          const leb = r.pos;
          const d = r.u32();
          retarget(leb, r.pos, d);
          flush(r.pos, op.code === 0x0c ? Control.Br : Control.BrIf, d);
          continue;
        }
        case 0x0e: {
          // br_table: every target, then the default
          const n = r.u32();
          for (let k = 0; k <= n; k++) {
            const leb = r.pos;
            const d = r.u32();
            retarget(leb, r.pos, d);
            labels.push(d);
          }
          flush(r.pos, Control.BrTable, n + 1);
          continue;
        }
        case 0x00: // unreachable
          flush(r.pos, Control.Unreachable);
          continue;
        case 0x0f: // return
          flush(r.pos, Control.Return);
          continue;
        case 0x40: // memory.grow: per page requested
          if (costs.memoryGrowPage > 0) variable(at, costs.memoryGrowPage);
          break;
      }
      skipImmediates(r, op, at);
    } else {
      skipImmediates(r, op, at);
      if (op.prefix === 0xfc) {
        const unit = BULK_MEMORY.has(op.code)
          ? costs.memoryByte
          : BULK_TABLE.has(op.code)
            ? costs.tableElement
            : op.code === TABLE_GROW
              ? costs.tableGrowElement
              : 0;
        if (unit > 0) variable(at, unit);
      }
    }
  }
  // validated bodies always end with the function's `end`
  throw new Error('wasm-harden internal error: function body without a final end');
}

/** Inserts the charges, the tests `placeTests` placed, the call sequences and the `$retry` loops. Returns the metering points. */
export function emitFuel(bytes: Uint8Array, walk: FuelWalk, placement: Placement, ctx: FuelContext, edits: BodyEdits): number {
  const { segments, calls, variables, loops, loopEnds } = walk;
  const { kinds, callTests } = placement;
  const direct = ctx.convention === Convention.Direct;
  const charger = new Charger(ctx);
  let points = 0;
  const cache = ctx.snippets;
  // where each charge is paid: moved into single-entry successors (charge-sinking.ts), but in the direct
  // convention, which has no slack to cover a deferred charge
  const emitted = direct ? undefined : sinkCharges(walk, kinds);
  const chunked = ctx.countedScratch >= 0;
  for (let i = 0; i < segments.length; i += 5) {
    const at = segments[i]!;
    const cost = emitted === undefined ? segments[i + 1]! : emitted[i / 5]!;
    const kind = kinds[i / 5]!;
    if (kind === SegmentKind.WrappedHeader || kind === SegmentKind.TightHeader) {
      // a counted loop is replaced whole (below)
      if (chunked && walk.countedHeaders.has(i / 5)) continue;
      edits.insert(at, kind === SegmentKind.TightHeader ? charger.tightHeader(cost) : charger.loopHeader(cost), FUEL_ORDER);
      points++;
      continue;
    }
    const checks = kind === SegmentKind.Test;
    // the entry of a globals function differs: it is a boundary (see `lowmark`); costs above 2^20 are not
    // cached (the key must stay an exact integer)
    const boundary = i === 0 && ctx.convention === Convention.Globals;
    const key = direct || boundary || cost >= 2 ** 20 ? -1 : snippetKey(ctx.slackLocal, cost, checks);
    let snippet = key < 0 ? undefined : cache.get(key);
    if (snippet === undefined) {
      snippet = charger.charge(cost, checks, boundary);
      if (key >= 0) cache.set(key, snippet);
    }
    if (snippet.length > 0) {
      edits.insert(at, snippet, FUEL_ORDER);
      points++;
    }
  }
  for (let i = 0; i < variables.length; i += 2) {
    edits.insert(variables[i]!, charger.variable(variables[i + 1]!), VARIABLE_ORDER);
    points++;
  }
  const sequences: ({ before: Uint8Array; after: Uint8Array } | undefined)[] = [];
  const test = charger.charge(0, true);
  for (let i = 0; i < calls.length; i += 3) {
    if (callTests[i / 3] === 1) {
      edits.insert(calls[i]!, test, CALL_TEST_ORDER);
      points++;
    }
    const kind = callKind(calls[i + 2]!, ctx.takesParams);
    const seq = (sequences[kind] ??= charger.call(kind));
    if (seq.before.length > 0) edits.insert(calls[i]!, seq.before, BEFORE_CALL_ORDER);
    if (seq.after.length > 0) edits.insert(calls[i + 1]!, seq.after, AFTER_CALL_ORDER);
  }
  const replacedEnds = new Set<number>();
  for (let i = 0; i < loops.length; i += 5) {
    const counted = chunked ? walk.counted[i / 5] : undefined;
    if (counted !== undefined) {
      const cost = loops[i + 3]!;
      const context = {
        slackLocal: ctx.slackLocal,
        fuelGlobal: ctx.fuelGlobal,
        chunk: ctx.levels.chunk,
        shiftFrom: ctx.shiftFrom ?? Number.MAX_SAFE_INTEGER,
        scratch: ctx.countedScratch,
        tightPrefix: charger.tightPrefix(EMPTY_BLOCK_TYPE, cost),
        tightHeader: charger.tightHeader(cost),
      };
      edits.replace(loops[i]!, counted.endAt + 1 - loops[i]!, chunkedLoop(bytes, counted, cost, context), RETRY_ORDER);
      replacedEnds.add(counted.endAt + 1);
      points++;
      continue;
    }
    const blockType = bytes.subarray(loops[i + 1]!, loops[i + 2]!);
    const prefix = loops[i + 4] === 1 ? charger.tightPrefix(blockType, loops[i + 3]!) : charger.loopPrefix(blockType);
    edits.insert(loops[i]!, prefix, RETRY_ORDER);
  }
  for (const at of loopEnds) if (!replacedEnds.has(at)) edits.insert(at, END, RETRY_END_ORDER);
  return points;
}
