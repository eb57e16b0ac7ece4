/**
 * A deterministic stack limit: callee-side and weighted (finite-wasm's design).
 *
 * Purpose: recursion, direct or through `call_indirect` or mutual, must end in a trap of our own, at the
 * same depth on every run and every engine tier, well before V8's native stack runs out (V8 allows only
 * 241 native frames of a function with 512 i64 locals, and its limit depends on the tier).
 *
 * Each function adds its frame weight W to the depth it was called at, and traps when that passes the
 * limit. The depth travels like the fuel (src/instrument/calling-convention.ts): as a parameter `$d` into
 * internal functions, through the `$depth` global across every other boundary (the caller stores its `$d`
 * before the call, a globals function reads `$depth` at entry and puts it back at exit). So a call between
 * internal functions touches no global at all. The body is wrapped in a block with the function's result
 * type, so every way out (falling off the end, a branch to the function's label, and `return`, rewritten
 * as a branch to the wrapper) passes through one epilogue, which also carries the fuel's exit:
 *
 *   before                          after (params convention: $d is a parameter)
 *   (func (param i32) (result i32)  (func (param i32) (param $s i64) (param $d i32) (result i32 i64)
 *     ...                             local.get $d  i32.const W  i32.add  local.tee $d
 *     return                          i32.const LIMIT  i32.gt_u  if  local.get $d  global.set $depth  unreachable  end
 *     ...)                            (block (result i32)
 *                                       ...
 *                                       br k          ;; was `return`; k = the wrapper's depth here
 *                                       ...)
 *                                     local.get $s)   ;; the fuel's exit: the slack left, as a result
 *
 * Weight W = FRAME_BASE + LOCAL_WEIGHT × (parameters + locals) + SLOT_WEIGHT × (the operand stack's greatest
 * height, which the validator measures), in bytes of a notional stack, so that frames with many locals or
 * deep expressions hit the limit sooner, as they do natively (V8 spills operands to its frame). A trap skips
 * the epilogue; the host resets `$depth` at each top-level entry (never on re-entry through an import), so a
 * trapped call does not leak depth into the next. `$depth > LIMIT` after a trap is the stack-overflow
 * sentinel: the overflowing function stores its depth there before it traps.
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { Reader } from '../binary/reader.js';
import type { FunctionBody } from '../binary/module-info.js';
import type { BodyEdits } from './body-edits.js';
import { ByteWriter } from './byte-writer.js';
import { Convention } from './calling-convention.js';

/**
 * The default stack budget, in bytes of notional stack (see `frameWeight`). What V8 allows depends on the
 * thread: recursing QuickJS (JavaScript recursion through its interpreter) on Node 20's main thread, V8's
 * own limit fired at about 2.7 MiB notional (JavaScript depth 2559), but in a worker thread (vitest's)
 * already at 517 KiB notional (depth 502). 256 KiB (depth 247) stays clear of both, and of slower tiers.
 * Hosts on the main thread may raise it; the runtime classifies V8's own overflow as `stack-overflow` too,
 * but only ours is deterministic.
 */
export const DEFAULT_STACK_LIMIT = 256 * 1024;
/** The largest stack budget a policy may set (on a main thread, still below V8's own limit as measured). */
export const MAX_STACK_LIMIT = 2 * 1024 * 1024;
export const FRAME_BASE = 128;
/**
 * A leaf (a function that calls nothing, directly or through a table) whose frame weighs at most this much
 * gets no stack accounting: it cannot recurse, so it adds at most one frame below the deepest accounted one.
 * The limit's margin below V8's own (see DEFAULT_STACK_LIMIT) covers that frame. Small leaves are the most
 * frequently called functions of real programs (accessors, helpers), so this is where the prologue and
 * epilogue cost the most. The same holds for a small function that calls only such functions, as long as
 * the whole chain it can put on the stack weighs at most this much (`unaccountedFrames`): QuickJS's JSON
 * workload 1.217× → 1.200×, its strings 1.187× → 1.175× (74 of 1,139 prologues gone).
 */
export const LEAF_MAX_WEIGHT = 1024;

/** bound on the chain a frame may put above it unaccounted: LEAF_MAX_WEIGHT / FRAME_BASE frames */
const MAX_UNACCOUNTED_CHAIN = 8;

/**
 * Which defined functions need no stack accounting (1): those that, with every frame they can put above
 * their own, weigh at most LEAF_MAX_WEIGHT. That is a leaf with a small frame, and also a small function
 * whose direct callees are all such functions (a `js_free` that calls `free`): it cannot recurse, and
 * while it runs it adds at most LEAF_MAX_WEIGHT above the deepest accounted frame, which is the margin the
 * leaf rule already relies on. A function that calls through a table, calls an import, or calls a function
 * that does not take the depth as a parameter (a hand-over through `$depth`) is accounted, like one in a
 * cycle of direct calls (its chain is unbounded).
 *
 * `weights`: each defined function's frame weight; `takesParams`: per function index, whether a direct
 * call to it passes the depth as an argument (the params convention, or a split function's inner copy,
 * whose body and weight are the function's own).
 */
export function unaccountedFrames(
  weights: readonly number[],
  directCallees: readonly (readonly number[])[],
  callsIndirect: Uint8Array,
  importedFunctions: number,
  takesParams: Uint8Array,
): Uint8Array {
  const n = weights.length;
  const UNBOUNDED = Number.POSITIVE_INFINITY;
  const top = new Float64Array(n).fill(-1); // -1: not yet known; else the heaviest chain from here (> LEAF_MAX_WEIGHT: too heavy)
  const onPath = new Uint8Array(n);
  let cut = false; // a result below depended on the depth bound: not recorded
  /** the heaviest stack function i can put above its caller's frame; `depth`: its callers on the path */
  const heaviest = (i: number, depth: number): number => {
    if (top[i]! >= 0) return top[i]!;
    if (onPath[i] === 1 || callsIndirect[i] === 1) return (top[i] = UNBOUNDED); // recursion, or a table
    if (depth >= MAX_UNACCOUNTED_CHAIN) {
      cut = true; // the caller's chain is too heavy anyway; this function's own figure is not known
      return UNBOUNDED;
    }
    onPath[i] = 1;
    const cutBefore = cut;
    cut = false;
    let above = 0;
    for (const callee of directCallees[i]!) {
      const d = callee - importedFunctions;
      above = d < 0 || takesParams[callee] !== 1 ? UNBOUNDED : Math.max(above, heaviest(d, depth + 1));
      if (above > LEAF_MAX_WEIGHT) break;
    }
    onPath[i] = 0;
    const total = weights[i]! + above;
    if (!cut) top[i] = total;
    cut = cut || cutBefore;
    return total;
  };
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (heaviest(i, 0) <= LEAF_MAX_WEIGHT) out[i] = 1;
  return out;
}
export const LOCAL_WEIGHT = 16;
export const SLOT_WEIGHT = 8;

export function frameWeight(paramCount: number, localCount: number, maxStackHeight: number): number {
  return FRAME_BASE + LOCAL_WEIGHT * (paramCount + localCount) + SLOT_WEIGHT * Math.max(0, maxStackHeight);
}

export interface StackContext {
  convention: Convention;
  depthGlobal: number;
  /** `$d` (params, globals) */
  depthLocal: number;
  /** whether this function accounts its frame (see LEAF_MAX_WEIGHT) */
  accounted: boolean;
  /** whether the body calls anything */
  hasCalls: boolean;
  limit: number;
  weight: number;
  /** the encoded block type of the wrapper (the function's original results) */
  blockType: ArrayLike<number>;
  /** appended to the epilogue: the fuel's exit (fuel.ts `fuelExit`) */
  fuelExit: ArrayLike<number>;
  /** the loops fuel.ts wraps in a `$retry` loop: one more label each (`FuelContext.wrap`) */
  wrap: ReadonlySet<number>;
}

/** Edit order at one offset: the prologue and the wrapper come before the first fuel charge. */
export const STACK_ORDER = 0;

function prologue(ctx: StackContext): ByteWriter {
  const { convention, depthGlobal: g, depthLocal: d, limit, weight } = ctx;
  const w = new ByteWriter(40);
  if (!ctx.accounted) return w;
  if (convention === Convention.Direct) {
    w.byte(0x23).u32(g).byte(0x41).s32(weight).byte(0x6a).byte(0x24).u32(g); // $depth += W
    w.byte(0x23).u32(g).byte(0x41).s32(limit).byte(0x4b).byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if ($depth >u LIMIT) unreachable
    return w;
  }
  // $d = (params: $d, globals: $depth) + W; if ($d >u LIMIT) { $depth = $d; unreachable }
  if (convention === Convention.Params) w.byte(0x20).u32(d);
  else w.byte(0x23).u32(g);
  w.byte(0x41).s32(weight).byte(0x6a).byte(0x22).u32(d);
  w.byte(0x41).s32(limit).byte(0x4b).byte(0x04).byte(0x40).byte(0x20).u32(d).byte(0x24).u32(g).byte(0x00).byte(0x0b);
  return w;
}

function epilogue(ctx: StackContext): ByteWriter {
  const { convention, depthGlobal: g, weight } = ctx;
  const w = new ByteWriter(32);
  if (ctx.accounted && convention === Convention.Direct) w.byte(0x23).u32(g).byte(0x41).s32(weight).byte(0x6b).byte(0x24).u32(g); // $depth -= W
  // globals: put back what `$depth` was at entry, `$d - W`: a callee may have handed over (stored its own
  // depth) anywhere below. A body without calls leaves `$depth` untouched and needs nothing here (and then
  // `$d` is not kept live, in a register, across every loop of the body).
  if (ctx.accounted && convention === Convention.Globals && ctx.hasCalls)
    w.byte(0x20).u32(ctx.depthLocal).byte(0x41).s32(weight).byte(0x6b).byte(0x24).u32(g); // $depth = $d - W
  w.bytes(ctx.fuelExit).byte(0x0b);
  return w;
}

export function planStackLimit(bytes: Uint8Array, body: FunctionBody, ctx: StackContext, edits: BodyEdits): void {
  edits.insert(body.codeStart, prologue(ctx).byte(0x02).bytes(ctx.blockType).toBytes(), STACK_ORDER); // + block (result ...)

  const r = new Reader(bytes, body.codeStart, body.end);
  let depth = 0; // constructs open inside the wrapper
  // fuel.ts wraps some loops in a `$retry` loop: one more label each
  const loops: number[] = []; // per open construct: 1 for a wrapped loop
  let openLoops = 0;
  while (r.pos < body.end) {
    const at = r.pos;
    const op = readOpcode(r);
    skipImmediates(r, op, at);
    if (op.prefix !== 0) continue;
    switch (op.code) {
      case 0x02:
      case 0x03:
      case 0x04:
        depth++;
        loops.push(op.code === 0x03 && ctx.wrap.has(at) ? 1 : 0);
        openLoops += loops[loops.length - 1]!;
        break;
      case 0x0b:
        if (depth === 0) {
          // the original final `end` now closes the wrapper; the epilogue and a new final `end` follow
          edits.insert(r.pos, epilogue(ctx).toBytes(), STACK_ORDER);
          return;
        }
        depth--;
        openLoops -= loops.pop()!;
        break;
      case 0x0f: {
        // return → br to the wrapper, which carries the results to the epilogue
        const br = new ByteWriter(6);
        br.byte(0x0c).u32(depth + openLoops);
        edits.replace(at, 1, br.toBytes(), STACK_ORDER);
        break;
      }
    }
  }
  throw new Error('wasm-harden internal error: function body without a final end');
}
