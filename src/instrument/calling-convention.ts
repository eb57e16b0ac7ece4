/**
 * How fuel and depth travel between functions: in parameters where nobody else can call, through the
 * globals where the host or a table can.
 *
 * Why: issue 6 measured that what instrumentation costs in call-heavy code is *stores to globals*, not
 * instructions. A recursive fib with one `global.set` per call ran 1.42× slower; the old scheme (fuel
 * written through to `$fuel` at every charge, `$depth` raised at entry and lowered at exit) ran 1.62×.
 * Passing the fuel and the depth as parameters, and handing the fuel back as an extra result, leaves no
 * store at all on the hot path: the same fib ran 0.99–1.10×.
 *
 * Three conventions, chosen per defined function:
 *
 *   params    (internal functions: not exported, not in any element segment except a closed table's,
 *             not named by `ref.func`, not the start function, so only direct `call`s and `call_indirect`
 *             on a closed table reach them: `closedTableCandidates`). The type gains two parameters,
 *             `$s: i64` (the fuel slack, below) and `$d: i32` (the caller's depth), and one result, the
 *             slack left. The new parameters come after the original ones, so every declared local moves
 *             up by two (the fuel pass renumbers `local.get/set/tee`).
 *   globals   (everything a host, a table or `ref.func` can reach, and any function the params form would
 *             take past V8's limits). The type is unchanged; `$s` and `$d` are two locals appended after
 *             the declared ones, `$s` starting at 0 (locals are zeroed) and `$d` read from `$depth`.
 *   direct    (a function already at V8's 50,000-locals limit): no locals, every charge goes to `$fuel`
 *             itself and the depth to `$depth`, as before issue 6. Rare; exact and slow. A direct function
 *             keeps its depth in `$depth` and cannot re-read it after a call, so whatever it calls directly
 *             takes the globals convention (which gives `$depth` back as it found it).
 *
 * The fuel protocol. `$fuel` (exported, the host's view) is, while guest code runs, a *lower bound* on the
 * fuel left, and exact whenever control crosses a globals boundary (a host call in or out, a call to or
 * from a globals function, `call_indirect`). Inside a function the fuel left is `$fuel + $s`: every charge
 * subtracts from `$s` in a register. The tests (loop headers, bulk operations, globals entries, and wherever
 * the slack would run out: test-placement.ts) compare `$s` with the module's threshold T (fuel.ts
 * `FuelLevels`), placed so that `$s` cannot fall below 0 before the next test. Only when `$s < T` does the
 * slow path run (inline: a call there, even one never taken, makes V8 keep
 * a hot loop's values in memory): it computes the fuel left `f = $fuel + $s`, traps out of fuel when f < 0
 * (storing f, the negative sentinel), and otherwise sets `$s = min(f, C)` and `$fuel = f - $s`, with the
 * chunk C = T + FUEL_CHUNK. So `$fuel` is stored about once per FUEL_CHUNK units, and never exceeds the
 * truth: a trap of any other kind leaves it at most C below the exact figure (`report.fuel.trapOvercharge`),
 * an overcharge, never an undercharge. Every boundary makes it exact again, so a call that returns is
 * charged exactly. (When less than C is left, `$fuel` is 0 and `$s` the exact fuel.) Loops without calls
 * test against a global `$lowmark` instead of T, from a `$retry` loop around them (fuel.ts `loopPrefix`).
 *
 *   call to a params function    push `$s` and `$d` after the arguments; pop the returned slack into `$s`
 *                                (at least what the callee's summary promises, test-placement.ts); the
 *                                same through a closed table, with the element index kept above them
 *                                (through the scratch global) and the callee's internal type
 *   any other call               `$fuel += $s` (now exact), `$depth = $d`; after it, `$s = 0` (the callee
 *                                left `$fuel` exact) and the test, which re-floors
 *   globals function entry       `$s` is 0 (`$fuel` is exact at a boundary), so the entry test re-floors;
 *                                `$d = $depth + weight`
 *   globals function exit        `$fuel += $s` (exact for the caller), a trap if that is negative (no call
 *                                returns past its budget), `$depth = $d - weight` (if it calls anything)
 *   params function exit         the slack as the extra result (after a test only in recursive functions)
 *
 * Split functions. A function that a host or a table can call (so it keeps its type) but that other
 * functions also call directly would make every one of those direct calls pay the hand-over. It is split
 * instead: its index keeps a small wrapper with the original type (`wrapperBody`: it hands the fuel and the
 * depth over to the inner copy and back, charges nothing and weighs nothing), and its body, in the params
 * convention, becomes a new function after all the others, which every direct `call` now names
 * (`redirect`). No index the module exposes moves: exports, tables, `ref.func` and the start function
 * still name the wrapper. Counted on QuickJS's JSON workload, this removes 4.6 of 10 million hand-overs;
 * a call through a table pays one more direct call (into the inner copy).
 *
 * A re-floor has changed what every caller's saved slack is relative to; that is harmless, because a
 * caller's slack is dead while its callee runs (it is replaced by the callee's result, or re-floored after a
 * globals call). The depth needs no restore in params functions: each frame keeps its own `$d`, and `$depth`
 * is written only at boundaries and at an overflow (the sentinel, > LIMIT).
 */

import { ExternKindCode, SegmentMode, type ElemSegment, type FuncType, type ModuleInfo, type Range } from '../binary/module-info.js';
import { Reader } from '../binary/reader.js';
import { V8_LIMITS } from '../limits.js';
import { ByteWriter } from './byte-writer.js';
import type { ModuleSurvey } from './survey.js';

export const enum Convention {
  Params = 0,
  Globals = 1,
  Direct = 2,
}

/** How far below the exact fuel a re-floor sets `$fuel`, beyond the module's threshold T (see above). */
export const FUEL_CHUNK = 65_536;

/**
 * The re-floor (see the fuel protocol above), written where `$s` may be short: `$s = $fuel + $s` (the fuel
 * left); when that is below `need` (0 for a test; a counted loop's iteration cost, counted-loop.ts), store
 * what it lacks as the sentinel and trap; else `$s = min(it, chunk)` and `$fuel` = the rest.
 */
export function writeRefloor(w: ByteWriter, slackLocal: number, fuelGlobal: number, chunk: number, need = 0): void {
  const s = slackLocal;
  const f = fuelGlobal;
  const c = BigInt(chunk);
  w.byte(0x23).u32(f).byte(0x20).u32(s).byte(0x7c).byte(0x22).u32(s); // $s = $fuel + $s
  w.byte(0x42).s64(BigInt(need)).byte(0x53).byte(0x04).byte(0x40).byte(0x20).u32(s); // if ($s < need) { the fuel left,
  if (need > 0) w.byte(0x42).s64(BigInt(need)).byte(0x7d); //   minus need,
  w.byte(0x24).u32(f).byte(0x00).byte(0x0b); //   into $fuel; unreachable }
  // the new slack: chunk, or all of the fuel when less is left; `$fuel` = fuel left - new slack (no reload)
  w.byte(0x20).u32(s); // the fuel left
  w.byte(0x42).s64(c).byte(0x20).u32(s).byte(0x20).u32(s).byte(0x42).s64(c).byte(0x55).byte(0x1b); // min(it, chunk)
  w.byte(0x22).u32(s).byte(0x7d).byte(0x24).u32(f); // $s = that; $fuel = fuel left - $s
}

export interface ConventionPlan {
  /**
   * per defined function of the *output*: the n originals, then the inner copies of the split ones (their
   * index is n + k for the k-th entry of `split`)
   */
  conventions: Uint8Array;
  /** per defined function of the output in the params convention, the index of its internal type among the new types */
  internalType: Int32Array;
  /** the new types, as (params, results) of the internal signature, one per distinct original type */
  newTypes: { params: Uint8Array; results: Uint8Array }[];
  /** the original type of each entry of `newTypes` */
  newTypeOrigin: number[];
  /** the split functions (defined indices), in the order of their inner copies */
  split: number[];
  /** per function index: where a direct `call` to it goes instead (a split function's inner copy), or -1 */
  redirect: Int32Array;
  /** per table index: 1 for a closed table, whose entries are all params functions (`closedTableCandidates`) */
  closedTables: Uint8Array;
  /** per function index: 1 for a function in a closed table (any `call_indirect` on it may reach it) */
  inClosedTable: Uint8Array;
  /** per original type index: the index in `newTypes` of its internal type, for `call_indirect` on a closed table, or -1 */
  indirectType: Int32Array;
  /** whether an element segment names a split function, so that it must name its inner copy instead */
  elementsRedirected: boolean;
}

/** ref.func x as the whole of a constant expression, or undefined */
export function refFuncOf(bytes: Uint8Array, e: Range): number | undefined {
  if (bytes[e.start] !== 0xd2) return undefined;
  return new Reader(bytes, e.start + 1, e.end).u32();
}

/**
 * Closed tables: a table that is neither imported nor exported, in a module where funcrefs cannot move at
 * run time (no table.get/set/grow/fill/copy/init, no elem.drop, no `ref.func` in code or in a global), holds
 * only what its active element segments put there, and nothing outside the module ever sees its entries.
 * So its functions can take the params convention, and `call_indirect` on it passes the slack and the
 * depth like a direct call (the internal types are as distinct as the originals, so a signature mismatch
 * still traps). QuickJS calls its allocator hooks through its private table: JSON 1.24× → 1.20×, strings
 * 1.19× → 1.15× (issue 6, same-process A/B).
 */
function closedTableCandidates(info: ModuleInfo, tablesOpen: boolean): Uint8Array {
  const closed = new Uint8Array(info.allTables.length);
  if (tablesOpen || info.globals.some((g) => refFuncOf(info.bytes, g.init) !== undefined)) return closed;
  for (let t = info.importedTables; t < closed.length; t++) closed[t] = 1;
  for (const e of info.exports) if (e.kind === ExternKindCode.Table) closed[e.index] = 0;
  return closed;
}

/** the functions an element segment names (function indices, or `ref.func` expressions) */
function elementFunctions(info: ModuleInfo, s: ElemSegment): number[] {
  const out: number[] = [];
  if (s.funcIndices !== undefined) out.push(...s.funcIndices);
  if (s.exprs !== undefined)
    for (const e of s.exprs) {
      const f = refFuncOf(info.bytes, e);
      if (f !== undefined) out.push(f);
    }
  return out;
}

/**
 * Functions a host, a table or `ref.func` can reach: the spec's C.refs, plus the start function (by function
 * index). Entries of `closed` tables do not count.
 */
export function escapingFunctions(info: ModuleInfo, closed?: Uint8Array): Uint8Array {
  const total = info.funcTypeIndices.length;
  const escaping = new Uint8Array(total);
  const mark = (i: number | undefined) => {
    if (i !== undefined && i < total) escaping[i] = 1;
  };
  for (const e of info.exports) if (e.kind === ExternKindCode.Func) mark(e.index);
  for (const s of info.elements) {
    if (closed !== undefined && s.mode === SegmentMode.Active && closed[s.tableIndex] === 1) continue;
    for (const f of elementFunctions(info, s)) mark(f);
  }
  for (const g of info.globals) mark(refFuncOf(info.bytes, g.init));
  mark(info.start?.index);
  return escaping;
}

export function planConventions(info: ModuleInfo, survey: Pick<ModuleSurvey, 'called' | 'forced' | 'tablesOpen'>): ConventionPlan {
  const n = info.codes.length;
  const total = info.funcTypeIndices.length;
  // direct functions (no room for two locals) need their callees in the globals convention, unsplit;
  // every other direct call makes its escaping callee worth splitting
  const { forced, called } = survey;
  /** whether a signature has room for the two parameters and the result the params convention adds */
  const typeFits = (type: FuncType) => type.params.length + 2 <= V8_LIMITS.params && type.results.length + 1 <= V8_LIMITS.results;
  /** whether function `f` can take the params convention (two more locals, too) */
  const fits = (f: number): boolean => {
    const i = f - info.importedFunctions;
    if (i < 0) return false; // an import
    const type = info.types[info.functions[i]!]!;
    return typeFits(type) && type.params.length + info.codes[i]!.localCount + 2 <= V8_LIMITS.localsPerFunction;
  };
  // a closed table stays closed only if every function in it can take the params convention
  const closedTables = closedTableCandidates(info, survey.tablesOpen);
  const inClosed = new Uint8Array(total);
  for (const seg of info.elements) {
    if (seg.mode !== SegmentMode.Active || closedTables[seg.tableIndex] !== 1) continue;
    const fs = elementFunctions(info, seg);
    if (fs.some((f) => !fits(f) || forced[f] === 1)) closedTables[seg.tableIndex] = 0;
  }
  for (const seg of info.elements)
    if (seg.mode === SegmentMode.Active && closedTables[seg.tableIndex] === 1) for (const f of elementFunctions(info, seg)) inClosed[f] = 1;
  const escaping = escapingFunctions(info, closedTables);
  const conventions: Convention[] = [];
  const internalType: number[] = [];
  const newTypes: ConventionPlan['newTypes'] = [];
  const newTypeOrigin: number[] = [];
  const byOrigin = new Map<number, number>();
  const split: number[] = [];
  const redirect = new Int32Array(total).fill(-1);
  const internal = (typeIndex: number): number => {
    let t = byOrigin.get(typeIndex);
    if (t === undefined) {
      const type = info.types[typeIndex]!;
      t = newTypes.length;
      byOrigin.set(typeIndex, t);
      newTypes.push({ params: Uint8Array.of(...type.params, 0x7e, 0x7f), results: Uint8Array.of(...type.results, 0x7e) });
      newTypeOrigin.push(typeIndex);
    }
    return t;
  };
  for (let i = 0; i < n; i++) {
    const f = info.importedFunctions + i;
    const typeIndex = info.functions[i]!;
    const type = info.types[typeIndex]!;
    const locals = type.params.length + info.codes[i]!.localCount;
    const fitsParams = fits(f);
    if (fitsParams && forced[f] === 0 && escaping[f] === 0) {
      conventions.push(Convention.Params);
      internalType.push(internal(typeIndex));
    } else {
      conventions.push(locals + 2 <= V8_LIMITS.localsPerFunction ? Convention.Globals : Convention.Direct);
      internalType.push(-1);
      if (fitsParams && forced[f] === 0 && (called[f] === 1 || inClosed[f] === 1)) {
        redirect[f] = info.importedFunctions + n + split.length;
        split.push(i);
      }
    }
  }
  for (const i of split) {
    conventions.push(Convention.Params);
    internalType.push(internal(info.functions[i]!));
  }
  // call_indirect on a closed table names the internal type (a type no function of the table has keeps
  // its own: such a call traps on the signature, as before)
  const indirectType = new Int32Array(info.types.length).fill(-1);
  if (closedTables.some((c) => c === 1))
    info.types.forEach((type, t) => {
      if (typeFits(type)) indirectType[t] = internal(t);
    });
  let elementsRedirected = false;
  for (let f = 0; f < total; f++) if (inClosed[f] === 1 && redirect[f]! >= 0) elementsRedirected = true;
  return {
    conventions: Uint8Array.from(conventions),
    internalType: Int32Array.from(internalType),
    newTypes,
    newTypeOrigin,
    split,
    redirect,
    closedTables,
    inClosedTable: inClosed,
    indirectType,
    elementsRedirected,
  };
}

/**
 * The body of a split function's wrapper (locals included): what hosts and tables call, with the original
 * type, handing the fuel and the depth over to the inner copy and back. Charges nothing (it is not guest
 * code) and weighs nothing (the inner copy accounts the frame).
 *
 *   (local $d i32) (local $s i64)
 *   refloor                              ;; `$s` from `$fuel` (fuel.ts `wrapperRefloor`): the inner copy
 *                                        ;; starts with at least the allowance, like every params function
 *   local.get 0 ... local.get p-1
 *   local.get $s
 *   global.get $depth  local.tee $d
 *   call $inner                          ;; → results, slack
 *   global.get $fuel  i64.add  global.set $fuel    ;; `$fuel` exact again
 *   if ($fuel < 0) unreachable                     ;; no call returns past its budget (the inner copy
 *                                                  ;; tests at its exit only if recursive)
 *   local.get $d  global.set $depth                ;; as the caller left it
 */
export function wrapperBody(paramCount: number, innerIndex: number, fuelGlobal: number, depthGlobal: number, refloor: Uint8Array): ByteWriter {
  const w = new ByteWriter(48 + refloor.length + 2 * paramCount);
  w.u32(2).u32(1).byte(0x7f).u32(1).byte(0x7e); // $d: i32 (index paramCount), $s: i64 (paramCount + 1)
  w.bytes(refloor);
  for (let k = 0; k < paramCount; k++) w.byte(0x20).u32(k);
  w.byte(0x20).u32(paramCount + 1).byte(0x23).u32(depthGlobal).byte(0x22).u32(paramCount);
  w.byte(0x10).u32(innerIndex);
  w.byte(0x23).u32(fuelGlobal).byte(0x7c).byte(0x24).u32(fuelGlobal);
  w.byte(0x23).u32(fuelGlobal).byte(0x42).byte(0x00).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  w.byte(0x20).u32(paramCount).byte(0x24).u32(depthGlobal);
  w.byte(0x0b);
  return w;
}
