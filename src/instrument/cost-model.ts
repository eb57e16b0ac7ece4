/**
 * The fuel cost model: what each thing costs, kept apart from how it is charged (src/instrument/fuel.ts).
 *
 * - Every instruction costs `instruction[op.index]` (default 1). The structural delimiters `end` and `else`
 *   cost 0: they execute nothing.
 * - Locals cost `local` each, charged at every call of the function that declares them (zeroing them is
 *   real work: a function with 50,000 locals is not free to enter).
 * - Bulk operations cost their instruction cost plus `memoryByte` per byte (memory.fill/copy/init) or
 *   `tableElement` per element (table.fill/copy/init), read from the length operand at run time.
 * - `memory.grow` costs `memoryGrowPage` per page requested, `table.grow` `tableGrowElement` per element.
 * All run-time products are computed in i64 from u32 operands and per-unit costs below 2^24, so they
 * cannot overflow (2^32 × 2^24 < 2^63).
 */

import { ALL_OPS, lookupOp } from '../binary/opcodes.js';

export interface CostTable {
  /** cost of each instruction, by `OpInfo.index` */
  readonly instruction: Uint32Array;
  readonly local: number;
  readonly memoryByte: number;
  readonly tableElement: number;
  readonly memoryGrowPage: number;
  readonly tableGrowElement: number;
}

export interface CostSpec {
  /** cost of every instruction not named in `instructions` (default 1) */
  default?: number;
  /** per-instruction overrides, by name (e.g. { "i64.div_s": 4 }) */
  instructions?: Record<string, number>;
  local?: number;
  memoryByte?: number;
  tableElement?: number;
  memoryGrowPage?: number;
  tableGrowElement?: number;
}

/** The largest per-unit or per-instruction cost, so that run-time products stay far from i64 overflow. */
export const MAX_UNIT_COST = 1 << 24;

const END = lookupOp(0, 0x0b)!.index;
const ELSE = lookupOp(0, 0x05)!.index;

export function costTable(spec: CostSpec = {}): CostTable {
  const instruction = new Uint32Array(ALL_OPS.length).fill(spec.default ?? 1);
  instruction[END] = 0;
  instruction[ELSE] = 0;
  if (spec.instructions !== undefined)
    for (const [name, cost] of Object.entries(spec.instructions))
      for (const op of ALL_OPS) if (op.name === name) instruction[op.index] = cost;
  return Object.freeze({
    instruction,
    local: spec.local ?? 1,
    memoryByte: spec.memoryByte ?? 1,
    tableElement: spec.tableElement ?? 1,
    memoryGrowPage: spec.memoryGrowPage ?? 64,
    tableGrowElement: spec.tableGrowElement ?? 1,
  });
}

export const DEFAULT_COSTS: CostTable = costTable();
