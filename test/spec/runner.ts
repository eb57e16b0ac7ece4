/**
 * Executes the official Wasm 2.0 spec testsuite (`../shared/spec-testsuite`) on the native WebAssembly API.
 *
 * `runScript(script, options)` runs one script's commands in order, `runSuite(filter, options)` runs all of
 * them (146 scripts). `options.prepare` rewrites every module's bytes before it is compiled: that is where
 * `harden()` plugs in. `options.classifyTrap` says what kind of trap an error is (a hardened module's fuel or
 * stack-limit trap, say); the default reads V8's messages.
 *
 * Commands:
 *   - `module`                  compile and instantiate; the instance becomes current, and `$name`d if named;
 *   - `register`                a (named or the current) instance's exports become importable under `as`;
 *   - `assert_return`           `invoke` an export with the typed args (or `get` a global), compare every result;
 *   - `assert_trap`             the action must trap, and with the kind the spec text names;
 *   - `assert_exhaustion`       the action must exhaust the call stack (V8: RangeError);
 *   - `assert_unlinkable`       instantiation must fail to link (WebAssembly.LinkError);
 *   - `assert_uninstantiable`   instantiation must trap (start function, segment initialisation);
 *   - `action`                  run the action, ignore its results (it must not trap);
 *   - `assert_invalid`, `assert_malformed` are skipped: validation is tested by `conformance.test.ts`.
 *
 * Exactness. The JS API is exact for i32, i64 (BigInt), references and non-NaN floats, so most calls go
 * straight through it. It cannot pass or return a v128, and it can change a NaN's bits (an f32 argument is
 * converted from a JS double, which quiets a signalling NaN). So when an argument or result is a v128, an
 * argument is a NaN, or an expected result is a NaN (a pattern or a class), the call goes through a wasm
 * *wrapper*: a tiny module, built here by a small binary encoder, that imports the function and a shared
 * scratch memory, loads each numeric argument from memory (floats as i32/i64 bits, reinterpreted), calls
 * the function, and stores each numeric result to memory (floats reinterpreted to i32/i64, v128 as is);
 * references go as wrapper parameters and results. The results' bytes are then compared lane by lane or
 * bit by bit (`values.ts`). Importing the function also checks its signature at link time, so a
 * signature mistake is a harness error, never mistaken for a trap. Globals read as v128 or NaN go through
 * a similar wrapper that imports the global.
 */

import { performance } from 'node:perf_hooks';
import { listScripts, readModuleBytes, scriptCommands, type ResolvedCommand } from './spec-suite.js';
import {
  asSpecValues,
  byteWidth,
  describeBytes,
  describeJS,
  describeValue,
  isNumType,
  isRefType,
  jsExact,
  matchBytes,
  matchJS,
  toJS,
  writeValueBytes,
  type NumType,
  type SpecValue,
  type ValType,
} from './values.js';
import { encodeU32Leb as uleb } from '../../fuzz/mutators.js';

// =========================================================================================================
// Public types

/** The command types of a script, in report order. */
export const COMMAND_TYPES = [
  'module',
  'register',
  'assert_return',
  'assert_trap',
  'assert_exhaustion',
  'assert_unlinkable',
  'assert_uninstantiable',
  'action',
  'assert_invalid',
  'assert_malformed',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** The command types this runner executes (the rest are skipped). */
export const EXECUTABLE_TYPES: ReadonlySet<CommandType> = new Set<CommandType>([
  'module',
  'register',
  'assert_return',
  'assert_trap',
  'assert_exhaustion',
  'assert_unlinkable',
  'assert_uninstantiable',
  'action',
]);

/** What `prepare` is told about the module it rewrites. */
export interface PrepareContext {
  script: string;
  line: number;
  /** `module`, `assert_unlinkable` or `assert_uninstantiable` */
  command: CommandType;
  /** the module's `$name`, when it has one */
  name: string | undefined;
  /** e.g. `address.0.wasm` */
  filename: string;
}

/**
 * Kinds of trap, as coarse as V8's messages allow (V8 says the same thing for a null table entry and a
 * signature mismatch in `call_indirect`, and for `call_indirect` past the table's end and `table.get` out
 * of bounds). A `classifyTrap` hook may return other kinds (`out-of-fuel`, ...): they match no spec text.
 */
export type TrapKind =
  | 'unreachable'
  | 'memory-out-of-bounds'
  | 'integer-divide-by-zero'
  | 'integer-overflow'
  | 'float-unrepresentable' // a trunc of NaN or of a float out of the integer's range
  | 'table-out-of-bounds'
  | 'indirect-call' // uninitialized element, or indirect call type mismatch
  | 'stack-overflow'
  | (string & {});

/** What `classifyTrap` is told about the error it classifies. */
export interface TrapContext {
  script: string;
  line: number;
  command: CommandType;
  /** the spec's expected text (`"integer divide by zero"`, `"call stack exhausted"`, ...), if any */
  text: string | undefined;
  /** whether the error came from calling an export (or reading a global), or from instantiation */
  phase: 'action' | 'instantiate';
}

export interface RunOptions {
  /** Rewrites a module's bytes before compilation (every module: `module`, `assert_unlinkable`, ...). */
  prepare?: (bytes: Uint8Array, ctx: PrepareContext) => Uint8Array | Promise<Uint8Array>;
  /**
   * The kind of trap `error` is, or undefined when it is not a trap. Defaults to `classifyV8Trap`. A hook
   * for hardened modules can recognise its own traps and defer to `classifyV8Trap` for the rest.
   */
  classifyTrap?: (error: unknown, ctx: TrapContext) => TrapKind | undefined;
  /**
   * `auto` (default): call through the JS API when it is exact, through a wasm wrapper otherwise.
   * `wrapper`: every invocation with a known signature goes through a wrapper (slower; for cross-checks).
   */
  calls?: 'auto' | 'wrapper';
  /** Told of every instance the script creates (a hardened module's host keeps its fuel and depth globals). */
  onInstance?: (instance: WebAssembly.Instance) => void;
  /** Called right before each top-level action (`invoke` or `get`): a host→guest entry. */
  beforeAction?: () => void;
}

export interface TypeCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** skip reason → count */
  skipReasons: Record<string, number>;
}

export interface Failure {
  script: string;
  line: number;
  /** position of the command in its script */
  index: number;
  type: CommandType;
  /** the action (`f32.add(f32:1 (0x3f800000), ...)`) or the module file */
  what: string;
  expected: string;
  actual: string;
}

/** Every trap an `assert_trap` / `assert_exhaustion` / `assert_uninstantiable` / `assert_unlinkable` saw. */
export interface TrapRecord {
  script: string;
  line: number;
  type: CommandType;
  /** the spec's text */
  text: string;
  /** `RuntimeError: divide by zero`, ... (or `returned ...` when nothing was thrown) */
  message: string;
  kind: TrapKind | undefined;
  passed: boolean;
}

export interface RunResult {
  scripts: string[];
  counts: Record<CommandType, TypeCounts>;
  failures: Failure[];
  traps: TrapRecord[];
  /** actions (invocations and global reads) done through the JS API directly, and through a wasm wrapper */
  calls: { direct: number; wrapper: number };
  ms: number;
}

// =========================================================================================================
// Trap classification

/** V8's trap messages (Node 20, V8 11.3, and newer wordings) → kind. */
const V8_TRAPS: ReadonlyArray<[RegExp, TrapKind]> = [
  [/^unreachable/, 'unreachable'],
  [/memory access out of bounds|out of bounds memory access/, 'memory-out-of-bounds'],
  [/data segment (is |has been )?(dropped|out of bounds)/, 'memory-out-of-bounds'],
  [/divide by zero|remainder by zero/, 'integer-divide-by-zero'],
  [/divide result unrepresentable/, 'integer-overflow'],
  // trunc of a NaN ("invalid conversion to integer") or of an out-of-range float ("integer overflow")
  [/float unrepresentable in integer range/, 'float-unrepresentable'],
  [/table index is out of bounds|table access out of bounds|element segment (is |has been )?(dropped|out of bounds)/, 'table-out-of-bounds'],
  [/null function or function signature mismatch|function signature mismatch|null function/, 'indirect-call'],
];

/**
 * The default classifier: a `WebAssembly.RuntimeError` is a trap (kind from its message), a RangeError
 * "Maximum call stack size exceeded" is `stack-overflow`, anything else is not a trap.
 */
export function classifyV8Trap(error: unknown): TrapKind | undefined {
  if (error instanceof WebAssembly.RuntimeError) {
    for (const [re, kind] of V8_TRAPS) if (re.test(error.message)) return kind;
    return `runtime-error: ${error.message}`;
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'stack-overflow';
  return undefined;
}

/**
 * The trap kinds that satisfy a spec text. V8 is coarser than the spec's texts in three places, so a text
 * may accept a kind that stands for more than it says:
 *   - "integer overflow" is `i32.div_s` overflow (V8: "divide result unrepresentable") or a trunc out of
 *     range (V8: "float unrepresentable in integer range", the same message as a trunc of NaN);
 *   - "uninitialized element" and "indirect call type mismatch" are both V8's "null function or function
 *     signature mismatch";
 *   - "undefined element" (call_indirect past the table's end) is V8's "table index is out of bounds".
 */
const SPEC_TRAPS: Readonly<Record<string, readonly TrapKind[]>> = {
  unreachable: ['unreachable'],
  'out of bounds memory access': ['memory-out-of-bounds'],
  'integer divide by zero': ['integer-divide-by-zero'],
  'integer overflow': ['integer-overflow', 'float-unrepresentable'],
  'invalid conversion to integer': ['float-unrepresentable'],
  'out of bounds table access': ['table-out-of-bounds'],
  'undefined element': ['table-out-of-bounds'],
  'uninitialized element': ['indirect-call'],
  'uninitialized element 2': ['indirect-call'],
  'indirect call type mismatch': ['indirect-call'],
  'call stack exhausted': ['stack-overflow'],
};

/** The trap kinds a spec text accepts; a text not in the table accepts only `spec: <text>`. */
export function specTrapKinds(text: string): readonly TrapKind[] {
  return SPEC_TRAPS[text] ?? [`spec: ${text}`];
}

/** Whether a classified error satisfies the spec text. */
export function trapMatches(kind: TrapKind | undefined, text: string): boolean {
  return kind !== undefined && specTrapKinds(text).includes(kind);
}

// =========================================================================================================
// A tiny wasm binary encoder (just what the wrappers need)

const VALTYPE: Readonly<Record<ValType, number>> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

function section(id: number, payload: number[]): number[] {
  return payload.length === 0 && id !== 0 ? [] : [id, ...uleb(payload.length), ...payload];
}

function funcType(params: readonly ValType[], results: readonly ValType[]): number[] {
  return [0x60, ...vec(params.map((t) => [VALTYPE[t]])), ...vec(results.map((t) => [VALTYPE[t]]))];
}

const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  globalGet: (i: number) => [0x23, ...uleb(i)],
  i32Const0: [0x41, 0x00],
  call: (i: number) => [0x10, ...uleb(i)],
  end: [0x0b],
};

/** Loads a numeric argument from `offset`; floats load their bits and reinterpret, so no NaN is touched. */
function loadArg(t: NumType | 'v128', offset: number): number[] {
  const memarg = (align: number) => [align, ...uleb(offset)];
  switch (t) {
    case 'i32':
      return [0x28, ...memarg(2)];
    case 'i64':
      return [0x29, ...memarg(3)];
    case 'f32':
      return [0x28, ...memarg(2), 0xbe]; // i32.load; f32.reinterpret_i32
    case 'f64':
      return [0x29, ...memarg(3), 0xbf]; // i64.load; f64.reinterpret_i64
    case 'v128':
      return [0xfd, 0x00, ...memarg(4)]; // v128.load
  }
}

/** Stores a numeric result (value on the stack above an i32 address) at `offset`, as raw bits. */
function storeResult(t: NumType | 'v128', offset: number): number[] {
  const memarg = (align: number) => [align, ...uleb(offset)];
  switch (t) {
    case 'i32':
      return [0x36, ...memarg(2)];
    case 'i64':
      return [0x37, ...memarg(3)];
    case 'f32':
      return [0xbc, 0x36, ...memarg(2)]; // i32.reinterpret_f32; i32.store
    case 'f64':
      return [0xbd, 0x37, ...memarg(3)]; // i64.reinterpret_f64; i64.store
    case 'v128':
      return [0xfd, 0x0b, ...memarg(4)]; // v128.store
  }
}

function isNumeric(t: ValType): t is NumType | 'v128' {
  return t === 'v128' || isNumType(t);
}

/** Slot size in the scratch memory: every argument and result gets 16 bytes. */
const SLOT = 16;
/** Scratch memory shared by all wrappers: one page holds 4,096 slots, far more than any signature. */
let scratchMemory: WebAssembly.Memory | undefined;
function scratch(): WebAssembly.Memory {
  scratchMemory ??= new WebAssembly.Memory({ initial: 1, maximum: 1 });
  return scratchMemory;
}

/**
 * The wrapper of signature `params → results`:
 *
 *   (import "w" "f" (func $f (param params) (result results)))
 *   (import "w" "mem" (memory 1))
 *   (func (export "run") (param <reference params>) (result <reference results>)
 *     <each param: load slot i (numeric) or local.get (reference)>
 *     call $f
 *     <pop each result into a local, then store numeric ones to slot |params| + j, push reference ones>)
 */
export function invokeWrapperBytes(params: readonly ValType[], results: readonly ValType[]): Uint8Array {
  const refParams = params.filter(isRefType);
  const refResults = results.filter(isRefType);
  const types = vec([funcType(params, results), funcType(refParams, refResults)]);
  const imports = vec([
    [...str('w'), ...str('f'), 0x00, 0x00],
    [...str('w'), ...str('mem'), 0x02, 0x00, 0x01],
  ]);
  const body: number[] = [];
  let refIndex = 0;
  params.forEach((t, i) => {
    if (isNumeric(t)) body.push(...op.i32Const0, ...loadArg(t, i * SLOT));
    else body.push(...op.localGet(refIndex++));
  });
  body.push(...op.call(0));
  const firstLocal = refParams.length;
  for (let j = results.length - 1; j >= 0; j--) body.push(...op.localSet(firstLocal + j));
  results.forEach((t, j) => {
    if (isNumeric(t)) body.push(...op.i32Const0, ...op.localGet(firstLocal + j), ...storeResult(t, (params.length + j) * SLOT));
  });
  results.forEach((t, j) => {
    if (isRefType(t)) body.push(...op.localGet(firstLocal + j));
  });
  body.push(...op.end);
  const locals = vec(results.map((t) => [0x01, VALTYPE[t]]));
  const func = [...locals, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, vec([[0x01]])),
    ...section(7, vec([[...str('run'), 0x00, 0x01]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

/**
 * The wrapper that reads a global of type `t`: imports it (mutable or not) and the scratch memory; `run`
 * stores a numeric value to slot 0, or returns a reference.
 */
export function globalWrapperBytes(t: ValType, mutable: boolean): Uint8Array {
  const numeric = isNumeric(t);
  const types = vec([funcType([], numeric ? [] : [t])]);
  const imports = vec([
    [...str('w'), ...str('g'), 0x03, VALTYPE[t], mutable ? 0x01 : 0x00],
    [...str('w'), ...str('mem'), 0x02, 0x00, 0x01],
  ]);
  const body = numeric ? [...op.i32Const0, ...op.globalGet(0), ...storeResult(t, 0), ...op.end] : [...op.globalGet(0), ...op.end];
  const func = [0x00, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...str('run'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

const wrapperModules = new Map<string, WebAssembly.Module>();

function wrapperModule(key: string, build: () => Uint8Array): WebAssembly.Module {
  let m = wrapperModules.get(key);
  if (m === undefined) {
    m = new WebAssembly.Module(build());
    wrapperModules.set(key, m);
  }
  return m;
}

/** Wrapper instances per wrapped function and signature: the suite calls the same export many times. */
const wrapperInstances = new WeakMap<object, Map<string, WebAssembly.Instance>>();

/** An error of the runner itself (unknown export, wrong signature): never counted as a trap. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** Runs a step of the harness itself: whatever it throws becomes a HarnessError. */
function harness<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof HarnessError ? e : new HarnessError(errorText(e));
  }
}

function signatureKey(params: readonly ValType[], results: readonly ValType[]): string {
  return `${params.join(',')}->${results.join(',')}`;
}

function invokeWrapper(fn: unknown, field: string, params: readonly ValType[], results: readonly ValType[]): WebAssembly.Instance {
  const key = signatureKey(params, results);
  let perFn = wrapperInstances.get(fn as object);
  let inst = perFn?.get(key);
  if (inst !== undefined) return inst;
  const module = wrapperModule(`invoke ${key}`, () => invokeWrapperBytes(params, results));
  try {
    inst = new WebAssembly.Instance(module, { w: { f: fn, mem: scratch() } });
  } catch (e) {
    throw new HarnessError(`export "${field}" does not have the signature (${key}): ${errorText(e)}`);
  }
  if (perFn === undefined) {
    perFn = new Map();
    wrapperInstances.set(fn as object, perFn);
  }
  perFn.set(key, inst);
  return inst;
}

// =========================================================================================================
// The spectest host module

/** The standard `spectest` module, fresh: globals 666 / 666n / 666.6, a table of 10..20, a memory of 1..2. */
export function makeSpectest(): Record<string, unknown> {
  const print = (): void => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
    table: new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
}

// =========================================================================================================
// Results

function emptyCounts(): Record<CommandType, TypeCounts> {
  const out = {} as Record<CommandType, TypeCounts>;
  for (const t of COMMAND_TYPES) out[t] = { passed: 0, failed: 0, skipped: 0, skipReasons: {} };
  return out;
}

export function emptyResult(): RunResult {
  return { scripts: [], counts: emptyCounts(), failures: [], traps: [], calls: { direct: 0, wrapper: 0 }, ms: 0 };
}

/** Adds `b` into `a` (scripts, counts, failures, traps, calls, time). */
export function mergeInto(a: RunResult, b: RunResult): RunResult {
  a.scripts.push(...b.scripts);
  for (const t of COMMAND_TYPES) {
    const x = a.counts[t];
    const y = b.counts[t];
    x.passed += y.passed;
    x.failed += y.failed;
    x.skipped += y.skipped;
    for (const [r, n] of Object.entries(y.skipReasons)) x.skipReasons[r] = (x.skipReasons[r] ?? 0) + n;
  }
  a.failures.push(...b.failures);
  a.traps.push(...b.traps);
  a.calls.direct += b.calls.direct;
  a.calls.wrapper += b.calls.wrapper;
  a.ms += b.ms;
  return a;
}

/** Totals over the executable command types. */
export function totals(r: RunResult): { executed: number; passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const t of COMMAND_TYPES) {
    const c = r.counts[t];
    skipped += c.skipped;
    if (!EXECUTABLE_TYPES.has(t)) continue;
    passed += c.passed;
    failed += c.failed;
  }
  return { executed: passed + failed, passed, failed, skipped };
}

/** The per-type table, as text. */
export function formatTable(r: RunResult): string {
  const rows: string[][] = [['command', 'passed', 'failed', 'skipped', 'skip reasons']];
  for (const t of COMMAND_TYPES) {
    const c = r.counts[t];
    const reasons = Object.entries(c.skipReasons)
      .map(([k, n]) => `${k}: ${n}`)
      .join('; ');
    rows.push([t, String(c.passed), String(c.failed), String(c.skipped), reasons]);
  }
  const tot = totals(r);
  rows.push(['executable total', String(tot.passed), String(tot.failed), '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// =========================================================================================================
// Running a script

interface Action {
  type: 'invoke' | 'get';
  module?: string;
  field: string;
  args?: unknown;
}

function asAction(raw: unknown): Action {
  const a = raw as Partial<Action> | null;
  if (typeof a !== 'object' || a === null || (a.type !== 'invoke' && a.type !== 'get') || typeof a.field !== 'string') {
    throw new HarnessError(`malformed action ${JSON.stringify(raw)}`);
  }
  return a as Action;
}

/** One result of an action: a JS value, or the bytes a wrapper stored. */
type Got = { js: unknown } | { bytes: Uint8Array };

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name === 'Error' ? e.name : e.constructor.name}: ${e.message}`;
  return `thrown ${typeof e}: ${String(e)}`;
}

function describeAction(a: Action, args: readonly SpecValue[]): string {
  const target = a.module !== undefined ? `${a.module}.${a.field}` : a.field;
  return a.type === 'get' ? `get ${target}` : `${target}(${args.map(describeValue).join(', ')})`;
}

function describeGot(expected: SpecValue | undefined, got: Got, t: ValType): string {
  if ('bytes' in got) return expected ? describeBytes(expected, got.bytes) : `${t}:bytes`;
  return describeJS(t, got.js);
}

class ScriptRun {
  readonly result = emptyResult();
  /** named instances (`$name` → instance) */
  private readonly named = new Map<string, WebAssembly.Instance>();
  /** module namespaces importable by name; `spectest` is fresh per script */
  private readonly registry = new Map<string, unknown>();
  /** the current (last) instance; null when the last module failed to instantiate */
  private current: WebAssembly.Instance | null | undefined;
  private readonly classify: (error: unknown, ctx: TrapContext) => TrapKind | undefined;
  private readonly imports: WebAssembly.Imports;

  constructor(
    private readonly script: string,
    private readonly options: RunOptions,
  ) {
    this.classify = options.classifyTrap ?? classifyV8Trap;
    this.registry.set('spectest', makeSpectest());
    const registry = this.registry;
    // An unknown module name reads as an empty namespace, so the failure is a LinkError (as in the spec)
    // rather than V8's TypeError for a missing module object.
    this.imports = new Proxy({} as WebAssembly.Imports, {
      get: (_t, name) => (typeof name === 'string' ? (registry.get(name) ?? Object.freeze({})) : undefined),
    });
  }

  private pass(t: CommandType): void {
    this.result.counts[t].passed++;
  }

  private skip(t: CommandType, reason: string): void {
    const c = this.result.counts[t];
    c.skipped++;
    c.skipReasons[reason] = (c.skipReasons[reason] ?? 0) + 1;
  }

  private fail(c: ResolvedCommand, what: string, expected: string, actual: string): void {
    this.result.counts[c.type as CommandType].failed++;
    this.result.failures.push({
      script: this.script,
      line: c.line,
      index: c.index,
      type: c.type as CommandType,
      what,
      expected,
      actual,
    });
  }

  private async compile(c: ResolvedCommand): Promise<WebAssembly.Module> {
    if (c.wasmPath === undefined || c.filename === undefined) throw new HarnessError('command has no module file');
    let bytes = readModuleBytes(c.wasmPath);
    if (this.options.prepare) {
      try {
        bytes = await this.options.prepare(bytes, {
          script: this.script,
          line: c.line,
          command: c.type as CommandType,
          name: c.name,
          filename: c.filename,
        });
      } catch (e) {
        throw new HarnessError(`prepare failed: ${errorText(e)}`);
      }
    }
    try {
      return new WebAssembly.Module(bytes);
    } catch (e) {
      throw new HarnessError(`compile failed: ${errorText(e)}`);
    }
  }

  private instance(name: string | undefined): WebAssembly.Instance {
    if (name !== undefined) {
      const inst = this.named.get(name);
      if (inst === undefined) throw new HarnessError(`no instance named ${name}`);
      return inst;
    }
    if (this.current === null) throw new HarnessError('the current module failed to instantiate');
    if (this.current === undefined) throw new HarnessError('no module yet');
    return this.current;
  }

  /**
   * Runs an action. Returns its results, or throws what the call threw (a trap, an exhaustion, ...).
   * `resultTypes` are the result types the script says the function has (from `expected`).
   */
  private perform(action: Action, args: readonly SpecValue[], resultTypes: readonly SpecValue[]): Got[] {
    const inst = this.instance(action.module);
    const exported = inst.exports[action.field];
    if (action.type === 'get') return [this.readGlobal(exported, action.field, resultTypes[0])];

    if (typeof exported !== 'function') throw new HarnessError(`export "${action.field}" is not a function`);
    const params = args.map((a) => a.type);
    const results = resultTypes.map((r) => r.type);
    const exact = args.every(jsExact) && resultTypes.every((r) => r.type !== 'v128' && jsExact(r));
    if (exact && this.options.calls !== 'wrapper') {
      const jsArgs = harness(() => args.map(toJS));
      this.result.calls.direct++;
      const r: unknown = (exported as (...a: unknown[]) => unknown)(...jsArgs);
      if (results.length === 0) return [];
      if (results.length === 1) return [{ js: r }];
      if (!Array.isArray(r)) throw new HarnessError(`expected ${results.length} results, got ${String(r)}`);
      return r.map((js: unknown) => ({ js }));
    }

    const wrapper = invokeWrapper(exported, action.field, params, results);
    const mem = scratch();
    const refArgs = harness(() => {
      const view = new DataView(mem.buffer);
      args.forEach((a, i) => {
        if (isNumeric(a.type)) writeValueBytes(a, view, i * SLOT);
      });
      return args.filter((a) => isRefType(a.type)).map(toJS);
    });
    this.result.calls.wrapper++;
    const run = wrapper.exports['run'] as (...a: unknown[]) => unknown;
    const refResult = run(...refArgs);
    const refCount = results.filter(isRefType).length;
    const refs: unknown[] = refCount === 0 ? [] : refCount === 1 ? [refResult] : [...(refResult as unknown[])];
    let refAt = 0;
    return results.map((t, j) => {
      if (isRefType(t)) return { js: refs[refAt++] };
      const at = (params.length + j) * SLOT;
      return { bytes: new Uint8Array(mem.buffer, at, byteWidth(t)).slice() };
    });
  }

  private readGlobal(exported: unknown, field: string, expected: SpecValue | undefined): Got {
    if (!(exported instanceof WebAssembly.Global)) throw new HarnessError(`export "${field}" is not a global`);
    if (expected === undefined || (expected.type !== 'v128' && jsExact(expected))) {
      this.result.calls.direct++;
      return { js: exported.value };
    }
    // v128 or NaN: read the bits through a wrapper that imports the global (mutable or not: try both).
    let inst: WebAssembly.Instance | undefined;
    let lastError: unknown;
    for (const mutable of [false, true]) {
      const m = wrapperModule(`global ${expected.type} ${mutable}`, () => globalWrapperBytes(expected.type, mutable));
      try {
        inst = new WebAssembly.Instance(m, { w: { g: exported, mem: scratch() } });
        break;
      } catch (e) {
        lastError = e;
      }
    }
    if (inst === undefined) throw new HarnessError(`global "${field}" is not a ${expected.type}: ${errorText(lastError)}`);
    this.result.calls.wrapper++;
    const r = (inst.exports['run'] as () => unknown)();
    if (!isNumeric(expected.type)) return { js: r };
    return { bytes: new Uint8Array(scratch().buffer, 0, byteWidth(expected.type)).slice() };
  }

  private recordTrap(c: ResolvedCommand, message: string, kind: TrapKind | undefined, passed: boolean): void {
    this.result.traps.push({
      script: this.script,
      line: c.line,
      type: c.type as CommandType,
      text: c.text ?? '',
      message,
      kind,
      passed,
    });
  }

  async command(c: ResolvedCommand): Promise<void> {
    const type = c.type as CommandType;
    switch (type) {
      case 'assert_invalid':
      case 'assert_malformed':
        this.skip(type, c.module_type === 'text' ? 'text module' : 'validation (conformance.test.ts)');
        return;
      case 'module':
        return this.module(c);
      case 'register':
        return this.register(c);
      case 'assert_unlinkable':
      case 'assert_uninstantiable':
        return this.mustNotInstantiate(c);
      case 'assert_return':
      case 'assert_trap':
      case 'assert_exhaustion':
      case 'action':
        return this.action(c);
      default: {
        const unknown: string = type;
        const counts = this.result.counts as Record<string, TypeCounts>;
        counts[unknown] ??= { passed: 0, failed: 0, skipped: 0, skipReasons: {} };
        this.skip(unknown as CommandType, `unknown command type ${unknown}`);
      }
    }
  }

  private async module(c: ResolvedCommand): Promise<void> {
    this.current = null;
    if (c.module_type === 'text') return this.skip('module', 'text module');
    try {
      const m = await this.compile(c);
      const inst = new WebAssembly.Instance(m, this.imports);
      this.options.onInstance?.(inst);
      this.current = inst;
      if (c.name !== undefined) this.named.set(c.name, inst);
      this.pass('module');
    } catch (e) {
      if (c.name !== undefined) this.named.delete(c.name);
      this.fail(c, c.filename ?? '?', 'instantiates', errorText(e));
    }
  }

  private register(c: ResolvedCommand): void {
    try {
      if (c.as === undefined) throw new HarnessError('register without "as"');
      this.registry.set(c.as, this.instance(c.name).exports);
      this.pass('register');
    } catch (e) {
      this.fail(c, `register ${c.name ?? '(current)'} as ${String(c.as)}`, 'registered', errorText(e));
    }
  }

  private async mustNotInstantiate(c: ResolvedCommand): Promise<void> {
    const type = c.type as 'assert_unlinkable' | 'assert_uninstantiable';
    const what = c.filename ?? '?';
    let m: WebAssembly.Module;
    try {
      m = await this.compile(c);
    } catch (e) {
      return this.fail(c, what, `${type} "${c.text ?? ''}"`, errorText(e));
    }
    try {
      new WebAssembly.Instance(m, this.imports);
    } catch (e) {
      const message = errorText(e);
      if (type === 'assert_unlinkable') {
        const ok = e instanceof WebAssembly.LinkError;
        this.recordTrap(c, message, ok ? 'link-error' : undefined, ok);
        if (ok) return this.pass(type);
        return this.fail(c, what, `LinkError ("${c.text ?? ''}")`, message);
      }
      const kind = this.classify(e, { script: this.script, line: c.line, command: type, text: c.text, phase: 'instantiate' });
      const wanted = specTrapKinds(c.text ?? '').join(' | ');
      const ok = trapMatches(kind, c.text ?? '');
      this.recordTrap(c, message, kind, ok);
      if (ok) return this.pass(type);
      return this.fail(c, what, `trap ${wanted} ("${c.text ?? ''}")`, kind === undefined ? `not a trap: ${message}` : `${kind}: ${message}`);
    }
    this.recordTrap(c, 'instantiated', undefined, false);
    this.fail(c, what, type === 'assert_unlinkable' ? 'LinkError' : `trap "${c.text ?? ''}"`, 'instantiated');
  }

  private action(c: ResolvedCommand): void {
    const type = c.type as CommandType;
    let action: Action;
    let args: SpecValue[];
    let expected: SpecValue[];
    try {
      action = asAction(c.action);
      args = asSpecValues(action.args, 'args');
      expected = asSpecValues(c.expected, 'expected');
    } catch (e) {
      return this.fail(c, JSON.stringify(c.action), type, errorText(e));
    }
    const what = describeAction(action, args);

    let got: Got[] | undefined;
    let thrown: unknown;
    let threw = false;
    try {
      this.options.beforeAction?.();
      got = this.perform(action, args, expected);
    } catch (e) {
      threw = true;
      thrown = e;
    }

    if (threw && thrown instanceof HarnessError) {
      if (type === 'assert_trap' || type === 'assert_exhaustion') this.recordTrap(c, errorText(thrown), undefined, false);
      return this.fail(c, what, type === 'assert_return' ? expected.map(describeValue).join(', ') : type, errorText(thrown));
    }

    switch (type) {
      case 'action':
        if (threw) return this.fail(c, what, 'returns', errorText(thrown));
        return this.pass(type);

      case 'assert_return': {
        const want = expected.map(describeValue).join(', ');
        if (threw) return this.fail(c, what, want, errorText(thrown));
        const results = got ?? [];
        const actual = () => results.map((g, i) => describeGot(expected[i], g, expected[i]?.type ?? 'i32')).join(', ');
        if (results.length !== expected.length) return this.fail(c, what, want, `${results.length} results: ${actual()}`);
        const ok = expected.every((e, i) => {
          const g = results[i]!;
          return 'bytes' in g ? matchBytes(e, g.bytes) : matchJS(e, g.js);
        });
        if (ok) return this.pass(type);
        return this.fail(c, what, want, actual());
      }

      case 'assert_trap':
      case 'assert_exhaustion': {
        const wanted = specTrapKinds(c.text ?? '').join(' | ');
        const expectText = `${type === 'assert_trap' ? 'trap' : 'exhaustion'} ${wanted} ("${c.text ?? ''}")`;
        if (!threw) {
          const actual = `returned ${(got ?? []).map((g, i) => describeGot(expected[i], g, expected[i]?.type ?? 'i32')).join(', ')}`;
          this.recordTrap(c, actual, undefined, false);
          return this.fail(c, what, expectText, actual);
        }
        const message = errorText(thrown);
        const kind = this.classify(thrown, { script: this.script, line: c.line, command: type, text: c.text, phase: 'action' });
        const ok = trapMatches(kind, c.text ?? '');
        this.recordTrap(c, message, kind, ok);
        if (ok) return this.pass(type);
        return this.fail(c, what, expectText, kind === undefined ? `not a trap: ${message}` : `${kind}: ${message}`);
      }
      default:
        throw new Error(`unreachable: ${type}`);
    }
  }
}

/** Runs one script's commands in order. Never throws for a failing command: failures are in the result. */
export async function runScript(script: string, options: RunOptions = {}): Promise<RunResult> {
  return runCommands(script, scriptCommands(script), options);
}

/**
 * Runs a list of commands as one script named `script` (fresh `spectest`, registry and instances). For
 * `runScript`, and for tests that feed the runner altered commands to prove that its checks can fail.
 */
export async function runCommands(
  script: string,
  commands: readonly ResolvedCommand[],
  options: RunOptions = {},
): Promise<RunResult> {
  const t0 = performance.now();
  const run = new ScriptRun(script, options);
  for (const c of commands) await run.command(c);
  run.result.scripts.push(script);
  run.result.ms = performance.now() - t0;
  return run.result;
}

/** Script filter: names, a RegExp on the name, or a predicate. */
export type ScriptFilter = readonly string[] | RegExp | ((script: string) => boolean);

function selectScripts(filter: ScriptFilter | undefined): string[] {
  const all = listScripts();
  if (filter === undefined) return all;
  if (filter instanceof RegExp) return all.filter((s) => filter.test(s));
  if (typeof filter === 'function') return all.filter(filter);
  const wanted = new Set(filter);
  const unknown = [...wanted].filter((s) => !all.includes(s));
  if (unknown.length > 0) throw new Error(`unknown scripts: ${unknown.join(', ')}`);
  return all.filter((s) => wanted.has(s));
}

/** Runs every script (or the filtered ones), in name order, and merges their results. */
export async function runSuite(filter?: ScriptFilter, options: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const out = emptyResult();
  for (const script of selectScripts(filter)) mergeInto(out, await runScript(script, options));
  out.ms = performance.now() - t0;
  return out;
}
