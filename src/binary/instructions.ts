/**
 * Instruction decoding driven by the opcode table: read one opcode, read its immediates by `Imm` shape.
 *
 * Used where instructions are decoded but not type-checked: skipping constant expressions to find their
 * end, and `readInstructions`, the lazy instruction reader over a function body for later consumers (the
 * fuel cost model, the fuzz harness, tests). The validator has its own fused decode-and-check loop for
 * speed, but it reads immediates with the same `Reader` primitives and the same table.
 */

import { Imm, lookupOp, type OpInfo } from './opcodes.js';
import { Reader, fail } from './reader.js';
import { ValType, type Range } from './module-info.js';
import { unsupportedProposal } from './proposals.js';
import { isValTypeByte } from './module-info.js';

/** Reads an opcode (with its prefix sub-opcode) and returns its table entry. */
export function readOpcode(r: Reader): OpInfo {
  const offset = r.pos;
  const b = r.u8();
  if (b < 0xfb) {
    const op = lookupOp(0, b);
    if (op === undefined) fail('malformed.illegal-opcode', offset, `0x${b.toString(16)}`);
    return op;
  }
  if (b === 0xfb) unsupportedProposal('gc', offset, 'a 0xfb (GC) instruction');
  if (b === 0xff) fail('malformed.illegal-opcode', offset, '0xff');
  const sub = r.u32();
  const op = lookupOp(b, sub);
  if (op === undefined) {
    if (b === 0xfe) unsupportedProposal('threads', offset, `the atomic instruction 0xfe 0x${sub.toString(16)}`);
    fail('malformed.illegal-opcode', offset, `0x${b.toString(16)} 0x${sub.toString(16)}`);
  }
  return op;
}

/** Reads a zero byte (a reserved memory index). */
export function zeroByte(r: Reader): void {
  const offset = r.pos;
  if (r.u8() !== 0) fail('malformed.zero-byte', offset);
}

/** Reads a block type: returns -0x40 for empty, a negative value-type form, or a type index (≥ 0). */
export function readBlockType(r: Reader): number {
  const offset = r.pos;
  const bt = r.s33();
  if (bt < 0) {
    const b = bt + 0x80;
    if (b === 0x40) return bt;
    if (b === ValType.I32 || b === ValType.I64 || b === ValType.F32 || b === ValType.F64 || b === ValType.V128) return bt;
    if (b === ValType.FuncRef || b === ValType.ExternRef) return bt;
    if (b === 0x64 || b === 0x63 || (b >= 0x6a && b <= 0x6e) || (b >= 0x71 && b <= 0x74))
      unsupportedProposal('gc', offset, 'a typed-reference block type');
    fail('malformed.value-type', offset, `block type 0x${b.toString(16)}`);
  }
  return bt;
}

/**
 * Reads the immediates of `op` and discards them (checking only that they are well formed).
 * Calls `onImmediate`, when given, with the instruction's first index immediate (function, local, ...).
 */
export function skipImmediates(r: Reader, op: OpInfo, opOffset: number): void {
  switch (op.imm) {
    case Imm.None:
      return;
    case Imm.BlockType:
      readBlockType(r);
      return;
    case Imm.Label:
    case Imm.Func:
    case Imm.Local:
    case Imm.Global:
    case Imm.Table:
    case Imm.Data:
    case Imm.Elem:
      r.u32();
      return;
    case Imm.BrTable: {
      const n = r.u32();
      if (n > r.remaining) r.unexpectedEnd();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case Imm.CallIndirect:
    case Imm.TableInit:
    case Imm.TableCopy:
      r.u32();
      r.u32();
      return;
    case Imm.MemArg:
      r.u32();
      r.u32();
      return;
    case Imm.MemArgLane:
      r.u32();
      r.u32();
      r.u8();
      return;
    case Imm.MemoryIndex:
    case Imm.MemoryFill:
      zeroByte(r);
      return;
    case Imm.MemoryCopy:
      zeroByte(r);
      zeroByte(r);
      return;
    case Imm.MemoryInit:
      r.u32();
      zeroByte(r);
      return;
    case Imm.I32:
      r.s32();
      return;
    case Imm.I64:
      r.skipS64();
      return;
    case Imm.F32:
      r.skip(4);
      return;
    case Imm.F64:
      r.skip(8);
      return;
    case Imm.V128:
    case Imm.Shuffle:
      r.skip(16);
      return;
    case Imm.Lane:
      r.u8();
      return;
    case Imm.HeapType:
      readHeapType(r);
      return;
    case Imm.SelectT: {
      const n = r.u32();
      if (n > r.remaining) r.unexpectedEnd();
      for (let i = 0; i < n; i++) readSelectType(r);
      return;
    }
    case Imm.Unsupported:
      unsupportedProposal(op.feature!, opOffset, op.name);
  }
}

/** ref.null's heap type: funcref or externref in Wasm 2.0. */
export function readHeapType(r: Reader): number {
  const offset = r.pos;
  const b = r.u8();
  if (b === ValType.FuncRef || b === ValType.ExternRef) return b;
  if (b === 0x6e || b === 0x6d || b === 0x6c || b === 0x6b || b === 0x6a || (b >= 0x71 && b <= 0x74) || b < 0x40)
    unsupportedProposal('gc', offset, `the heap type 0x${b.toString(16)}`);
  if (b === 0x69) unsupportedProposal('exceptions', offset, 'the exn heap type');
  fail('malformed.reference-type', offset, `0x${b.toString(16)}`);
}

function readSelectType(r: Reader): number {
  const offset = r.pos;
  const b = r.u8();
  if (isValTypeByte(b)) return b;
  if (b === 0x64 || b === 0x63) unsupportedProposal('gc', offset, 'a typed-reference select');
  fail('malformed.value-type', offset, `0x${b.toString(16)}`);
}

/**
 * Skips a constant expression (any well-formed instruction sequence up to its matching `end`) and returns
 * its window, `end` included. Whether it is *constant* is the validator's business.
 */
export function skipConstExpr(r: Reader): Range {
  const start = r.pos;
  let depth = 0;
  for (;;) {
    if (r.pos >= r.end) r.unexpectedEnd();
    const opOffset = r.pos;
    const op = readOpcode(r);
    if (op.prefix === 0) {
      if (op.code === 0x0b) {
        if (depth === 0) return { start, end: r.pos };
        depth--;
      } else if (op.code === 0x02 || op.code === 0x03 || op.code === 0x04) depth++;
    }
    skipImmediates(r, op, opOffset);
  }
}

/** One decoded instruction: its table entry and where it lies. */
export interface Instruction {
  op: OpInfo;
  /** offset of the opcode */
  offset: number;
  /** offset just past the immediates */
  end: number;
}

/**
 * Lazily decodes the instructions of `[start, end)` (for a function body, from `FunctionBody.codeStart`).
 * Immediates can be re-read from `[offset, end)`. Throws the decode error of the first malformed one.
 */
export function* readInstructions(bytes: Uint8Array, start: number, end: number): Generator<Instruction> {
  const r = new Reader(bytes, start, end);
  while (r.pos < end) {
    const offset = r.pos;
    const op = readOpcode(r);
    skipImmediates(r, op, offset);
    yield { op, offset, end: r.pos };
  }
}
