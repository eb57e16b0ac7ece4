/**
 * The in-process sandbox: a hardened module, instantiated with deny-by-default imports, run with a fuel
 * budget, every failure classified into a `TrapKind`.
 *
 *   const sandbox = await instantiate(hardened, { imports: { env: { log } }, fuel: 1_000_000n });
 *   const r = sandbox.call('add', 2, 3);   // { ok: true, values: [5], fuelUsed: 7n }
 *   if (!r.ok) console.log(r.trap);        // 'out-of-fuel', 'stack-overflow', 'memory-out-of-bounds', ...
 *
 * ## What the host can rely on
 * - `call` never throws for anything the guest does. A trap, our fuel and stack sentinels, V8's own stack
 *   overflow, a host function that throws, a value the JS API refuses at the boundary: each is a
 *   `RunResult` with `ok: false` and one `TrapKind`. It throws (a `WasmHardenError`) only for the host's
 *   own mistakes: an unknown export, arguments that do not fit the signature.
 * - Fuel is per sandbox and `fuelUsed` is per call: the fuel before minus the fuel after, both taken as 0
 *   when negative (an exhausted guest is charged at most what it had), and corrected for refuels made
 *   during the call (a nested call of the same sandbox, made by a host import, counts in the enclosing
 *   call's usage too; a linked sandbox's guest runs on its own fuel). Exhaustion is sticky: while the fuel
 *   global is negative every call is `out-of-fuel`
 *   (without entering the guest) until `addFuel`/`setFuel`. `addFuel(n)` starts from 0 when exhausted.
 * - The depth global (our stack limit's counter) is reset to 0 at each *top-level* entry only: when no
 *   guest code of this sandbox is on the stack. A host import that calls back into `sandbox.call` or
 *   `sandbox.exports` does not reset it, so recursion through the host is still bounded. After a trap the
 *   depth is restored to its value at the entry of the call (the frames in between are gone), and after
 *   each host function returns to the guest, to its value when the guest called it (a trap the host caught
 *   in a nested raw call must not leak depth). While a host function runs, the depth is raised by
 *   `HOST_CALL_WEIGHT`, so recursion through the host ends at our limit, deterministically.
 * - Host functions never let an exception unwind the guest uncontrolled. The wrapper catches whatever the
 *   host function throws (or whatever its result throws while being converted), records it on the
 *   innermost active `call`, and throws a private sentinel. Wasm 2.0 has no exception handling (policy
 *   refuses the proposal), so no guest code runs while the sentinel unwinds the guest frames; `call`
 *   catches it and reports `host-error`, with the host's exception as `cause`. Once a host function failed,
 *   the call is `host-error` even if host code further up swallowed the sentinel. A `WasiExit` from the
 *   sandbox's own WASI shim is a clean end: `{ ok: true, values: [], exitCode }`.
 *   Outside any `call` (the host calling `sandbox.exports` directly), the host's exception is rethrown as
 *   is: raw exports are not classified.
 * - The start function does not run inside `new WebAssembly.Instance`: the sandbox compiles the module
 *   with its start section removed and the start function exported under the reserved namespace, and
 *   calls it right after instantiation, with `options.fuel` already in place and the same classification
 *   as `call` (a trap throws `InstantiationTrapError`, carrying the `RunResult`). Otherwise a trapping
 *   start function would leave no instance to read the fuel and depth globals from, and `options.fuel`
 *   could not apply to it. Observable behaviour is the same as the spec's (segments, then start).
 * - `WebAssembly.*` and the accessors used here are captured when this file loads (DESIGN.md, convention
 *   10); the import object is built from scratch and frozen (host-imports.ts).
 * - Sandboxes are independent: each has its instance, memory, fuel and depth. A sandbox's raw exports
 *   passed as another's imports are linked wasm-to-wasm; a trap in the callee is classified with the
 *   callee's fuel and depth too.
 *
 * Prepared modules (decoded, start deferred, compiled) are cached per `HardenedModule` object, so many
 * sandboxes of one module compile it once.
 */

import { decodeModule, type DecodeSink } from '../binary/decode.js';
import { ExternKindCode, VALTYPE_NAMES, type FuncType, type ModuleInfo } from '../binary/module-info.js';
import { DecodeError, Reader } from '../binary/reader.js';
import { ByteWriter } from '../instrument/byte-writer.js';
import type { HardenedModule } from '../instrument/harden.js';
import { MEMORY_EXPORT } from '../instrument/module-rewriter.js';
import { WasmHardenError, type Issue } from '../issues.js';
import { V8_LIMITS } from '../limits.js';
import { MAX_FUEL, normalizePolicy, parseFuel, type Policy } from '../policy.js';
import { tunedEngineIssues } from './engine.js';
import { InstantiationTrapError, sandboxError, sandboxIssue, type TrapResult } from './errors.js';
import { buildImports, convertResults, type HostCallSite, type HostInvoker, type ImportPlan } from './host-imports.js';
import { MemoryAccess } from './memory-access.js';
import {
  TRAP_MESSAGES,
  indirectCallFacts,
  isNativeStackOverflow,
  isRuntimeError,
  kindOfV8Message,
  locateTrap,
  resolveIndirectCall,
  type IndirectCallFacts,
  type TableReader,
} from './traps.js';
import type { RunResult, SandboxOptions, TrapKind } from './types.js';
import { WasiExit, createWasi, type Wasi } from './wasi.js';
import { arrayFrom, BigIntFn, freeze, GlobalCtor, hasOwn, MemoryCtor, TableCtor } from './intrinsics.js';

// ---------------------------------------------------------------------------------------------------------
// Captured at load

const InstanceCtor = WebAssembly.Instance;
const LinkErrorCtor = WebAssembly.LinkError;
const CompileErrorCtor = WebAssembly.CompileError;
const compile = WebAssembly.compile;
const TypeErrorCtor = TypeError;
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;

/** A captured accessor, called through a bound `Function.prototype.call` (about 2x faster than Reflect.apply). */
const bindCall = Function.prototype.call.bind(Function.prototype.bind, Function.prototype.call) as <F extends (...a: never[]) => unknown>(
  f: F,
) => (self: unknown, ...args: Parameters<F>) => ReturnType<F>;
function accessor<T>(proto: object, name: string): { get: (self: unknown) => T; set: (self: unknown, v: T) => void } {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (d?.get === undefined) throw new TypeError(`wasm-harden: ${name} has no getter`);
  const get = bindCall(d.get as () => T);
  const setter = d.set;
  const set =
    setter === undefined
      ? () => {
          throw new TypeError(`wasm-harden: ${name} has no setter`);
        }
      : bindCall(setter as (v: T) => void);
  return { get, set };
}
const globalValue = accessor<unknown>(GlobalCtor.prototype, 'value');
const tableLength = accessor<number>(TableCtor.prototype, 'length');
const tableGet = TableCtor.prototype.get;

// ---------------------------------------------------------------------------------------------------------
// Public shapes

export interface Sandbox {
  /**
   * Calls the exported function `name` with JS API arguments (i32/f32/f64 as numbers, i64 as bigint, or a
   * safe-integer number; references as they are). Never throws for what the guest does; throws a
   * `WasmHardenError` for an unknown export (`sandbox.unknown-export`) or arguments that do not fit its
   * signature (`sandbox.invalid-argument`).
   */
  call(name: string, ...args: unknown[]): RunResult;
  /** The raw exports (without the reserved-namespace ones), e.g. to link sandboxes. Metered, not classified. */
  readonly exports: Readonly<Record<string, unknown>>;
  /** Remaining fuel (0 when exhausted). */
  readonly fuel: bigint;
  /** Whether the budget ran out (sticky until `addFuel` / `setFuel`). */
  readonly exhausted: boolean;
  /** Adds `n` to the remaining fuel (from 0 when exhausted), capped at 2^63 - 1; returns the new fuel. */
  addFuel(n: bigint | number): bigint;
  /** Sets the remaining fuel to `n` (0 ≤ n ≤ 2^63 - 1). */
  setFuel(n: bigint | number): void;
  /** Bounds-checked access to the guest's memory 0, if it is imported or exported; else undefined. */
  readonly memory: MemoryAccess | undefined;
  /** The WASI shim when `options.wasi` was given (captured stdout/stderr, exit code). */
  readonly wasi: Wasi | undefined;
  /** What this sandbox runs. */
  readonly hardened: HardenedModule;
}

// ---------------------------------------------------------------------------------------------------------
// Preparation: decode, defer the start function, compile (once per HardenedModule)

interface Prepared {
  module: WebAssembly.Module;
  /** decoded from the compiled bytes (V8's trap offsets index these) */
  info: ModuleInfo;
  policy: Policy;
  fuelExport: string;
  depthExport: string;
  stackLimit: number;
  startExport: string | undefined;
  /** exported functions callable by `call` (reserved names excluded), with their types */
  functions: Map<string, FuncType>;
  /** export names the sandbox hides from `exports` */
  hidden: Set<string>;
  memoryExport: string | undefined;
  tableExports: Map<number, string>;
  indirect: IndirectCallFacts | undefined;
}

const preparedCache = new WeakMap<HardenedModule, Promise<Prepared>>();

const quietSink: DecodeSink = { limits: V8_LIMITS, feature() {}, limit() {} };

function internal(message: string): WasmHardenError {
  return new WasmHardenError([{ code: 'internal.error', message: `internal error: ${message}`, offset: 0 }]);
}

function decode(bytes: Uint8Array): ModuleInfo {
  try {
    return decodeModule(bytes, quietSink);
  } catch (e) {
    if (e instanceof DecodeError) throw new WasmHardenError([{ code: e.code, message: e.message, offset: e.offset }]);
    throw internal(`decoding the hardened module failed: ${String(e)}`);
  }
}

/** The module with its start section removed and the start function exported as `name`. */
function deferStart(info: ModuleInfo, name: string): Uint8Array {
  const bytes = info.bytes;
  const start = info.sections.find((s) => s.id === 8);
  const exports = info.sections.find((s) => s.id === 7);
  if (start === undefined || info.start === undefined) return bytes;
  const payload = new ByteWriter(64);
  if (exports !== undefined) {
    const r = new Reader(bytes, exports.start, exports.end);
    const count = r.u32();
    payload.u32(count + 1).range(bytes, r.pos, exports.end);
  } else payload.u32(1);
  payload.name(name).byte(0x00).u32(info.start.index);
  const out = new ByteWriter(bytes.length + 64);
  const cut = exports ?? { offset: start.offset, end: start.offset };
  out.range(bytes, 0, cut.offset).section(7, payload).range(bytes, cut.end, start.offset).range(bytes, start.end, bytes.length);
  return out.toBytes();
}

async function prepare(hardened: HardenedModule): Promise<Prepared> {
  if (hardened === null || typeof hardened !== 'object' || !(hardened.bytes instanceof Uint8Array))
    throw sandboxError('sandbox.invalid-argument', 'instantiate needs a HardenedModule (the result of harden())');
  const policy = normalizePolicy(hardened.policy);
  const report = hardened.report as Partial<HardenedModule['report']> | undefined;
  const fuelExport = report?.fuel?.export;
  const depthExport = report?.stack?.export;
  const stackLimit = report?.stack?.limit;
  if (typeof fuelExport !== 'string' || typeof depthExport !== 'string' || typeof stackLimit !== 'number')
    throw sandboxError('sandbox.invalid-argument', 'the HardenedModule has no fuel/stack report (was it made by harden()?)');

  const bytes = hardened.bytes.slice(); // the host may reuse its buffer; we compile what we checked
  let info = decode(bytes);
  const names = new Set(info.exports.map((e) => e.name));
  for (const [what, name, type, mutable] of [
    ['fuel', fuelExport, 0x7e, true],
    ['depth', depthExport, 0x7f, true],
  ] as const) {
    const e = info.exports.find((x) => x.name === name);
    const g = e?.kind === ExternKindCode.Global ? info.allGlobals[e.index] : undefined;
    if (g === undefined || g.valType !== type || g.mutable !== mutable)
      throw sandboxError('sandbox.invalid-argument', `the module does not export its ${what} global "${name}" as a mutable ${VALTYPE_NAMES[type]} (was it made by harden()?)`);
  }

  // with V8's huge-function fallback off, bodies above a size are refused (engine.ts): whoever hardened them
  const tuned = tunedEngineIssues(info.codes.map((c, index) => ({ index, size: c.end - c.start, offset: c.start })));
  if (tuned.length > 0) throw new WasmHardenError(tuned);

  let startExport: string | undefined;
  if (info.start !== undefined) {
    startExport = `${policy.reservedNamespace}_start`;
    while (names.has(startExport)) startExport += '_';
    info = decode(deferStart(info, startExport));
  }

  let module: WebAssembly.Module;
  try {
    module = await compile(info.bytes);
  } catch (e) {
    throw internal(`V8 does not compile the hardened module: ${e instanceof CompileErrorCtor ? e.message : String(e)}`);
  }

  const reserved = policy.reservedNamespace;
  const hidden = new Set<string>([fuelExport, depthExport]);
  if (startExport !== undefined) hidden.add(startExport);
  for (const e of info.exports) if (e.name.startsWith(reserved)) hidden.add(e.name);
  const functions = new Map<string, FuncType>();
  let memoryExport: string | undefined;
  const tableExports = new Map<number, string>();
  for (const e of info.exports) {
    if (hidden.has(e.name)) continue;
    if (e.kind === ExternKindCode.Func) {
      const t = info.types[info.funcTypeIndices[e.index] ?? -1];
      if (t !== undefined) functions.set(e.name, t);
    } else if (e.kind === ExternKindCode.Memory && e.index === 0) memoryExport ??= e.name;
    else if (e.kind === ExternKindCode.Table && !tableExports.has(e.index)) tableExports.set(e.index, e.name);
  }
  // harden exports memory 0 under the reserved namespace when the guest keeps it to itself
  if (memoryExport === undefined && info.exports.some((e) => e.name === MEMORY_EXPORT && e.kind === ExternKindCode.Memory)) memoryExport = MEMORY_EXPORT;
  return { module, info, policy, fuelExport, depthExport, stackLimit, startExport, functions, hidden, memoryExport, tableExports, indirect: undefined };
}

function prepared(hardened: HardenedModule): Promise<Prepared> {
  if (hardened === null || typeof hardened !== 'object') return prepare(hardened);
  let p = preparedCache.get(hardened);
  if (p === undefined) {
    p = prepare(hardened);
    preparedCache.set(hardened, p);
    p.catch(() => preparedCache.delete(hardened));
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Calls, faults and classification

/**
 * What a host function threw during the current call, recorded raw: the wrapper's catch does nothing that
 * needs stack (it may run with none left), and `classify` decides what it means once the stack is shallow
 * again.
 */
interface Fault {
  error: unknown;
  site: HostCallSite;
}

interface CallFrame {
  core: SandboxCore;
  /** the fuel at entry (≥ 0), moved by refuels during the call */
  startFuel: bigint;
  fault: Fault | undefined;
}

/** Active `call`s of every sandbox, innermost last: a host failure belongs to the innermost one. */
const frames: CallFrame[] = [];

/**
 * What a host function call weighs on the depth global while it runs, in notional bytes (stack-limit.ts).
 * Only a guest re-entered from the host sees it (a guest function's prologue is the only check), so it
 * costs nothing to a host function that does not call back. It exists because a round trip through
 * JavaScript costs far more *native* stack than a guest frame's notional weight says (about ten JS frames
 * per level through `sandbox.call`): without it, recursion through a host import would end at V8's own
 * RangeError (classified, but not deterministic) long before our limit. With it, such recursion ends at
 * our limit, at the same level on every run: at most 256 KiB / 4 KiB = 64 levels under the default limit,
 * 512 under the largest.
 */
export const HOST_CALL_WEIGHT = 4096;

/** The private sentinel thrown through guest frames after a host failure was recorded. */
class HostFault extends Error {}
const HOST_FAULT: unknown = freeze(new HostFault('wasm-harden: a host function failed; unwinding the guest to its sandbox call'));

const coreOfInstance = new WeakMap<WebAssembly.Instance, SandboxCore>();
const coreOfFunction = new WeakMap<object, SandboxCore>();

function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return String(e);
  } catch {
    return typeof e;
  }
}

function signatureText(t: FuncType): string {
  const names = (a: Uint8Array) => [...a].map((c) => VALTYPE_NAMES[c] ?? '?').join(' ');
  return `(${names(t.params)}) -> (${names(t.results)})`;
}

function convertArg(v: unknown, type: number, name: string, i: number): unknown {
  const bad = (want: string): never => {
    throw sandboxError('sandbox.invalid-argument', `argument ${i} of "${name}" must be ${want}, got ${describeValue(v)}`, `export "${name}"`);
  };
  switch (type) {
    case 0x7f:
    case 0x7d:
    case 0x7c:
      return typeof v === 'number' ? v : bad(`a number (${VALTYPE_NAMES[type]})`);
    case 0x7e:
      if (typeof v === 'bigint') return v;
      return typeof v === 'number' && Number.isSafeInteger(v) ? BigIntFn(v) : bad('a bigint (i64), or a safe integer');
    case 0x70:
      return v === null || typeof v === 'function' ? v : bad('null or a wasm function (funcref)');
    case 0x6f:
      return v;
    default:
      return bad('a value JavaScript can pass');
  }
}

function failure(trap: TrapKind, message: string, fuelUsed: bigint, cause?: unknown): TrapResult {
  const r: TrapResult = { ok: false, trap, message, fuelUsed };
  if (cause !== undefined) defineProperty(r, 'cause', { value: cause, enumerable: false, writable: false, configurable: true });
  return r;
}

class SandboxCore implements HostInvoker {
  readonly instance: WebAssembly.Instance;
  readonly prepared: Prepared;
  readonly plan: ImportPlan<SandboxCore>;
  readonly fuelGlobal: WebAssembly.Global;
  readonly depthGlobal: WebAssembly.Global;
  readonly memoryObject: WebAssembly.Memory | undefined;
  readonly exports: Readonly<Record<string, unknown>>;
  readonly wasi: Wasi | undefined;
  /** every sandbox linked in through raw exports, transitively (their traps are classified with us) */
  readonly linked: SandboxCore[];
  /** the exported functions `call` can run */
  readonly entries = new Map<string, { fn: unknown; type: FuncType; v128: boolean }>();
  /** this sandbox's active `call`s, and host functions it is running for its guest */
  activeCalls = 0;
  activeHost = 0;

  constructor(prepared: Prepared, instance: WebAssembly.Instance, plan: ImportPlan<SandboxCore>, wasi: Wasi | undefined) {
    this.prepared = prepared;
    this.instance = instance;
    this.plan = plan;
    this.wasi = wasi;
    const raw = instance.exports;
    const fuel = raw[prepared.fuelExport];
    const depth = raw[prepared.depthExport];
    if (!(fuel instanceof GlobalCtor) || !(depth instanceof GlobalCtor)) throw internal('the fuel and depth globals are not exported');
    this.fuelGlobal = fuel;
    this.depthGlobal = depth;
    const mem = plan.memory ?? (prepared.memoryExport !== undefined ? raw[prepared.memoryExport] : undefined);
    this.memoryObject = mem instanceof MemoryCtor ? mem : undefined;
    const visible: Record<string, unknown> = Object.create(null);
    for (const name of Object.keys(raw)) {
      if (prepared.hidden.has(name)) continue;
      const v = raw[name];
      visible[name] = v;
      if (typeof v === 'function' && !coreOfFunction.has(v)) coreOfFunction.set(v, this);
    }
    this.exports = freeze(visible);
    for (const [name, type] of prepared.functions) {
      const fn = visible[name];
      if (typeof fn === 'function') this.entries.set(name, { fn, type, v128: type.params.includes(0x7b) || type.results.includes(0x7b) });
    }
    const linked = new Set<SandboxCore>();
    for (const c of plan.linked) {
      linked.add(c);
      for (const d of c.linked) linked.add(d);
    }
    linked.delete(this);
    this.linked = [...linked];
    coreOfInstance.set(instance, this);
  }

  rawFuel(): bigint {
    return globalValue.get(this.fuelGlobal) as bigint;
  }
  writeFuel(next: bigint): void {
    const previous = this.rawFuel();
    globalValue.set(this.fuelGlobal, next);
    // a refuel during a call is not usage: move the baselines of this sandbox's active calls
    const delta = next - (previous < 0n ? 0n : previous);
    for (const f of frames) if (f.core === this) f.startFuel += delta;
  }
  depth(): number {
    return globalValue.get(this.depthGlobal) as number;
  }
  setDepth(d: number): void {
    globalValue.set(this.depthGlobal, d);
  }

  invokeHost(fn: (...args: unknown[]) => unknown, args: unknown[], site: HostCallSite): unknown {
    const depth = this.depth();
    this.setDepth(depth + HOST_CALL_WEIGHT);
    this.activeHost++;
    try {
      const result = convertResults(apply(fn, undefined, args), site.results);
      // back to the guest: its frames are exactly those of when it called (a nested raw call that trapped
      // and was caught by the host left its depth behind). Only on this path: while unwinding, the depth
      // is the evidence `classify` reads, and `run` restores it afterwards.
      this.setDepth(depth);
      return result;
    } catch (e) {
      if (e === HOST_FAULT) throw e;
      const frame = frames[frames.length - 1];
      if (frame === undefined) throw e; // a raw export called by the host: its exception goes back to it
      frame.fault ??= { error: e, site };
      throw HOST_FAULT;
    } finally {
      this.activeHost--;
    }
  }

  /** Runs `fn` as a call of this sandbox: depth, fuel, faults, classification. */
  run(fn: unknown, argv: unknown[], results: number): RunResult {
    let depthAtEntry = 0;
    if (this.activeCalls + this.activeHost === 0) this.setDepth(0); // a top-level entry
    else depthAtEntry = this.depth();
    const before = this.rawFuel();
    if (before < 0n) return failure('out-of-fuel', TRAP_MESSAGES['out-of-fuel'], 0n);
    const linkedDepths = this.linked.length > 0 ? this.linked.map((c) => c.depth()) : undefined;
    const exitBefore = this.wasi?.exitCode;
    const frame: CallFrame = { core: this, startFuel: before, fault: undefined };
    let value: unknown;
    let thrown: unknown;
    let threw = false;
    this.activeCalls++;
    try {
      frames.push(frame);
      value = apply(fn as (...a: unknown[]) => unknown, undefined, argv);
    } catch (e) {
      threw = true;
      thrown = e;
    } finally {
      if (frames[frames.length - 1] === frame) frames.pop();
      this.activeCalls--;
    }
    const after = this.rawFuel();
    const used = frame.startFuel - (after < 0n ? 0n : after);
    const fuelUsed = used < 0n ? 0n : used;
    // a hardened export tests the fuel at its exit, so this is a guard: results computed past the budget
    // (a module hardened by another version, or fuel set negative by a host function) are not returned
    if (!threw && frame.fault === undefined && after < 0n)
      return failure('out-of-fuel', `${TRAP_MESSAGES['out-of-fuel']}; ${fuelUsed} used by this call`, fuelUsed);
    if (!threw && frame.fault === undefined) {
      const exitCode = this.wasi?.exitCode;
      if (exitBefore === undefined && exitCode !== undefined) return { ok: true, values: [], fuelUsed, exitCode };
      return { ok: true, values: results === 0 ? [] : results === 1 ? [value] : arrayFrom(value as Iterable<unknown>), fuelUsed };
    }
    const result = this.classify(frame.fault, thrown, fuelUsed);
    // the guest frames above this call's entry are gone: so is their depth
    this.setDepth(depthAtEntry);
    if (linkedDepths !== undefined) this.linked.forEach((c, i) => c.setDepth(linkedDepths[i]!));
    return result;
  }

  classify(fault: Fault | undefined, thrown: unknown, fuelUsed: bigint): RunResult {
    if (fault !== undefined && fault.site.wasi && fault.error instanceof WasiExit)
      return { ok: true, values: [], fuelUsed, exitCode: fault.error.code };
    const error = fault !== undefined ? fault.error : thrown;
    if (error === HOST_FAULT) return failure('host-error', TRAP_MESSAGES['host-error'], fuelUsed, error);
    // a guest trap: thrown here, or thrown by a nested raw call and carried out through a host function
    const overflow = isNativeStackOverflow(error);
    const trapped = overflow || (isRuntimeError(error) && kindOfV8Message(error.message) !== undefined);
    if (fault !== undefined && !trapped) {
      const { module, name } = fault.site;
      return failure('host-error', `${TRAP_MESSAGES['host-error']}: "${module}"."${name}" threw ${errorText(error)}`, fuelUsed, error);
    }

    // our sentinels first: both end in `unreachable`, and exhaustion is sticky
    const cores = [this, ...this.linked];
    if (cores.some((c) => c.rawFuel() < 0n))
      return failure('out-of-fuel', `${TRAP_MESSAGES['out-of-fuel']}; ${fuelUsed} used by this call`, fuelUsed, error);
    const over = cores.find((c) => c.depth() > c.prepared.stackLimit);
    if (over !== undefined)
      return failure('stack-overflow', `call stack exhausted: the call depth passed the stack limit of ${over.prepared.stackLimit} (notional bytes)`, fuelUsed, error);
    if (overflow) return failure('stack-overflow', "call stack exhausted: the engine's native stack ran out before the stack limit", fuelUsed, error);
    if (!isRuntimeError(error))
      return failure('host-error', `${TRAP_MESSAGES['host-error']}: a value crossing between host and guest was refused (${errorText(error)})`, fuelUsed, error);

    const kind = kindOfV8Message(error.message);
    if (kind === undefined) return failure('unreachable', 'an unrecognised engine trap (reported as unreachable)', fuelUsed, error);
    if (kind !== 'indirect-call') return failure(kind, TRAP_MESSAGES[kind], fuelUsed, error);
    const resolved = this.resolveIndirect(error);
    return failure(resolved, TRAP_MESSAGES[resolved], fuelUsed, error);
  }

  resolveIndirect(error: unknown): 'indirect-call-to-null' | 'bad-signature' {
    const at = locateTrap(error);
    const owner = at === undefined ? undefined : coreOfInstance.get(at.instance);
    if (at === undefined || owner === undefined) return 'indirect-call-to-null';
    const p = owner.prepared;
    return resolveIndirectCall(p.info, () => (p.indirect ??= indirectCallFacts(p.info)), at.position, (i) => owner.tableReader(i));
  }

  tableReader(index: number): TableReader | undefined {
    const name = this.prepared.tableExports.get(index);
    const t = this.plan.tables.get(index) ?? (name !== undefined ? this.instance.exports[name] : undefined);
    if (!(t instanceof TableCtor)) return undefined;
    return { length: tableLength.get(t), isNull: (i) => apply(tableGet, t, [i]) === null };
  }

  call(name: string, args: unknown[]): RunResult {
    const entry = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (entry === undefined) {
      const known = [...this.entries.keys()].slice(0, 20).map((n) => `"${n}"`).join(', ');
      throw sandboxError('sandbox.unknown-export', `no exported function "${String(name)}" (exported functions: ${known || 'none'})`, `export "${String(name)}"`);
    }
    const { fn, type } = entry;
    const params = type.params;
    if (entry.v128)
      throw sandboxError('sandbox.invalid-argument', `"${name}" ${signatureText(type)} has a v128 parameter or result, which JavaScript cannot pass`, `export "${name}"`);
    if (args.length !== params.length)
      throw sandboxError('sandbox.invalid-argument', `"${name}" ${signatureText(type)} takes ${params.length} argument(s), got ${args.length}`, `export "${name}"`);
    for (let i = 0; i < params.length; i++) {
      const v = args[i];
      const t = params[i]!;
      // the common cases inline; the rest (and every refusal) in convertArg
      if (!((t === 0x7f || t === 0x7d || t === 0x7c) && typeof v === 'number') && !(t === 0x7e && typeof v === 'bigint'))
        args[i] = convertArg(v, t, name, i);
    }
    return this.run(fn, args, type.results.length);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The public object

class SandboxImpl implements Sandbox {
  readonly #core: SandboxCore;
  readonly #hardened: HardenedModule;
  #memory: MemoryAccess | undefined;

  constructor(core: SandboxCore, hardened: HardenedModule) {
    this.#core = core;
    this.#hardened = hardened;
    this.#memory = core.memoryObject === undefined ? undefined : new MemoryAccess(core.memoryObject);
    freeze(this);
  }

  call(name: string, ...args: unknown[]): RunResult {
    return this.#core.call(name, args);
  }
  get exports(): Readonly<Record<string, unknown>> {
    return this.#core.exports;
  }
  get fuel(): bigint {
    const f = this.#core.rawFuel();
    return f < 0n ? 0n : f;
  }
  get exhausted(): boolean {
    return this.#core.rawFuel() < 0n;
  }
  addFuel(n: bigint | number): bigint {
    const add = typeof n === 'string' ? undefined : parseFuel(n);
    if (add === undefined) throw sandboxError('sandbox.invalid-argument', `addFuel needs an integer from 0 to 2^63 - 1, got ${describeValue(n)}`);
    const sum = this.fuel + add;
    const next = sum > MAX_FUEL ? MAX_FUEL : sum;
    this.#core.writeFuel(next);
    return next;
  }
  setFuel(n: bigint | number): void {
    const value = typeof n === 'string' ? undefined : parseFuel(n);
    if (value === undefined) throw sandboxError('sandbox.invalid-argument', `setFuel needs an integer from 0 to 2^63 - 1, got ${describeValue(n)}`);
    this.#core.writeFuel(value);
  }
  get memory(): MemoryAccess | undefined {
    return this.#memory;
  }
  get wasi(): Wasi | undefined {
    return this.#core.wasi;
  }
  get hardened(): HardenedModule {
    return this.#hardened;
  }
}

// ---------------------------------------------------------------------------------------------------------
// instantiate

const OPTION_KEYS = new Set(['imports', 'fuel', 'wasi', 'memory', 'timeoutMs']);

function checkOptions(options: SandboxOptions): { fuel: bigint | undefined } {
  const issues: Issue[] = [];
  const bad = (path: string, detail: string) => issues.push(sandboxIssue('sandbox.invalid-option', detail, path));
  if (options === null || typeof options !== 'object') {
    bad('', 'options must be an object');
    throw new WasmHardenError(issues);
  }
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) bad(key, `unknown option "${key}"`);
  let fuel: bigint | undefined;
  if (options.fuel !== undefined) {
    fuel = typeof options.fuel === 'string' ? undefined : parseFuel(options.fuel);
    if (fuel === undefined) bad('fuel', `fuel must be an integer from 0 to 2^63 - 1 (number or bigint), got ${describeValue(options.fuel)}`);
  }
  if (options.imports !== undefined) {
    const imp: unknown = options.imports;
    if (imp === null || typeof imp !== 'object') bad('imports', 'imports must be an object of { module: { name: value } }');
    else
      for (const [module, ns] of Object.entries(imp))
        if (ns === null || typeof ns !== 'object') bad(`imports.${module}`, `imports["${module}"] must be an object of { name: value }`);
  }
  if (options.memory !== undefined && !(options.memory instanceof MemoryCtor)) bad('memory', 'memory must be a WebAssembly.Memory');
  if (options.wasi !== undefined && typeof options.wasi !== 'boolean' && (options.wasi === null || typeof options.wasi !== 'object'))
    bad('wasi', 'wasi must be true, false or a WasiOptions object');
  if (options.timeoutMs !== undefined)
    bad('timeoutMs', 'timeoutMs needs a worker: use instantiateInWorker(hardened, { timeoutMs, hostModule }) (its call returns a Promise); the in-process sandbox cannot stop a call by the clock');
  if (issues.length > 0) throw new WasmHardenError(issues);
  return { fuel };
}

/**
 * Instantiates a hardened module in a new sandbox. Rejects with a `WasmHardenError` when an import is not
 * allowed, missing or of the wrong kind (all such issues at once), when V8 refuses to link, or with an
 * `InstantiationTrapError` (carrying the classified `RunResult`) when a segment or the start function traps.
 */
export async function instantiate(hardened: HardenedModule, options: SandboxOptions = {}): Promise<Sandbox> {
  const { fuel } = checkOptions(options);
  const p = await prepared(hardened);

  let core: SandboxCore | undefined;
  let wasi: Wasi | undefined;
  if (options.wasi !== undefined && options.wasi !== false) {
    try {
      wasi = createWasi(options.wasi, () => core?.memoryObject);
    } catch (e) {
      throw sandboxError('sandbox.invalid-option', `wasi: ${e instanceof Error ? e.message : String(e)}`, 'wasi');
    }
  }

  // the host invoker exists before the instance (the wrappers need it); it forwards to the core
  const invoker: HostInvoker = {
    invokeHost(fn, args, site) {
      if (core === undefined) throw new TypeErrorCtor('wasm-harden: a host function was called before the sandbox existed');
      return core.invokeHost(fn, args, site);
    },
  };
  const built = buildImports<SandboxCore>(p.info, p.policy, { imports: options.imports, wasi, memory: options.memory }, invoker, (fn) =>
    typeof fn === 'function' ? coreOfFunction.get(fn) : undefined,
  );
  if (!built.ok) throw new WasmHardenError(built.issues);

  let instance: WebAssembly.Instance;
  try {
    instance = new InstanceCtor(p.module, built.plan.importObject);
  } catch (e) {
    if (e instanceof LinkErrorCtor || e instanceof TypeErrorCtor)
      throw sandboxError('sandbox.link-error', `the engine refused the imports: ${e.message.replace(/^WebAssembly\.Instance\(\): /, '')}`);
    if (isRuntimeError(e)) {
      const kind = kindOfV8Message(e.message);
      const k: TrapKind = kind === undefined || kind === 'indirect-call' ? 'unreachable' : kind;
      throw new InstantiationTrapError(failure(k, TRAP_MESSAGES[k], 0n, e), 'segments');
    }
    throw internal(`instantiation failed: ${errorText(e)}`);
  }

  core = new SandboxCore(p, instance, built.plan, wasi);
  if (fuel !== undefined) globalValue.set(core.fuelGlobal, fuel);
  if (p.startExport !== undefined) {
    const result = core.run(instance.exports[p.startExport], [], 0);
    if (!result.ok) throw new InstantiationTrapError(result, 'start');
  }
  return new SandboxImpl(core, hardened);
}
