/**
 * The worker side of the worker runtime (worker-sandbox.ts, pool.ts): the code that runs inside a
 * `worker_threads` worker, instantiates the hardened module there with the ordinary in-process sandbox
 * (sandbox.ts), loads the host's imports from a module, and calls.
 *
 * Loaded two ways:
 *   - as a dedicated worker's main script (`workerData.wasmHardenWorker === 'dedicated'`): one sandbox per
 *     worker, driven by messages (init, call, fuel, memory) from `instantiateInWorker`;
 *   - as a piscina task module (its default export, `runJob`): one job = instantiate + call, in a fresh
 *     instance each time, with the compiled module cached per worker by content hash.
 *
 * Nothing here decides about time: the main thread owns the clock and terminates the worker. The worker
 * only publishes what the main thread cannot read once it has killed it: the fuel at the start of the call
 * and the fuel last seen when the guest called a host function (`FuelCell`), so a `timeout` result still
 * carries a lower bound of the fuel used.
 */

import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { HardenedModule, HardenReport } from '../instrument/harden.js';
import { WasmHardenError, type Issue } from '../issues.js';
import type { Policy } from '../policy.js';
import { InstantiationTrapError, sandboxError } from './errors.js';
import { instantiate, type Sandbox } from './sandbox.js';
import type { HostImports, RunResult, WasiOptions } from './types.js';

// ---------------------------------------------------------------------------------------------------------
// The protocol (shared with worker-sandbox.ts and pool.ts, as types only)

/** The host module's view: what its factory receives. */
export interface HostModuleContext {
  /** `options.hostData`, structured-cloned into the worker */
  readonly data: unknown;
  /**
   * The sandbox inside the worker (memory helpers, fuel), for host functions that read or write guest
   * memory. Throws while the module is being instantiated (the start function runs before it exists).
   */
  readonly sandbox: Sandbox;
}

/** A `HardenedModule` as it crosses: `bytes` may be backed by a SharedArrayBuffer (never written). */
export interface ModuleMessage {
  /** content hash of the hardened bytes and policy: the worker's compiled-module cache key */
  key: string;
  bytes: Uint8Array;
  policy: Policy;
  report: HardenReport;
}

export interface SetupMessage {
  fuel?: bigint;
  wasi?: boolean | WasiOptions;
  /** an absolute module specifier (file: URL, data: URL, or a package name) */
  hostModule?: string;
  hostData?: unknown;
}

/** Fuel published for the main thread: [0] the fuel when the call started, [1] the fuel last seen. */
export type FuelCell = BigInt64Array;

export type SerializedError =
  | { name: 'WasmHardenError'; issues: Issue[] }
  | { name: 'InstantiationTrapError'; issues: Issue[]; trap: RunResult & { ok: false }; cause?: unknown }
  | { name: 'Error'; message: string };

export interface WasiOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitCode: number | undefined;
}

export interface CallReply {
  /** `values` made cloneable (see `FUNCREF`); `cause` is sent apart (it is non-enumerable in-process) */
  result: RunResult;
  cause?: unknown;
  /** the call's duration inside the worker */
  callMs: number;
  wasi?: WasiOutput;
}

/** What a function reference result becomes: a function cannot cross a thread. */
export const FUNCREF = '<funcref>';
/** What a non-cloneable externref result becomes. */
export const EXTERNREF = '<externref>';

export type DedicatedRequest =
  | { type: 'init'; module: ModuleMessage; setup: SetupMessage; cell: FuelCell }
  | { type: 'call'; id: number; name: string; args: unknown[] }
  | { type: 'fuel'; id: number; op: 'get' | 'add' | 'set'; n?: bigint | number }
  | { type: 'memory'; id: number; op: 'byteLength' | 'readBytes' | 'writeBytes' | 'readString' | 'writeString'; args: unknown[] };

export type DedicatedReply =
  | { type: 'ready' }
  | { type: 'init'; ok: true; functions: string[]; memory: boolean; compileMs: number }
  | { type: 'init'; ok: false; error: SerializedError }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: SerializedError };

export interface PoolTask {
  jobId: number;
  module: ModuleMessage;
  setup: SetupMessage;
  name: string;
  args: unknown[];
  cell: FuelCell;
}

export type PoolReply =
  | { ok: true; reply: CallReply; compileMs: number | undefined }
  | { ok: false; error: SerializedError; compileMs: number | undefined };

/** Posted on the worker's parentPort when a pool job starts running (the main thread starts its clock). */
export interface JobStarted {
  wasmHardenJobStarted: number;
}

// ---------------------------------------------------------------------------------------------------------
// Shared by both modes

const MAX_MODULES = 16;
/** Revived `HardenedModule`s by content key: sandbox.ts caches the compiled module per object. */
const modules = new Map<string, HardenedModule>();

function revive(m: ModuleMessage): { hardened: HardenedModule; fresh: boolean } {
  const hit = modules.get(m.key);
  if (hit !== undefined) {
    modules.delete(m.key);
    modules.set(m.key, hit);
    return { hardened: hit, fresh: false };
  }
  // a private copy: the shared buffer belongs to the main thread
  const hardened: HardenedModule = { bytes: new Uint8Array(m.bytes), policy: m.policy, report: m.report };
  modules.set(m.key, hardened);
  while (modules.size > MAX_MODULES) modules.delete(modules.keys().next().value as string);
  return { hardened, fresh: true };
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof InstantiationTrapError) {
    const t = e.trap;
    const out: SerializedError = { name: 'InstantiationTrapError', issues: [...e.issues], trap: { ok: false, trap: t.trap, message: t.message, fuelUsed: t.fuelUsed } };
    const c = cloneable(t.cause);
    if (c !== undefined) out.cause = c;
    return out;
  }
  if (e instanceof WasmHardenError) return { name: 'WasmHardenError', issues: [...e.issues] };
  return { name: 'Error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

/** `v` if structured clone takes it, else its text (or undefined for undefined). */
function cloneable(v: unknown): unknown {
  if (v === undefined) return undefined;
  try {
    return structuredClone(v);
  } catch {
    return v instanceof Error ? `${v.name}: ${v.message}` : String(v);
  }
}

function wireValue(v: unknown): unknown {
  if (typeof v === 'function') return FUNCREF;
  if (v !== null && typeof v === 'object') {
    try {
      return structuredClone(v);
    } catch {
      return EXTERNREF;
    }
  }
  if (typeof v === 'symbol') return EXTERNREF;
  return v;
}

function wasiOutput(sandbox: Sandbox): WasiOutput | undefined {
  const w = sandbox.wasi;
  return w === undefined ? undefined : { stdout: w.stdout(), stderr: w.stderr(), exitCode: w.exitCode };
}

function hostModuleError(spec: string, detail: string): WasmHardenError {
  return sandboxError('sandbox.invalid-option', `the host module ${spec} ${detail}`, 'hostModule');
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

type Factory = (ctx: HostModuleContext) => unknown;

/**
 * Loads `spec` and builds this sandbox's imports: its `default` (or `imports`) export, an import object or a
 * factory of the context; and its optional `memory` export (a WebAssembly.Memory or a factory), for a
 * module that imports its memory. Each host function is wrapped to publish the fuel before it runs.
 */
async function hostImports(
  setup: SetupMessage,
  ctx: { sandbox: Sandbox | undefined },
  cell: FuelCell,
): Promise<{ imports?: HostImports; memory?: WebAssembly.Memory }> {
  const spec = setup.hostModule;
  if (spec === undefined) return {};
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    throw hostModuleError(spec, `failed to load: ${describe(e)}`);
  }
  const context: HostModuleContext = Object.freeze({
    data: setup.hostData,
    get sandbox(): Sandbox {
      if (ctx.sandbox === undefined) throw new Error('wasm-harden: the sandbox does not exist yet (the module is being instantiated)');
      return ctx.sandbox;
    },
  });
  const source = mod['default'] ?? mod['imports'];
  if (source === undefined) throw hostModuleError(spec, 'has neither a default nor an `imports` export');
  let made: unknown;
  try {
    made = typeof source === 'function' ? await (source as Factory)(context) : source;
  } catch (e) {
    throw hostModuleError(spec, `threw while making the imports: ${describe(e)}`);
  }
  if (made === null || typeof made !== 'object') throw hostModuleError(spec, 'made no import object ({ module: { name: value } })');
  const imports: HostImports = {};
  for (const [module, ns] of Object.entries(made as Record<string, unknown>)) {
    if (ns === null || typeof ns !== 'object') {
      imports[module] = ns as Record<string, unknown>; // refused by instantiate's own check, with its wording
      continue;
    }
    const wrapped: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(ns as Record<string, unknown>))
      wrapped[name] = typeof value === 'function' ? publishing(value as (...a: unknown[]) => unknown, ctx, cell) : value;
    imports[module] = wrapped;
  }
  const out: { imports?: HostImports; memory?: WebAssembly.Memory } = { imports };
  const memory = mod['memory'];
  if (memory !== undefined) {
    let m: unknown;
    try {
      m = typeof memory === 'function' ? await (memory as Factory)(context) : memory;
    } catch (e) {
      throw hostModuleError(spec, `threw while making the memory: ${describe(e)}`);
    }
    out.memory = m as WebAssembly.Memory; // instantiate checks that it is one
  }
  return out;
}

/** `fn`, after storing the sandbox's remaining fuel in the cell (for a timeout's `fuelUsed`). */
function publishing(fn: (...a: unknown[]) => unknown, ctx: { sandbox: Sandbox | undefined }, cell: FuelCell): (...a: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]): unknown {
    const s = ctx.sandbox;
    if (s !== undefined) Atomics.store(cell, 1, BigInt.asIntN(64, s.fuel));
    return Reflect.apply(fn, this, args);
  };
}

async function setupSandbox(
  m: ModuleMessage,
  setup: SetupMessage,
  cell: FuelCell,
): Promise<{ sandbox: Sandbox; compileMs: number | undefined }> {
  const { hardened, fresh } = revive(m);
  const ctx: { sandbox: Sandbox | undefined } = { sandbox: undefined };
  const host = await hostImports(setup, ctx, cell);
  const t0 = performance.now();
  const sandbox = await instantiate(hardened, {
    ...(setup.fuel !== undefined ? { fuel: setup.fuel } : {}),
    ...(setup.wasi !== undefined ? { wasi: setup.wasi } : {}),
    ...(host.imports !== undefined ? { imports: host.imports } : {}),
    ...(host.memory !== undefined ? { memory: host.memory } : {}),
  });
  ctx.sandbox = sandbox;
  // the first instantiation of a module in this worker decodes and compiles it (sandbox.ts caches that)
  return { sandbox, compileMs: fresh ? performance.now() - t0 : undefined };
}

function runCall(sandbox: Sandbox, name: string, args: unknown[], cell: FuelCell): CallReply {
  const start = sandbox.fuel;
  Atomics.store(cell, 0, BigInt.asIntN(64, start));
  Atomics.store(cell, 1, BigInt.asIntN(64, start));
  const t0 = performance.now();
  const r = sandbox.call(name, ...args);
  const callMs = performance.now() - t0;
  let result: RunResult;
  let cause: unknown;
  if (r.ok) {
    result = { ok: true, values: r.values.map(wireValue), fuelUsed: r.fuelUsed };
    if (r.exitCode !== undefined) result.exitCode = r.exitCode;
  } else {
    result = { ok: false, trap: r.trap, message: r.message, fuelUsed: r.fuelUsed };
    cause = cloneable(r.cause);
  }
  const reply: CallReply = { result, callMs };
  if (cause !== undefined) reply.cause = cause;
  const wasi = wasiOutput(sandbox);
  if (wasi !== undefined) reply.wasi = wasi;
  return reply;
}

// ---------------------------------------------------------------------------------------------------------
// Pool mode (piscina calls the default export once per job)

export default async function runJob(task: PoolTask): Promise<PoolReply> {
  parentPort?.postMessage({ wasmHardenJobStarted: task.jobId } satisfies JobStarted);
  let compileMs: number | undefined;
  try {
    const made = await setupSandbox(task.module, task.setup, task.cell);
    compileMs = made.compileMs;
    return { ok: true, reply: runCall(made.sandbox, task.name, task.args, task.cell), compileMs };
  } catch (e) {
    return { ok: false, error: serializeError(e), compileMs };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dedicated mode (one sandbox per worker, kept between calls)

function serveDedicated(port: MessagePort): void {
  let sandbox: Sandbox | undefined;
  let cell: FuelCell | undefined;
  const post = (m: DedicatedReply) => port.postMessage(m);

  function answer(id: number, f: () => unknown): void {
    let value: unknown;
    try {
      value = f();
    } catch (e) {
      post({ type: 'reply', id, ok: false, error: serializeError(e) });
      return;
    }
    try {
      post({ type: 'reply', id, ok: true, value });
    } catch (e) {
      post({ type: 'reply', id, ok: false, error: serializeError(e) });
    }
  }

  port.on('message', (msg: DedicatedRequest) => {
    switch (msg.type) {
      case 'init':
        cell = msg.cell;
        setupSandbox(msg.module, msg.setup, msg.cell).then(
          (made) => {
            sandbox = made.sandbox;
            const functions = Object.keys(made.sandbox.exports).filter((k) => typeof made.sandbox.exports[k] === 'function');
            post({ type: 'init', ok: true, functions, memory: made.sandbox.memory !== undefined, compileMs: made.compileMs ?? 0 });
          },
          (e: unknown) => post({ type: 'init', ok: false, error: serializeError(e) }),
        );
        return;
      case 'call':
        answer(msg.id, () => runCall(sandbox!, msg.name, msg.args, cell!));
        return;
      case 'fuel':
        answer(msg.id, () => {
          const s = sandbox!;
          if (msg.op === 'add') return s.addFuel(msg.n as bigint);
          if (msg.op === 'set') s.setFuel(msg.n as bigint);
          return s.fuel;
        });
        return;
      case 'memory':
        answer(msg.id, () => {
          const mem = sandbox!.memory;
          if (mem === undefined) throw sandboxError('sandbox.memory-bounds', 'the sandbox has no memory it can reach');
          if (msg.op === 'byteLength') return mem.byteLength;
          return (mem[msg.op] as (...a: unknown[]) => unknown).apply(mem, msg.args);
        });
        return;
    }
  });
  post({ type: 'ready' });
}

if (!isMainThread && parentPort !== null && (workerData as { wasmHardenWorker?: unknown } | null)?.wasmHardenWorker === 'dedicated')
  serveDedicated(parentPort);
