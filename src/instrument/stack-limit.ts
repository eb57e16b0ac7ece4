/**
 * A deterministic stack limit: callee-side and weighted (finite-wasm's design).
 *
 * Purpose: recursion, direct or through `call_indirect` or mutual, must end in a trap of our own, at the
 * same depth on every run and every engine tier, well before V8's native stack runs out (V8 allows only
 * 241 native frames of a function with 512 i64 locals, and its limit depends on the tier).
 *
 * Each function reserves its frame weight in an internal i32 global `$depth` at entry and releases it at
 * every exit. The body is wrapped in a block with the function's result type, so every way out (falling
 * off the end, a branch to the function's label, and `return`, rewritten as a branch to the wrapper) passes
 * through one epilogue:
 *
 *   before                          after
 *   (func (param i32) (result i32)  (func (param i32) (result i32)
 *     ...                             global.get $depth  i32.const W  i32.add  global.set $depth
 *     return                          global.get $depth  i32.const LIMIT  i32.gt_u  if  unreachable  end
 *     ...)                            (block (result i32)
 *                                       ...
 *                                       br k          ;; was `return`; k = the wrapper's depth here
 *                                       ...)
 *                                     global.get $depth  i32.const W  i32.sub  global.set $depth
 *                                     (fuel's exit check: if ($fuel < 0) unreachable))
 *
 * Weight W = FRAME_BASE + LOCAL_WEIGHT × (parameters + locals) + SLOT_WEIGHT × (the operand stack's greatest
 * height, which the validator measures), in bytes of a notional stack, so that frames with many locals or
 * deep expressions hit the limit sooner, as they do natively (V8 spills operands to its frame). A trap skips the epilogue; the host
 * resets `$depth` at each top-level entry (never on re-entry through an import), so a trapped call does
 * not leak depth into the next. `$depth > LIMIT` after a trap is the stack-overflow sentinel.
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { Reader } from '../binary/reader.js';
import type { FunctionBody } from '../binary/module-info.js';
import type { BodyEdits } from './body-edits.js';
import { ByteWriter } from './byte-writer.js';

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
 * epilogue cost the most.
 */
export const LEAF_MAX_WEIGHT = 1024;
export const LOCAL_WEIGHT = 16;
export const SLOT_WEIGHT = 8;

export function frameWeight(paramCount: number, localCount: number, maxStackHeight: number): number {
  return FRAME_BASE + LOCAL_WEIGHT * (paramCount + localCount) + SLOT_WEIGHT * Math.max(0, maxStackHeight);
}

export interface StackContext {
  depthGlobal: number;
  /** appended to the epilogue (fuel's exit check), or empty */
  exitCheck: ArrayLike<number>;
  limit: number;
  weight: number;
  /** the encoded block type of the wrapper (the function's results) */
  blockType: ArrayLike<number>;
}

/** Edit order at one offset: the prologue and the wrapper come before the first fuel charge. */
export const STACK_ORDER = 0;

export function planStackLimit(bytes: Uint8Array, body: FunctionBody, ctx: StackContext, edits: BodyEdits): void {
  const { depthGlobal: d, limit, weight } = ctx;
  const prologue = new ByteWriter(32);
  prologue.byte(0x23).u32(d).byte(0x41).s32(weight).byte(0x6a).byte(0x24).u32(d); // $depth += W
  prologue.byte(0x23).u32(d).byte(0x41).s32(limit).byte(0x4b).byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if ($depth >u LIMIT) unreachable
  prologue.byte(0x02).bytes(ctx.blockType); // block (result ...)
  edits.insert(body.codeStart, prologue.toBytes(), STACK_ORDER);

  const r = new Reader(bytes, body.codeStart, body.end);
  let depth = 0; // constructs open inside the wrapper
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
        break;
      case 0x0b:
        if (depth === 0) {
          // the original final `end` now closes the wrapper; the epilogue and a new final `end` follow
          const epilogue = new ByteWriter(32);
          epilogue.byte(0x23).u32(d).byte(0x41).s32(weight).byte(0x6b).byte(0x24).u32(d);
          epilogue.bytes(ctx.exitCheck).byte(0x0b);
          edits.insert(r.pos, epilogue.toBytes(), STACK_ORDER);
          return;
        }
        depth--;
        break;
      case 0x0f: {
        // return → br to the wrapper, which carries the results to the epilogue
        const br = new ByteWriter(6);
        br.byte(0x0c).u32(depth);
        edits.replace(at, 1, br.toBytes(), STACK_ORDER);
        break;
      }
    }
  }
  throw new Error('wasm-harden internal error: function body without a final end');
}
