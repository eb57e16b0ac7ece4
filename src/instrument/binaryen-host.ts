/**
 * binaryen behind one module: the only place where wasm-harden touches binaryen.
 *
 * Everything else (the fuel, caps and stack-limit passes, `harden`, the benchmarks) reaches binaryen through
 * a *session*:
 *
 *   withBinaryenModule(bytes, features, (module, binaryen) => { ...instrument...; return module.emitBinary(); })
 *
 * which reads the bytes with the policy's features set explicitly, runs `fn` synchronously, and disposes of
 * the module in `finally`. `withNewBinaryenModule` does the same for an empty module, `roundTrip` is bare
 * read + emit (the baseline every speed comparison carries), and `assertValidModule` turns
 * `module.validate()` into an assertion that throws `internal.error` with binaryen's own validator text.
 * Passes must use the `binaryen` handed to `fn`, never a static `import binaryen from 'binaryen'`: after a
 * failure the host swaps in a fresh instance, and expression refs of one instance mean nothing in another.
 *
 * ── Features ─────────────────────────────────────────────────────────────────────────────────────────────
 * Always explicit, never `Features.All` (V8 rejects what it emits). Policy name → binaryen flag:
 *
 *   mutable-globals     → MutableGlobals            multi-value      → Multivalue
 *   sign-ext            → SignExt                   bulk-memory      → BulkMemory | BulkMemoryOpt
 *   nontrapping-fptoint → NontrappingFPToInt        reference-types  → ReferenceTypes
 *                                                   simd             → SIMD128
 *
 * Measured on binaryen 132.0.0 (the JS API, not just its .d.ts):
 *   - `Features.BulkMemoryOpt` exists (1 << 19). It is *not* implied by `BulkMemory` through the C/JS API,
 *     and it is not optional: with BulkMemory set but BulkMemoryOpt clear, the first `memory.copy` aborts the
 *     instance (`Assertion failed: has || !hasBulkMemory()`, wasm-features.h:183, `hasBulkMemoryOpt`). Since
 *     binaryen 121 "bulk-memory-opt" names memory.copy/fill alone; "bulk-memory" is the whole proposal.
 *   - `CallIndirectOverlong` (1 << 20) is not needed: it is LLVM target-features bookkeeping. The reader
 *     accepts an overlong call_indirect table index without it and the writer emits the canonical 1 byte.
 *   - A `target_features` custom section *adds* every feature it names to the module on read (a module
 *     claiming `+gc +atomics` came back with both enabled), and binaryen re-emits the section. So the host
 *     removes `target_features` from the bytes before binaryen sees them, then sets the features again after
 *     reading and checks `getFeatures()` equals exactly what was asked for.
 *   - The runtime differs from index.d.ts: `readBinaryWithFeatures` is declared but absent; the runtime's
 *     `readBinary(bytes, features)` takes the features instead. `getExceptionMessage` exists but is not
 *     declared. `Features.All` is (1 << 28) - 1 at run time, not the declared (1 << 26) - 1.
 *   - Reading a v128 module with SIMD clear succeeds; `validate()` then fails ("all used features should be
 *     allowed"). Features are therefore checked by our policy gates first, and by `assertValidModule` last.
 *
 * Global options (optimize/shrink level, trapsNeverHappen, fastMath, closedWorld, lowMemoryUnused,
 * zeroFilledMemory, debugInfo, stack IR, pass arguments, passes to skip) are per instance, not per module.
 * Every session starts by pinning them (levels 0/0, everything off, arguments cleared) so that no pass ever
 * inherits an optimisation that assumes traps never happen, and a session that leaves `trapsNeverHappen`
 * on fails. With these pins plain read + emit is unaffected (same bytes at levels 0/0 and 2/1). `debugInfo`
 * stays off: the input's `name` section is dropped (with it on, binaryen writes a name section even for
 * modules that had none: +2.5 KB on QuickJS). Other custom sections (`producers`, unknown ones) survive.
 *
 * ── How binaryen fails, and what is left behind ──────────────────────────────────────────────────────────
 * binaryen.js 132 is an emscripten build with assertions compiled into the C++ but not into the JS glue.
 * Forced from JS, deterministically:
 *   1. abort(): a C++ assertion calls emscripten's `abort()`, which prints "Aborted(...)" and throws
 *      `WebAssembly.RuntimeError("Aborted(Assertion failed: left && right, at: .../wasm.cpp,792,finalize).
 *      Build with -sASSERTIONS for more info.")`. Triggers: `module.i32.add(0, 0)` (null operands), a
 *      `local.get` of a missing local, `getFunctionInfo` on a null ref, BulkMemory without BulkMemoryOpt.
 *   2. C++ exceptions: `Fatal()` is built to throw `std::runtime_error`, which escapes to JS as an
 *      emscripten CppException: *not* an `Error`; `message` is filled in only on some paths (readBinary:
 *      "error in parsing wasm binary"), elsewhere `getExceptionMessage(e)` gives
 *      ['std::runtime_error', 'Fatal: Could not find pass: no-such-pass']. Triggers: `readBinary` on
 *      garbage, `runPasses(['no-such-pass'])`, a duplicate function or export, `parseText` of bad text.
 *   3. V8 stack overflow: emitting ~10k nested blocks (built through the API, or read from bytes, which
 *      the reader accepts at 50k and validate() passes) throws `RangeError: Maximum call stack size
 *      exceeded` out of the recursive writer. 5k nests are fine.
 *   4. wasm traps inside binaryen: `RuntimeError: memory access out of bounds` once its memory is corrupt.
 * `exit()` in the C++ would set `process.exitCode` through the glue's quit handler (`throw
 * process.exitCode = status, ...`); no JS path reaching it was found, but sessions restore `exitCode` anyway.
 *
 * The instance is not "dead" after any of these in the sense of refusing calls: the glue does not check its
 * ABORT flag, and `new binaryen.Module()` keeps working. It is *unsound*: an exception unwinds C++ frames
 * without running their cleanups, and nothing frees the exception object. Measured: after 6,000 failed
 * `readBinary` calls the instance still works; after 10,000 the next `new Module()` + `addFunction` dies
 * with "memory access out of bounds" or an `Assertion failed` in wasm-type.h (most likely the shadow stack:
 * the glue's readBinary wrapper, unlike most, does not save and restore the stack pointer). Nothing of an
 * instance's state can be trusted after it has thrown, so the host never reuses one that has.
 *
 * ── Recovery: retire the instance, load a fresh one ─────────────────────────────────────────────────────
 * Rule: a session that throws anything other than a deliberate rejection of our own (a `WasmHardenError`
 * whose issues are not `internal.*`), or during which binaryen aborted (seen by our `onAbort` hook even if
 * `fn` swallowed the error), or which changed `process.exitCode`, *retires* its instance. The failure becomes
 * a `WasmHardenError` with one `internal.error` issue naming the kind (abort, C++ exception, stack overflow,
 * wasm trap, JS error) and binaryen's text, with the original on `cause`. The next session loads a fresh
 * instance. Passes must not catch binaryen's exceptions themselves: a swallowed abort is still caught here,
 * a swallowed C++ exception is not.
 *
 * How a fresh instance is made. The published index.js is one ESM file: `async function Ar(moduleArg) {...}`
 * (the emscripten factory, wasm embedded as a string), then `var jr = await Ar(); export default jr`. The
 * factory is not exported, so the host reads index.js once, cuts off that pinned tail, replaces the two
 * `import.meta.url` and the one `await import("node:module")` with parameters, and compiles the rest with
 * `new Function`, which returns the factory. Each call of the factory is a new emscripten instance with its
 * own memory and tables, and it takes our `print`/`printErr`/`onAbort` hooks, so the validator's messages
 * and abort reasons are captured instead of going to the console. The anchors are checked exactly and the
 * installed version must equal PINNED_BINARYEN_VERSION; an upgrade fails loudly in the tests, never silently.
 * (Consequence: Node's --disallow-code-generation-from-strings would break the host.)
 *
 * Alternatives measured (Node 20.20, 2 shared vCPUs of an AMD EPYC, so expect ±30% noise; ranges are over
 * several runs of bench/binaryen-roundtrip.bench.ts, which re-measures all of this):
 *   - factory (chosen): the first session in a fresh process costs 330-450 ms (reading the 14 MB index.js and
 *     compiling the factory is about half of it; the static `import binaryen` costs about 410 ms). A fresh
 *     instance after a failure costs 60-80 ms (median, with a 738-byte round trip on it): V8 reuses the
 *     compiled wasm for identical bytes. Retired instances are garbage: over 60 retirements the JS heap
 *     stayed at 32 MB and external memory at 28 MB (one live instance); RSS rose to ~300 MB and plateaued
 *     (pages the allocator keeps). No per-call overhead.
 *   - cache-busting `import(url + '?instance=N')`: it does yield a fresh instance with its own memory (a
 *     poisoned instance stayed broken while the new one worked), 245-380 ms each, but an ES module is never
 *     unloaded: every retired instance keeps ~42 MB of RSS for the life of the process. Deleting every
 *     property of the old default export frees its wasm memory, but the module record still holds ~15 MB
 *     of source text. Repeated failures would grow the process without bound, and it takes no hooks (the
 *     validator's messages and "Aborted(...)" go to the console).
 *   - worker_thread running binaryen, respawned on failure: spawn + load 306-401 ms, respawn 285-385 ms,
 *     terminate 5-14 ms. Per call it adds 0.08-0.17 ms for a 738-byte module (0.42-0.47 → 0.53-0.62 ms)
 *     and nothing measurable for sql-wasm.wasm (within the noise of a ~270-300 ms call). Cheap per call,
 *     but every pass would have to be a serialisable job in a file the worker imports (no closures), and
 *     recovery costs 4-5× a fresh factory instance. It is the only option that could kill a *hung* binaryen.
 *     A caller that needs that can run `harden` itself in a worker, since this module is self-contained.
 *
 * ── Measured round trips (read + emit, features = the Wasm 2.0 set) ─────────────────────────────────────
 *   sql-wasm.wasm 688,197 B → 689,077 B (code section +880 B: LEBs and locals re-encoded):
 *     cold (fresh process, right after the load): read 290-590 ms + emit 180-490 ms, 470-1080 ms in all
 *     warm (median of 9): read 177-199 ms + emit 93-99 ms ≈ 270-290 ms
 *     first round trip on a fresh instance in a warm process: 375-510 ms (its memory has to grow first)
 *     read + module.validate(): ~250-265 ms, so validate() costs about a third of a read
 *   QuickJS emscripten-module.wasm 503,134 B → 504,057 B:
 *     cold: read 225-265 ms + emit 170-205 ms ≈ 400-450 ms; warm: read 113-158 + emit 63-71 ≈ 176-225 ms
 *     first round trip on a fresh instance in a warm process: 270-320 ms
 *   Both outputs pass `WebAssembly.validate`. Read + emit is deterministic: byte-identical across rounds,
 *   across fresh instances and across processes (sha-256 sql aedd676ddc6137f2…, QuickJS 8c9ab73ab273f6c1…),
 *   and idempotent (a second round trip of the output reproduces it byte for byte).
 *
 * ── Known limits ────────────────────────────────────────────────────────────────────────────────────────
 *   - A binaryen that hangs hangs the caller (see the worker alternative above).
 *   - A C++ exception that a pass catches and swallows goes unnoticed (an abort does not).
 *   - Sessions are synchronous by construction; one returning a promise is rejected.
 */

import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import type binaryenNamespace from 'binaryen';
import { WasmHardenError, type Issue } from '../issues.js';
import { WASM2_FEATURES, type FeatureName, type Wasm2Feature } from '../policy.js';

/** One binaryen.js instance: the object `import binaryen from 'binaryen'` would give. */
export type Binaryen = typeof binaryenNamespace;
export type BinaryenModule = binaryenNamespace.Module;
type FeatureFlagName = keyof Binaryen['Features'];

/** The exact binaryen version this host's loader anchors were checked against (package.json pins it too). */
export const PINNED_BINARYEN_VERSION = '132.0.0';

/** Policy feature → the binaryen flags it needs. `bulk-memory` needs `BulkMemoryOpt` too (see above). */
export const BINARYEN_FEATURE_FLAGS: { readonly [F in Wasm2Feature]: readonly FeatureFlagName[] } = Object.freeze({
  'mutable-globals': ['MutableGlobals'],
  'sign-ext': ['SignExt'],
  'nontrapping-fptoint': ['NontrappingFPToInt'],
  'multi-value': ['Multivalue'],
  'bulk-memory': ['BulkMemory', 'BulkMemoryOpt'],
  'reference-types': ['ReferenceTypes'],
  simd: ['SIMD128'],
});

const WASM2 = new Set<string>(WASM2_FEATURES);

/**
 * The binaryen feature bits for a policy's features. Only the Wasm 2.0 set can be mapped; a later proposal
 * here means policy normalisation let something through, which is an internal error.
 */
export function binaryenFeatureFlags(binaryen: Binaryen, features: readonly FeatureName[]): number {
  let flags = 0;
  for (const feature of features) {
    if (!WASM2.has(feature)) throw internalError(`binaryen host: feature ${feature} is not supported`);
    for (const name of BINARYEN_FEATURE_FLAGS[feature as Wasm2Feature]) {
      const bit = binaryen.Features[name] as unknown;
      if (typeof bit !== 'number' || bit === 0) throw internalError(`binaryen host: binaryen has no feature flag ${String(name)}`);
      flags |= bit;
    }
  }
  return flags;
}

// ── failures ────────────────────────────────────────────────────────────────────────────────────────────

export type BinaryenFailureKind = 'abort' | 'cpp-exception' | 'stack-overflow' | 'wasm-trap' | 'exit' | 'js-error';

export interface BinaryenFailure {
  readonly kind: BinaryenFailureKind;
  /** binaryen's own text: the abort reason, the C++ exception message, the trap message. */
  readonly detail: string;
  /** Generation of the instance that failed (and was retired). */
  readonly generation: number;
}

export interface BinaryenHostState {
  /** How many instances have been loaded; the live one (if any) is the last. 0 before the first session. */
  readonly generation: number;
  /** How many instances have been retired after a failure. */
  readonly retired: number;
  readonly lastFailure: BinaryenFailure | undefined;
}

function internalError(message: string, cause?: unknown): WasmHardenError {
  const issue: Issue = { code: 'internal.error', message: `internal error: ${message}`, offset: 0 };
  const error = new WasmHardenError([issue]);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}

function isDeliberateRejection(e: unknown): e is WasmHardenError {
  return e instanceof WasmHardenError && e.issues.length > 0 && e.issues.every((i) => i.code !== 'internal.error');
}

// ── instances ───────────────────────────────────────────────────────────────────────────────────────────

interface EmscriptenModuleArg {
  print(text: string): void;
  printErr(text: string): void;
  onAbort(what: unknown): void;
  noExitRuntime: boolean;
}
type BinaryenFactory = (moduleArg: EmscriptenModuleArg) => Promise<Binaryen>;

/** One loaded instance and what the host knows about it. */
interface HostInstance {
  readonly binaryen: Binaryen;
  readonly generation: number;
  /** Lines binaryen printed (validator errors, abort reasons), most recent last; bounded. */
  readonly output: string[];
  /** Set by the onAbort hook: binaryen aborted, whether or not anyone saw the exception. */
  aborted: string | undefined;
  retired: boolean;
}

const OUTPUT_LINES = 64;
const FACTORY_TAIL = 'var S6=Ar;var jr=await S6(),$r=jr;export{$r as default};';
const FACTORY_NAME = 'Ar';

let factory: Promise<BinaryenFactory> | undefined;
/** The instance sessions use; undefined before the first load and after a retirement. */
let live: HostInstance | undefined;
/** A load in progress, shared by every session that waits for it. */
let loading: Promise<HostInstance> | undefined;
let generation = 0;
let retiredCount = 0;
let lastFailure: BinaryenFailure | undefined;
const hosts = new WeakMap<Binaryen, HostInstance>();

/** Reads binaryen's index.js once and compiles the emscripten factory out of it (see the design comment). */
function loadFactory(): BinaryenFactory {
  const require = nodeModule.createRequire(import.meta.url);
  const version = (require('binaryen/package.json') as { version?: unknown }).version;
  if (version !== PINNED_BINARYEN_VERSION)
    throw internalError(`binaryen host: binaryen ${String(version)} is installed, but the loader was written for ${PINNED_BINARYEN_VERSION}`);
  const path = require.resolve('binaryen');
  const source = readFileSync(path, 'utf8');
  const tail = source.lastIndexOf(FACTORY_TAIL);
  const head = tail < 0 ? '' : source.slice(0, tail);
  const count = (needle: string): number => head.split(needle).length - 1;
  if (
    tail < 0 ||
    source.slice(tail + FACTORY_TAIL.length).trim() !== '' ||
    !head.includes(`async function ${FACTORY_NAME}(`) ||
    count('import.meta.url') !== 2 ||
    count('await import("node:module")') !== 1 ||
    count('import.meta') !== 2
  )
    throw internalError(`binaryen host: ${path} does not have the shape the loader expects; update src/instrument/binaryen-host.ts`);
  const body =
    '"use strict";' +
    head.replaceAll('import.meta.url', '__binaryenUrl').replace('await import("node:module")', '__nodeModule') +
    `\nreturn ${FACTORY_NAME};`;
  const make = new Function('__binaryenUrl', '__nodeModule', body) as (url: string, m: typeof nodeModule) => BinaryenFactory;
  return make(pathToFileURL(path).href, nodeModule);
}

async function loadInstance(): Promise<HostInstance> {
  factory ??= Promise.resolve().then(loadFactory);
  let make: BinaryenFactory;
  try {
    make = await factory;
  } catch (e) {
    factory = undefined;
    throw e instanceof WasmHardenError ? e : internalError(`binaryen host: cannot load binaryen: ${describe(e)}`, e);
  }
  const output: string[] = [];
  const record = (text: string): void => {
    output.push(String(text));
    if (output.length > OUTPUT_LINES) output.splice(0, output.length - OUTPUT_LINES);
  };
  let host: HostInstance | undefined;
  let abortedEarly: string | undefined;
  let binaryen: Binaryen;
  try {
    binaryen = await make({
      print: record,
      printErr: record,
      onAbort(what: unknown) {
        const reason = String(what);
        if (host) host.aborted ??= reason;
        else abortedEarly ??= reason;
      },
      noExitRuntime: true,
    });
  } catch (e) {
    throw internalError(`binaryen host: cannot instantiate binaryen: ${describe(e)}`, e);
  }
  if (abortedEarly !== undefined) throw internalError(`binaryen host: binaryen aborted while loading: ${abortedEarly}`);
  host = { binaryen, generation: ++generation, output, aborted: undefined, retired: false };
  hosts.set(binaryen, host);
  live = host;
  return host;
}

/** The live instance, loading one if there is none (concurrent callers share the load). */
async function liveInstance(): Promise<HostInstance> {
  for (;;) {
    if (live && !live.retired) return live;
    loading ??= loadInstance().finally(() => {
      loading = undefined;
    });
    await loading;
    // loop: another session may have retired the new instance before this one resumed
  }
}

function retire(host: HostInstance, failure: BinaryenFailure): void {
  lastFailure = failure;
  if (host.retired) return;
  host.retired = true;
  retiredCount++;
  hosts.delete(host.binaryen);
  // nothing of ours refers to it any more; it becomes garbage, and the next session loads a fresh instance
  if (live === host) live = undefined;
}

export function binaryenHostState(): BinaryenHostState {
  return { generation, retired: retiredCount, lastFailure };
}

// ── classification ──────────────────────────────────────────────────────────────────────────────────────

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string')
    return (e as { message: string }).message;
  return String(e);
}

function classify(e: unknown, host: HostInstance): { kind: BinaryenFailureKind; detail: string } {
  if (host.aborted !== undefined) return { kind: 'abort', detail: host.aborted };
  if (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ExitStatus')
    return { kind: 'exit', detail: describe(e) };
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { kind: 'stack-overflow', detail: e.message };
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'wasm-trap', detail: e.message };
  if (e instanceof Error) return { kind: 'js-error', detail: `${e.name}: ${e.message}` };
  // an emscripten CppException: not an Error; binaryen's Fatal() and C++ throws
  let detail = describe(e);
  if (typeof e === 'object' && e !== null) {
    const getMessage = (host.binaryen as unknown as { getExceptionMessage?: (x: unknown) => unknown }).getExceptionMessage;
    if (typeof (e as { message?: unknown }).message !== 'string' && typeof getMessage === 'function') {
      try {
        const m = getMessage(e);
        if (Array.isArray(m)) detail = `${String(m[0])}: ${String(m[1]).replace(/^Fatal:\s*/, '').trim()}`;
      } catch {
        // not a CppException after all; keep String(e)
      }
    }
  }
  return { kind: 'cpp-exception', detail: detail.replace(/^Fatal:\s*/, '') };
}

const KIND_TEXT: Record<BinaryenFailureKind, string> = {
  abort: 'binaryen aborted',
  'cpp-exception': 'binaryen threw a C++ exception',
  'stack-overflow': 'binaryen overflowed the stack',
  'wasm-trap': 'binaryen trapped',
  exit: 'binaryen called exit()',
  'js-error': 'error in a binaryen session',
};

// ── sessions ────────────────────────────────────────────────────────────────────────────────────────────

/** Pins every per-instance global option, so no session inherits another's (see the design comment). */
function pinGlobalOptions(b: Binaryen): void {
  b.setOptimizeLevel(0);
  b.setShrinkLevel(0);
  b.setTrapsNeverHappen(false);
  b.setFastMath(false);
  b.setClosedWorld(false);
  b.setLowMemoryUnused(false);
  b.setZeroFilledMemory(false);
  b.setDebugInfo(false);
  b.setGenerateStackIR(false);
  b.setOptimizeStackIR(false);
  b.clearPassArguments();
  b.clearPassesToSkip();
}

type ReadBinary = (bytes: Uint8Array, features?: number) => BinaryenModule;

/** What a session does with the instance: open the module, then run the caller's function on it. */
type Opener = (binaryen: Binaryen, flags: number) => BinaryenModule;

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

async function runSession<T>(
  features: readonly FeatureName[],
  open: Opener,
  fn: (module: BinaryenModule, binaryen: Binaryen) => T,
): Promise<T> {
  let host = await liveInstance();
  // Another session may have retired it between that resolution and this resumption; and an abort outside
  // any session (someone kept `binaryen` past the end of theirs) retires it here.
  while (host.retired || host.aborted !== undefined) {
    if (!host.retired) retire(host, { kind: 'abort', detail: host.aborted ?? '', generation: host.generation });
    host = await liveInstance();
  }
  // From here on everything is synchronous, so no other session can use this instance meanwhile.
  const { binaryen } = host;
  const flags = binaryenFeatureFlags(binaryen, features);
  const exitCode = process.exitCode;
  let module: BinaryenModule | undefined;
  let outcome: Outcome<T> | undefined;
  try {
    pinGlobalOptions(binaryen);
    module = open(binaryen, flags);
    module.setFeatures(flags);
    if (module.getFeatures() !== flags)
      throw internalError(`binaryen host: module features are ${module.getFeatures()}, not the ${flags} asked for`);
    const value = fn(module, binaryen);
    if (typeof (value as { then?: unknown } | null)?.then === 'function')
      throw internalError('a binaryen session function returned a promise; sessions are synchronous (the module is disposed when it returns)');
    if (binaryen.getTrapsNeverHappen())
      throw internalError('a binaryen session turned on trapsNeverHappen, which lets binaryen delete fuel checks');
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    try {
      module?.dispose();
    } catch (error) {
      if (outcome?.ok !== false) outcome = { ok: false, error };
    }
  }
  const exitChanged = process.exitCode !== exitCode;
  if (exitChanged) process.exitCode = exitCode;

  if (outcome.ok && host.aborted === undefined && !exitChanged) return outcome.value;
  if (!outcome.ok && isDeliberateRejection(outcome.error) && host.aborted === undefined && !exitChanged) throw outcome.error;
  // Something unexpected happened inside this instance: it is unsound from now on.
  const { kind, detail } = outcome.ok
    ? host.aborted !== undefined
      ? { kind: 'abort' as const, detail: host.aborted }
      : { kind: 'exit' as const, detail: `process.exitCode was set to ${String(process.exitCode)}` }
    : classify(outcome.error, host);
  retire(host, { kind, detail, generation: host.generation });
  if (!outcome.ok && outcome.error instanceof WasmHardenError) throw outcome.error;
  throw internalError(
    outcome.ok ? `${KIND_TEXT[kind]} and the session swallowed it: ${detail}` : `${KIND_TEXT[kind]}: ${detail}`,
    outcome.ok ? undefined : outcome.error,
  );
}

/**
 * Reads `bytes` into a binaryen module with exactly `features`, runs `fn(module, binaryen)`, and disposes of
 * the module whatever happens. `fn` must be synchronous and must not keep the module. A failure inside
 * binaryen rejects with a `WasmHardenError` (`internal.error`) and retires the instance; the next call gets a
 * fresh one. Only bytes our validator and `WebAssembly.validate` accepted should get here.
 */
export function withBinaryenModule<T>(
  bytes: Uint8Array,
  features: readonly FeatureName[],
  fn: (module: BinaryenModule, binaryen: Binaryen) => T,
): Promise<T> {
  const input = withoutTargetFeatures(bytes);
  return runSession(features, (b, flags) => (b.readBinary as unknown as ReadBinary)(input, flags), fn);
}

/** Like `withBinaryenModule`, for an empty module with exactly `features`. */
export function withNewBinaryenModule<T>(
  features: readonly FeatureName[],
  fn: (module: BinaryenModule, binaryen: Binaryen) => T,
): Promise<T> {
  return runSession(features, (b) => new b.Module(), fn);
}

/** binaryen's bare read + emit of `bytes`: the baseline for every speed comparison of `harden`. */
export function roundTrip(bytes: Uint8Array, features: readonly FeatureName[]): Promise<Uint8Array> {
  return withBinaryenModule(bytes, features, (module) => module.emitBinary());
}

/**
 * `module.validate()` as an assertion: binaryen's validator must accept what our passes built. On failure
 * throws `internal.error` carrying the validator's first lines (captured from the instance's output), which
 * also retires the instance when thrown inside a session.
 */
export function assertValidModule(module: BinaryenModule, binaryen: Binaryen, what = 'the instrumented module'): void {
  const output = hosts.get(binaryen)?.output;
  if (output) output.length = 0;
  if (module.validate()) return;
  const lines = (output ?? []).map((l) => l.trim()).filter((l) => l !== '').slice(0, 6);
  throw internalError(`binaryen validation failed for ${what}${lines.length > 0 ? `: ${lines.join(' ').replace(/\s+/g, ' ')}` : ''}`);
}

// ── input preparation ───────────────────────────────────────────────────────────────────────────────────

/**
 * `bytes` without any custom section named `target_features` (binaryen would enable the features it names).
 * Returns `bytes` itself when there is none. Section headers only; anything unexpected leaves the bytes as
 * they are (they have been validated before they get here, and binaryen reports what it cannot read).
 */
export function withoutTargetFeatures(bytes: Uint8Array): Uint8Array {
  const drop: [number, number][] = [];
  let p = 8;
  const leb = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = bytes[p++];
      if (b === undefined) return -1;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    return -1;
  };
  while (p < bytes.length) {
    const start = p;
    const id = bytes[p++];
    const size = leb();
    if (size < 0 || p + size > bytes.length) return bytes;
    const end = p + size;
    if (id === 0) {
      const nameLength = leb();
      if (nameLength >= 0 && p + nameLength <= end && isTargetFeatures(bytes, p, nameLength)) drop.push([start, end]);
    }
    p = end;
  }
  if (drop.length === 0) return bytes;
  const out = new Uint8Array(bytes.length - drop.reduce((n, [s, e]) => n + (e - s), 0));
  let from = 0;
  let to = 0;
  for (const [s, e] of drop) {
    out.set(bytes.subarray(from, s), to);
    to += s - from;
    from = e;
  }
  out.set(bytes.subarray(from), to);
  return out;
}

const TARGET_FEATURES = new TextEncoder().encode('target_features');

function isTargetFeatures(bytes: Uint8Array, at: number, length: number): boolean {
  if (length !== TARGET_FEATURES.length) return false;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== TARGET_FEATURES[i]) return false;
  return true;
}
