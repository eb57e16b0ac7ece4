/**
 * The worker sandbox: a hardened module instantiated inside a `worker_threads` worker, so that a call can be
 * stopped by the wall clock. The wall-clock limit (`timeoutMs`) is a *backstop* behind fuel: fuel is
 * deterministic and stops the guest's own code; the clock also stops what fuel cannot see, chiefly a host
 * function that blocks (a busy-wait, a synchronous I/O that hangs, an endless loop in the host's code).
 *
 *   const sandbox = await instantiateInWorker(hardened, { timeoutMs: 500, hostModule: new URL('./tools.js', import.meta.url) });
 *   const r = await sandbox.call('query', ptr, len);   // RunResult, as in-process; or { ok: false, trap: 'timeout' }
 *   await sandbox.close();
 *
 * ## Why a separate function (and not `instantiate(h, { timeoutMs })`)
 * In-process, `sandbox.call` is synchronous and returns a `RunResult`; a call in another thread can only be
 * a `Promise<RunResult>`. One `instantiate` whose result type depended on whether an option is present
 * would be unsound for TypeScript callers (an options object typed `SandboxOptions` may or may not carry
 * `timeoutMs`), so the in-process `instantiate` refuses `timeoutMs` and points here.
 *
 * ## Host imports are a module, not closures
 * For the clock to cover host functions, they must run *in the worker*: terminating the worker is the only
 * way to stop a JS function that never returns, and a host function on the main thread, called
 * synchronously from the guest, would block the main thread (and so the very timer that should stop it).
 * JS closures cannot cross threads (structured clone refuses functions, and a function's scope cannot be
 * moved), so the host names a module that the worker imports:
 *
 *   // tools.js: the default export (or `imports`) is the import object, or a factory of it
 *   export default function (ctx) {                  // ctx.data: options.hostData (structured-cloned)
 *     return { env: { query: (ptr, len) => lookup(ctx.sandbox.memory.readString(ptr, len)) } };
 *   }
 *   export const memory = ...;                       // optional: a WebAssembly.Memory (or a factory) for an
 *                                                    // imported memory
 *
 * `hostModule` is an absolute specifier: a `file:` URL (or a `URL`), an absolute path, a `data:` URL, or a
 * package name (resolved from wasm-harden's own location). The factory runs once per sandbox (per job in a
 * pool); the module itself is loaded once per worker. `ctx.sandbox` is the in-worker `Sandbox` (memory
 * helpers, fuel), available once instantiation returns (not during the start function). Data the host
 * functions need goes in `hostData`. The policy's import allowlist applies exactly as in-process.
 *
 * ## After a timeout (or a crash)
 * The worker, and with it the instance, its memory and its fuel, is gone. The sandbox is **not** re-created
 * behind the host's back (a fresh instance would silently drop the guest's state and reset its fuel): it is
 * *terminated*, and like exhausted fuel this is sticky. Every later `call` returns, without running,
 * `{ ok: false, trap: <the same kind>, message: 'the sandbox is gone ...', fuelUsed: 0n }` (so `call` still
 * never throws for what the guest did); `fuel()` resolves 0n; `addFuel`, `setFuel` and the memory helpers
 * reject with `sandbox.invalid-argument`. To go on, instantiate a new sandbox; `SandboxPool` does that for
 * every job by design (a job is a fresh instance).
 *   - a timeout: `{ ok: false, trap: 'timeout', fuelUsed }`, where `fuelUsed` is a lower bound: the fuel
 *     used up to the guest's last host call (0n if it made none);
 *   - the worker died during the call (a host function called `process.exit`, threw asynchronously, or the
 *     worker's heap passed `resourceLimits`): `{ ok: false, trap: 'host-error' }`, since only host code can
 *     do that (guest memory is wasm memory, capped by the policy, not JS heap).
 *
 * ## Conventions across the thread boundary
 * - Arguments and results are structured-cloned: numbers and bigints as in-process. A function reference
 *   result comes back as the string `'<funcref>'`, an externref that cannot be cloned as `'<externref>'`;
 *   an argument that cannot be cloned is refused (`sandbox.invalid-argument`).
 * - `cause` (non-enumerable, diagnostics only) is the clone of what was thrown, or its text.
 * - Calls, fuel operations and memory operations on one sandbox run one at a time, in the order made; the
 *   clock of a call starts when it is sent to the worker, not while it waits behind earlier ones.
 * - `timeoutMs` also bounds instantiation (loading the host module, compiling, the start function), from
 *   when the worker is up; a timeout there rejects with an `InstantiationTrapError` whose trap is `timeout`.
 * - `resourceLimits` go to the worker (defaults in `DEFAULT_RESOURCE_LIMITS`): they bound the worker's JS
 *   heap and stack, the host functions' allocations; not the guest's linear memory (the policy caps that).
 * - An idle worker does not keep the process alive; `close()` ends it (and is what a host should call).
 *
 * The worker side is worker-entry.ts; the pool (many jobs over a fixed set of workers) is pool.ts.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { HardenedModule } from '../instrument/harden.js';
import { WasmHardenError, type Issue } from '../issues.js';
import { normalizePolicy, parseFuel } from '../policy.js';
import { cacheKey } from './cache.js';
import { engineTuned, functionBodies, tunedEngineIssues } from './engine.js';
import { InstantiationTrapError, sandboxError, sandboxIssue } from './errors.js';
import type { WasmHardenMetrics } from './metrics.js';
import type { RunResult, TrapKind, WasiOptions } from './types.js';
import type { CallReply, DedicatedReply, DedicatedRequest, FuelCell, ModuleMessage, SerializedError, SetupMessage, WasiOutput } from './worker-entry.js';

export type { HostModuleContext } from './worker-entry.js';
export { FUNCREF, EXTERNREF } from './worker-entry.js';

/**
 * The worker's `resourceLimits` unless the host gives its own (each field can be overridden):
 * a 256 MiB old generation and 32 MiB young generation (the JS heap of host functions and of our runtime,
 * which needs about 20 MiB), and a 4 MiB native stack (V8's default for workers; our stack limit ends guest
 * recursion long before it).
 */
export const DEFAULT_RESOURCE_LIMITS: Readonly<ResourceLimits> = Object.freeze({
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 4,
});

export interface WorkerSandboxOptions {
  /** the fuel budget of this sandbox (default: the policy's) */
  fuel?: bigint | number;
  /** a minimal WASI preview1, as in-process; the captured output is read back after each call */
  wasi?: boolean | WasiOptions;
  /** wall-clock limit of each call (and of instantiation), in ms; none when omitted */
  timeoutMs?: number;
  /** the module the worker imports for the host imports (see the top of this file) */
  hostModule?: string | URL;
  /** data for the host module's factory (structured-cloned) */
  hostData?: unknown;
  /** the worker's resource limits, over `DEFAULT_RESOURCE_LIMITS` */
  resourceLimits?: ResourceLimits;
  /** prom-client metrics (metrics.ts); calls are recorded with runtime "worker" */
  metrics?: WasmHardenMetrics;
}

/** The guest memory helpers, across the thread. */
export interface WorkerMemory {
  byteLength(): Promise<number>;
  readBytes(ptr: number, len: number): Promise<Uint8Array>;
  writeBytes(ptr: number, bytes: Uint8Array | ArrayLike<number>): Promise<number>;
  readString(ptr: number, len: number): Promise<string>;
  writeString(ptr: number, s: string): Promise<number>;
}

/** WASI output captured in the worker, as of the last call that returned. */
export interface WorkerWasiOutput {
  stdout(): Uint8Array;
  stderr(): Uint8Array;
  stdoutText(): string;
  stderrText(): string;
  readonly exitCode: number | undefined;
}

export interface WorkerSandbox {
  /**
   * Calls the export `name` in the worker. Resolves to a `RunResult` for anything the guest (or a host
   * function) does, including `timeout`; rejects with a `WasmHardenError` only for the host's mistakes
   * (unknown export, bad arguments, a closed sandbox).
   */
  call(name: string, ...args: unknown[]): Promise<RunResult>;
  /** the exported functions `call` can name */
  readonly functions: readonly string[];
  /** remaining fuel (0n once terminated) */
  fuel(): Promise<bigint>;
  addFuel(n: bigint | number): Promise<bigint>;
  setFuel(n: bigint | number): Promise<void>;
  /** memory helpers, when the guest's memory 0 is reachable */
  readonly memory: WorkerMemory | undefined;
  /** WASI output when `wasi` was given */
  readonly wasi: WorkerWasiOutput | undefined;
  /** the per-call wall-clock limit */
  readonly timeoutMs: number | undefined;
  /** true after a timeout, a crash of the worker, or `close()` */
  readonly terminated: boolean;
  readonly hardened: HardenedModule;
  /** ends the worker; later calls reject (`sandbox.invalid-argument`) */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Shared with pool.ts

let entryPath: string | undefined;

/**
 * Workers start with no Node flags of their own: by default a worker inherits the process's `execArgv`,
 * and flags meant for the main script (`--input-type`, `--import` of a loader, test-runner conditions)
 * break or slow a worker that needs none of them. Memory is bounded by `resourceLimits` instead.
 */
export const WORKER_EXEC_ARGV: readonly string[] = Object.freeze([]);

/**
 * The file a worker runs: `worker-entry.js` beside this file once built. From the TypeScript sources (tests,
 * tsx), a worker does not inherit the parent's loader (`--import` in a worker's execArgv does not take effect
 * on Node 20), so the worker runs a file made for it in the temp directory (named by its content's hash):
 *   - worker-entry.ts and what it imports bundled by esbuild (there with tsx, which uses it), once per
 *     process: a worker starts in about 50 ms, like the built one;
 *   - failing that, a small ESM shim that registers tsx in the worker and imports worker-entry.ts (about
 *     250 ms per worker start).
 */
export function workerEntryPath(): string {
  if (entryPath !== undefined) return entryPath;
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return (entryPath = fileURLToPath(new URL('./worker-entry.js', here)));
  const require = createRequire(here);
  const tsxPackage = require.resolve('tsx/package.json');
  const entry = new URL('./worker-entry.ts', here);
  let text: string;
  try {
    const esbuild = createRequire(tsxPackage)('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    text = `// wasm-harden: worker-entry.ts bundled for a worker, when running from TypeScript sources (see worker-sandbox.ts)\n${out.outputFiles[0]!.text}`;
  } catch {
    const exportsMap = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> }).exports;
    const api = pathToFileURL(join(dirname(tsxPackage), exportsMap?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs')).href;
    text =
      `// wasm-harden: the worker entry when running from TypeScript sources (see worker-sandbox.ts)\n` +
      `import { register } from ${JSON.stringify(api)};\nregister();\n` +
      `const entry = await import(${JSON.stringify(entry.href)});\nexport default entry.default;\n`;
  }
  const file = join(tmpdir(), `wasm-harden-worker-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return (entryPath = file);
}

const messages = new WeakMap<HardenedModule, ModuleMessage>();

/** The module as sent to workers: its bytes copied once into a SharedArrayBuffer, and its content key. */
export function moduleMessage(hardened: HardenedModule): ModuleMessage {
  // the workers share this process's V8 flags but not tuneEngine()'s record of them: check here, on every
  // job (tuneEngine() may come after a module's first job)
  if (engineTuned() && hardened?.bytes instanceof Uint8Array) {
    const tuned = tunedEngineIssues(functionBodies(hardened.bytes));
    if (tuned.length > 0) throw new WasmHardenError(tuned);
  }
  let m = messages.get(hardened);
  if (m !== undefined) return m;
  if (hardened === null || typeof hardened !== 'object' || !(hardened.bytes instanceof Uint8Array) || hardened.report === undefined)
    throw sandboxError('sandbox.invalid-argument', 'a worker sandbox needs a HardenedModule (the result of harden())');
  const policy = normalizePolicy(hardened.policy);
  const bytes = new Uint8Array(new SharedArrayBuffer(hardened.bytes.length));
  bytes.set(hardened.bytes);
  m = { key: cacheKey(bytes, policy), bytes, policy, report: hardened.report };
  messages.set(hardened, m);
  return m;
}

export interface CheckedRunOptions {
  setup: SetupMessage;
  timeoutMs: number | undefined;
}

const RUN_KEYS = ['fuel', 'wasi', 'timeoutMs', 'hostModule', 'hostData'];

/** Checks the options a worker call or job shares; `extra` are further keys the caller handles. */
export function checkRunOptions(options: object, extra: readonly string[], where: string): CheckedRunOptions {
  const issues: Issue[] = [];
  const bad = (path: string, detail: string) => issues.push(sandboxIssue('sandbox.invalid-option', detail, path));
  if (options === null || typeof options !== 'object') throw new WasmHardenError([sandboxIssue('sandbox.invalid-option', `${where} options must be an object`)]);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (RUN_KEYS.includes(key) || extra.includes(key)) continue;
    if (key === 'imports')
      bad(key, `${where}: host functions cannot be sent to a worker (functions do not cross threads); export them from a module and pass its specifier as hostModule`);
    else if (key === 'memory') bad(key, `${where}: a WebAssembly.Memory cannot be sent to a worker; export \`memory\` from the hostModule`);
    else bad(key, `unknown option "${key}"`);
  }
  const setup: SetupMessage = {};
  if (o['fuel'] !== undefined) {
    const fuel = typeof o['fuel'] === 'string' ? undefined : parseFuel(o['fuel']);
    if (fuel === undefined) bad('fuel', `fuel must be an integer from 0 to 2^63 - 1 (number or bigint), got ${describe(o['fuel'])}`);
    else setup.fuel = fuel;
  }
  const wasi = o['wasi'];
  if (wasi !== undefined) {
    if (typeof wasi !== 'boolean' && (wasi === null || typeof wasi !== 'object')) bad('wasi', 'wasi must be true, false or a WasiOptions object');
    else setup.wasi = wasi as boolean | WasiOptions;
  }
  let timeoutMs: number | undefined;
  if (o['timeoutMs'] !== undefined) {
    const t = o['timeoutMs'];
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 2_147_483_647)
      bad('timeoutMs', `timeoutMs must be a number of milliseconds from 1 to 2^31 - 1, got ${describe(t)}`);
    else timeoutMs = t;
  }
  if (o['hostModule'] !== undefined) {
    const spec = hostSpecifier(o['hostModule']);
    if (spec === undefined)
      bad('hostModule', `hostModule must be an absolute specifier (a file: or data: URL, a URL object, an absolute path, or a package name), got ${describe(o['hostModule'])}`);
    else setup.hostModule = spec;
  }
  if (o['hostData'] !== undefined) {
    try {
      structuredClone(o['hostData']);
      setup.hostData = o['hostData'];
    } catch (e) {
      bad('hostData', `hostData must be structured-cloneable (no functions): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (issues.length > 0) throw new WasmHardenError(issues);
  return { setup, timeoutMs };
}

function hostSpecifier(v: unknown): string | undefined {
  if (v instanceof URL) return v.href;
  if (typeof v !== 'string' || v === '') return undefined;
  if (v.startsWith('./') || v.startsWith('../') || v === '.' || v === '..') return undefined;
  if (isAbsolute(v)) return pathToFileURL(v).href;
  return v; // a URL (file:, data:, node:) or a package name
}

export function checkResourceLimits(v: unknown): ResourceLimits {
  if (v === undefined) return { ...DEFAULT_RESOURCE_LIMITS };
  const keys = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'];
  if (v === null || typeof v !== 'object') throw sandboxError('sandbox.invalid-option', 'resourceLimits must be an object', 'resourceLimits');
  for (const [k, n] of Object.entries(v))
    if (!keys.includes(k) || typeof n !== 'number' || !(n > 0))
      throw sandboxError('sandbox.invalid-option', `resourceLimits.${k} must be one of ${keys.join(', ')}, a positive number of MiB`, `resourceLimits.${k}`);
  return { ...DEFAULT_RESOURCE_LIMITS, ...(v as ResourceLimits) };
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/** A RunResult as the worker sent it, with `cause` made non-enumerable again. */
export function fromReply(reply: CallReply): RunResult {
  const r = reply.result;
  if (!r.ok && reply.cause !== undefined) Object.defineProperty(r, 'cause', { value: reply.cause, enumerable: false, configurable: true, writable: true });
  return r;
}

export function deserializeError(e: SerializedError): Error {
  if (e.name === 'InstantiationTrapError') {
    const trap = e.trap;
    if (e.cause !== undefined) Object.defineProperty(trap, 'cause', { value: e.cause, enumerable: false, configurable: true, writable: true });
    return new InstantiationTrapError(trap, e.issues[0]?.path === 'start' ? 'start' : 'segments');
  }
  if (e.name === 'WasmHardenError') return new WasmHardenError(e.issues);
  return new WasmHardenError([{ code: 'internal.error', message: `internal error: in the worker: ${e.message}`, offset: 0 }]);
}

/** The fuel used by a call killed in the worker: a lower bound (up to the guest's last host call). */
export function fuelSeen(cell: FuelCell): bigint {
  const used = Atomics.load(cell, 0) - Atomics.load(cell, 1);
  return used > 0n ? used : 0n;
}

export function timeoutResult(timeoutMs: number, cell: FuelCell, what = 'call'): RunResult {
  return {
    ok: false,
    trap: 'timeout',
    message: `the ${what} passed its wall-clock limit of ${timeoutMs} ms: the worker running it was terminated`,
    fuelUsed: fuelSeen(cell),
  };
}

/** Why a worker ended, in a few words. */
export function workerEndText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'its JS heap passed resourceLimits';
  if (typeof error === 'number') return `it exited with code ${error}`;
  if (error instanceof Error) {
    const exited = /^worker exited with code:? (-?\d+)/.exec(error.message); // piscina's wording
    return exited !== null ? `it exited with code ${exited[1]}` : `it threw ${error.name}: ${error.message}`;
  }
  return String(error);
}

export function crashResult(error: unknown, cell: FuelCell): RunResult {
  return {
    ok: false,
    trap: 'host-error',
    message: `a host function failed: the worker running the call ended (${workerEndText(error)})`,
    fuelUsed: fuelSeen(cell),
  };
}

export function decodeWasi(w: WasiOutput): WorkerWasiOutput {
  const decoder = new TextDecoder();
  return Object.freeze({
    stdout: () => w.stdout.slice(),
    stderr: () => w.stderr.slice(),
    stdoutText: () => decoder.decode(w.stdout),
    stderrText: () => decoder.decode(w.stderr),
    exitCode: w.exitCode,
  });
}

// ---------------------------------------------------------------------------------------------------------
// The dedicated sandbox

interface Death {
  trap: TrapKind;
  /** for the sticky results */
  reason: string;
  /** the end of the call in flight */
  result: (cell: FuelCell) => RunResult;
}

interface Pending {
  settle(m: DedicatedReply): void;
  die(d: Death): void;
}

const READY = -2;
const INIT = -1;

function closedError(): WasmHardenError {
  return sandboxError('sandbox.invalid-argument', 'the worker sandbox was closed');
}

class WorkerSandboxImpl implements WorkerSandbox {
  readonly hardened: HardenedModule;
  readonly timeoutMs: number | undefined;
  #functions: readonly string[] = [];
  #memory: WorkerMemory | undefined;
  #wasi: WorkerWasiOutput | undefined;
  readonly #worker: Worker;
  readonly #cell: FuelCell;
  readonly #metrics: WasmHardenMetrics | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #death: Death | undefined;
  #closed = false;
  #terminating: Promise<number> | undefined;

  constructor(hardened: HardenedModule, timeoutMs: number | undefined, resourceLimits: ResourceLimits, metrics: WasmHardenMetrics | undefined) {
    this.hardened = hardened;
    this.timeoutMs = timeoutMs;
    this.#metrics = metrics;
    this.#cell = new BigInt64Array(new SharedArrayBuffer(16));
    this.#worker = new Worker(workerEntryPath(), { workerData: { wasmHardenWorker: 'dedicated' }, resourceLimits, execArgv: [...WORKER_EXEC_ARGV] });
    this.#worker.on('message', (m: DedicatedReply) => {
      const key = m.type === 'ready' ? READY : m.type === 'init' ? INIT : m.id;
      this.#pending.get(key)?.settle(m);
    });
    this.#worker.on('error', (e) => this.#die({ trap: 'host-error', reason: `its worker ended: ${workerEndText(e)}`, result: (cell) => crashResult(e, cell) }));
    this.#worker.on('exit', (code) => this.#die({ trap: 'host-error', reason: `its worker ended: ${workerEndText(code)}`, result: (cell) => crashResult(code, cell) }));
  }

  get functions(): readonly string[] {
    return this.#functions;
  }
  get memory(): WorkerMemory | undefined {
    return this.#memory;
  }
  get wasi(): WorkerWasiOutput | undefined {
    return this.#wasi;
  }
  get terminated(): boolean {
    return this.#death !== undefined || this.#closed;
  }

  /** Waits for the worker to load, then instantiates there (under the clock). */
  async init(module: ModuleMessage, setup: SetupMessage): Promise<void> {
    try {
      await this.#await(READY, undefined, undefined, 'start-up');
    } catch (e) {
      const reason = e instanceof WorkerDeath ? e.death.reason : String(e);
      throw new WasmHardenError([{ code: 'internal.error', message: `internal error: the sandbox worker did not start (${reason})`, offset: 0 }]);
    }
    const request: DedicatedRequest = { type: 'init', module, setup, cell: this.#cell };
    const m = await this.#await(INIT, request, this.timeoutMs, 'instantiation');
    if (m.type !== 'init') throw new Error('unreachable');
    if (!m.ok) throw deserializeError(m.error);
    this.#functions = Object.freeze(m.functions);
    if (m.compileMs > 0) this.#metrics?.recordCompile(m.compileMs / 1000);
    if (m.memory) this.#memory = this.#memoryProxy();
    if (setup.wasi !== undefined && setup.wasi !== false) this.#wasi = decodeWasi({ stdout: new Uint8Array(0), stderr: new Uint8Array(0), exitCode: undefined });
  }

  /**
   * Sends `request` (if any) and waits for the reply with `id`, or for the worker's death: a timeout (our
   * kill) or a crash. The returned promise rejects with the death's error for non-call requests.
   */
  #await(id: number, request: DedicatedRequest | undefined, timeoutMs: number | undefined, what = 'call'): Promise<DedicatedReply> {
    return new Promise<DedicatedReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#worker.unref();
      };
      this.#pending.set(id, {
        settle: (m) => {
          done();
          resolve(m);
        },
        die: (d) => {
          done();
          reject(new WorkerDeath(d, what));
        },
      });
      this.#worker.ref();
      if (request !== undefined) {
        try {
          this.#worker.postMessage(request);
        } catch (e) {
          done();
          reject(sandboxError('sandbox.invalid-argument', `a value cannot be sent to the worker: ${e instanceof Error ? e.message : String(e)}`));
          return;
        }
      }
      if (timeoutMs !== undefined)
        timer = setTimeout(() => {
          const ms = timeoutMs;
          this.#die({
            trap: 'timeout',
            reason: `its worker was terminated when a ${what} passed the wall-clock limit of ${ms} ms`,
            result: (cell) => timeoutResult(ms, cell, what),
          });
        }, timeoutMs);
    });
  }

  #die(d: Death): void {
    if (this.#death !== undefined || this.#closed) return;
    this.#death = d;
    this.#metrics?.recordWorkerRestart(d.trap === 'timeout' ? 'timeout' : 'crash');
    this.#terminating = this.#worker.terminate();
    for (const p of [...this.#pending.values()]) p.die(d);
  }

  #enqueue<T>(f: () => Promise<T>): Promise<T> {
    const p = this.#tail.then(f);
    this.#tail = p.catch(() => undefined);
    return p;
  }

  #live(): void {
    if (this.#closed) throw closedError();
    if (this.#death !== undefined) throw sandboxError('sandbox.invalid-argument', `the worker sandbox is gone: ${this.#death.reason}`);
  }

  call(name: string, ...args: unknown[]): Promise<RunResult> {
    return this.#enqueue(async () => {
      if (this.#closed) throw closedError();
      const d = this.#death;
      if (d !== undefined) return { ok: false, trap: d.trap, message: `the sandbox is gone (${d.reason}); instantiate a new one`, fuelUsed: 0n };
      const id = this.#nextId++;
      const t0 = performance.now();
      let m: DedicatedReply;
      try {
        m = await this.#await(id, { type: 'call', id, name, args }, this.timeoutMs);
      } catch (e) {
        if (!(e instanceof WorkerDeath)) throw e;
        if (this.#closed) throw closedError(); // closed by the host while the call ran
        const result = e.death.result(this.#cell);
        this.#metrics?.recordCall(result, (performance.now() - t0) / 1000, 'worker');
        return result;
      }
      if (m.type !== 'reply') throw new Error('unreachable');
      if (!m.ok) throw deserializeError(m.error);
      const reply = m.value as CallReply;
      if (reply.wasi !== undefined) this.#wasi = decodeWasi(reply.wasi);
      const result = fromReply(reply);
      this.#metrics?.recordCall(result, reply.callMs / 1000, 'worker');
      return result;
    });
  }

  /** A request other than a call: rejects once the sandbox is terminated. */
  #op(request: (id: number) => DedicatedRequest): Promise<unknown> {
    return this.#enqueue(async () => {
      this.#live();
      const id = this.#nextId++;
      let m: DedicatedReply;
      try {
        m = await this.#await(id, request(id), undefined);
      } catch (e) {
        if (e instanceof WorkerDeath) this.#live();
        throw e;
      }
      if (m.type !== 'reply') throw new Error('unreachable');
      if (!m.ok) throw deserializeError(m.error);
      return m.value;
    });
  }

  async fuel(): Promise<bigint> {
    if (this.#closed) throw closedError();
    if (this.#death !== undefined) return 0n;
    try {
      return (await this.#op((id) => ({ type: 'fuel', id, op: 'get' }))) as bigint;
    } catch (e) {
      if (this.#death !== undefined && !this.#closed) return 0n;
      throw e;
    }
  }
  async addFuel(n: bigint | number): Promise<bigint> {
    return (await this.#op((id) => ({ type: 'fuel', id, op: 'add', n }))) as bigint;
  }
  async setFuel(n: bigint | number): Promise<void> {
    await this.#op((id) => ({ type: 'fuel', id, op: 'set', n }));
  }

  #memoryProxy(): WorkerMemory {
    const op =
      <T>(name: 'byteLength' | 'readBytes' | 'writeBytes' | 'readString' | 'writeString') =>
      async (...args: unknown[]): Promise<T> =>
        (await this.#op((id) => ({ type: 'memory', id, op: name, args }))) as T;
    return Object.freeze({
      byteLength: op<number>('byteLength'),
      readBytes: op<Uint8Array>('readBytes'),
      writeBytes: op<number>('writeBytes'),
      readString: op<string>('readString'),
      writeString: op<number>('writeString'),
    }) as WorkerMemory;
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#terminating ??= this.#worker.terminate();
      for (const p of [...this.#pending.values()]) p.die({ trap: 'host-error', reason: 'closed', result: () => ({ ok: false, trap: 'host-error', message: 'closed', fuelUsed: 0n }) });
    }
    // an unref'd worker would not keep the event loop alive until it has exited
    this.#worker.ref();
    await this.#terminating;
  }
}

class WorkerDeath extends Error {
  readonly death: Death;
  constructor(death: Death, what: string) {
    super(`the worker ended during a ${what}: ${death.reason}`);
    this.death = death;
  }
}

/**
 * Instantiates a hardened module in a sandbox of its own worker thread. Rejects as `instantiate` does
 * (`WasmHardenError` for refused options or imports, `InstantiationTrapError` for a trap while
 * instantiating, including `timeout` past `timeoutMs`).
 */
export async function instantiateInWorker(hardened: HardenedModule, options: WorkerSandboxOptions = {}): Promise<WorkerSandbox> {
  const { setup, timeoutMs } = checkRunOptions(options, ['resourceLimits', 'metrics'], 'instantiateInWorker');
  const resourceLimits = checkResourceLimits(options.resourceLimits);
  const module = moduleMessage(hardened);
  const sandbox = new WorkerSandboxImpl(hardened, timeoutMs, resourceLimits, options.metrics);
  try {
    await sandbox.init(module, setup);
  } catch (e) {
    await sandbox.close();
    if (e instanceof WorkerDeath) {
      const cell = new BigInt64Array(2);
      const result = e.death.result(cell);
      if (!result.ok) throw new InstantiationTrapError(result, 'start');
    }
    throw e;
  }
  return sandbox;
}
