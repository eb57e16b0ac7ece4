/**
 * Where the fuel tests go: as few as the slack allows, found by tracking a lower bound on the slack `$s`
 * through every body, and across calls through a summary of each callee.
 *
 * Why: in call-dense programs (QuickJS, SQLite) the tests, not the subtractions, were the cost: a test at
 * every function entry and every params exit put QuickJS's JSON workload at 1.34× and SQLite at 1.45×, while
 * the calling convention alone (the same parameters and results, no test) measured 1.08× and 1.06×.
 *
 * The rule. While the fuel lasts, a test leaves `$s ≥ T` (fuel.ts `FuelLevels.threshold`), and `$s` must
 * never fall below 0 where an instruction can trap (so that `$fuel` stays a lower bound). Between those two,
 * nothing forces a test: a body only needs one where the bound would fall below 0 in a segment that can
 * trap (opcodes.ts `MAY_TRAP`: memory accesses, division, `unreachable`, ...; or one that enters a wrapped
 * loop), or below what a callee needs. A segment that cannot trap may take the slack below 0: nothing can
 * observe `$fuel` there, and the next segment that can trap, the next call, loop header or exit tests first
 * (a test re-floors from `$fuel + $s`, whatever the sign of `$s`). That removed, for instance, the test a
 * tight loop's exit otherwise needs before the arithmetic that follows it. Inside a body the bound is
 * `min(x - u, v)`, where x is the slack at entry, u the most charged on a path from the entry that passed
 * no test (-∞ once every path tested) and v the least left on a path since its last test (+∞ while none
 * did). A charge c adds c to u and takes it from v; a test sets u = -∞, v = T.
 * Joins take the larger u and the smaller v (so code after an unconditional branch is neutral), loop headers
 * test (so a loop body is walked once), and a branch to the function's label is an exit.
 *
 * Summaries. Each params function f gets (need, a, b): entered with `$s ≥ need(f)` it never lets the bound
 * fall below 0, and it returns `$s ≥ min(x - a(f), T - b(f))`. Its callers take that into account: before a
 * call, `u + need ≤ B` (the allowance, fuel.ts) and `v ≥ need`, or a test goes there; after it, u += a and
 * v = min(v - a, T - b) (below 0 when the callee may return a negative slack). need(f) is the largest `u`
 * (plus the callee's need, at a call) the body reaches in a segment that can trap or at a call, at most B;
 * a is u at the exits, b is T - v there. So a small function called from a tested point has no test at
 * all: the caller's room covers it, and the caller's next test, wherever it is, re-floors for both.
 *
 * Order. Callees are summarised before their callers (a depth-first walk of the direct calls). A call to a
 * function not yet summarised (recursion) assumes the default: need B, and an exit test (a = -∞, b = 0);
 * such a function is pinned, and does test at its exit. A call through a closed table (calling-convention.ts)
 * may reach any of its functions: it assumes the default too, and they are all pinned. Calls to globals
 * functions, imports and open tables hand the fuel over and re-floor after (a test); variable charges test;
 * a globals function tests at entry (`$s` starts at 0).
 *
 * Placing a test: at the charge of the segment where it is needed (where the subtraction already is), or,
 * for a call that is not the first thing its segment does, right before the call. Before the subtraction
 * and its test `$s` may dip below 0, but nothing between them can trap.
 *
 * Once the fuel is low (less than a chunk left), a test passes with `$s` the exact fuel, which may be below
 * T; the bound that starts at T stays ≥ 0 until the next segment that can trap, so the guest then runs at
 * most T, plus the straight-line code that cannot trap before the next test (at most M), past zero before a
 * test traps. A tight loop's header (fuel.ts `tightPrefix`) traps exactly, at the iteration it cannot pay for.
 */

import type { FuelLevels } from './fuel.js';

/** Control instructions, as `placeTests` replays them (`FuelRecord.controls`). */
export const enum Control {
  Block,
  Loop,
  If,
  Else,
  End,
  Br,
  BrIf,
  /** br_table: the argument is how many labels follow in `labels` */
  BrTable,
  Return,
  Unreachable,
}

/**
 * A segment's charge: subtract only, subtract and test, a wrapped loop's header (fuel.ts `loopHeader`: it
 * compares with `$lm` before it subtracts, and leaves the slack at T minus its cost), or a tight loop's
 * header (fuel.ts `tightHeader`: it subtracts, then goes back to its `$retry` when the slack is below 0, and
 * leaves the slack at 0 or more).
 */
export const enum SegmentKind {
  Subtract = 0,
  Test = 1,
  WrappedHeader = 2,
  TightHeader = 3,
}

/** What the walk of a body (fuel.ts `planFuel`) records for `placeTests`. */
export interface FuelRecord {
  /** per segment: (offset, cost, kind, end of its events, end of its controls) */
  segments: number[];
  /** per segment: 1 when it holds an instruction that can trap (opcodes.ts `MAY_TRAP`) or enters a wrapped loop */
  traps: number[];
  /** per segment, in body order: a call (its index in `calls`, ≥ 0) or a variable charge (-1) */
  events: number[];
  /** (control, argument) pairs, after the events of the segment they end; the argument of br and br_if is the depth */
  controls: number[];
  /** br_table labels, in order */
  labels: number[];
  /** (call offset, next offset, callee) triples; the callee is -1 for call_indirect, CLOSED_TABLE_CALL on a closed table */
  calls: number[];
}

/** The callee of a `call_indirect` on a closed table: a params call to an unknown function (the default summary). */
export const CLOSED_TABLE_CALL = -2;

/** How a recorded call passes the fuel (calling-convention.ts). */
export const enum CallKind {
  /** a direct call to a params function: the slack and the depth as arguments, the slack as a result */
  Params = 0,
  /** the same, through a closed table */
  ClosedTable = 1,
  /** anything else: `$fuel` made exact before, re-floored after */
  HandOver = 2,
}

export function callKind(callee: number, takesParams: Uint8Array): CallKind {
  if (callee === CLOSED_TABLE_CALL) return CallKind.ClosedTable;
  return callee >= 0 && takesParams[callee] === 1 ? CallKind.Params : CallKind.HandOver;
}

/** Per function index, what a direct call can rely on (see the design comment). */
export interface FuelSummaries {
  need: Float64Array;
  exitA: Float64Array;
  exitB: Float64Array;
  /** 1: called back before it was summarised (recursion): it keeps its exit test */
  pinned: Uint8Array;
}

export function newSummaries(functions: number, allowance: number): FuelSummaries {
  return {
    need: new Float64Array(functions).fill(allowance),
    exitA: new Float64Array(functions).fill(-Infinity),
    exitB: new Float64Array(functions).fill(0),
    pinned: new Uint8Array(functions),
  };
}

export interface Placement {
  /** per segment: its kind, with the tests placed */
  kinds: Uint8Array;
  /** per call: 1 when a test goes right before it */
  callTests: Uint8Array;
  exitTest: boolean;
}

export interface PlacementInput {
  levels: FuelLevels;
  /** per function index: 1 when a direct call to it is a params call (the others hand the fuel over) */
  takesParams: Uint8Array;
  summaries: FuelSummaries;
}

/**
 * Places the tests of one body. `self`: the function index whose summary this body defines (a params
 * function, or a split function's inner copy), or -1 (globals and direct: the entry tests, the exit needs
 * none). Writes the summary of `self`.
 */
export function placeTests(rec: FuelRecord, input: PlacementInput, self: number): Placement {
  const { segments, traps, events, controls, labels, calls } = rec;
  const { threshold: T, allowance: B } = input.levels;
  const { need, exitA, exitB } = input.summaries;
  const count = segments.length / 5;
  const kinds = new Uint8Array(count);
  for (let i = 0; i < count; i++) kinds[i] = segments[i * 5 + 2]!;
  if (self < 0) kinds[0] = SegmentKind.Test;
  const callTests = new Uint8Array(calls.length / 3);
  let u = 0;
  let v = Infinity;
  let most = 0; // need: the largest u where something runs
  let exitU = -Infinity;
  let exitV = Infinity;
  const test = () => {
    u = -Infinity;
    v = T;
  };
  // per open construct: [loop?, u and v at its label, u and v of the other path of an if (the else path, or the then path once in the else)]
  const frames: number[] = [];
  const join = (d: number) => {
    const f = frames.length - 5 * (d + 1);
    if (f < 0) {
      exitU = Math.max(exitU, u);
      exitV = Math.min(exitV, v);
    } else if (frames[f] === 0) {
      frames[f + 1] = Math.max(frames[f + 1]!, u);
      frames[f + 2] = Math.min(frames[f + 2]!, v);
    } // a loop's label is its header, which tests
  };
  const unreachable = () => {
    u = -Infinity;
    v = Infinity;
  };
  let e = 0; // the next event
  let c = 0; // the next control
  let lb = 0; // the next br_table label
  for (let i = 0; i < count; i++) {
    const cost = segments[i * 5 + 1]!;
    if (kinds[i] === SegmentKind.Test) test();
    else if (kinds[i] === SegmentKind.WrappedHeader) {
      test();
      v -= cost;
    } else if (kinds[i] === SegmentKind.TightHeader) {
      u = -Infinity;
      v = 0;
    } else {
      u += cost;
      v -= cost;
      // the slack may run below 0 across segments that cannot trap: the next one that can (or a call, a
      // loop, an exit) tests first
      if (traps[i] === 1) {
        if (u > B || v < 0) {
          kinds[i] = SegmentKind.Test;
          test();
        } else most = Math.max(most, u);
      }
    }
    const eventsEnd = segments[i * 5 + 3]!;
    for (let first = true; e < eventsEnd; e++, first = false) {
      const k = events[e]!;
      const callee = k < 0 ? -1 : calls[k * 3 + 2]!;
      if (k < 0 || callKind(callee, input.takesParams) === CallKind.HandOver) {
        // a variable charge tests; a hand-over re-floors after the call
        if (u !== -Infinity || v !== Infinity) test();
        continue;
      }
      if (u === -Infinity && v === Infinity) continue; // unreachable
      // a closed table's function: any of them, so the default summary (they are pinned: they test at exit)
      const n = callee >= 0 ? need[callee]! : B;
      if (u + n > B || v < n) {
        if (first && kinds[i] === SegmentKind.Subtract) kinds[i] = SegmentKind.Test;
        else callTests[k] = 1;
        test();
      } else most = Math.max(most, u + n);
      const a = callee >= 0 ? exitA[callee]! : -Infinity;
      v = Math.min(v - a, T - (callee >= 0 ? exitB[callee]! : 0));
      u += a;
    }
    const controlsEnd = segments[i * 5 + 4]!;
    for (; c < controlsEnd; c += 2) {
      const arg = controls[c + 1]!;
      switch (controls[c] as Control) {
        case Control.Block:
          frames.push(0, -Infinity, Infinity, -Infinity, Infinity);
          break;
        case Control.Loop:
          frames.push(1, -Infinity, Infinity, -Infinity, Infinity);
          break;
        case Control.If:
          frames.push(0, -Infinity, Infinity, u, v); // without an else, the condition's bound reaches the end
          break;
        case Control.Else: {
          const f = frames.length - 5;
          const thenU = u;
          const thenV = v;
          u = frames[f + 3]!;
          v = frames[f + 4]!;
          frames[f + 3] = thenU;
          frames[f + 4] = thenV;
          break;
        }
        case Control.End: {
          if (frames.length === 0) {
            join(0); // the function's end
            break;
          }
          const f = frames.length - 5;
          if (frames[f] === 0) {
            u = Math.max(u, frames[f + 1]!, frames[f + 3]!);
            v = Math.min(v, frames[f + 2]!, frames[f + 4]!);
          }
          frames.length = f;
          break;
        }
        case Control.Br:
          join(arg);
          unreachable();
          break;
        case Control.BrIf:
          join(arg);
          break;
        case Control.BrTable:
          for (const end = lb + arg; lb < end; lb++) join(labels[lb]!);
          unreachable();
          break;
        case Control.Return:
          join(frames.length);
          unreachable();
          break;
        case Control.Unreachable:
          unreachable();
          break;
      }
    }
  }
  const exitTest = self >= 0 && input.summaries.pinned[self] === 1;
  if (self >= 0) {
    need[self] = most;
    exitA[self] = exitTest ? -Infinity : exitU;
    exitB[self] = exitTest ? 0 : exitV === Infinity ? -Infinity : T - exitV;
  }
  return { kinds, callTests, exitTest };
}

/**
 * Summarises callees before their callers: a depth-first walk of the direct calls between the bodies that
 * define a summary (`selfOf`), placing each body's tests once its callees are done. A call back to a body
 * still being walked pins that body (it keeps its exit test, and its callers assume the default summary).
 * Returns the placements, by body.
 */
export function placeAll(records: readonly FuelRecord[], selfOf: readonly number[], input: PlacementInput): Placement[] {
  const placements: Placement[] = new Array(records.length);
  const bodyOf = new Map<number, number>();
  selfOf.forEach((f, body) => {
    if (f >= 0) bodyOf.set(f, body);
  });
  const state = new Uint8Array(records.length); // 0 new, 1 on the walk's stack, 2 placed
  const stack: number[] = []; // (body, next call) pairs
  for (let root = 0; root < records.length; root++) {
    if (selfOf[root]! < 0 || state[root] !== 0) continue;
    state[root] = 1;
    stack.push(root, 0);
    while (stack.length > 0) {
      const top = stack.length - 2;
      const body = stack[top]!;
      const calls = records[body]!.calls;
      let k = stack[top + 1]!;
      let descended = false;
      for (; k < calls.length; k += 3) {
        const callee = calls[k + 2]!;
        if (callee < 0 || input.takesParams[callee] !== 1) continue;
        const next = bodyOf.get(callee);
        if (next === undefined) continue;
        if (state[next] === 1) input.summaries.pinned[callee] = 1;
        else if (state[next] === 0) {
          stack[top + 1] = k + 3;
          state[next] = 1;
          stack.push(next, 0);
          descended = true;
          break;
        }
      }
      if (descended) continue;
      stack.length = top;
      placements[body] = placeTests(records[body]!, input, selfOf[body]!);
      state[body] = 2;
    }
  }
  // the globals and direct bodies, once every params function is summarised
  for (let body = 0; body < records.length; body++) if (selfOf[body]! < 0) placements[body] = placeTests(records[body]!, input, -1);
  return placements;
}
