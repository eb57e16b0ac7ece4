/**
 * The fuel oracle: a naive reference instrumentation that counts, one instruction at a time, exactly what
 * the documented cost model says a run costs. Property `fuel-exact` compares harden's `fuelUsed` with it.
 *
 * Independence. Nothing here shares logic with src/instrument/fuel.ts (segments, branch targets, the fuel
 * local, the exit checks): the only things it takes from src/ are the decoder (to find function bodies
 * and walk their instructions with `readInstructions`) and the opcode table's identities. The cost model is
 * restated here from its documentation (src/instrument/cost-model.ts, default costs), not imported:
 *
 *   - every instruction costs 1, except the structural delimiters `end` and `else`, which cost 0;
 *   - a function's declared locals cost 1 each, per call (parameters are not locals);
 *   - memory.fill / memory.copy / memory.init cost +1 per byte, table.fill / table.copy / table.init +1 per
 *     element, memory.grow +64 per page requested, table.grow +1 per element requested, all read from the
 *     length operand (the i32 on top of the stack) right before the instruction runs, as u32.
 *
 * How: a counter global `$count` (mut i64, starting at 0) is appended and exported, and every function body
 * is rewritten so that *before every instruction* of cost c > 0 it does
 *
 *     global.get $count  i64.const c  i64.add  global.set $count
 *
 * and before a bulk or grow instruction, also (through a scratch i32 global `$n`, so no local is added)
 *
 *     global.set $n  global.get $count  global.get $n  i64.extend_i32_u  i64.const unit  i64.mul  i64.add
 *     global.set $count  global.get $n
 *
 * with the locals' cost added at the top of the body. No merging, no cleverness: the count after a run is
 * the cost of every instruction that *started* executing (a trapping instruction included). Counting
 * instructions in dead code is harmless (their increments never run), and the added code validates in
 * unreachable code too (the stack is polymorphic there).
 *
 * Only the default cost model is supported (the one harden uses unless a policy changes `costs`).
 */

import { readInstructions } from '../../src/binary/instructions.js';
import type { FunctionBody, ModuleInfo } from '../../src/binary/module-info.js';
import { ByteWriter } from '../generator/encoder.js';
import { editModule, planIndices } from './module-edit.js';

export const ORACLE_COUNT_EXPORT = '__fuzz_oracle_count';

/** Per-unit costs of the variable parts, by (prefix, code). */
const VARIABLE_UNIT: ReadonlyMap<number, number> = new Map([
  [0x40, 64], // memory.grow: per page
  [0xfc08, 1], // memory.init: per byte
  [0xfc0a, 1], // memory.copy
  [0xfc0b, 1], // memory.fill
  [0xfc0c, 1], // table.init: per element
  [0xfc0e, 1], // table.copy
  [0xfc0f, 1], // table.grow: per element
  [0xfc11, 1], // table.fill
]);

const LOCAL_COST = 1;

function fixedCost(prefix: number, code: number): number {
  if (prefix === 0 && (code === 0x0b || code === 0x05)) return 0; // end, else
  return 1;
}

/** The reference instrumentation of the module `info` was decoded from (a valid module). */
export function instrumentReference(info: ModuleInfo): Uint8Array {
  const { firstAddedGlobal } = planIndices(info);
  const count = firstAddedGlobal;
  const scratch = firstAddedGlobal + 1;
  const taken = new Set(info.exports.map((e) => e.name));
  if (taken.has(ORACLE_COUNT_EXPORT)) throw new Error(`the module already exports ${ORACLE_COUNT_EXPORT}`);

  const add = (w: ByteWriter, cost: number) => w.u8(0x23).u32(count).u8(0x42).s64(BigInt(cost)).u8(0x7c).u8(0x24).u32(count);
  const addVariable = (w: ByteWriter, unit: number) =>
    w
      .u8(0x24).u32(scratch)
      .u8(0x23).u32(count)
      .u8(0x23).u32(scratch).u8(0xad)
      .u8(0x42).s64(BigInt(unit)).u8(0x7e).u8(0x7c)
      .u8(0x24).u32(count)
      .u8(0x23).u32(scratch);

  const rewriteBody = (_i: number, body: FunctionBody, bytes: Uint8Array) => {
    const w = new ByteWriter((body.end - body.start) * 8 + 64);
    w.bytes(bytes.subarray(body.start, body.codeStart)); // the locals vector, unchanged
    if (body.localCount > 0) add(w, body.localCount * LOCAL_COST);
    for (const ins of readInstructions(bytes, body.codeStart, body.end)) {
      const { prefix, code } = ins.op;
      const cost = fixedCost(prefix, code);
      if (cost > 0) add(w, cost);
      const unit = VARIABLE_UNIT.get(prefix === 0 ? code : (prefix << 8) | code);
      if (unit !== undefined) addVariable(w, unit);
      w.bytes(bytes.subarray(ins.offset, ins.end));
    }
    return w.toBytes();
  };

  return editModule(info, {
    globals: [
      { type: 0x7e, mutable: true, init: [0x42, 0x00, 0x0b] },
      { type: 0x7f, mutable: true, init: [0x41, 0x00, 0x0b] },
    ],
    exports: [{ name: ORACLE_COUNT_EXPORT, kind: 3, index: count }],
    rewriteBody,
  });
}
