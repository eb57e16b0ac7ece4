/**
 * The one issue shape, and the catalogue of stable issue codes.
 *
 * Every rejection wasm-harden produces is an `Issue`: a stable `code`, a `message` that begins with the
 * spec testsuite's own wording for that failure (so `assert_invalid`/`assert_malformed` texts match as
 * prefixes), and an absolute byte `offset` into the caller's original bytes.
 *
 * Codes are grouped by phase, and the phase is the code's first segment:
 *   - `malformed.*`  the bytes are not a well-formed binary module (decoder)
 *   - `invalid.*`    well-formed, but it fails the spec's validation rules (validator)
 *   - `forbidden.*`  valid Wasm, but the policy does not allow it (policy gates)
 *   - `policy.*`     the caller's policy object itself is bad (never about the module's bytes)
 *   - `sandbox.*`    the runtime refused how the host set up or used a sandbox (imports, arguments, memory)
 *   - `internal.*`   a bug in wasm-harden; the input is rejected conservatively (the fuzz harness hunts these)
 * A code is never reused for another meaning; new failures get new codes.
 */

export type Phase = 'malformed' | 'invalid' | 'forbidden' | 'policy' | 'sandbox' | 'internal';

export interface Issue {
  /** Stable identifier; see `ISSUE_CODES`. */
  code: IssueCode;
  /** Starts with the spec testsuite's wording ("type mismatch", "unknown function 3", ...). */
  message: string;
  /** Absolute byte offset into the input that was validated. */
  offset: number;
  /** Where in the module, when known: e.g. `code[4]`, `import[2]`, `export "memory"`. */
  path?: string;
}

/** code → the spec wording its messages start with, and a short description for the README. */
export const ISSUE_CODES = {
  // ── malformed: decoding ────────────────────────────────────────────────────────────────
  'malformed.magic': ['magic header not detected', 'The first four bytes are not \\0asm.'],
  'malformed.version': ['unknown binary version', 'The version field is not 1.'],
  'malformed.unexpected-end': ['unexpected end', 'The input ends in the middle of a construct.'],
  'malformed.unexpected-end-of-section': ['unexpected end of section or function', 'A section or function body ends in the middle of a construct.'],
  'malformed.length-out-of-bounds': ['length out of bounds', 'A declared length runs past the end of its section.'],
  'malformed.leb-too-long': ['integer representation too long', 'A LEB128 integer uses more bytes than its type allows.'],
  'malformed.leb-too-large': ['integer too large', 'A LEB128 integer sets bits beyond its type\'s width.'],
  'malformed.section-id': ['malformed section id', 'A section id is not one of Wasm 2.0\'s (0-12).'],
  'malformed.section-size': ['section size mismatch', 'A section\'s contents do not fill exactly its declared size.'],
  'malformed.section-order': ['unexpected content after last section', 'A known section is out of order or repeated.'],
  'malformed.function-code-mismatch': ['function and code section have inconsistent lengths', 'The function and code sections declare different counts.'],
  'malformed.datacount-mismatch': ['data count and data section have inconsistent lengths', 'The DataCount section disagrees with the data section.'],
  'malformed.datacount-required': ['data count section required', 'memory.init or data.drop is used without a DataCount section.'],
  'malformed.utf8': ['malformed UTF-8 encoding', 'A name is not valid UTF-8.'],
  'malformed.import-kind': ['malformed import kind', 'An import descriptor kind is not 0-3.'],
  'malformed.export-kind': ['malformed export kind', 'An export descriptor kind is not 0-3.'],
  'malformed.mutability': ['malformed mutability', 'A global\'s mutability flag is not 0 or 1.'],
  'malformed.reference-type': ['malformed reference type', 'A reference type byte is not funcref or externref.'],
  'malformed.value-type': ['malformed value type', 'A value type byte is not a Wasm 2.0 value type.'],
  'malformed.function-type': ['malformed function type', 'A type entry does not start with 0x60.'],
  'malformed.zero-byte': ['zero byte expected', 'A reserved immediate byte is not zero.'],
  'malformed.too-many-locals': ['too many locals', 'A function declares more than 2^32-1 locals.'],
  'malformed.illegal-opcode': ['illegal opcode', 'An opcode that no known proposal defines.'],
  'malformed.end-expected': ['END opcode expected', 'A function body or constant expression does not end with `end`.'],
  'malformed.segment-kind': ['malformed elements segment kind', 'An element or data segment flag is out of range.'],
  'malformed.custom-name': ['malformed custom section', 'The `name` custom section is not well formed (reported only by a strict name check).'],
  // ── invalid: spec validation ───────────────────────────────────────────────────────────
  'invalid.type-mismatch': ['type mismatch', 'An operand, result or initialiser has the wrong type or arity.'],
  'invalid.unknown-type': ['unknown type', 'A type index is out of range.'],
  'invalid.unknown-function': ['unknown function', 'A function index is out of range.'],
  'invalid.unknown-table': ['unknown table', 'A table index is out of range.'],
  'invalid.unknown-memory': ['unknown memory', 'A memory instruction or segment refers to a memory that does not exist.'],
  'invalid.unknown-global': ['unknown global', 'A global index is out of range (or not usable in a constant expression).'],
  'invalid.unknown-local': ['unknown local', 'A local index is out of range.'],
  'invalid.unknown-label': ['unknown label', 'A branch depth is out of range.'],
  'invalid.unknown-data': ['unknown data segment', 'A data segment index is out of range.'],
  'invalid.unknown-elem': ['unknown elem segment', 'An element segment index is out of range.'],
  'invalid.alignment': ['alignment must not be larger than natural', 'A memarg alignment exceeds the access size.'],
  'invalid.lane-index': ['invalid lane index', 'A SIMD lane index is out of range.'],
  'invalid.constant-expression': ['constant expression required', 'An initialiser uses a non-constant instruction.'],
  'invalid.duplicate-export': ['duplicate export name', 'Two exports share a name.'],
  'invalid.immutable-global': ['global is immutable', 'global.set targets an immutable global.'],
  'invalid.result-arity': ['invalid result arity', 'A typed select declares other than one result.'],
  'invalid.memory-size': ['memory size must be at most 65536 pages (4GiB)', 'A memory limit exceeds 65536 pages.'],
  'invalid.table-size': ['table size must be at most 2^32-1', 'A table limit exceeds 2^32-1 elements.'],
  'invalid.limits': ['size minimum must not be greater than maximum', 'A limits minimum exceeds its maximum.'],
  'invalid.start-function': ['start function', 'The start function has parameters or results.'],
  'invalid.undeclared-reference': ['undeclared function reference', 'ref.func names a function not declared in an element segment, export or global.'],
  // ── forbidden: policy ──────────────────────────────────────────────────────────────────
  'forbidden.feature.mutable-globals': ['feature not enabled: mutable-globals', 'Import or export of a mutable global.'],
  'forbidden.feature.sign-ext': ['feature not enabled: sign-ext', 'Sign-extension operators.'],
  'forbidden.feature.nontrapping-fptoint': ['feature not enabled: nontrapping-fptoint', 'Saturating float-to-int conversions.'],
  'forbidden.feature.multi-value': ['feature not enabled: multi-value', 'Multiple results, or block parameters.'],
  'forbidden.feature.bulk-memory': ['feature not enabled: bulk-memory', 'memory.copy/fill/init, table.copy/init, passive segments, DataCount.'],
  'forbidden.feature.reference-types': ['feature not enabled: reference-types', 'externref, ref.*, table.* instructions, several tables.'],
  'forbidden.feature.simd': ['feature not enabled: simd', 'The 0xFD fixed-width SIMD instructions and v128.'],
  'forbidden.feature.threads': ['feature not enabled: threads', 'Shared memories and the 0xFE atomic instructions (threads proposal).'],
  'forbidden.feature.memory64': ['feature not enabled: memory64', '64-bit memory limits (memory64 proposal).'],
  'forbidden.feature.multi-memory': ['multiple memories', 'More than one memory, or a non-zero memory index (multi-memory proposal).'],
  'forbidden.feature.exceptions': ['feature not enabled: exceptions', 'try/catch/throw, tags (exception-handling proposal).'],
  'forbidden.feature.tail-call': ['feature not enabled: tail-call', 'return_call and return_call_indirect (tail-call proposal).'],
  'forbidden.feature.gc': ['feature not enabled: gc', 'Typed references, struct/array types, the 0xFB prefix (function-references and GC proposals).'],
  'forbidden.feature.relaxed-simd': ['feature not enabled: relaxed-simd', 'The relaxed SIMD instructions (relaxed-simd proposal).'],
  'forbidden.feature.extended-const': ['feature not enabled: extended-const', 'Arithmetic in constant expressions (extended-const proposal).'],
  'forbidden.limit.module-bytes': ['limit exceeded: module bytes', 'The module is larger than `limits.moduleBytes`.'],
  'forbidden.limit.types': ['limit exceeded: types', 'More types than `limits.types`.'],
  'forbidden.limit.functions': ['limit exceeded: functions', 'More functions (imported + defined) than `limits.functions`.'],
  'forbidden.limit.imports': ['limit exceeded: imports', 'More imports than `limits.imports`.'],
  'forbidden.limit.exports': ['limit exceeded: exports', 'More exports than `limits.exports`.'],
  'forbidden.limit.globals': ['limit exceeded: globals', 'More globals than `limits.globals`.'],
  'forbidden.limit.tables': ['limit exceeded: tables', 'More tables than `limits.tables`.'],
  'forbidden.limit.data-segments': ['limit exceeded: data segments', 'More data segments than `limits.dataSegments`.'],
  'forbidden.limit.elem-segments': ['limit exceeded: element segments', 'More element segments than `limits.elemSegments`.'],
  'forbidden.limit.elem-items': ['limit exceeded: element segment items', 'An element segment has more items than `limits.tableElements`.'],
  'forbidden.limit.params': ['limit exceeded: function parameters', 'A function type has more parameters than `limits.params`.'],
  'forbidden.limit.results': ['limit exceeded: function results', 'A function type has more results than `limits.results`.'],
  'forbidden.limit.locals': ['limit exceeded: locals per function', 'A function declares more locals (with parameters) than `limits.localsPerFunction`.'],
  'forbidden.limit.total-locals': ['limit exceeded: locals in total', 'All functions together declare more locals than `limits.totalLocals`.'],
  'forbidden.limit.body-bytes': ['limit exceeded: function body bytes', 'A function body is larger than `limits.bodyBytes`.'],
  'forbidden.limit.total-body-bytes': ['limit exceeded: code bytes in total', 'All function bodies together exceed `limits.totalBodyBytes`.'],
  'forbidden.limit.nesting-depth': ['limit exceeded: control nesting depth', 'Blocks nest deeper than `limits.nestingDepth`.'],
  'forbidden.limit.br-table-size': ['limit exceeded: br_table size', 'A br_table lists more targets than `limits.brTableSize`.'],
  'forbidden.limit.memory-pages': ['limit exceeded: memory pages', 'A memory\'s initial size exceeds `limits.memoryPages` (a larger maximum is clamped by harden, not rejected).'],
  'forbidden.limit.table-elements': ['limit exceeded: table elements', 'A table\'s initial size exceeds `limits.tableElements` (a larger maximum is clamped by harden).'],
  'forbidden.limit.data-bytes': ['limit exceeded: data segment bytes', 'Data segments together hold more bytes than `limits.dataBytes`.'],
  'forbidden.limit.custom-sections': ['limit exceeded: custom sections', 'More custom sections than `limits.customSections`.'],
  'forbidden.limit.name-bytes': ['limit exceeded: name length', 'An import, export or custom-section name is longer than `limits.nameBytes`.'],
  'forbidden.import': ['import not allowed', 'An import that the policy\'s `imports` allowlist does not list.'],
  'forbidden.import-type': ['import type not allowed', 'An allowed import, but with a kind or signature other than the allowlist\'s.'],
  'forbidden.reserved-name': ['reserved name', 'An import or export in the namespace reserved for instrumentation (`__wasm_harden`).'],
  'forbidden.start-function': ['start function not allowed', 'The module has a start function and `allowStart` is false.'],
  // ── policy: the caller's options ───────────────────────────────────────────────────────
  'policy.invalid-option': ['invalid policy option', 'The policy object itself is malformed (unknown key, wrong type, out of range).'],
  // ── sandbox: the runtime refused the host's setup or use of a sandbox ─────────────────
  'sandbox.invalid-option': ['invalid sandbox option', 'An option of `instantiate` (or a fuel amount) is malformed or out of range.'],
  'sandbox.missing-import': ['missing import', 'The module imports something the host did not provide (`imports`, `wasi` or `memory`).'],
  'sandbox.import-kind': ['incompatible import', 'A provided import is not the kind the module imports (function, memory, table, global), or a WASI import has another signature than preview1\'s.'],
  'sandbox.link-error': ['link error', 'The engine refused to link a provided import (its type or limits do not match the import).'],
  'sandbox.instantiation-trap': ['instantiation trapped', 'A data or element segment, or the start function, trapped while instantiating (the trap is attached).'],
  'sandbox.unknown-export': ['unknown export', '`sandbox.call` names no exported function.'],
  'sandbox.invalid-argument': ['invalid argument', 'Arguments that do not fit the export\'s signature, or a bad value passed to a sandbox method.'],
  'sandbox.memory-bounds': ['out of bounds memory access', 'A memory helper was asked to touch bytes outside the guest memory, or the sandbox has no memory it can reach.'],
  // ── internal: a wasm-harden bug, never the input's fault ──────────────────────────────
  'internal.error': ['internal error', 'wasm-harden failed unexpectedly; the input is rejected. Please report it with the input.'],
} as const satisfies Record<string, readonly [string, string]>;

export type IssueCode = keyof typeof ISSUE_CODES;

export function phaseOf(code: IssueCode): Phase {
  return code.slice(0, code.indexOf('.')) as Phase;
}

/** The spec wording a message for `code` starts with. */
export function specText(code: IssueCode): string {
  return ISSUE_CODES[code][0];
}

/**
 * The one error class wasm-harden throws. It carries the issues that caused it; the non-throwing twins of
 * every throwing API return `{ ok: false, issues }` instead.
 */
export class WasmHardenError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[]) {
    const first = issues[0];
    super(
      first
        ? `${first.code} at 0x${first.offset.toString(16)}: ${first.message}` +
            (issues.length > 1 ? ` (and ${issues.length - 1} more)` : '')
        : 'wasm-harden error',
    );
    this.name = 'WasmHardenError';
    this.issues = issues;
  }
}
