/**
 * One walk over every body before anything is rewritten: what the planners need to know about the whole
 * module, gathered together so that no pass walks the bodies twice.
 *
 * - who calls whom directly (calling-convention.ts: which escaping functions to split, which callees of a
 *   function at V8's locals limit must stay in the globals convention);
 * - the loops with no call inside, at any depth (fuel.ts wraps them in a `$retry` loop);
 * - the straight-line functions (no loop, no call, no variable charge) and what one run of each costs: a
 *   caller can pay for those in advance, so they need no fuel test of their own (fuel.ts, `placeTests`).
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import type { ModuleInfo } from '../binary/module-info.js';
import { Reader } from '../binary/reader.js';
import { V8_LIMITS } from '../limits.js';
import type { CostTable } from './cost-model.js';

export interface ModuleSurvey {
  /** per function index: called directly by a function with room for two more locals */
  called: Uint8Array;
  /** per function index: called directly by a function at V8's locals limit (it must stay in the globals convention) */
  forced: Uint8Array;
  /** the offsets (in the module) of the loops with no call inside, at any depth */
  callFreeLoops: Set<number>;
  /**
   * per defined function: the cost of running it once (every instruction once, plus its locals) if it is
   * straight-line, that is without a loop, a call or a variable charge (bulk operations, `memory.grow`,
   * `table.grow`), else -1
   */
  straightCost: Float64Array;
}

/** opcodes (prefix 0) that make a body other than straight-line */
const LOOP = 0x03;
const CALL = 0x10;
const CALL_INDIRECT = 0x11;
const MEMORY_GROW = 0x40;

export function surveyModule(info: ModuleInfo, costs: CostTable): ModuleSurvey {
  const total = info.funcTypeIndices.length;
  const called = new Uint8Array(total);
  const forced = new Uint8Array(total);
  const callFreeLoops = new Set<number>();
  const straightCost = new Float64Array(info.codes.length);
  const bytes = info.bytes;
  const open: number[] = []; // per open construct: its offset if a loop, else -1
  const calls: boolean[] = []; // per open construct: whether a call was seen inside
  info.codes.forEach((body, i) => {
    const locals = info.types[info.functions[i]!]!.params.length + body.localCount;
    const callees = locals + 2 > V8_LIMITS.localsPerFunction ? forced : called;
    let cost = body.localCount * costs.local;
    let straight = true;
    open.length = 0;
    calls.length = 0;
    const r = new Reader(bytes, body.codeStart, body.end);
    while (r.pos < body.end) {
      const at = r.pos;
      const op = readOpcode(r);
      cost += costs.instruction[op.index]!;
      if (op.prefix === 0xfc) {
        // every bulk operation and table.grow (0xfc 8..17) charges per unit
        if (op.code >= 0x08 && op.code <= 0x11) straight = false;
        skipImmediates(r, op, at);
        continue;
      }
      if (op.prefix !== 0) {
        skipImmediates(r, op, at);
        continue;
      }
      switch (op.code) {
        case CALL: {
          const callee = r.u32();
          if (callee < total) callees[callee] = 1;
          if (calls.length > 0) calls[calls.length - 1] = true;
          straight = false;
          continue;
        }
        case CALL_INDIRECT:
          if (calls.length > 0) calls[calls.length - 1] = true;
          straight = false;
          break;
        case 0x02:
        case 0x04:
          open.push(-1);
          calls.push(false);
          break;
        case LOOP:
          open.push(at);
          calls.push(false);
          straight = false;
          break;
        case MEMORY_GROW:
          straight = false;
          break;
        case 0x0b:
          if (open.length > 0) {
            const loop = open.pop()!;
            const inner = calls.pop()!;
            if (inner && calls.length > 0) calls[calls.length - 1] = true;
            if (loop >= 0 && !inner) callFreeLoops.add(loop);
          }
          break;
      }
      skipImmediates(r, op, at);
    }
    straightCost[i] = straight ? cost : -1;
  });
  return { called, forced, callFreeLoops, straightCost };
}
