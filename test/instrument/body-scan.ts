/**
 * Test helper: walks the instructions of one defined function of a (hardened) module, in order. The
 * instrumentation tests read what harden emitted with it: which comparisons, which charges.
 */
import { readOpcode, skipImmediates } from '../../src/binary/instructions.js';
import type { OpInfo } from '../../src/binary/opcodes.js';
import { Reader } from '../../src/binary/reader.js';
import { normalizePolicy, policies } from '../../src/policy.js';
import { validateWith } from '../../src/validate/validate.js';

/**
 * Calls `visit` for every instruction of defined function `index`, at its offset, with the reader placed
 * after its opcode: `visit` may read the immediates itself and return true, or return false to have them
 * skipped.
 */
export function scanBody(bytes: Uint8Array, index: number, visit: (op: OpInfo, at: number, reader: Reader) => boolean): void {
  const r = validateWith(bytes, normalizePolicy({ features: [...policies.spec.features] }, policies.spec), false);
  if (!r.ok) throw new Error(r.issues[0]?.message);
  const body = r.module.codes[index]!;
  const reader = new Reader(bytes, body.codeStart, body.end);
  while (reader.pos < body.end) {
    const at = reader.pos;
    const op = readOpcode(reader);
    if (!visit(op, at, reader)) skipImmediates(reader, op, at);
  }
}
