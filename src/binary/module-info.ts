/**
 * ModuleInfo: what the decoder learns about a module, as windows into the caller's bytes.
 *
 * Nothing here copies the input. Section payloads, function bodies, constant expressions and data segment
 * contents are `[start, end)` ranges over `ModuleInfo.bytes`; names are decoded (they must be valid UTF-8).
 * Value types are kept as their binary codes (see `ValType`), so stacks can be plain `Uint8Array`s.
 */

/** Value types by their binary code. 0 is the validator's "unknown" (bottom) type. */
export const enum ValType {
  Unknown = 0,
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b,
  FuncRef = 0x70,
  ExternRef = 0x6f,
}

export const VALTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'unknown',
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

export function isValTypeByte(b: number): boolean {
  return b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f;
}

export function isRefType(t: number): boolean {
  return t === ValType.FuncRef || t === ValType.ExternRef;
}

export const enum SectionId {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
  /** exceptions proposal: recognised so policy can name it */
  Tag = 13,
}

export const enum ExternKindCode {
  Func = 0,
  Table = 1,
  Memory = 2,
  Global = 3,
  /** exceptions proposal */
  Tag = 4,
}

export interface Section {
  id: number;
  /** offset of the id byte */
  offset: number;
  /** payload window */
  start: number;
  end: number;
}

export interface FuncType {
  params: Uint8Array;
  results: Uint8Array;
  offset: number;
}

export interface Limits {
  min: number;
  /** undefined when absent */
  max: number | undefined;
  /** offset of the flags byte */
  offset: number;
}

export interface TableType {
  elemType: number;
  limits: Limits;
}

export interface GlobalType {
  valType: number;
  mutable: boolean;
}

export type ImportDesc =
  | { kind: ExternKindCode.Func; typeIndex: number }
  | { kind: ExternKindCode.Table; table: TableType }
  | { kind: ExternKindCode.Memory; memory: Limits }
  | { kind: ExternKindCode.Global; global: GlobalType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
  offset: number;
}

export interface Global {
  type: GlobalType;
  /** constant expression window, `end` opcode included */
  init: Range;
  offset: number;
}

export interface Export {
  name: string;
  kind: ExternKindCode;
  index: number;
  offset: number;
}

export interface Range {
  start: number;
  end: number;
}

export const enum SegmentMode {
  Active = 0,
  Passive = 1,
  Declarative = 2,
}

export interface ElemSegment {
  mode: SegmentMode;
  tableIndex: number;
  /** active only */
  offsetExpr: Range | undefined;
  elemType: number;
  /** either function indices (elemkind 0x00 forms), or constant expressions */
  funcIndices: Uint32Array | undefined;
  exprs: Range[] | undefined;
  offset: number;
}

export interface DataSegment {
  mode: SegmentMode.Active | SegmentMode.Passive;
  memoryIndex: number;
  offsetExpr: Range | undefined;
  /** the segment's bytes, as a window */
  data: Range;
  offset: number;
}

export interface FunctionBody {
  /** body window: starts at the locals vector, ends after the final `end` */
  start: number;
  end: number;
  /** run-length local declarations: count and type, in order */
  localCounts: Uint32Array;
  localTypes: Uint8Array;
  /** total declared locals (parameters not included) */
  localCount: number;
  /** first byte of the instruction sequence */
  codeStart: number;
  /** the operand stack's greatest height, once the validator has seen the body (else -1) */
  maxStackHeight: number;
}

export interface CustomSection {
  name: string;
  /** payload after the name */
  start: number;
  end: number;
  offset: number;
}

export interface ModuleInfo {
  /** the caller's bytes (not copied) */
  readonly bytes: Uint8Array;
  sections: Section[];
  types: FuncType[];
  imports: Import[];
  /** type index of each *defined* function */
  functions: Uint32Array;
  tables: TableType[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start: { index: number; offset: number } | undefined;
  elements: ElemSegment[];
  dataCount: number | undefined;
  codes: FunctionBody[];
  data: DataSegment[];
  customs: CustomSection[];
  /** function names from the `name` custom section, when present and well formed */
  functionNames: Map<number, string> | undefined;
  // derived index spaces (imports first)
  importedFunctions: number;
  importedTables: number;
  importedMemories: number;
  importedGlobals: number;
  /** type index of every function in the function index space */
  funcTypeIndices: Uint32Array;
  /** table type of every table in the table index space */
  allTables: TableType[];
  allMemories: Limits[];
  allGlobals: GlobalType[];
}
