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
 * Any cost model a policy can state is supported (`OracleCosts`, the same shape as a policy's `costs`),
 * read here on its own terms: the default model is the one above.
 */

import { readInstructions } from '../../src/binary/instructions.js';
import type { FunctionBody, ModuleInfo } from '../../src/binary/module-info.js';
import { ByteWriter } from '../generator/encoder.js';
import { editModule, planIndices } from './module-edit.js';

export const ORACLE_COUNT_EXPORT = '__fuzz_oracle_count';

/**
 * A cost model, as a policy's `costs` states it (src/policy.ts `CostSpec`): `default` for every instruction
 * not named in `instructions` (by opcode-table name; `end` and `else` cost 0 unless named there), `local`
 * per declared local per call, and the per-unit costs of the variable parts. Omitted fields take the
 * documented defaults (1, and 64 per page for memory.grow).
 */
export interface OracleCosts {
  default?: number;
  instructions?: Readonly<Record<string, number>>;
  local?: number;
  memoryByte?: number;
  tableElement?: number;
  memoryGrowPage?: number;
  tableGrowElement?: number;
}

/** The variable part of an instruction: which unit cost applies, by (prefix, code). */
const VARIABLE_UNIT: ReadonlyMap<number, keyof OracleCosts> = new Map([
  [0x40, 'memoryGrowPage'], // memory.grow: per page requested
  [0xfc08, 'memoryByte'], // memory.init: per byte
  [0xfc0a, 'memoryByte'], // memory.copy
  [0xfc0b, 'memoryByte'], // memory.fill
  [0xfc0c, 'tableElement'], // table.init: per element
  [0xfc0e, 'tableElement'], // table.copy
  [0xfc0f, 'tableGrowElement'], // table.grow: per element requested
  [0xfc11, 'tableElement'], // table.fill
]);

const DEFAULT_UNITS = { local: 1, memoryByte: 1, tableElement: 1, memoryGrowPage: 64, tableGrowElement: 1 } as const;

function fixedCost(costs: OracleCosts, name: string, prefix: number, code: number): number {
  const named = costs.instructions?.[name];
  if (named !== undefined) return named;
  if (prefix === 0 && (code === 0x0b || code === 0x05)) return 0; // end, else
  return costs.default ?? 1;
}

/**
 * The reference instrumentation of the module `info` was decoded from (a valid module), under `costs`.
 * With `limit`, every increment is followed by `if (count > limit) unreachable`, so that modules which may
 * not terminate (mutated or spec-suite modules) stop: a trap with the count above the limit means "the
 * oracle ran out".
 */
export function instrumentReference(info: ModuleInfo, costs: OracleCosts = {}, limit?: bigint): Uint8Array {
  const { firstAddedGlobal } = planIndices(info);
  const count = firstAddedGlobal;
  const scratch = firstAddedGlobal + 1;
  const taken = new Set(info.exports.map((e) => e.name));
  if (taken.has(ORACLE_COUNT_EXPORT)) throw new Error(`the module already exports ${ORACLE_COUNT_EXPORT}`);

  // if (count >u limit) unreachable
  const check = (w: ByteWriter) => {
    if (limit !== undefined) w.u8(0x23).u32(count).u8(0x42).s64(limit).u8(0x56).u8(0x04).u8(0x40).u8(0x00).u8(0x0b);
  };
  const add = (w: ByteWriter, cost: number) => {
    w.u8(0x23).u32(count).u8(0x42).s64(BigInt(cost)).u8(0x7c).u8(0x24).u32(count);
    check(w);
  };
  const addVariable = (w: ByteWriter, unit: number) => {
    w.u8(0x24).u32(scratch);
    w.u8(0x23).u32(count);
    w.u8(0x23).u32(scratch).u8(0xad);
    w.u8(0x42).s64(BigInt(unit)).u8(0x7e).u8(0x7c);
    w.u8(0x24).u32(count);
    check(w);
    w.u8(0x23).u32(scratch);
  };

  const rewriteBody = (_i: number, body: FunctionBody, bytes: Uint8Array) => {
    const w = new ByteWriter((body.end - body.start) * 8 + 64);
    w.bytes(bytes.subarray(body.start, body.codeStart)); // the locals vector, unchanged
    const localCost = body.localCount * (costs.local ?? DEFAULT_UNITS.local);
    if (localCost > 0) add(w, localCost);
    for (const ins of readInstructions(bytes, body.codeStart, body.end)) {
      const { prefix, code, name } = ins.op;
      const cost = fixedCost(costs, name, prefix, code);
      if (cost > 0) add(w, cost);
      const unitKey = VARIABLE_UNIT.get(prefix === 0 ? code : (prefix << 8) | code) as keyof typeof DEFAULT_UNITS | undefined;
      const unit = unitKey === undefined ? 0 : (costs[unitKey] ?? DEFAULT_UNITS[unitKey]);
      if (unit > 0) addVariable(w, unit);
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
