/**
 * Constant expressions (global initialisers, segment offsets, element expressions).
 *
 * Wasm 2.0 allows exactly one of: t.const, ref.null, ref.func, global.get of an *imported immutable* global
 * (V8 in Node 20 agrees: a defined global is not visible there), followed by `end`, producing the expected
 * type. Any other instruction is "constant expression required"; arithmetic (i32.add, ...) is the
 * extended-const proposal, rejected by name.
 */

import { DecodeError, Reader, fail } from '../binary/reader.js';
import { readOpcode, skipImmediates, readHeapType } from '../binary/instructions.js';
import { ValType, VALTYPE_NAMES, type ModuleInfo, type Range } from '../binary/module-info.js';
import { specText, type IssueCode } from '../issues.js';
import { PROPOSAL_NAMES } from '../binary/opcodes.js';

function invalid(code: IssueCode, offset: number, detail?: string): never {
  throw new DecodeError(code, detail === undefined ? specText(code) : `${specText(code)} ${detail}`, offset);
}

const EXTENDED_CONST = new Set([0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e]);

/**
 * Validates `expr` as a constant expression of type `expected`. Returns the function index when the
 * expression is `ref.func x` (so callers can collect declared references), else -1.
 */
export function validateConstExpr(
  module: ModuleInfo,
  expr: Range,
  expected: number,
  onFeature: (feature: 'simd' | 'reference-types', offset: number, what: string) => void,
): number {
  const r = new Reader(module.bytes, expr.start, expr.end);
  const stack: number[] = [];
  let refFunc = -1;
  for (;;) {
    const offset = r.pos;
    const op = readOpcode(r);
    if (op.prefix === 0) {
      switch (op.code) {
        case 0x0b: {
          // end
          const name = (t: number) => VALTYPE_NAMES[t] ?? '?';
          if (stack.length !== 1 || stack[0] !== expected)
            invalid('invalid.type-mismatch', offset, `in a constant expression: expected [${name(expected)}], found [${stack.map(name).join(' ')}]`);
          return refFunc;
        }
        case 0x41:
          r.s32();
          stack.push(ValType.I32);
          continue;
        case 0x42:
          r.skipS64();
          stack.push(ValType.I64);
          continue;
        case 0x43:
          r.skip(4);
          stack.push(ValType.F32);
          continue;
        case 0x44:
          r.skip(8);
          stack.push(ValType.F64);
          continue;
        case 0xd0:
          onFeature('reference-types', offset, 'ref.null');
          stack.push(readHeapType(r));
          continue;
        case 0xd2: {
          onFeature('reference-types', offset, 'ref.func');
          const i = r.u32();
          if (i >= module.funcTypeIndices.length) invalid('invalid.unknown-function', offset, `${i}`);
          refFunc = i;
          stack.push(ValType.FuncRef);
          continue;
        }
        case 0x23: {
          const i = r.u32();
          if (i >= module.importedGlobals) invalid('invalid.unknown-global', offset, `${i}`);
          const g = module.allGlobals[i]!;
          if (g.mutable) invalid('invalid.constant-expression', offset, `(global.get ${i} reads a mutable global)`);
          stack.push(g.valType);
          continue;
        }
      }
      if (EXTENDED_CONST.has(op.code)) {
        skipImmediates(r, op, offset);
        throw new DecodeError(
          'forbidden.feature.extended-const',
          `${specText('invalid.constant-expression')}: ${op.name} in a constant expression needs the ${PROPOSAL_NAMES['extended-const']}`,
          offset,
        );
      }
    } else if (op.prefix === 0xfd && op.code === 12) {
      onFeature('simd', offset, 'v128.const');
      r.skip(16);
      stack.push(ValType.V128);
      continue;
    }
    // anything else is well formed (the decoder already read it) but not constant
    skipImmediates(r, op, offset);
    invalid('invalid.constant-expression', offset, `(${op.name})`);
  }
}

export { fail };
