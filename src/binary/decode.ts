/**
 * decodeModule: the module-level decoder (what is *malformed*).
 *
 * It walks the section headers and decodes every section except function bodies, whose instructions are
 * decoded lazily (by the validator, or by `readInstructions`). Everything is a window into the caller's
 * bytes. Every declared count is checked against the bytes left in its section before anything is allocated
 * for it (each entry takes at least one byte), and against the policy's named limit. Function bodies' local
 * declarations are checked here but materialised as arrays only on demand (`DecodedFunctionBody`), and
 * empty vectors share one array: typed-array allocations were most of the decoder's cost.
 *
 * The decoder knows nothing of policy decisions. What it cannot decode because it belongs to a later proposal
 * (a GC type, a tag section, a memory64 limit) it reports by throwing that proposal's `forbidden.feature.*`
 * code; what it can decode but a policy might forbid (a v128 value type, a shared memory, a passive segment)
 * it reports through `DecodeSink.feature`, and the policy gate decides. Counts over a limit go to
 * `DecodeSink.limit`; decoding continues, since the count is already bounded by the input's size.
 */

import type { FeatureName } from '../policy.js';
import type { LimitName } from '../limits.js';
import { DecodeError, Reader, fail } from './reader.js';
import { specText, type IssueCode } from '../issues.js';
import { unsupportedProposal } from './proposals.js';
import { skipConstExpr } from './instructions.js';
import {
  ExternKindCode,
  SectionId,
  SegmentMode,
  ValType,
  type CustomSection,
  type DataSegment,
  type ElemSegment,
  type Export,
  type FuncType,
  type FunctionBody,
  type Global,
  type GlobalType,
  type Import,
  type Limits,
  type ModuleInfo,
  type Range,
  type TableType,
} from './module-info.js';

/** Where the decoder reports what a policy may want to refuse. */
export interface DecodeSink {
  /** a Wasm 2.0 feature is used at `offset` */
  feature(feature: FeatureName, offset: number, what: string): void;
  /** a declared count exceeds the policy's limit (the caller records it) */
  limit(name: LimitName, value: number, offset: number, path?: string, code?: IssueCode): void;
  /** the policy's limits, read by the decoder to check counts before allocating */
  readonly limits: { readonly [K in LimitName]: number };
}

/** Section order of Wasm 2.0 (DataCount between Element and Code; Tag, exceptions, after Memory). */
const SECTION_RANK: Record<number, number> = {
  [SectionId.Type]: 1,
  [SectionId.Import]: 2,
  [SectionId.Function]: 3,
  [SectionId.Table]: 4,
  [SectionId.Memory]: 5,
  [SectionId.Tag]: 6,
  [SectionId.Global]: 7,
  [SectionId.Export]: 8,
  [SectionId.Start]: 9,
  [SectionId.Element]: 10,
  [SectionId.DataCount]: 11,
  [SectionId.Code]: 12,
  [SectionId.Data]: 13,
};

/** Reads a value type byte. */
export function readValType(r: Reader, sink: DecodeSink): number {
  const offset = r.pos;
  const b = r.u8();
  switch (b) {
    case ValType.I32:
    case ValType.I64:
    case ValType.F32:
    case ValType.F64:
      return b;
    case ValType.V128:
      sink.feature('simd', offset, 'the v128 value type');
      return b;
    case ValType.FuncRef:
    case ValType.ExternRef:
      sink.feature('reference-types', offset, 'a reference value type');
      return b;
    default:
      if (b & 0x80) fail('malformed.leb-too-long', offset, 'a value type is a one-byte signed LEB128');
      return refTypeOrFail(b, offset, 'malformed.value-type');
  }
}

/** Reads a reference type byte (tables, element segments, ref.null). */
export function readRefType(r: Reader): number {
  const offset = r.pos;
  const b = r.u8();
  if (b === ValType.FuncRef || b === ValType.ExternRef) return b;
  if (b & 0x80) fail('malformed.leb-too-long', offset, 'a reference type is a one-byte signed LEB128');
  return refTypeOrFail(b, offset, 'malformed.reference-type');
}

function refTypeOrFail(b: number, offset: number, code: 'malformed.value-type' | 'malformed.reference-type'): never {
  // GC / typed function references: (ref ht), (ref null ht) and the shorthand heap types
  if (b === 0x64 || b === 0x63 || (b >= 0x6a && b <= 0x6e) || (b >= 0x71 && b <= 0x74))
    unsupportedProposal('gc', offset, `the reference type 0x${b.toString(16)}`);
  if (b === 0x69) unsupportedProposal('exceptions', offset, 'the exnref type');
  fail(code, offset, `0x${b.toString(16)}`);
}

/**
 * How many entries of a declared `count` may be allocated up front: every entry takes at least one byte, so
 * never more than the bytes left in the window. A count larger than that is not an error yet: reading the
 * missing entries runs off the window and reports it there, exactly where the reference interpreter does.
 */
function allocationBound(r: Reader, count: number): number {
  return Math.min(count, r.end - r.pos);
}

/** Shared empty arrays: a typed array costs an ArrayBuffer, and one without elements cannot be changed. */
const NO_VALTYPES = new Uint8Array(0);
const NO_INDICES = new Uint32Array(0);

function readLimits(r: Reader, sink: DecodeSink, isMemory: boolean): Limits {
  const offset = r.pos;
  const flags = r.u8();
  let max: number | undefined;
  // Wasm 2.0 reads the flags as a one-bit LEB128: 0x80.. is too long, 2.. too large
  if (flags & 0x80) fail('malformed.leb-too-long', offset, 'limits flags');
  const large = specText('malformed.leb-too-large');
  if (isMemory && (flags === 0x02 || flags === 0x03)) unsupportedProposal('threads', offset, 'a shared memory', large);
  if (flags >= 0x04 && flags <= 0x07) unsupportedProposal('memory64', offset, `a 64-bit ${isMemory ? 'memory' : 'table'}`, large);
  if (flags > 0x01) fail('malformed.leb-too-large', offset, `limits flags 0x${flags.toString(16)}`);
  const min = r.u32();
  if (flags & 1) max = r.u32();
  return { min, max, offset };
}

function readTableType(r: Reader, sink: DecodeSink): TableType {
  const offset = r.pos;
  if (r.peekU8() === 0x40) unsupportedProposal('gc', offset, 'a table with an initialiser');
  const elemType = readRefType(r);
  if (elemType === ValType.ExternRef) sink.feature('reference-types', offset, 'an externref table');
  return { elemType, limits: readLimits(r, sink, false) };
}

function readGlobalType(r: Reader, sink: DecodeSink): GlobalType {
  const valType = readValType(r, sink);
  const mutOffset = r.pos;
  const m = r.u8();
  if (m > 1) fail('malformed.mutability', mutOffset);
  return { valType, mutable: m === 1 };
}

function readTypeSection(r: Reader, sink: DecodeSink, info: ModuleInfo): void {
  const countOffset = r.pos;
  const count = r.u32();
  if (count > sink.limits.types) sink.limit('types', count, countOffset);
  for (let i = 0; i < count; i++) {
    const offset = r.pos;
    const form = r.u8();
    if (form & 0x80) fail('malformed.leb-too-long', offset, 'a type form is a one-byte signed LEB128');
    if (form !== 0x60) {
      if (form === 0x5e || form === 0x5f || form === 0x4e || form === 0x50 || form === 0x4f || form === 0x4d)
        unsupportedProposal('gc', offset, 'a struct, array or recursive type');
      fail('malformed.function-type', offset, `0x${form.toString(16)}`);
    }
    const params = readValTypeVec(r, sink, 'params', i);
    const results = readValTypeVec(r, sink, 'results', i);
    if (results.length > 1) sink.feature('multi-value', offset, 'a function type with several results');
    info.types.push({ params, results, offset });
  }
}

function readValTypeVec(r: Reader, sink: DecodeSink, which: 'params' | 'results', typeIndex: number): Uint8Array {
  const countOffset = r.pos;
  const n = r.u32();
  if (n > sink.limits[which]) sink.limit(which, n, countOffset, `type[${typeIndex}]`);
  // an empty vector (most result lists, many parameter lists) is one shared array: it has no elements to change
  const out = n === 0 ? NO_VALTYPES : new Uint8Array(allocationBound(r, n));
  for (let j = 0; j < n; j++) out[j] = readValType(r, sink);
  return out;
}

function readImportSection(r: Reader, sink: DecodeSink, info: ModuleInfo): void {
  const countOffset = r.pos;
  const count = r.u32();
  if (count > sink.limits.imports) sink.limit('imports', count, countOffset);
  for (let i = 0; i < count; i++) {
    const offset = r.pos;
    const module = r.name();
    const name = r.name();
    const kindOffset = r.pos;
    const kind = r.u8();
    let imp: Import;
    switch (kind) {
      case ExternKindCode.Func:
        imp = { module, name, desc: { kind, typeIndex: r.u32() }, offset };
        info.importedFunctions++;
        break;
      case ExternKindCode.Table:
        imp = { module, name, desc: { kind, table: readTableType(r, sink) }, offset };
        info.importedTables++;
        break;
      case ExternKindCode.Memory:
        imp = { module, name, desc: { kind, memory: readLimits(r, sink, true) }, offset };
        info.importedMemories++;
        break;
      case ExternKindCode.Global:
        imp = { module, name, desc: { kind, global: readGlobalType(r, sink) }, offset };
        info.importedGlobals++;
        break;
      case ExternKindCode.Tag:
        unsupportedProposal('exceptions', kindOffset, 'a tag import', specText('malformed.import-kind'));
      default:
        fail('malformed.import-kind', kindOffset, `0x${kind.toString(16)}`);
    }
    info.imports.push(imp);
  }
}

function readElemSection(r: Reader, sink: DecodeSink, info: ModuleInfo): void {
  const countOffset = r.pos;
  const count = r.u32();
  if (count > sink.limits.elemSegments) sink.limit('elemSegments', count, countOffset);
  for (let i = 0; i < count; i++) {
    const offset = r.pos;
    const flags = r.u32();
    if (flags > 7) fail('malformed.segment-kind', offset, `flags ${flags}`);
    const passiveOrDeclarative = (flags & 1) !== 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    let mode: SegmentMode = SegmentMode.Active;
    if (passiveOrDeclarative) mode = explicitTable ? SegmentMode.Declarative : SegmentMode.Passive;
    if (mode !== SegmentMode.Active) sink.feature(mode === SegmentMode.Passive ? 'bulk-memory' : 'reference-types', offset, 'a passive or declarative element segment');
    let tableIndex = 0;
    let offsetExpr: Range | undefined;
    if (mode === SegmentMode.Active) {
      if (explicitTable) tableIndex = r.u32();
      offsetExpr = skipConstExpr(r);
    }
    let elemType: number = ValType.FuncRef;
    if (mode !== SegmentMode.Active || explicitTable) {
      if (usesExprs) elemType = readRefType(r);
      else {
        const kindOffset = r.pos;
        const kind = r.u8();
        if (kind !== 0x00) fail('malformed.segment-kind', kindOffset, `element kind 0x${kind.toString(16)}`);
      }
    }
    if (usesExprs) sink.feature('reference-types', offset, 'an element segment of expressions');
    const nOffset = r.pos;
    const n = r.u32();
    if (n > sink.limits.tableElements) sink.limit('tableElements', n, nOffset, `elem[${i}]`, 'forbidden.limit.elem-items');
    let funcIndices: Uint32Array | undefined;
    let exprs: Range[] | undefined;
    if (usesExprs) {
      exprs = [];
      for (let j = 0; j < n; j++) exprs.push(skipConstExpr(r));
    } else {
      funcIndices = new Uint32Array(allocationBound(r, n));
      for (let j = 0; j < n; j++) funcIndices[j] = r.u32();
    }
    info.elements.push({ mode, tableIndex, offsetExpr, elemType, funcIndices, exprs, offset });
  }
}

/**
 * A function body as the decoder makes it. Its local declarations are checked (well formed, within the
 * limits) while decoding, but `localCounts`/`localTypes` are only materialised from the body's bytes when
 * someone reads them: the validator expands locals straight from the bytes, and two typed arrays per body
 * (each with its own ArrayBuffer) were most of the decoder's time and garbage on modules with thousands of
 * functions.
 */
class DecodedFunctionBody implements FunctionBody {
  maxStackHeight = -1;
  readonly #bytes: Uint8Array;
  #localCounts: Uint32Array | undefined = undefined;
  #localTypes: Uint8Array | undefined = undefined;
  constructor(
    bytes: Uint8Array,
    public start: number,
    public end: number,
    public localCount: number,
    public codeStart: number,
  ) {
    this.#bytes = bytes;
  }

  get localCounts(): Uint32Array {
    if (this.#localCounts === undefined) this.#decodeLocals();
    return this.#localCounts!;
  }

  get localTypes(): Uint8Array {
    if (this.#localTypes === undefined) this.#decodeLocals();
    return this.#localTypes!;
  }

  /** re-reads the (already checked) run-length declarations at the start of the body */
  #decodeLocals(): void {
    const r = new Reader(this.#bytes, this.start, this.codeStart);
    const n = r.u32();
    const counts = new Uint32Array(n);
    const types = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      counts[j] = r.u32();
      types[j] = r.u8();
    }
    this.#localCounts = counts;
    this.#localTypes = types;
  }
}

function readCodeSection(r: Reader, sink: DecodeSink, info: ModuleInfo, sectionEnd: number): void {
  const countOffset = r.pos;
  const count = r.u32();
  if (count !== info.functions.length)
    fail('malformed.function-code-mismatch', countOffset, `${info.functions.length} functions, ${count} bodies`);
  const limits = sink.limits;
  const bodyBytesLimit = limits.bodyBytes;
  const totalBodyBytesLimit = limits.totalBodyBytes;
  const perFunctionLimit = limits.localsPerFunction;
  const totalLocalsLimit = limits.totalLocals;
  const types = info.types;
  const functions = info.functions;
  const codes = info.codes;
  const windowEnd = r.end;
  let totalLocals = 0;
  let totalBody = 0;
  let totalLimitReported = false;
  for (let i = 0; i < count; i++) {
    const sizeOffset = r.pos;
    const size = r.u32();
    if (size > windowEnd - r.pos) {
      if (windowEnd >= r.bytes.length) fail('malformed.unexpected-end', sizeOffset);
      fail('malformed.length-out-of-bounds', sizeOffset, `function body of ${size} bytes`);
    }
    const start = r.pos;
    const end = start + size;
    if (size > bodyBytesLimit) sink.limit('bodyBytes', size, sizeOffset, `code[${i}]`);
    totalBody += size;
    if (totalBody > totalBodyBytesLimit && totalBody - size <= totalBodyBytesLimit)
      sink.limit('totalBodyBytes', totalBody, sizeOffset, `code[${i}]`);
    // locals: run-length (count, type) pairs, checked here and never expanded (see DecodedFunctionBody);
    // read with the section's reader narrowed to the body's window (so running off the body is reported as
    // for a reader over the body alone)
    r.end = end;
    const n = r.u32();
    const typeIndex = functions[i]!;
    const paramCount = typeIndex < types.length ? types[typeIndex]!.params.length : 0;
    // each limit is reported at the local entry whose count crosses it
    let localCount = 0;
    let perFunctionReported = false;
    for (let j = 0; j < n; j++) {
      const entryOffset = r.pos;
      const c = r.u32();
      localCount += c;
      if (localCount > 0xffff_ffff) fail('malformed.too-many-locals', entryOffset);
      if (!perFunctionReported && localCount + paramCount > perFunctionLimit) {
        perFunctionReported = true;
        sink.limit('localsPerFunction', localCount + paramCount, entryOffset, `code[${i}]`);
      }
      if (!totalLimitReported && totalLocals + localCount + paramCount > totalLocalsLimit) {
        totalLimitReported = true;
        sink.limit('totalLocals', totalLocals + localCount + paramCount, entryOffset, `code[${i}]`);
      }
      readValType(r, sink);
    }
    totalLocals += localCount + paramCount;
    codes.push(new DecodedFunctionBody(r.bytes, start, end, localCount, r.pos));
    r.end = windowEnd;
    r.pos = end;
  }
  void sectionEnd;
}

function readDataSection(r: Reader, sink: DecodeSink, info: ModuleInfo): void {
  const countOffset = r.pos;
  const count = r.u32();
  if (count > sink.limits.dataSegments) sink.limit('dataSegments', count, countOffset);
  if (info.dataCount !== undefined && count !== info.dataCount)
    fail('malformed.datacount-mismatch', countOffset, `DataCount says ${info.dataCount}, data section has ${count}`);
  let totalBytes = 0;
  for (let i = 0; i < count; i++) {
    const offset = r.pos;
    const flags = r.u32();
    let seg: DataSegment;
    if (flags === 0) seg = { mode: SegmentMode.Active, memoryIndex: 0, offsetExpr: skipConstExpr(r), data: r.byteVec(), offset };
    else if (flags === 1) {
      sink.feature('bulk-memory', offset, 'a passive data segment');
      seg = { mode: SegmentMode.Passive, memoryIndex: 0, offsetExpr: undefined, data: r.byteVec(), offset };
    } else if (flags === 2) {
      const memoryIndex = r.u32();
      seg = { mode: SegmentMode.Active, memoryIndex, offsetExpr: skipConstExpr(r), data: r.byteVec(), offset };
    } else fail('malformed.segment-kind', offset, `data segment flags ${flags}`);
    const size = seg.data.end - seg.data.start;
    totalBytes += size;
    if (totalBytes > sink.limits.dataBytes && totalBytes - size <= sink.limits.dataBytes)
      sink.limit('dataBytes', totalBytes, offset, `data[${i}]`);
    info.data.push(seg);
  }
}

function readCustomSection(r: Reader, sink: DecodeSink, info: ModuleInfo, offset: number): void {
  const nameStart = r.pos;
  if (r.eof()) r.unexpectedEnd();
  const name = r.name();
  if (r.pos - nameStart > sink.limits.nameBytes) sink.limit('nameBytes', r.pos - nameStart, nameStart, `custom "${name.slice(0, 40)}"`);
  const cs: CustomSection = { name, start: r.pos, end: r.end, offset };
  info.customs.push(cs);
  if (info.customs.length === sink.limits.customSections + 1) sink.limit('customSections', info.customs.length, offset);
  if (name === 'name' && info.functionNames === undefined) info.functionNames = readFunctionNames(r.bytes, cs.start, cs.end);
  r.pos = r.end;
}

/** Best-effort parse of the `name` section's function names; custom sections never make a module malformed. */
function readFunctionNames(bytes: Uint8Array, start: number, end: number): Map<number, string> | undefined {
  try {
    const r = new Reader(bytes, start, end);
    while (!r.eof()) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.remaining) return undefined;
      if (id !== 1) {
        r.pos += size;
        continue;
      }
      const sub = new Reader(bytes, r.pos, r.pos + size);
      const n = sub.u32();
      if (n > sub.remaining) return undefined;
      const names = new Map<number, string>();
      for (let i = 0; i < n; i++) names.set(sub.u32(), sub.name());
      return names;
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  return undefined;
}

function emptyModule(bytes: Uint8Array): ModuleInfo {
  return {
    bytes,
    sections: [],
    types: [],
    imports: [],
    functions: NO_INDICES,
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    start: undefined,
    elements: [],
    dataCount: undefined,
    codes: [],
    data: [],
    customs: [],
    functionNames: undefined,
    importedFunctions: 0,
    importedTables: 0,
    importedMemories: 0,
    importedGlobals: 0,
    funcTypeIndices: NO_INDICES,
    allTables: [],
    allMemories: [],
    allGlobals: [],
  };
}

/**
 * Decodes the module structure. Throws `DecodeError` for the first malformation (callers turn it into an
 * Issue); reports features and limits through `sink`.
 */
export function decodeModule(bytes: Uint8Array, sink: DecodeSink): ModuleInfo {
  const r = new Reader(bytes, 0, bytes.length, true);
  if (bytes.length < 4) fail('malformed.unexpected-end', bytes.length);
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) fail('malformed.magic', 0);
  if (bytes.length < 8) fail('malformed.unexpected-end', bytes.length);
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    // 0x0d 0x00 0x01 0x00 is the component-model layer; still "unknown binary version" for a core module
    fail('malformed.version', 4);
  }
  r.pos = 8;
  const info = emptyModule(bytes);
  let lastRank = 0;
  let sawFunctionSection = false;
  let sawCodeSection = false;
  let sawDataSection = false;

  while (!r.eof()) {
    const offset = r.pos;
    const id = r.u8();
    const sizeOffset = r.pos;
    const size = r.u32();
    if (size > r.end - r.pos) fail('malformed.length-out-of-bounds', sizeOffset, `section of ${size} bytes`);
    const start = r.pos;
    const end = start + size;
    if (id > SectionId.Tag) fail('malformed.section-id', offset, `${id}`);
    if (id !== SectionId.Custom) {
      const rank = SECTION_RANK[id]!;
      if (rank <= lastRank) fail('malformed.section-order', offset, `section ${id} is out of order or repeated`);
      lastRank = rank;
    }
    info.sections.push({ id, offset, start, end });
    const s = new Reader(bytes, start, end);
    switch (id) {
      case SectionId.Custom:
        readCustomSection(s, sink, info, offset);
        break;
      case SectionId.Type:
        readTypeSection(s, sink, info);
        break;
      case SectionId.Import:
        readImportSection(s, sink, info);
        break;
      case SectionId.Function: {
        sawFunctionSection = true;
        const countOffset = s.pos;
        const count = s.u32();
        const fns = count === 0 ? NO_INDICES : new Uint32Array(allocationBound(s, count));
        for (let i = 0; i < count; i++) fns[i] = s.u32();
        info.functions = fns;
        break;
      }
      case SectionId.Table: {
        const countOffset = s.pos;
        const count = s.u32();
        for (let i = 0; i < count; i++) info.tables.push(readTableType(s, sink));
        break;
      }
      case SectionId.Memory: {
        const countOffset = s.pos;
        const count = s.u32();
        for (let i = 0; i < count; i++) info.memories.push(readLimits(s, sink, true));
        break;
      }
      case SectionId.Tag:
        unsupportedProposal('exceptions', offset, 'a tag section (id 13)', specText('malformed.section-id'));
      case SectionId.Global: {
        const countOffset = s.pos;
        const count = s.u32();
        if (count > sink.limits.globals) sink.limit('globals', count, countOffset);
        for (let i = 0; i < count; i++) {
          const goffset = s.pos;
          const type = readGlobalType(s, sink);
          const g: Global = { type, init: skipConstExpr(s), offset: goffset };
          info.globals.push(g);
        }
        break;
      }
      case SectionId.Export: {
        const countOffset = s.pos;
        const count = s.u32();
        if (count > sink.limits.exports) sink.limit('exports', count, countOffset);
        for (let i = 0; i < count; i++) {
          const eoffset = s.pos;
          const name = s.name();
          const kindOffset = s.pos;
          const kind = s.u8();
          if (kind === ExternKindCode.Tag) unsupportedProposal('exceptions', kindOffset, 'a tag export', specText('malformed.export-kind'));
          if (kind > ExternKindCode.Global) fail('malformed.export-kind', kindOffset, `0x${kind.toString(16)}`);
          const e: Export = { name, kind, index: s.u32(), offset: eoffset };
          info.exports.push(e);
        }
        break;
      }
      case SectionId.Start:
        info.start = { offset: s.pos, index: s.u32() };
        break;
      case SectionId.Element:
        readElemSection(s, sink, info);
        break;
      case SectionId.DataCount:
        sink.feature('bulk-memory', offset, 'a DataCount section');
        info.dataCount = s.u32();
        break;
      case SectionId.Code:
        sawCodeSection = true;
        readCodeSection(s, sink, info, end);
        break;
      case SectionId.Data:
        sawDataSection = true;
        readDataSection(s, sink, info);
        break;
    }
    if (s.pos !== end) fail('malformed.section-size', s.pos, `section ${id} declares ${size} bytes, its contents end at 0x${s.pos.toString(16)}`);
    r.pos = end;
  }

  if (!sawCodeSection && info.functions.length > 0)
    fail('malformed.function-code-mismatch', bytes.length, `${info.functions.length} functions, no code section`);
  if (!sawDataSection && info.dataCount !== undefined && info.dataCount !== 0)
    fail('malformed.datacount-mismatch', bytes.length, `DataCount says ${info.dataCount}, no data section`);
  void sawFunctionSection;
  deriveIndexSpaces(info);
  // index-space totals: reported at the count of the section that completes them
  const countOffsetOf = (...ids: number[]) => {
    for (const id of ids) {
      const s = info.sections.find((x) => x.id === id);
      if (s !== undefined) return s.start;
    }
    return 8;
  };
  if (info.funcTypeIndices.length > sink.limits.functions)
    sink.limit('functions', info.funcTypeIndices.length, countOffsetOf(SectionId.Function, SectionId.Import));
  if (info.allTables.length > sink.limits.tables)
    sink.limit('tables', info.allTables.length, countOffsetOf(SectionId.Table, SectionId.Import));
  return info;
}

function deriveIndexSpaces(info: ModuleInfo): void {
  const total = info.importedFunctions + info.functions.length;
  const funcs = total === 0 ? NO_INDICES : new Uint32Array(total);
  let f = 0;
  for (const imp of info.imports) {
    switch (imp.desc.kind) {
      case ExternKindCode.Func:
        funcs[f++] = imp.desc.typeIndex;
        break;
      case ExternKindCode.Table:
        info.allTables.push(imp.desc.table);
        break;
      case ExternKindCode.Memory:
        info.allMemories.push(imp.desc.memory);
        break;
      case ExternKindCode.Global:
        info.allGlobals.push(imp.desc.global);
        break;
    }
  }
  funcs.set(info.functions, f);
  info.funcTypeIndices = funcs;
  info.allTables.push(...info.tables);
  info.allMemories.push(...info.memories);
  for (const g of info.globals) info.allGlobals.push(g.type);
}

export type { FuncType, Import, Export, ElemSegment, DataSegment };
