/**
 * Function body validation: the spec's algorithm (appendix "Validation Algorithm"), fused with decoding.
 *
 * One pass over the body's bytes reads each opcode and its immediates and type-checks it against an operand
 * stack and a control stack. Both stacks are typed arrays reused across functions (value types are their
 * one-byte binary codes; 0 is the "unknown" type of stack-polymorphic code after `unreachable`/`br`), so
 * validating allocates nothing per instruction (nor per function: locals are expanded into a reused buffer
 * straight from the body's bytes).
 *
 * Two tiers, one semantics:
 *   - `validate` runs the loop. Its hot state (position, stack pointer, the innermost frame's height and
 *     reachability, depth, greatest height) lives in locals, and one dense `switch` on the opcode byte holds
 *     the fast paths for the bulk of real code: locals, constants, loads/stores, fixed-signature numeric
 *     ops (typed from dense views of the opcode table), block/loop/if with an empty or single-number type,
 *     else, end, br, br_if, return, unreachable, call, call_indirect, drop, select, global.get/set. A fast path only *checks*; it commits when the
 *     instruction is well typed in the plain way, and otherwise changes nothing and falls through.
 *   - `step` is the general path: with the state written back to the fields, it re-reads the instruction
 *     from its opcode, checks it with the spec's push/pop helpers, and words every error. Every rejection
 *     comes from here, so the fast paths can change speed but never a result. `maxSp` (the function's
 *     greatest operand-stack height, kept as `FunctionBody.maxStackHeight`) is raised by the fast paths
 *     exactly where `push` raises it.
 *
 * Errors are thrown as `DecodeError` (malformed bytes, invalid code, or a later proposal's instruction) and
 * end this function's validation; the caller records the issue and moves on to the next function.
 * Wasm 2.0 features that the policy may switch off are reported through `onFeature` and do not stop it.
 */

import { ALL_OPS, Check, FAST_ARITY, FAST_MEMALIGN, FAST_PARAM0, FAST_PARAM1, FAST_RESULT, FC_OPS, FD_OPS, FE_OPS, Imm, SINGLE_OPS, type OpInfo } from '../binary/opcodes.js';
import { DecodeError, Reader, fail } from '../binary/reader.js';
import { readBlockType, readHeapType, readOpcode, skipImmediates, zeroByte } from '../binary/instructions.js';
import { unsupportedProposal } from '../binary/proposals.js';
import { ValType, VALTYPE_NAMES, isValTypeByte, type FunctionBody, type ModuleInfo } from '../binary/module-info.js';
import type { IssueCode } from '../issues.js';
import { specText } from '../issues.js';
import type { FeatureName } from '../policy.js';

const FRAME_FUNC = 0;
const FRAME_BLOCK = 0x02;
const FRAME_LOOP = 0x03;
const FRAME_IF = 0x04;
const FRAME_ELSE = 0x05;

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * The fast path's view of the fixed-signature single-byte instructions without immediates (numeric ops,
 * nop) and of the plain loads and stores: operand count | first operand << 8 | second << 16 | result << 24,
 * or 0xff when the instruction is not one of them. Derived from the opcode table's dense views.
 */
const FAST_SIG = new Int32Array(256).fill(0xff);
for (let b = 0; b < 0xfb; b++) {
  const op = SINGLE_OPS[b];
  if (op === undefined || FAST_ARITY[b] === 255 || (op.imm !== Imm.None && FAST_MEMALIGN[b] === 255)) continue;
  FAST_SIG[b] = FAST_ARITY[b]! | (FAST_PARAM0[b]! << 8) | (FAST_PARAM1[b]! << 16) | (FAST_RESULT[b]! << 24);
}
/** one-element result arrays for the single-value block types, by type code */
const SINGLE: Uint8Array[] = [];
for (const t of [ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128, ValType.FuncRef, ValType.ExternRef])
  SINGLE[t] = Uint8Array.of(t);

function invalid(code: IssueCode, offset: number, detail?: string): never {
  throw new DecodeError(code, detail === undefined ? specText(code) : `${specText(code)} ${detail}`, offset);
}

function typeName(t: number): string {
  return VALTYPE_NAMES[t] ?? `0x${t.toString(16)}`;
}

export interface FunctionContext {
  module: ModuleInfo;
  /** function index space → declared in an element segment, export or global initialiser (for ref.func) */
  declaredRefs: Uint8Array;
  /** number of element segments, and their types */
  elemTypes: Uint8Array;
  nestingLimit: number;
  brTableLimit: number;
  /** a Wasm 2.0 feature the policy may refuse was used */
  onFeature(feature: FeatureName, offset: number, what: string): void;
  /** is this feature enabled? (so `onFeature` is only called when it matters) */
  enabled: Readonly<Record<string, boolean>>;
  /** a limit was exceeded (fatal for this function) */
  onLimit(code: 'forbidden.limit.nesting-depth' | 'forbidden.limit.br-table-size', offset: number, detail: string): never;
}

export class FunctionValidator {
  // operand stack
  private vals = new Uint8Array(1024);
  private sp = 0;
  /** the greatest height the operand stack reached in this function */
  private maxSp = 0;
  // control stack (struct of arrays)
  private cKind = new Uint8Array(64);
  private cHeight = new Int32Array(64);
  private cUnreach = new Uint8Array(64);
  private cParams: Uint8Array[] = new Array(64);
  private cResults: Uint8Array[] = new Array(64);
  private depth = 0;
  /** height and unreachability of the innermost frame, cached */
  private height = 0;
  private unreach = false;
  // locals
  private locals = new Uint8Array(256);
  private nLocals = 0;
  // scratch for br_table's popped values
  private scratch = new Uint8Array(64);

  private r!: Reader;
  private ctx!: FunctionContext;
  private body!: FunctionBody;
  private sectionEnd = 0;

  /**
   * After a validation error, decodes the rest of the body without type checks, from the instruction that
   * failed and with the control depth it started with, so that a malformation later in the body still makes
   * the module malformed (decoding comes before validation in the spec). Throws that malformation, if any.
   */
  decodeRest(): void {
    const body = this.body;
    const r = new Reader(this.r.bytes, this.opOffset, body.end);
    let depth = this.depth;
    for (;;) {
      if (r.pos >= body.end) this.missingEnd();
      const opOffset = r.pos;
      const op = readOpcode(r);
      if (op.prefix === 0) {
        if (op.code === 0x02 || op.code === 0x03 || op.code === 0x04) depth++;
        else if (op.code === 0x0b && --depth === 0) {
          if (r.pos !== body.end) fail('malformed.section-size', r.pos, "bytes after the function body's final end");
          return;
        }
      }
      skipImmediates(r, op, opOffset);
    }
  }

  /** The body ran out before its final `end`: worded as the reference interpreter does. */
  private missingEnd(): never {
    const end = this.body.end;
    if (end < this.sectionEnd) fail('malformed.end-expected', end);
    if (this.sectionEnd < this.r.bytes.length) fail('malformed.section-size', end, 'the function body has no final end');
    fail('malformed.unexpected-end-of-section', end);
  }
  private opOffset = 0;

  // ── operand stack ─────────────────────────────────────────────────────────────────────
  private push(t: number): void {
    if (this.sp >= this.maxSp) this.maxSp = this.sp + 1;
    if (this.sp === this.vals.length) {
      const bigger = new Uint8Array(this.vals.length * 2);
      bigger.set(this.vals);
      this.vals = bigger;
    }
    this.vals[this.sp++] = t;
  }

  private pop(): number {
    if (this.sp === this.height) {
      if (this.unreach) return ValType.Unknown;
      invalid('invalid.type-mismatch', this.opOffset, `in ${this.opName()}: expected a value, found an empty stack`);
    }
    return this.vals[--this.sp]!;
  }

  private popExpect(expected: number): number {
    if (this.sp === this.height) {
      if (this.unreach) return ValType.Unknown;
      invalid('invalid.type-mismatch', this.opOffset, `in ${this.opName()}: expected ${typeName(expected)}, found an empty stack`);
    }
    const actual = this.vals[--this.sp]!;
    if (actual !== expected && actual !== ValType.Unknown && expected !== ValType.Unknown)
      invalid('invalid.type-mismatch', this.opOffset, `in ${this.opName()}: expected ${typeName(expected)}, found ${typeName(actual)}`);
    return actual;
  }

  private popVals(types: Uint8Array): void {
    for (let k = types.length - 1; k >= 0; k--) this.popExpect(types[k]!);
  }

  private pushVals(types: Uint8Array): void {
    for (let k = 0; k < types.length; k++) this.push(types[k]!);
  }

  private opName(): string {
    const b = this.r.bytes[this.opOffset]!;
    if (b < 0xfb) return SINGLE_OPS[b]?.name ?? `0x${b.toString(16)}`;
    return `0x${b.toString(16)} instruction`;
  }

  // ── control stack ─────────────────────────────────────────────────────────────────────
  private pushCtrl(kind: number, params: Uint8Array, results: Uint8Array): void {
    const d = this.depth;
    if (d >= this.ctx.nestingLimit + 1)
      this.ctx.onLimit('forbidden.limit.nesting-depth', this.opOffset, `blocks nest deeper than ${this.ctx.nestingLimit}`);
    if (d === this.cKind.length) this.growCtrl();
    this.cKind[d] = kind;
    this.cHeight[d] = this.sp;
    this.cUnreach[d] = 0;
    this.cParams[d] = params;
    this.cResults[d] = results;
    this.depth = d + 1;
    this.height = this.sp;
    this.unreach = false;
    this.pushVals(params);
  }

  private growCtrl(): void {
    const n = this.cKind.length * 2;
    const kind = new Uint8Array(n);
    kind.set(this.cKind);
    const height = new Int32Array(n);
    height.set(this.cHeight);
    const unreach = new Uint8Array(n);
    unreach.set(this.cUnreach);
    this.cKind = kind;
    this.cHeight = height;
    this.cUnreach = unreach;
  }

  /** Pops the innermost frame after checking its results; returns its index. */
  private popCtrl(): number {
    const f = this.depth - 1;
    this.popVals(this.cResults[f]!);
    if (this.sp !== this.height)
      invalid('invalid.type-mismatch', this.opOffset, `at the end of a block: ${this.sp - this.height} extra value(s) on the stack`);
    this.depth = f;
    if (f > 0) {
      this.height = this.cHeight[f - 1]!;
      this.unreach = this.cUnreach[f - 1] === 1;
    }
    return f;
  }

  private labelTypes(f: number): Uint8Array {
    return this.cKind[f] === FRAME_LOOP ? this.cParams[f]! : this.cResults[f]!;
  }

  private setUnreachable(): void {
    this.sp = this.height;
    this.unreach = true;
    this.cUnreach[this.depth - 1] = 1;
  }

  /** The frame index for branch depth `l`, or "unknown label". */
  private labelFrame(l: number): number {
    if (l >= this.depth) invalid('invalid.unknown-label', this.opOffset, `${l}`);
    return this.depth - 1 - l;
  }

  // ── block types ───────────────────────────────────────────────────────────────────────
  private blockParams: Uint8Array = EMPTY;
  private blockResults: Uint8Array = EMPTY;

  private readBlock(): void {
    const offset = this.r.pos;
    const bt = readBlockType(this.r);
    if (bt >= 0) {
      const types = this.ctx.module.types;
      if (bt >= types.length) invalid('invalid.unknown-type', offset, `${bt}`);
      const ft = types[bt]!;
      this.blockParams = ft.params;
      this.blockResults = ft.results;
      if ((ft.params.length > 0 || ft.results.length > 1) && !this.ctx.enabled['multi-value'])
        this.ctx.onFeature('multi-value', offset, 'a block with parameters or several results');
      return;
    }
    const b = bt + 0x80;
    this.blockParams = EMPTY;
    this.blockResults = b === 0x40 ? EMPTY : SINGLE[b]!;
    if (b === ValType.V128 && !this.ctx.enabled['simd']) this.ctx.onFeature('simd', offset, 'a v128 block type');
    if ((b === ValType.FuncRef || b === ValType.ExternRef) && !this.ctx.enabled['reference-types'])
      this.ctx.onFeature('reference-types', offset, 'a reference block type');
  }

  // ── memory immediates ────────────────────────────────────────────────────────────────
  private checkMemory(index = 0): void {
    if (index >= this.ctx.module.allMemories.length) invalid('invalid.unknown-memory', this.opOffset, `${index}`);
  }

  private memarg(naturalAlign: number): void {
    const r = this.r;
    const align = r.u32();
    r.u32(); // offset
    this.checkMemory(0);
    if (align > naturalAlign) invalid('invalid.alignment', this.opOffset, `(2^${align} > 2^${naturalAlign})`);
  }

  private lane(lanes: number): void {
    const lane = this.r.u8();
    if (lane >= lanes) invalid('invalid.lane-index', this.opOffset, `${lane} (must be below ${lanes})`);
  }

  private table(index: number): number {
    const tables = this.ctx.module.allTables;
    if (index >= tables.length) invalid('invalid.unknown-table', this.opOffset, `${index}`);
    return tables[index]!.elemType;
  }

  private dataIndex(index: number): void {
    const module = this.ctx.module;
    let count = module.dataCount;
    if (count === undefined) {
      // data indices need the DataCount section when there are data segments to count (as the reference
      // interpreter decides); with no data section at all, any index is simply unknown
      if (module.data.length > 0 || module.sections.some((s) => s.id === 11)) fail('malformed.datacount-required', this.opOffset);
      count = 0;
    }
    if (index >= count) invalid('invalid.unknown-data', this.opOffset, `${index}`);
  }

  private elemType(index: number): number {
    if (index >= this.ctx.elemTypes.length) invalid('invalid.unknown-elem', this.opOffset, `${index}`);
    return this.ctx.elemTypes[index]!;
  }

  // ── the function ──────────────────────────────────────────────────────────────────────

  /**
   * Validates one function body. `sectionEnd` is the end of the code section (to word a missing final
   * `end` as the reference interpreter does).
   *
   * The loop keeps the hot state (byte position, operand stack pointer, the innermost frame's height and
   * unreachability, the greatest height, the control depth) in locals and dispatches on the opcode byte
   * with one dense `switch`. Each case is a fast path that only *checks*: when the instruction is well
   * typed in the plain way it commits its effect and goes on; on anything else (an error, stack-polymorphic
   * code, a full stack, a block type that needs a feature check, a multi-byte LEB it does not decode) it
   * changes nothing and falls through to `step`, the general path, which re-reads the instruction from its
   * opcode with the state written back to the fields, and words any error. So the fast paths can only make
   * validation faster, never different: every rejection comes from `step`.
   */
  validate(ctx: FunctionContext, funcIndex: number, body: FunctionBody, sectionEnd: number): void {
    this.ctx = ctx;
    const module = ctx.module;
    const bytes = module.bytes;
    let r = this.r;
    if (r === undefined || r.bytes !== bytes) r = this.r = new Reader(bytes, body.codeStart, body.end);
    else {
      r.pos = body.codeStart;
      r.end = body.end;
    }
    this.body = body;
    this.sectionEnd = sectionEnd;
    this.opOffset = body.codeStart;
    this.depth = 1; // as if inside the function's frame, should decodeRest run after an early error
    const typeIndex = module.funcTypeIndices[funcIndex]!;
    const types = module.types;
    if (typeIndex >= types.length) invalid('invalid.unknown-type', body.start, `${typeIndex}`);
    const type = types[typeIndex]!;

    // locals: parameters, then the declared locals, expanded into a reused buffer (plain loops: the counts
    // are small, and a builtin call costs more than the copy). The declarations are re-read from the body's
    // bytes, `[start, codeStart)`, which the decoder has checked: run-length pairs of a u32 and a type byte.
    const params = type.params;
    const nParams = params.length;
    const nLocals = nParams + body.localCount;
    if (nLocals > this.locals.length) this.locals = new Uint8Array(Math.max(nLocals, this.locals.length * 2));
    const locals = this.locals;
    for (let k = 0; k < nParams; k++) locals[k] = params[k]!;
    let at = nParams;
    r.pos = body.start;
    r.end = body.codeStart;
    for (let j = r.u32(); j > 0; j--) {
      const c = r.u32();
      const t = r.u8();
      const stop = at + c;
      if (c > 64) locals.fill(t, at, stop);
      else for (let k = at; k < stop; k++) locals[k] = t;
      at = stop;
    }
    r.pos = body.codeStart;
    r.end = body.end;
    this.nLocals = nLocals;

    this.sp = 0;
    this.maxSp = 0;
    this.depth = 0;
    this.pushCtrl(FRAME_FUNC, EMPTY, type.results);

    const end = body.end;
    const hasMemory = module.allMemories.length > 0;
    const funcTypeIndices = module.funcTypeIndices;
    const nFuncs = funcTypeIndices.length;
    const globals = module.allGlobals;
    const tables = module.allTables;
    const nestCap = ctx.nestingLimit + 1;

    // the hot state, written back to the fields before `step` and reloaded after it
    let pos = r.pos;
    let vals = this.vals;
    let sp = this.sp;
    let maxSp = this.maxSp;
    let height = this.height;
    let unreach = this.unreach;
    let depth = this.depth;
    let cKind = this.cKind;
    let cHeight = this.cHeight;
    let cUnreach = this.cUnreach;
    const cParams = this.cParams;
    const cResults = this.cResults;

    for (;;) {
      if (pos >= end) this.missingEnd();
      const opOffset = pos;
      const b = bytes[pos++]!;

      switch (b) {
        case 0x20: {
          // local.get
          let i = bytes[pos]!;
          if (i < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            i = r.u32();
            pos = r.pos;
          }
          if (i < nLocals && sp < vals.length) {
            vals[sp++] = locals[i]!;
            if (sp > maxSp) maxSp = sp;
            continue;
          }
          break;
        }
        case 0x21:
        case 0x22: {
          // local.set, local.tee
          let i = bytes[pos]!;
          if (i < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            i = r.u32();
            pos = r.pos;
          }
          if (i < nLocals && sp > height) {
            const t = locals[i]!;
            const a = vals[sp - 1]!;
            if (a === t || a === ValType.Unknown) {
              if (b === 0x21) sp--;
              else vals[sp - 1] = t;
              continue;
            }
          }
          break;
        }
        case 0x41: // i32.const
          // an encoding of at most four bytes is always well formed; longer ones go through the Reader
          if (pos + 3 < end && bytes[pos]! < 0x80) pos++;
          else if (pos + 3 < end && bytes[pos + 1]! < 0x80) pos += 2;
          else if (pos + 3 < end && bytes[pos + 2]! < 0x80) pos += 3;
          else if (pos + 3 < end && bytes[pos + 3]! < 0x80) pos += 4;
          else {
            r.pos = pos;
            r.s32();
            pos = r.pos;
          }
          if (sp < vals.length) {
            vals[sp++] = ValType.I32;
            if (sp > maxSp) maxSp = sp;
            continue;
          }
          break;
        case 0x42: // i64.const
          r.pos = pos;
          r.skipS64();
          pos = r.pos;
          if (sp < vals.length) {
            vals[sp++] = ValType.I64;
            if (sp > maxSp) maxSp = sp;
            continue;
          }
          break;
        case 0x43: // f32.const
        case 0x44: // f64.const
          r.pos = pos;
          r.skip(b === 0x43 ? 4 : 8);
          pos = r.pos;
          if (sp < vals.length) {
            vals[sp++] = b === 0x43 ? ValType.F32 : ValType.F64;
            if (sp > maxSp) maxSp = sp;
            continue;
          }
          break;
        case 0x28:
        case 0x29:
        case 0x2a:
        case 0x2b:
        case 0x2c:
        case 0x2d:
        case 0x2e:
        case 0x2f:
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39:
        case 0x3a:
        case 0x3b:
        case 0x3c:
        case 0x3d:
        case 0x3e: {
          // loads and stores: memarg (alignment, then offset)
          let align = bytes[pos]!;
          if (align < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            align = r.u32();
            pos = r.pos;
          }
          if (bytes[pos]! < 0x80 && pos < end) pos++;
          else if (pos + 1 < end && bytes[pos + 1]! < 0x80) pos += 2;
          else {
            r.pos = pos;
            r.u32();
            pos = r.pos;
          }
          if (align > FAST_MEMALIGN[b]! || !hasMemory) break;
          const sig = FAST_SIG[b]!;
          const np = sig & 0xff;
          const base = sp - np;
          if (base < height) break;
          const a0 = vals[base]!;
          if (a0 !== ((sig >>> 8) & 0xff) && a0 !== ValType.Unknown) break;
          if (np === 2) {
            const a1 = vals[base + 1]!;
            if (a1 !== ((sig >>> 16) & 0xff) && a1 !== ValType.Unknown) break;
          }
          const res = sig >>> 24;
          if (res === 0) sp = base;
          else {
            vals[base] = res;
            sp = base + 1;
          }
          continue;
        }
        case 0x02: // block
        case 0x03: // loop
        case 0x04: {
          // if
          // empty and single-number block types only (a v128, reference or indexed type goes to `step`)
          if (pos >= end) break;
          const bt = bytes[pos]!;
          let results: Uint8Array;
          if (bt === 0x40) results = EMPTY;
          else if (bt >= ValType.F64 && bt <= ValType.I32) results = SINGLE[bt]!;
          else break;
          let h = sp;
          if (b === 0x04) {
            if (sp <= height) break;
            const c = vals[sp - 1]!;
            if (c !== ValType.I32 && c !== ValType.Unknown) break;
            h = sp - 1;
          }
          const d = depth;
          if (d >= nestCap || d === cKind.length) break;
          cKind[d] = b; // FRAME_BLOCK, FRAME_LOOP, FRAME_IF are the opcodes
          cHeight[d] = h;
          cUnreach[d] = 0;
          cParams[d] = EMPTY;
          cResults[d] = results;
          depth = d + 1;
          sp = h;
          height = h;
          unreach = false;
          pos++;
          continue;
        }
        case 0x0b: {
          // end
          const f = depth - 1;
          const results = cResults[f]!;
          // an `if` without `else` must have type [t*] -> [t*]: only the empty one is taken here
          if (cKind[f] === FRAME_IF && (results.length !== 0 || cParams[f]!.length !== 0)) break;
          const n = results.length;
          if (sp - n !== height) break;
          let k = 0;
          for (; k < n; k++) {
            const a = vals[height + k]!;
            if (a !== results[k] && a !== ValType.Unknown) break;
          }
          if (k !== n) break;
          if (f === 0) {
            if (pos !== end) break; // bytes after the final end: `step` words it
            this.sp = sp;
            this.maxSp = maxSp;
            this.depth = 0;
            body.maxStackHeight = maxSp;
            return;
          }
          // (maxSp follows every push exactly as `push` does, so the greatest height is the same as on the
          // general path, including where `step` writes a result without raising it)
          for (k = 0; k < n; k++) vals[height + k] = results[k]!;
          if (n > 0 && sp > maxSp) maxSp = sp;
          depth = f;
          height = cHeight[f - 1]!;
          unreach = cUnreach[f - 1] === 1;
          continue;
        }
        case 0x0c:
        case 0x0d: {
          // br, br_if
          let l = bytes[pos]!;
          if (l < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            l = r.u32();
            pos = r.pos;
          }
          if (l >= depth) break;
          const f = depth - 1 - l;
          const lt = cKind[f] === FRAME_LOOP ? cParams[f]! : cResults[f]!;
          const n = lt.length;
          let top = sp;
          if (b === 0x0d) {
            if (sp <= height) break;
            const c = vals[sp - 1]!;
            if (c !== ValType.I32 && c !== ValType.Unknown) break;
            top = sp - 1;
          }
          const base = top - n;
          if (base < height) break;
          let k = 0;
          for (; k < n; k++) {
            const a = vals[base + k]!;
            if (a !== lt[k] && a !== ValType.Unknown) break;
          }
          if (k !== n) break;
          if (b === 0x0c) {
            sp = height;
            unreach = true;
            cUnreach[depth - 1] = 1;
          } else {
            for (k = 0; k < n; k++) vals[base + k] = lt[k]!;
            sp = top;
            if (n > 0 && sp > maxSp) maxSp = sp;
          }
          continue;
        }
        case 0x10: {
          // call
          let index = bytes[pos]!;
          if (index < 0x80 && pos < end) pos++;
          else if (pos + 1 < end && bytes[pos + 1]! < 0x80) {
            index = (index & 0x7f) | (bytes[pos + 1]! << 7);
            pos += 2;
          } else {
            r.pos = pos;
            index = r.u32();
            pos = r.pos;
          }
          if (index >= nFuncs) break;
          const ti = funcTypeIndices[index]!;
          if (ti >= types.length) break;
          const ft = types[ti]!;
          const ps = ft.params;
          const rs = ft.results;
          const np = ps.length;
          const base = sp - np;
          if (base < height) break;
          let k = 0;
          for (; k < np; k++) {
            const a = vals[base + k]!;
            if (a !== ps[k] && a !== ValType.Unknown) break;
          }
          if (k !== np) break;
          const nr = rs.length;
          if (base + nr > vals.length) break;
          for (k = 0; k < nr; k++) vals[base + k] = rs[k]!;
          sp = base + nr;
          if (nr > 0 && sp > maxSp) maxSp = sp;
          continue;
        }
        case 0x00: // unreachable
          sp = height;
          unreach = true;
          cUnreach[depth - 1] = 1;
          continue;
        case 0x0f: {
          // return: the function's results, then unreachable
          const rs = cResults[0]!;
          const n = rs.length;
          const base = sp - n;
          if (base < height) break;
          let k = 0;
          for (; k < n; k++) {
            const a = vals[base + k]!;
            if (a !== rs[k] && a !== ValType.Unknown) break;
          }
          if (k !== n) break;
          sp = height;
          unreach = true;
          cUnreach[depth - 1] = 1;
          continue;
        }
        case 0x05: {
          // else: the `if` frame's results are on the stack, exactly; its parameters (none here) go back
          const f = depth - 1;
          if (cKind[f] !== FRAME_IF || cParams[f]!.length !== 0) break;
          const rs = cResults[f]!;
          const n = rs.length;
          if (sp - n !== height) break;
          let k = 0;
          for (; k < n; k++) {
            const a = vals[height + k]!;
            if (a !== rs[k] && a !== ValType.Unknown) break;
          }
          if (k !== n) break;
          cKind[f] = FRAME_ELSE;
          cUnreach[f] = 0;
          unreach = false;
          sp = height;
          continue;
        }
        case 0x11: {
          // call_indirect through table 0 (a funcref table): an i32 index, then the type's parameters
          let ti = bytes[pos]!;
          let p = pos;
          if (ti < 0x80 && p < end) p++;
          else if (p + 1 < end && bytes[p + 1]! < 0x80) {
            ti = (ti & 0x7f) | (bytes[p + 1]! << 7);
            p += 2;
          } else break;
          if (p >= end || bytes[p] !== 0x00) break;
          p++;
          if (tables.length === 0 || tables[0]!.elemType !== ValType.FuncRef || ti >= types.length) break;
          if (sp <= height) break;
          const c = vals[sp - 1]!;
          if (c !== ValType.I32 && c !== ValType.Unknown) break;
          const ft = types[ti]!;
          const ps = ft.params;
          const rs = ft.results;
          const np = ps.length;
          const base = sp - 1 - np;
          if (base < height) break;
          let k = 0;
          for (; k < np; k++) {
            const a = vals[base + k]!;
            if (a !== ps[k] && a !== ValType.Unknown) break;
          }
          if (k !== np) break;
          const nr = rs.length;
          if (base + nr > vals.length) break;
          for (k = 0; k < nr; k++) vals[base + k] = rs[k]!;
          sp = base + nr;
          if (nr > 0 && sp > maxSp) maxSp = sp;
          pos = p;
          continue;
        }
        case 0x1a: // drop
          if (sp > height) {
            sp--;
            continue;
          }
          break;
        case 0x1b: {
          // select (untyped): two numeric or vector operands of one type, and an i32
          if (sp - 3 < height) break;
          const c = vals[sp - 1]!;
          if (c !== ValType.I32 && c !== ValType.Unknown) break;
          const t1 = vals[sp - 2]!;
          const t2 = vals[sp - 3]!;
          if (!(t1 === ValType.Unknown || (t1 >= ValType.V128 && t1 <= ValType.I32))) break;
          if (!(t2 === ValType.Unknown || (t2 >= ValType.V128 && t2 <= ValType.I32))) break;
          if (t1 !== t2 && t1 !== ValType.Unknown && t2 !== ValType.Unknown) break;
          vals[sp - 3] = t1 === ValType.Unknown ? t2 : t1;
          sp -= 2;
          if (sp > maxSp) maxSp = sp;
          continue;
        }
        case 0x23: {
          // global.get
          let i = bytes[pos]!;
          if (i < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            i = r.u32();
            pos = r.pos;
          }
          if (i < globals.length && sp < vals.length) {
            vals[sp++] = globals[i]!.valType;
            if (sp > maxSp) maxSp = sp;
            continue;
          }
          break;
        }
        case 0x24: {
          // global.set
          let i = bytes[pos]!;
          if (i < 0x80 && pos < end) pos++;
          else {
            r.pos = pos;
            i = r.u32();
            pos = r.pos;
          }
          if (i < globals.length && sp > height) {
            const g = globals[i]!;
            const a = vals[sp - 1]!;
            if (g.mutable && (a === g.valType || a === ValType.Unknown)) {
              sp--;
              continue;
            }
          }
          break;
        }
        default: {
          // fixed-signature numeric instructions without immediates (and nop)
          const sig = FAST_SIG[b]!;
          const np = sig & 0xff;
          if (np === 0xff) break;
          const res = sig >>> 24;
          if (np === 0) {
            if (res === 0) continue;
            if (sp < vals.length) {
              vals[sp++] = res;
              if (sp > maxSp) maxSp = sp;
              continue;
            }
            break;
          }
          const base = sp - np;
          if (base < height) break;
          const a0 = vals[base]!;
          if (a0 !== ((sig >>> 8) & 0xff) && a0 !== ValType.Unknown) break;
          if (np === 2) {
            const a1 = vals[base + 1]!;
            if (a1 !== ((sig >>> 16) & 0xff) && a1 !== ValType.Unknown) break;
          }
          if (res === 0) sp = base;
          else {
            vals[base] = res;
            sp = base + 1;
          }
          continue;
        }
      }

      // the general path: from just after the opcode byte, with the state in the fields
      this.sp = sp;
      this.maxSp = maxSp;
      this.height = height;
      this.unreach = unreach;
      this.depth = depth;
      this.opOffset = opOffset;
      r.pos = opOffset + 1;
      if (this.step(b, opOffset)) return;
      pos = r.pos;
      vals = this.vals;
      sp = this.sp;
      maxSp = this.maxSp;
      height = this.height;
      unreach = this.unreach;
      depth = this.depth;
      cKind = this.cKind;
      cHeight = this.cHeight;
      cUnreach = this.cUnreach;
    }
  }

  /**
   * The general path for one instruction whose opcode byte `b` is at `opOffset` (`this.r.pos` is just past
   * it): decodes its immediates, checks it, and words any error. Returns true after the function's final `end`.
   */
  /** a local index immediate (general path), checked against the function's locals */
  private localIndex(r: Reader, opOffset: number): number {
    const i = r.u32();
    if (i >= this.nLocals) invalid('invalid.unknown-local', opOffset, `${i}`);
    return i;
  }

  private step(b: number, opOffset: number): boolean {
    const r = this.r;
    const bytes = r.bytes;
    const body = this.body;
    const end = body.end;
    const ctx = this.ctx;
    const module = ctx.module;
    const enabled = ctx.enabled;
    let op: OpInfo | undefined;
    if (b < 0xfb) op = SINGLE_OPS[b];
    else if (b === 0xfc) op = FC_OPS[r.u32()];
    else if (b === 0xfd) op = FD_OPS[r.u32()];
    else if (b === 0xfe) {
      const sub = r.u32();
      op = FE_OPS[sub];
      if (op === undefined) unsupportedProposal('threads', opOffset, `the atomic instruction 0xfe 0x${sub.toString(16)}`);
    } else if (b === 0xfb) unsupportedProposal('gc', opOffset, 'a 0xfb (GC) instruction');
    if (op === undefined) fail('malformed.illegal-opcode', opOffset, `0x${b.toString(16)}`);
    const feature = op.feature;
    if (feature !== undefined) {
      if (op.imm === Imm.Unsupported) unsupportedProposal(feature, opOffset, op.name);
      if (!enabled[feature]) ctx.onFeature(feature, opOffset, op.name);
    }

    switch (op.check) {
      case Check.Simple: {
        switch (op.imm) {
          case Imm.None:
            break;
          case Imm.I32:
            r.s32();
            break;
          case Imm.I64:
            r.skipS64();
            break;
          case Imm.F32:
            r.skip(4);
            break;
          case Imm.F64:
            r.skip(8);
            break;
          case Imm.V128:
            r.skip(16);
            break;
        }
        const ps = op.params;
        const rs = op.results;
        const np = ps.length;
        // fast path: every operand is in this frame and matches (the unknown type 0 matches anything);
        // otherwise the slow path below pops one by one and words the error
        const vals = this.vals;
        let sp = this.sp;
        const base = sp - np;
        if (base >= this.height) {
          let ok = true;
          for (let k = 0; k < np; k++) {
            const a = vals[base + k]!;
            if (a !== ps[k] && a !== ValType.Unknown) {
              ok = false;
              break;
            }
          }
          if (ok) {
            sp = base;
            if (rs.length === 1 && sp < vals.length) {
              vals[sp] = rs[0]!;
              this.sp = sp + 1;
              // an instruction without operands (v128.const, ...) raises the height, as `push` would
              if (sp >= this.maxSp) this.maxSp = sp + 1;
            } else {
              this.sp = sp;
              for (let k = 0; k < rs.length; k++) this.push(rs[k]!);
            }
            return false;
          }
        }
        for (let k = np - 1; k >= 0; k--) this.popExpect(ps[k]!);
        for (let k = 0; k < rs.length; k++) this.push(rs[k]!);
        return false;
      }
      case Check.Memory:
        this.memarg(op.naturalAlign);
        this.popVals(op.params);
        this.pushVals(op.results);
        return false;
      case Check.MemoryLane:
        this.memarg(op.naturalAlign);
        this.lane(op.lanes);
        this.popVals(op.params);
        this.pushVals(op.results);
        return false;
      case Check.Lane:
        if (op.imm === Imm.Shuffle) for (let k = 0; k < 16; k++) this.lane(32);
        else this.lane(op.lanes);
        this.popVals(op.params);
        this.pushVals(op.results);
        return false;
    }

    // Check.Special
    switch (op.prefix === 0 ? b : (op.prefix << 16) | op.code) {
      case 0x00: // unreachable
        this.setUnreachable();
        break;
      case 0x02: // block
      case 0x03: // loop
        this.readBlock();
        this.popVals(this.blockParams);
        this.pushCtrl(b, this.blockParams, this.blockResults);
        break;
      case 0x04: // if
        this.readBlock();
        this.popExpect(ValType.I32);
        this.popVals(this.blockParams);
        this.pushCtrl(FRAME_IF, this.blockParams, this.blockResults);
        break;
      case 0x05: {
        // else
        const f = this.depth - 1;
        if (this.cKind[f] !== FRAME_IF) fail('malformed.illegal-opcode', opOffset, 'else without a matching if');
        this.popVals(this.cResults[f]!);
        if (this.sp !== this.height)
          invalid('invalid.type-mismatch', opOffset, `at else: ${this.sp - this.height} extra value(s) on the stack`);
        this.cKind[f] = FRAME_ELSE;
        this.cUnreach[f] = 0;
        this.unreach = false;
        this.pushVals(this.cParams[f]!);
        break;
      }
      case 0x0b: {
        // end
        const kind = this.cKind[this.depth - 1];
        const params = this.cParams[this.depth - 1]!;
        const results = this.cResults[this.depth - 1]!;
        if (kind === FRAME_IF && !sameTypes(params, results)) {
          this.popVals(results); // a missing result is the first mismatch to report
          invalid('invalid.type-mismatch', opOffset, 'in an if without else: its parameters and results differ');
        }
        const f = this.popCtrl();
        if (f === 0) {
          if (r.pos !== end) fail('malformed.section-size', r.pos, 'bytes after the function body\'s final end');
          body.maxStackHeight = this.maxSp;
          return true;
        }
        this.pushVals(results);
        break;
      }
      case 0x0c: {
        // br
        const f = this.labelFrame(r.u32());
        this.popVals(this.labelTypes(f));
        this.setUnreachable();
        break;
      }
      case 0x0d: {
        // br_if
        const f = this.labelFrame(r.u32());
        this.popExpect(ValType.I32);
        const types = this.labelTypes(f);
        this.popVals(types);
        this.pushVals(types);
        break;
      }
      case 0x0e:
        this.brTable();
        break;
      case 0x0f: // return
        this.popVals(this.cResults[0]!);
        this.setUnreachable();
        break;
      case 0x10: {
        // call
        const index = r.u32();
        if (index >= module.funcTypeIndices.length) invalid('invalid.unknown-function', opOffset, `${index}`);
        const ti = module.funcTypeIndices[index]!;
        if (ti >= module.types.length) invalid('invalid.unknown-type', opOffset, `${ti}`);
        const ft = module.types[ti]!;
        this.popVals(ft.params);
        this.pushVals(ft.results);
        break;
      }
      case 0x11: {
        // call_indirect
        const ti = r.u32();
        const tableOffset = r.pos;
        const tableIndex = r.u32();
        if (tableIndex !== 0 && !enabled['reference-types'])
          ctx.onFeature('reference-types', tableOffset, 'call_indirect through a table other than 0');
        const elemType = this.table(tableIndex);
        if (ti >= module.types.length) invalid('invalid.unknown-type', opOffset, `${ti}`);
        if (elemType !== ValType.FuncRef)
          invalid('invalid.type-mismatch', opOffset, `call_indirect needs a funcref table, table ${tableIndex} holds ${typeName(elemType)}`);
        const ft = module.types[ti]!;
        this.popExpect(ValType.I32);
        this.popVals(ft.params);
        this.pushVals(ft.results);
        break;
      }
      case 0x1a: // drop
        this.pop();
        break;
      case 0x1b: {
        // select (untyped): numeric or vector operands only
        this.popExpect(ValType.I32);
        const t1 = this.pop();
        const t2 = this.pop();
        const isNum = (t: number) => t === ValType.Unknown || (t >= ValType.V128 && t <= ValType.I32);
        if (!isNum(t1) || !isNum(t2))
          invalid('invalid.type-mismatch', opOffset, 'untyped select needs numeric or vector operands');
        if (t1 !== t2 && t1 !== ValType.Unknown && t2 !== ValType.Unknown)
          invalid('invalid.type-mismatch', opOffset, `select operands differ: ${typeName(t2)} and ${typeName(t1)}`);
        this.push(t1 === ValType.Unknown ? t2 : t1);
        break;
      }
      case 0x1c: {
        // select t*
        const n = r.u32();
        if (n !== 1) invalid('invalid.result-arity', opOffset, `(select declares ${n} results)`);
        const tOffset = r.pos;
        const t = r.u8();
        if (!isValTypeByte(t)) fail('malformed.value-type', tOffset, `0x${t.toString(16)}`);
        this.popExpect(ValType.I32);
        this.popExpect(t);
        this.popExpect(t);
        this.push(t);
        break;
      }
      case 0x20: // local.get
        this.push(this.locals[this.localIndex(r, opOffset)]!);
        break;
      case 0x21: // local.set
        this.popExpect(this.locals[this.localIndex(r, opOffset)]!);
        break;
      case 0x22: {
        // local.tee
        const t = this.locals[this.localIndex(r, opOffset)]!;
        this.popExpect(t);
        this.push(t);
        break;
      }
      case 0x23: {
        // global.get
        const i = r.u32();
        const globals = module.allGlobals;
        if (i >= globals.length) invalid('invalid.unknown-global', opOffset, `${i}`);
        this.push(globals[i]!.valType);
        break;
      }
      case 0x24: {
        // global.set
        const i = r.u32();
        const globals = module.allGlobals;
        if (i >= globals.length) invalid('invalid.unknown-global', opOffset, `${i}`);
        const g = globals[i]!;
        if (!g.mutable) invalid('invalid.immutable-global', opOffset, `(global ${i})`);
        this.popExpect(g.valType);
        break;
      }
      case 0x25: {
        // table.get
        const t = this.table(r.u32());
        this.popExpect(ValType.I32);
        this.push(t);
        break;
      }
      case 0x26: {
        // table.set
        const t = this.table(r.u32());
        this.popExpect(t);
        this.popExpect(ValType.I32);
        break;
      }
      case 0x3f: // memory.size
        zeroByte(r);
        this.checkMemory(0);
        this.push(ValType.I32);
        break;
      case 0x40: // memory.grow
        zeroByte(r);
        this.checkMemory(0);
        this.popExpect(ValType.I32);
        this.push(ValType.I32);
        break;
      case 0xd0: {
        // ref.null
        const t = readHeapType(r);
        this.push(t);
        break;
      }
      case 0xd1: {
        // ref.is_null
        const t = this.pop();
        if (t !== ValType.Unknown && t !== ValType.FuncRef && t !== ValType.ExternRef)
          invalid('invalid.type-mismatch', opOffset, `ref.is_null expects a reference, found ${typeName(t)}`);
        this.push(ValType.I32);
        break;
      }
      case 0xd2: {
        // ref.func
        const i = r.u32();
        if (i >= module.funcTypeIndices.length) invalid('invalid.unknown-function', opOffset, `${i}`);
        if (ctx.declaredRefs[i] !== 1) invalid('invalid.undeclared-reference', opOffset, `(function ${i})`);
        this.push(ValType.FuncRef);
        break;
      }
      case 0xfc0008: {
        // memory.init
        const d = r.u32();
        zeroByte(r);
        this.checkMemory(0);
        this.dataIndex(d);
        this.popVals(op.params);
        break;
      }
      case 0xfc0009: // data.drop
        this.dataIndex(r.u32());
        break;
      case 0xfc000a: // memory.copy
        zeroByte(r);
        zeroByte(r);
        this.checkMemory(0);
        this.popVals(op.params);
        break;
      case 0xfc000b: // memory.fill
        zeroByte(r);
        this.checkMemory(0);
        this.popVals(op.params);
        break;
      case 0xfc000c: {
        // table.init
        const e = r.u32();
        const t = r.u32();
        const tableType = this.table(t);
        const et = this.elemType(e);
        if (tableType !== et)
          invalid('invalid.type-mismatch', opOffset, `table.init of ${typeName(et)} elements into a ${typeName(tableType)} table`);
        this.popVals(op.params);
        break;
      }
      case 0xfc000d: // elem.drop
        this.elemType(r.u32());
        break;
      case 0xfc000e: {
        // table.copy
        const dst = this.table(r.u32());
        const src = this.table(r.u32());
        if (dst !== src) invalid('invalid.type-mismatch', opOffset, `table.copy from ${typeName(src)} to ${typeName(dst)}`);
        this.popVals(op.params);
        break;
      }
      case 0xfc000f: {
        // table.grow
        const t = this.table(r.u32());
        this.popExpect(ValType.I32);
        this.popExpect(t);
        this.push(ValType.I32);
        break;
      }
      case 0xfc0010: // table.size
        this.table(r.u32());
        this.push(ValType.I32);
        break;
      case 0xfc0011: {
        // table.fill
        const t = this.table(r.u32());
        this.popExpect(ValType.I32);
        this.popExpect(t);
        this.popExpect(ValType.I32);
        break;
      }
      default:
        throw new Error(`wasm-harden internal error: no validation rule for ${op.name}`);
    }
    return false;
  }

  private brTable(): void {
    const r = this.r;
    this.popExpect(ValType.I32);
    const countOffset = r.pos;
    const n = r.u32();
    if (n > r.remaining) r.unexpectedEnd();
    if (n > this.ctx.brTableLimit) this.ctx.onLimit('forbidden.limit.br-table-size', this.opOffset, `${n} targets`);
    void countOffset;
    // the default label comes last: find it first, then walk the targets
    const targetsStart = r.pos;
    for (let i = 0; i < n; i++) r.u32();
    const m = this.labelFrame(r.u32());
    const afterDefault = r.pos;
    const defaultTypes = this.labelTypes(m);
    const arity = defaultTypes.length;
    r.pos = targetsStart;
    for (let i = 0; i < n; i++) {
      const f = this.labelFrame(r.u32());
      const types = this.labelTypes(f);
      if (types.length !== arity)
        invalid('invalid.type-mismatch', this.opOffset, `br_table targets have different arities (${types.length} and ${arity})`);
      // push_vals(pop_vals(label_types)): keep what was actually on the stack
      if (arity > this.scratch.length) this.scratch = new Uint8Array(arity * 2);
      for (let k = arity - 1; k >= 0; k--) this.scratch[k] = this.popExpect(types[k]!);
      for (let k = 0; k < arity; k++) this.push(this.scratch[k]!);
    }
    r.pos = afterDefault;
    this.popVals(defaultTypes);
    this.setUnreachable();
  }
}

function sameTypes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { ALL_OPS };
