/**
 * Trap classification: from what V8 threw (and the sandbox's fuel and depth globals) to one `TrapKind`.
 *
 * The order of the decision lives in sandbox.ts (`classifyFailure`): a recorded host failure first, then
 * our own sentinels (fuel < 0 → `out-of-fuel`; depth > limit → `stack-overflow`), then V8's RangeError
 * "Maximum call stack size exceeded" (→ `stack-overflow`), then V8's trap message. This file holds the
 * message table and the one hard case, `call_indirect`.
 *
 * ## V8's trap messages (verified on Node 20.20, V8 11.3, with a module per trap)
 *
 * | `WebAssembly.RuntimeError` message                  | raised by                                              | kind |
 * | --------------------------------------------------- | ------------------------------------------------------ | ---- |
 * | `unreachable`                                       | `unreachable` (ours too: fuel / depth sentinels)       | `unreachable` |
 * | `memory access out of bounds`                       | loads, stores, memory.fill/copy/init, memory.init after data.drop | `memory-out-of-bounds` |
 * | `data segment is out of bounds`                     | an active data segment at instantiation ("WebAssembly.Instance(): " prefix) | `memory-out-of-bounds` |
 * | `table index is out of bounds`                      | call_indirect past the end, table.get/set/fill/copy/init, an active element segment | `table-out-of-bounds` |
 * | `element segment out of bounds`                     | table.init after elem.drop                             | `table-out-of-bounds` |
 * | `null function or function signature mismatch`     | call_indirect of a null entry, or of a wrong type      | `indirect-call-to-null` or `bad-signature` (below) |
 * | `divide by zero`                                    | i32/i64.div_s/div_u by 0                               | `integer-division-by-zero` |
 * | `remainder by zero`                                 | i32/i64.rem_s/rem_u by 0                               | `integer-division-by-zero` |
 * | `divide result unrepresentable`                     | i32/i64.div_s of MIN by -1                             | `integer-overflow` |
 * | `float unrepresentable in integer range`            | trapping trunc of NaN, or of a float out of range      | `bad-conversion-to-integer` |
 *
 * Plus `RangeError: Maximum call stack size exceeded` (V8's own stack guard, not a RuntimeError) →
 * `stack-overflow`. Newer V8 wordings ("out of bounds memory access", "null function", "function signature
 * mismatch", "integer divide by zero", "integer overflow", "invalid conversion to integer") are matched too.
 *
 * Two places where V8 is coarser than Wasmtime's codes:
 *   - a trunc of NaN is Wasmtime's `bad-conversion-to-integer`, a trunc out of range its `integer-overflow`;
 *     V8 says the same thing for both and the operand is gone, so both are `bad-conversion-to-integer`.
 *   - `call_indirect` of a null entry and of an entry with another signature share one message, and the
 *     index the call used is gone. See `resolveIndirectCall`: the trapping instruction is found from V8's
 *     structured stack (the frame's instance and byte offset), and the table it reads from is examined:
 *     at run time when the sandbox can reach it (imported or exported: no null entry at all → the entry was
 *     there, so `bad-signature`), statically otherwise (no slot can ever be null → `bad-signature`). When
 *     a null is possible the answer is `indirect-call-to-null`, which is exact whenever every function
 *     that can be in the table has the called type, and otherwise the likelier case (a C null function
 *     pointer is index 0, which LLVM leaves empty). Exact classification in every case needs the index,
 *     which only instrumentation can keep (a scratch global written before each call_indirect).
 *
 * Any other RuntimeError message (none exists in Wasm 2.0 on this V8) is reported as `unreachable`, with
 * the original error kept as the result's non-enumerable `cause`; V8's text is never the result's message.
 */

import { readOpcode, skipImmediates } from '../binary/instructions.js';
import { Reader } from '../binary/reader.js';
import { ExternKindCode, SegmentMode, type ModuleInfo } from '../binary/module-info.js';
import type { TrapKind } from './types.js';

const RuntimeErrorCtor = WebAssembly.RuntimeError;
const InstanceCtor = WebAssembly.Instance;
const ErrorCtor = Error;

/** V8's messages → kind; `indirect-call` is resolved by `resolveIndirectCall`. */
export const V8_TRAP_MESSAGES: ReadonlyArray<readonly [RegExp, TrapKind | 'indirect-call']> = [
  [/^unreachable\b/, 'unreachable'],
  [/memory access out of bounds|out of bounds memory access|data segment (is |has been )?(dropped|out of bounds)/, 'memory-out-of-bounds'],
  [/table index is out of bounds|out of bounds table access|table access out of bounds|element segment (is |has been )?(dropped|out of bounds)/, 'table-out-of-bounds'],
  [/null function or function signature mismatch|function signature mismatch|null function/, 'indirect-call'],
  [/divide by zero|remainder by zero|integer divide by zero/, 'integer-division-by-zero'],
  [/divide result unrepresentable|^integer overflow/, 'integer-overflow'],
  [/float unrepresentable in integer range|invalid conversion to integer/, 'bad-conversion-to-integer'],
];

/** Our wording for each kind (the spec testsuite's, where it has one). */
export const TRAP_MESSAGES: Readonly<Record<TrapKind, string>> = {
  'out-of-fuel': 'out of fuel: the budget ran out (refuel with addFuel or setFuel)',
  'stack-overflow': 'call stack exhausted: the call depth passed the stack limit',
  'memory-out-of-bounds': 'out of bounds memory access',
  'table-out-of-bounds': 'out of bounds table access',
  'indirect-call-to-null': 'uninitialized element: call_indirect of a null table entry',
  'bad-signature': 'indirect call type mismatch: call_indirect of a function with another signature',
  'integer-overflow': 'integer overflow',
  'integer-division-by-zero': 'integer divide by zero',
  'bad-conversion-to-integer': 'invalid conversion to integer: a trapping float-to-int conversion of NaN or of a value out of range',
  unreachable: 'unreachable executed',
  timeout: 'timeout: the wall-clock limit passed',
  'host-error': 'a host function failed',
};

/** The `TrapKind` of a V8 trap message, `indirect-call` for the shared call_indirect message, or undefined. */
export function kindOfV8Message(message: string): TrapKind | 'indirect-call' | undefined {
  const text = message.replace(/^WebAssembly\.[A-Za-z]+\(\): /, '');
  for (const [re, kind] of V8_TRAP_MESSAGES) if (re.test(text)) return kind;
  return undefined;
}

export function isRuntimeError(e: unknown): e is Error {
  return e instanceof RuntimeErrorCtor;
}

const STACK_OVERFLOW_TEXT = 'Maximum call stack size exceeded';

/**
 * V8's own stack guard: `RangeError: Maximum call stack size exceeded`, or another error that V8 raised
 * for the same reason (compiling a regular expression with no stack left throws a SyntaxError "Invalid
 * regular expression: ...: Maximum call stack size exceeded"). No regular expression here, for that reason.
 */
export function isNativeStackOverflow(e: unknown): boolean {
  return e instanceof ErrorCtor && typeof e.message === 'string' && e.message.includes(STACK_OVERFLOW_TEXT);
}

// =========================================================================================================
// Where a trap happened: V8's structured stack

/** The V8 call-site methods we read (typed here: they are not in lib.es2022). */
interface V8CallSite {
  getThis(): unknown;
  getPosition?(): number;
  getColumnNumber(): number | null;
  toString(): string;
}

export interface TrapLocation {
  /** the instance whose code trapped */
  instance: WebAssembly.Instance;
  /** byte offset of the trapping instruction in that instance's module bytes */
  position: number;
}

/**
 * The wasm frame on top of `error`'s stack, read through V8's structured stack trace API (not by parsing
 * the text, in which a guest's function names appear unescaped). For a wasm frame V8 gives the instance as
 * `this` and the module-relative byte offset as the position. Undefined when the stack was already
 * formatted, `Error.stackTraceLimit` is 0, or the top frame is not wasm.
 *
 * Reading the structured stack formats `error.stack` once; it is formatted again here (through the host's
 * own `Error.prepareStackTrace`, if any) so that the error keeps a normal `stack` for diagnostics.
 */
export function locateTrap(error: unknown): TrapLocation | undefined {
  if (!(error instanceof ErrorCtor)) return undefined;
  const E = ErrorCtor as unknown as { prepareStackTrace?: (e: Error, sites: V8CallSite[]) => unknown };
  const previous = E.prepareStackTrace;
  let sites: unknown;
  E.prepareStackTrace = (_e, s) => s;
  try {
    sites = error.stack;
  } catch {
    sites = undefined;
  } finally {
    E.prepareStackTrace = previous;
  }
  if (!Array.isArray(sites)) return undefined;
  const list = sites as V8CallSite[];
  try {
    error.stack = previous
      ? String(previous(error, list))
      : `${error.name}: ${error.message}${list.map((s) => `\n    at ${String(s)}`).join('')}`;
  } catch {
    // keep the array; diagnostics only
  }
  const top = list[0];
  if (top === undefined) return undefined;
  const instance = top.getThis();
  if (!(instance instanceof InstanceCtor)) return undefined;
  const position = typeof top.getPosition === 'function' ? top.getPosition() : (top.getColumnNumber() ?? 0) - 1;
  if (!Number.isInteger(position) || position < 0) return undefined;
  return { instance, position };
}

// =========================================================================================================
// call_indirect: null entry or signature mismatch?

/** Whether each table can ever hold null (over-approximated: `true` may be a false alarm, `false` is sure). */
export interface IndirectCallFacts {
  nullable: boolean[];
}

/** `i32.const k end` → k; anything else (global.get) → undefined. */
function constOffset(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (bytes[start] !== 0x41) return undefined;
  const r = new Reader(bytes, start + 1, end);
  const k = r.s32();
  return bytes[r.pos] === 0x0b ? k >>> 0 : undefined;
}

/**
 * Static facts about every table of `info` (computed once per module, and only when a call_indirect traps).
 * A table is nullable when it is imported or exported (the host can store anything in it), written by
 * table.set/grow/fill/copy, filled by table.init from a segment with a null (or non-constant) item, or when
 * its active segments (with constant offsets) leave one of its initial slots empty or put a null in one.
 */
export function indirectCallFacts(info: ModuleInfo): IndirectCallFacts {
  const bytes = info.bytes;
  const nullable = info.allTables.map(() => false);
  const mark = (t: number) => {
    if (t < nullable.length) nullable[t] = true;
  };
  for (let t = 0; t < info.importedTables; t++) mark(t);
  for (const e of info.exports) if (e.kind === ExternKindCode.Table) mark(e.index);

  /** a segment may yield null: a ref.null item, or an item that is not ref.func (global.get) */
  const yieldsNull = (seg: (typeof info.elements)[number]) =>
    seg.funcIndices === undefined && (seg.exprs ?? []).some((x) => bytes[x.start] !== 0xd2);
  const itemCount = (seg: (typeof info.elements)[number]) => seg.funcIndices?.length ?? seg.exprs?.length ?? 0;

  const covered: Array<Array<[number, number]>> = info.allTables.map(() => []);
  for (const seg of info.elements) {
    if (seg.mode !== SegmentMode.Active) continue;
    if (yieldsNull(seg)) mark(seg.tableIndex);
    const at = seg.offsetExpr === undefined ? undefined : constOffset(bytes, seg.offsetExpr.start, seg.offsetExpr.end);
    if (at !== undefined) covered[seg.tableIndex]?.push([at, at + itemCount(seg)]);
  }
  info.allTables.forEach((t, i) => {
    const ranges = (covered[i] ?? []).sort((a, b) => a[0] - b[0]);
    let next = 0;
    for (const [from, to] of ranges) {
      if (from > next) break;
      next = Math.max(next, to);
    }
    if (next < t.limits.min) mark(i);
  });

  for (const body of info.codes) {
    const r = new Reader(bytes, body.codeStart, body.end);
    try {
      while (r.pos < body.end) {
        const at = r.pos;
        const op = readOpcode(r);
        const code = op.prefix === 0 ? op.code : op.prefix === 0xfc ? 0x100 | op.code : -1;
        if (code === 0x26 || code === 0x10f || code === 0x111 || code === 0x10e) {
          // table.set x, table.grow x, table.fill x, table.copy dst src
          mark(r.u32());
          if (code === 0x10e) r.u32();
        } else if (code === 0x10c) {
          // table.init elem table
          const seg = info.elements[r.u32()];
          const t = r.u32();
          if (seg === undefined || yieldsNull(seg)) mark(t);
        } else skipImmediates(r, op, at);
      }
    } catch {
      // the module validated, so a decode failure here is our bug: stay conservative
      nullable.fill(true);
    }
  }
  return { nullable };
}

/** A table the sandbox can read at run time (imported or exported). */
export interface TableReader {
  length: number;
  isNull(index: number): boolean;
}

/** Tables longer than this are not scanned at run time (the static facts decide). */
const SCAN_LIMIT = 1 << 20;

/**
 * Decides a `null function or function signature mismatch` trap at byte `position` of `info`'s module.
 * `runtimeTable(i)` gives the live table `i` when the sandbox can reach it.
 */
export function resolveIndirectCall(
  info: ModuleInfo,
  facts: () => IndirectCallFacts,
  position: number,
  runtimeTable: (index: number) => TableReader | undefined,
): 'indirect-call-to-null' | 'bad-signature' {
  const bytes = info.bytes;
  if (bytes[position] !== 0x11) return 'indirect-call-to-null';
  const inCode = info.codes.some((b) => b.codeStart <= position && position < b.end);
  if (!inCode) return 'indirect-call-to-null';
  let tableIndex: number;
  try {
    const r = new Reader(bytes, position + 1, bytes.length);
    r.u32(); // type index
    tableIndex = r.u32();
  } catch {
    return 'indirect-call-to-null';
  }

  // the live table: no null entry at all means the entry the call read was not null
  const live = runtimeTable(tableIndex);
  if (live !== undefined && live.length <= SCAN_LIMIT) {
    let anyNull = false;
    for (let i = 0; i < live.length && !anyNull; i++) anyNull = live.isNull(i);
    if (!anyNull) return 'bad-signature';
  }
  // statically, no slot of this table can ever be null: the entry was there, with another type
  if (facts().nullable[tableIndex] === false) return 'bad-signature';
  // null possible (and perhaps a mismatch too): null, see the header
  return 'indirect-call-to-null';
}
