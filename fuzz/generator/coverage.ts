/**
 * Opcode coverage over the Wasm 2.0 part of the opcode table.
 */

import { WASM2_OPS, ALL_OPS } from '../../src/binary/opcodes.js';

export interface CoverageReport {
  /** Wasm 2.0 entries seen at least once */
  readonly covered: number;
  /** Wasm 2.0 entries in the table */
  readonly total: number;
  /** covered / total × 100 */
  readonly percent: number;
  /** names of the entries never seen (with their encoding, since `select` appears twice) */
  readonly missing: readonly string[];
}

/** Accumulates `stats.ops` of many modules. */
export class OpcodeCoverage {
  readonly counts = new Uint32Array(ALL_OPS.length);

  add(ops: Iterable<number>): void {
    for (const i of ops) this.counts[i]!++;
  }

  report(): CoverageReport {
    let covered = 0;
    const missing: string[] = [];
    for (const op of WASM2_OPS) {
      if (this.counts[op.index]! > 0) covered++;
      else missing.push(`${op.name} (${op.prefix ? `0x${op.prefix.toString(16)} ` : ''}0x${op.code.toString(16)})`);
    }
    return { covered, total: WASM2_OPS.length, percent: (100 * covered) / WASM2_OPS.length, missing };
  }
}
