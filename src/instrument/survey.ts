/**
 * One walk over every body before anything is rewritten: what the planners need to know about the whole
 * module, gathered together so that no pass walks the bodies twice.
 *
 * - who calls whom directly (calling-convention.ts: which escaping functions to split, which callees of a
 *   function at V8's locals limit must stay in the globals convention);
 * - the loops with no call inside, at any depth (fuel.ts wraps them in a `$retry` loop);
 * - each function's direct callees and whether it calls through a table (stack-limit.ts `unaccountedFrames`).
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import type { ModuleInfo } from '../binary/module-info.js';
import { Reader } from '../binary/reader.js';
import { V8_LIMITS } from '../limits.js';

export interface ModuleSurvey {
  /** per function index: called directly by a function with room for two more locals */
  called: Uint8Array;
  /** per function index: called directly by a function at V8's locals limit (it must stay in the globals convention) */
  forced: Uint8Array;
  /** the offsets (in the module) of the loops with no call inside, at any depth */
  callFreeLoops: Set<number>;
  /**
   * whether funcrefs can move at run time (table.get/set/grow/fill/copy/init, elem.drop, ref.func in code),
   * or a function at V8's locals limit calls through a table: then no table is closed (calling-convention.ts)
   */
  tablesOpen: boolean;
  /** per defined function: the functions it calls directly (function indices, imports included) */
  directCallees: number[][];
  /** per defined function: whether it calls through a table */
  callsIndirect: Uint8Array;
}

export function surveyModule(info: ModuleInfo): ModuleSurvey {
  const total = info.funcTypeIndices.length;
  const called = new Uint8Array(total);
  const forced = new Uint8Array(total);
  const callFreeLoops = new Set<number>();
  const bytes = info.bytes;
  const open: number[] = []; // per open construct: its offset if a loop, else -1
  const calls: boolean[] = []; // per open construct: whether a call was seen inside
  let tablesOpen = false;
  const directCallees: number[][] = [];
  const callsIndirect = new Uint8Array(info.codes.length);
  info.codes.forEach((body, i) => {
    const mine: number[] = [];
    directCallees.push(mine);
    const locals = info.types[info.functions[i]!]!.params.length + body.localCount;
    const direct = locals + 2 > V8_LIMITS.localsPerFunction;
    const callees = direct ? forced : called;
    open.length = 0;
    calls.length = 0;
    const r = new Reader(bytes, body.codeStart, body.end);
    while (r.pos < body.end) {
      const at = r.pos;
      const op = readOpcode(r);
      if (op.prefix !== 0) {
        // table.init, elem.drop, table.copy, table.grow, table.fill (not table.size)
        if (op.prefix === 0xfc && op.code >= 0x0c && op.code <= 0x11 && op.code !== 0x10) tablesOpen = true;
        skipImmediates(r, op, at);
        continue;
      }
      switch (op.code) {
        case 0x10: {
          const callee = r.u32();
          if (callee < total) callees[callee] = 1;
          mine.push(callee);
          if (calls.length > 0) calls[calls.length - 1] = true;
          continue;
        }
        case 0x11:
          callsIndirect[i] = 1;
          if (calls.length > 0) calls[calls.length - 1] = true;
          if (direct) tablesOpen = true;
          break;
        case 0x25: // table.get
        case 0x26: // table.set
        case 0xd2: // ref.func
          tablesOpen = true;
          break;
        case 0x02:
        case 0x04:
          open.push(-1);
          calls.push(false);
          break;
        case 0x03:
          open.push(at);
          calls.push(false);
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
  });
  return { called, forced, callFreeLoops, tablesOpen, directCallees, callsIndirect };
}
