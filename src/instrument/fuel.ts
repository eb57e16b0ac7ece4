/**
 * Fuel: deterministic, weighted instruction counting.
 *
 * Purpose: every instruction a guest executes is paid for, before it runs, from an internal mutable i64
 * global `$fuel` whose initial value is the policy's budget. When a charge takes `$fuel` below zero, the guest
 * executes `unreachable` at once; the negative value is the sentinel that tells the host "out of fuel" from
 * any other trap, and it is sticky: every later charge keeps it negative until the host refuels.
 *
 * Metered blocks (after wasm-instrument): a body is cut into straight-line segments, each of which runs
 * entirely or not at all when nothing traps. A segment ends after a branch (`br`, `br_if`, `br_table`,
 * `return`, `unreachable`), at `if` (the condition is paid for before the branch), `else` and `end`, and a
 * new one starts at every branch target: a loop header (after `loop bt`), the then-branch, the
 * else-branch, after an `end`, after a `br_if`. The whole segment is charged at its start, so accounting is
 * exact on every path that does not trap and never undercharged; a trap in mid-segment overcharges.
 *
 *   before                          after
 *   (loop $l                        (loop $l
 *     local.get 0                     global.get $fuel  i64.const 5  i64.sub  global.set $fuel
 *     i32.const 1                     global.get $fuel  i64.const 0  i64.lt_s
 *     i32.sub                         if  unreachable  end
 *     local.tee 0                     local.get 0  i32.const 1  i32.sub  local.tee 0
 *     br_if $l)                       br_if $l)
 *
 * Where the check goes: every segment subtracts its cost before it runs, but only the segments that start
 * a function body or a loop iteration also test for exhaustion (and trap), and so does the exit of every
 * function that calls (the stack limit's epilogue carries `exitCheck`). A leaf (a function that calls
 * nothing) returns to a caller that tests at its own exit; a host calling a leaf export directly may see it
 * return with the fuel just below zero (the overrun is at most the leaf's one path) and the next call trap. Everything that can repeat
 * passes through one of those (a loop header, or a function entry for calls and recursion), so a guest that
 * has run out can execute at most one acyclic path of one function body past zero before it traps, and the
 * charge for it has already been taken (never undercharged; the overrun is bounded statically). This halves
 * the instrumentation's size and cost (checks were 60% of the bytes). Variable charges always check, so a
 * bulk operation never starts without its fuel.
 *
 * Variable costs are charged right before the instruction (after the segment's own charge), from its
 * length operand (on top of the stack), through a scratch i32 *global*, so that no function gains a local
 * (a function may already have the most locals V8 allows):
 *   global.set $n   $fuel -= u64($n) × unit, then the same check   global.get $n
 * Nothing runs between the set and the get, so the scratch global needs no saving across calls.
 * That covers memory.fill/copy/init (per byte), table.fill/copy/init (per element), memory.grow (per page)
 * and table.grow (per element): a 4 GiB memory.fill is refused before it starts.
 *
 * Fuel in a local: inside a function, charges read the fuel from an i64 local (`$f`, appended after the
 * function's own locals) and write it through to the global (`local.tee $f  global.set $fuel`), so the
 * global is exact at every instant (a trap never loses a charge, and the host always reads the truth)
 * while the dependency chain from one charge to the next stays in a register. `$f` is loaded at entry and
 * reloaded after every call (the callee charged the global). A function already at V8's 50,000-locals
 * limit keeps charging the global directly.
 *
 * The function's locals are charged in its first segment (`CostTable.local` each, per call).
 *
 * Known limits: the charge sequence costs about 10 instructions per segment (issue 6 caches fuel in a
 * local and checks only at loop headers and calls); dead code after a branch is still charged (its charge
 * never runs).
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { Reader } from '../binary/reader.js';
import type { FunctionBody } from '../binary/module-info.js';
import type { CostTable } from './cost-model.js';
import type { BodyEdits } from './body-edits.js';
import { ByteWriter } from './byte-writer.js';

export interface FuelContext {
  costs: CostTable;
  fuelGlobal: number;
  /** the scratch i32 global of variable charges */
  scratchGlobal: number;
  /**
   * An i64 local that caches the fuel inside this function (see "Fuel in a local"), or undefined to charge
   * the global directly (a function already at V8's locals limit cannot have one more).
   */
  fuelLocal: number | undefined;
}

export interface FuelPlan {
  /** metering points (fixed charges plus variable charges) */
  points: number;
  /** the cost of executing every instruction of the body once, plus its locals */
  staticCost: number;
  /** whether the body calls anything (`call` or `call_indirect`): a body that does not is a leaf */
  hasCalls: boolean;
}

/** Edit order at one offset: the stack limit's prologue first, then fuel, then variable charges. */
export const LOAD_ORDER = 5;
export const RELOAD_ORDER = 9;
export const FUEL_ORDER = 10;
export const VARIABLE_ORDER = 11;

/**
 * How charges read and write the fuel: from the global itself, or from a local copy that every charge
 * writes through to the global (so the global is exact at every instant, and a trap never loses a charge),
 * loaded at function entry and reloaded after every call (the callee charged the global).
 */
class Charger {
  constructor(
    readonly fuel: number,
    readonly local: number | undefined,
  ) {}

  /** pushes the fuel */
  private read(w: ByteWriter): void {
    if (this.local === undefined) w.byte(0x23).u32(this.fuel);
    else w.byte(0x20).u32(this.local);
  }

  /** pops the new fuel into the global (and the local) */
  private write(w: ByteWriter): void {
    if (this.local !== undefined) w.byte(0x22).u32(this.local); // local.tee
    w.byte(0x24).u32(this.fuel);
  }

  /** if (fuel < 0) unreachable */
  check(w: ByteWriter): void {
    this.read(w);
    w.byte(0x42).byte(0x00).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  }

  /** fuel -= cost, without the test (see "Where the check goes") */
  subtract(cost: number): Uint8Array {
    const w = new ByteWriter(16);
    this.read(w);
    w.byte(0x42).s64(BigInt(cost)).byte(0x7d);
    this.write(w);
    return w.toBytes();
  }

  /** fuel -= cost, then the test */
  charge(cost: number): Uint8Array {
    const w = new ByteWriter(32);
    this.read(w);
    w.byte(0x42).s64(BigInt(cost)).byte(0x7d);
    this.write(w);
    this.check(w);
    return w.toBytes();
  }

  /** charges `unit` × the i32 on top of the stack, keeping it there, through the scratch global */
  variable(scratch: number, unit: number): Uint8Array {
    const w = new ByteWriter(32);
    w.byte(0x24).u32(scratch); // global.set $n
    this.read(w);
    w.byte(0x23).u32(scratch).byte(0xad); // global.get $n, i64.extend_i32_u
    w.byte(0x42).s64(BigInt(unit)).byte(0x7e).byte(0x7d); // i64.const unit, i64.mul, i64.sub
    this.write(w);
    this.check(w);
    w.byte(0x23).u32(scratch); // global.get $n
    return w.toBytes();
  }

  /** local = global (at entry, and after a call) */
  load(): Uint8Array {
    const w = new ByteWriter(8);
    if (this.local !== undefined) w.byte(0x23).u32(this.fuel).byte(0x21).u32(this.local);
    return w.toBytes();
  }
}

/**
 * The test at a function's exit (in the stack limit's epilogue). The rewriter passes no local: reading the
 * fuel local there keeps it live across every call of the function, and on a recursive kernel (fib) that
 * measured 1.92× against 1.62× for reading the global.
 */
export function exitCheck(fuel: number, local: number | undefined): Uint8Array {
  const w = new ByteWriter(16);
  new Charger(fuel, local).check(w);
  return w.toBytes();
}

/** 0xFC sub-opcodes of the bulk operations, and which unit they are charged in. */
const BULK_MEMORY = new Set([0x08, 0x0a, 0x0b]); // memory.init, memory.copy, memory.fill
const BULK_TABLE = new Set([0x0c, 0x0e, 0x11]); // table.init, table.copy, table.fill
const TABLE_GROW = 0x0f;

export function planFuel(bytes: Uint8Array, body: FunctionBody, ctx: FuelContext, edits: BodyEdits): FuelPlan {
  const { costs, fuelGlobal } = ctx;
  const scratch = ctx.scratchGlobal;
  const charger = new Charger(fuelGlobal, ctx.fuelLocal);
  if (ctx.fuelLocal !== undefined) edits.insert(body.codeStart, charger.load(), LOAD_ORDER);
  const r = new Reader(bytes, body.codeStart, body.end);
  let points = 0;
  let staticCost = body.localCount * costs.local;
  let segStart = body.codeStart;
  let segCost = body.localCount * costs.local;
  let hasCalls = false;
  let depth = 0;

  // the first segment (function entry) and loop headers check; the others only subtract
  let segChecks = true;
  const flush = (next: number, nextChecks = false) => {
    if (segCost > 0 || segChecks) {
      edits.insert(segStart, segChecks ? charger.charge(segCost) : charger.subtract(segCost), FUEL_ORDER);
      points++;
    }
    segStart = next;
    segCost = 0;
    segChecks = nextChecks;
  };

  while (r.pos < body.end) {
    const at = r.pos;
    const op = readOpcode(r);
    skipImmediates(r, op, at);
    const cost = costs.instruction[op.index]!;
    segCost += cost;
    staticCost += cost;
    if (op.prefix === 0) {
      switch (op.code) {
        case 0x02: // block: no new segment
          depth++;
          break;
        case 0x03: // loop: its header is a branch target, and where repetition is paid for
          depth++;
          flush(r.pos, true);
          break;
        case 0x04: // if: the then-branch starts a segment
          depth++;
          flush(r.pos);
          break;
        case 0x05: // else
          flush(r.pos);
          break;
        case 0x0b: // end
          if (depth === 0) {
            flush(r.pos);
            return { points, staticCost, hasCalls };
          }
          depth--;
          flush(r.pos);
          break;
        case 0x10: // call
        case 0x11: // call_indirect: the callee charged the global; the local catches up
          hasCalls = true;
          if (ctx.fuelLocal !== undefined) edits.insert(r.pos, charger.load(), RELOAD_ORDER);
          break;
        case 0x00: // unreachable
        case 0x0c: // br
        case 0x0d: // br_if
        case 0x0e: // br_table
        case 0x0f: // return
          flush(r.pos);
          break;
        case 0x40: // memory.grow: per page requested
          if (costs.memoryGrowPage > 0) {
            edits.insert(at, charger.variable(scratch, costs.memoryGrowPage), VARIABLE_ORDER);
            points++;
          }
          break;
      }
    } else if (op.prefix === 0xfc) {
      const unit = BULK_MEMORY.has(op.code)
        ? costs.memoryByte
        : BULK_TABLE.has(op.code)
          ? costs.tableElement
          : op.code === TABLE_GROW
            ? costs.tableGrowElement
            : 0;
      if (unit > 0) {
        edits.insert(at, charger.variable(scratch, unit), VARIABLE_ORDER);
        points++;
      }
    }
  }
  // validated bodies always end with the function's `end`
  throw new Error('wasm-harden internal error: function body without a final end');
}
