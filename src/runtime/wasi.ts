/**
 * A minimal, deny-by-default WASI preview1 (`wasi_snapshot_preview1`) for sandboxed guests.
 *
 * Why our own shim: `node:wasi` is documented by Node as not a sandbox, and `@bjorn3/browser_wasi_shim`
 * (0.4.2) reads guest pointers through `DataView`s that throw on a bad pointer (instead of EFAULT), counts
 * argv sizes in UTF-16 units instead of UTF-8 bytes, and brings an in-memory file system we do not want.
 * This file is small enough to audit in one sitting; nothing in it reaches the host file system, network,
 * environment or process. Its only host inputs are the options, the clocks and the crypto RNG, each
 * captured when the module loads.
 *
 * ## API
 *
 * `createWasi(options, getMemory)` → `Wasi`:
 * - `options`: `true` (defaults) or a `WasiOptions` (src/runtime/types.ts). Bad options throw a
 *   `TypeError`/`RangeError` here, at creation, never later inside a guest call. Unknown keys are refused.
 * - `getMemory`: called on every WASI call that touches guest memory (never cached, because `memory.grow`
 *   replaces the buffer). Typically `() => instance.exports.memory` or the imported memory. While it returns
 *   undefined (or not a Memory), every call that needs memory returns EFAULT.
 * - `wasi.imports` is `{ wasi_snapshot_preview1: {...46 functions} }`, both levels frozen; spread it into
 *   the import object. Every preview1 name is present, so any preview1 guest links.
 * - `stdout()` / `stderr()`: a copy of the bytes captured so far; `stdoutText()` / `stderrText()`: the same,
 *   decoded as UTF-8 (invalid or cut sequences become U+FFFD).
 * - `droppedBytes`: `{ stdout, stderr }`, bytes the guest wrote past each cap (counted, not kept).
 * - `clearOutput()`: empties both buffers and zeroes the dropped counts (for per-call capture).
 * - `exitCode`: undefined until the guest calls `proc_exit`, then its code (u32).
 *
 * ## proc_exit
 * `proc_exit(code)` records the code and throws `WasiExit` (exported; `code` is the u32 exit code). The
 * sandbox catches it and reports a clean result with `exitCode`. A guest built with exception handling can
 * catch a JS exception (`catch_all`), so the exit is *sticky*: once exited, every WASI import throws
 * `WasiExit` again, and the sandbox should also check `wasi.exitCode` after a call returns normally.
 *
 * ## What each preview1 function does (errno choices)
 * The file descriptors are exactly 0 (stdin: always at EOF), 1 (stdout) and 2 (stderr), all character
 * devices; `fd_close` closes them for good. There are no preopens and no other fds.
 *
 * | functions | result |
 * | --- | --- |
 * | `fd_write` | fd 1/2: captured (below). Any other fd, or a closed one: EBADF |
 * | `fd_read` | fd 0: 0 bytes (EOF). Any other fd: EBADF |
 * | `fd_fdstat_get` | fd 0/1/2: character device, no flags, rights FD_READ (0) / FD_WRITE (1, 2), no seek/tell, so wasi-libc's `isatty` says yes and stdout is line-buffered. Else EBADF |
 * | `fd_filestat_get` | fd 0/1/2: all zero but filetype = character device. Else EBADF |
 * | `fd_close` | fd 0/1/2: closed (later calls on it: EBADF). Else EBADF |
 * | `fd_prestat_get`, `fd_prestat_dir_name` | always EBADF: "no preopens" (wasi-libc scans fd 3.. until EBADF; any other errno makes it exit 71) |
 * | `fd_advise`, `fd_allocate`, `fd_datasync`, `fd_sync`, `fd_fdstat_set_flags`, `fd_fdstat_set_rights`, `fd_filestat_set_size`, `fd_filestat_set_times`, `fd_pread`, `fd_pwrite`, `fd_readdir`, `fd_renumber`, `fd_seek`, `fd_tell` | EBADF for an fd that is not an open 0/1/2, else ENOTCAPABLE (the fd lacks that right, consistent with the rights `fd_fdstat_get` reports) |
 * | `path_*` (10 functions) | ENOTCAPABLE: no file-system capability exists (as wasi-libc itself answers for a path under no preopen) |
 * | `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown` | ENOTCAPABLE: no network capability exists |
 * | `poll_oneoff` | ENOSYS: not provided; a sleep would block the host thread |
 * | `proc_raise` | ENOSYS: no signals |
 * | `sched_yield` | SUCCESS (nothing to yield to) |
 * | `args_sizes_get`, `args_get`, `environ_sizes_get`, `environ_get` | from the options (default empty), encoded as UTF-8, NUL-terminated; env as `KEY=VALUE` in the object's own key order |
 * | `clock_time_get`, `clock_res_get` | `clock: false` → ENOTCAPABLE. Else clock 0 (realtime, `Date.now()`, 1 ms resolution) and 1 (monotonic, starting at 0 when `createWasi` ran, coarsened to 1 µs); any other clock id (the CPU-time clocks 2, 3 included) → EINVAL. `precision` is ignored |
 * | `random_get` | `random: false` → ENOTCAPABLE; `{ seed }` → a deterministic byte stream (xoshiro128** seeded by splitmix32; NOT cryptographic) that does not depend on how the guest splits its requests; default: `crypto.randomFillSync` |
 * | `proc_exit` | throws `WasiExit` (above) |
 *
 * Checks, in this order: the `clock`/`random` switch (ENOTCAPABLE), the fd (EBADF), counts and ids (EINVAL),
 * then pointers (EFAULT). A call that fails has written nothing to guest memory and captured nothing.
 * Only SUCCESS, EBADF, EFAULT, EINVAL, ENOSYS and ENOTCAPABLE are ever returned.
 *
 * ## Memory safety
 * i32 arguments arrive as signed JS numbers and are read as u32 (`>>> 0`). Every region the host reads or
 * writes is checked as `ptr + len <= buffer.byteLength` (exact in doubles) against the buffer read at the
 * start of that call; a region outside is EFAULT. Nothing ever throws into the guest except `WasiExit`:
 * an argument whose type does not match the preview1 signature (a guest that declared the import with other
 * types: not an int32 number where preview1 has i32, not a bigint where it has i64) makes the call return
 * EINVAL (`proc_exit` with such an argument exits with code 1); extra arguments are ignored. A *result*
 * type mismatch (e.g. an import declared to return i64) cannot be fixed here: the JS API throws a TypeError
 * at the boundary. `wasiSignatureMismatch` lets the sandbox refuse such imports at instantiation.
 *
 * ## fd_write and the caps
 * At most `IOV_MAX` (1024, as Linux) iovecs per call, else EINVAL, so host work per call is bounded by
 * 1024 × the memory size. The iovec array is read once (no re-read after validation, so a racing thread
 * on a shared memory cannot change what was checked). If any iovec is outside memory: EFAULT, nothing
 * captured. Bytes up to the cap (`stdoutLimit` / `stderrLimit`, default 1 MiB, at most 1 GiB) are kept;
 * the rest are dropped and counted in `droppedBytes`, and the guest is told everything was written (a short
 * write would make libc retry forever). The capture buffer grows by doubling, never past its cap.
 */
import { randomFillSync } from 'node:crypto';
import type { WasiOptions } from './types.js';
import { ERRNO } from './wasi-errno.js';

export { ERRNO, errnoName } from './wasi-errno.js';

// Captured at load time: later changes to these globals do not reach the shim.
const dateNow = Date.now;
const hrtimeBigint = process.hrtime.bigint;
const SharedArrayBufferCtor: typeof SharedArrayBuffer | undefined = globalThis.SharedArrayBuffer;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

export const WASI_MODULE = 'wasi_snapshot_preview1';

/** The most iovecs one fd_write/fd_read accepts (Linux's IOV_MAX). */
export const IOV_MAX = 1024;

/** Default cap for each captured stream. */
export const DEFAULT_OUTPUT_LIMIT = 1 << 20;
/** The largest cap accepted (captured output is held in host memory). */
export const MAX_OUTPUT_LIMIT = 1 << 30;

type ValType = 'i32' | 'i64';
interface Signature {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

const I32 = 'i32';
const I64 = 'i64';
const sig = (params: ValType[], results: ValType[] = [I32]): Signature =>
  Object.freeze({ params: Object.freeze(params), results: Object.freeze(results) });

/** Every function of wasi_snapshot_preview1 with its core wasm type (from wasi_snapshot_preview1.witx). */
export const WASI_PREVIEW1_SIGNATURES = Object.freeze({
  args_get: sig([I32, I32]),
  args_sizes_get: sig([I32, I32]),
  environ_get: sig([I32, I32]),
  environ_sizes_get: sig([I32, I32]),
  clock_res_get: sig([I32, I32]),
  clock_time_get: sig([I32, I64, I32]),
  fd_advise: sig([I32, I64, I64, I32]),
  fd_allocate: sig([I32, I64, I64]),
  fd_close: sig([I32]),
  fd_datasync: sig([I32]),
  fd_fdstat_get: sig([I32, I32]),
  fd_fdstat_set_flags: sig([I32, I32]),
  fd_fdstat_set_rights: sig([I32, I64, I64]),
  fd_filestat_get: sig([I32, I32]),
  fd_filestat_set_size: sig([I32, I64]),
  fd_filestat_set_times: sig([I32, I64, I64, I32]),
  fd_pread: sig([I32, I32, I32, I64, I32]),
  fd_prestat_get: sig([I32, I32]),
  fd_prestat_dir_name: sig([I32, I32, I32]),
  fd_pwrite: sig([I32, I32, I32, I64, I32]),
  fd_read: sig([I32, I32, I32, I32]),
  fd_readdir: sig([I32, I32, I32, I64, I32]),
  fd_renumber: sig([I32, I32]),
  fd_seek: sig([I32, I64, I32, I32]),
  fd_sync: sig([I32]),
  fd_tell: sig([I32, I32]),
  fd_write: sig([I32, I32, I32, I32]),
  path_create_directory: sig([I32, I32, I32]),
  path_filestat_get: sig([I32, I32, I32, I32, I32]),
  path_filestat_set_times: sig([I32, I32, I32, I32, I64, I64, I32]),
  path_link: sig([I32, I32, I32, I32, I32, I32, I32]),
  path_open: sig([I32, I32, I32, I32, I32, I64, I64, I32, I32]),
  path_readlink: sig([I32, I32, I32, I32, I32, I32]),
  path_remove_directory: sig([I32, I32, I32]),
  path_rename: sig([I32, I32, I32, I32, I32, I32]),
  path_symlink: sig([I32, I32, I32, I32, I32]),
  path_unlink_file: sig([I32, I32, I32]),
  poll_oneoff: sig([I32, I32, I32, I32]),
  proc_exit: sig([I32], []),
  proc_raise: sig([I32]),
  sched_yield: sig([]),
  random_get: sig([I32, I32]),
  sock_accept: sig([I32, I32, I32]),
  sock_recv: sig([I32, I32, I32, I32, I32, I32]),
  sock_send: sig([I32, I32, I32, I32, I32]),
  sock_shutdown: sig([I32, I32]),
} as const);

export type WasiFunctionName = keyof typeof WASI_PREVIEW1_SIGNATURES;

export const WASI_PREVIEW1_FUNCTIONS: readonly WasiFunctionName[] = Object.freeze(
  Object.keys(WASI_PREVIEW1_SIGNATURES) as WasiFunctionName[],
);

/**
 * Checks a guest's import of `wasi_snapshot_preview1.<name>` against preview1: undefined when it matches,
 * else a message (unknown name, or other param/result types). Types are the core type names ('i32', ...).
 */
export function wasiSignatureMismatch(
  name: string,
  params: readonly string[],
  results: readonly string[],
): string | undefined {
  if (!Object.hasOwn(WASI_PREVIEW1_SIGNATURES, name)) {
    return `${WASI_MODULE}.${name} is not a WASI preview1 function`;
  }
  const want = WASI_PREVIEW1_SIGNATURES[name as WasiFunctionName];
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);
  if (same(params, want.params) && same(results, want.results)) return undefined;
  const show = (s: { params: readonly string[]; results: readonly string[] }) =>
    `(${s.params.join(', ')}) -> (${s.results.join(', ')})`;
  return `${WASI_MODULE}.${name} is imported as ${show({ params, results })}, but preview1 defines ${show(want)}`;
}

/** Thrown by `proc_exit` (and by every WASI call after it): a clean end of the guest with `code`. */
export class WasiExit extends Error {
  /** the guest's exit code, a u32 */
  readonly code: number;
  constructor(code: number) {
    super(`the guest called proc_exit(${code})`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

export type WasiHostFunction = (...args: unknown[]) => number | undefined;

export interface Wasi {
  /** the import object entry: `{ ...otherImports, ...wasi.imports }` */
  readonly imports: {
    readonly wasi_snapshot_preview1: Readonly<Record<WasiFunctionName, WasiHostFunction>>;
  };
  /** a copy of the captured stdout bytes (at most `stdoutLimit`) */
  stdout(): Uint8Array;
  /** a copy of the captured stderr bytes (at most `stderrLimit`) */
  stderr(): Uint8Array;
  /** captured stdout decoded as UTF-8 (malformed or cut sequences become U+FFFD) */
  stdoutText(): string;
  stderrText(): string;
  /** bytes written past each cap: counted, not kept */
  readonly droppedBytes: { readonly stdout: number; readonly stderr: number };
  /** empties both captures and zeroes the dropped counts */
  clearOutput(): void;
  /** undefined until proc_exit; then the exit code (u32) */
  readonly exitCode: number | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Options

interface Resolved {
  args: EncodedList;
  env: EncodedList;
  stdoutLimit: number;
  stderrLimit: number;
  clock: boolean;
  random: 'crypto' | 'off' | { seed: number };
}

/** NUL-terminated UTF-8 strings back to back, and where each starts. */
interface EncodedList {
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly offsets: readonly number[];
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['args', 'env', 'stdoutLimit', 'stderrLimit', 'clock', 'random']);

function encodeList(strings: readonly string[]): EncodedList {
  const parts = strings.map((s) => utf8Encoder.encode(s));
  const offsets: number[] = [];
  let size = 0;
  for (const p of parts) {
    offsets.push(size);
    size += p.length + 1;
  }
  const bytes = new Uint8Array(size);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return { count: parts.length, bytes, offsets };
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`wasi: ${what} must be a string`);
  if (value.includes('\0')) throw new TypeError(`wasi: ${what} must not contain NUL`);
  return value;
}

function checkLimit(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_OUTPUT_LIMIT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_OUTPUT_LIMIT) {
    throw new RangeError(`wasi: ${what} must be an integer from 0 to ${MAX_OUTPUT_LIMIT}`);
  }
  return value;
}

function resolveOptions(options: WasiOptions | true): Resolved {
  const o: WasiOptions = options === true ? {} : options;
  if (typeof o !== 'object' || o === null) throw new TypeError('wasi: options must be true or an object');
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`wasi: unknown option ${JSON.stringify(key)}`);
  }
  if (o.args !== undefined && !Array.isArray(o.args)) throw new TypeError('wasi: args must be an array of strings');
  const args = (o.args ?? []).map((a, i) => checkString(a, `args[${i}]`));
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env))) {
    throw new TypeError('wasi: env must be an object of strings');
  }
  const env = Object.entries(o.env ?? {}).map(([k, v]) => {
    checkString(k, 'an env name');
    if (k === '' || k.includes('=')) throw new TypeError(`wasi: env name ${JSON.stringify(k)} must be non-empty without "="`);
    return `${k}=${checkString(v, `env.${k}`)}`;
  });
  if (o.clock !== undefined && typeof o.clock !== 'boolean') throw new TypeError('wasi: clock must be a boolean');
  let random: Resolved['random'] = 'crypto';
  if (o.random === false) random = 'off';
  else if (typeof o.random === 'object' && o.random !== null) {
    const seed: unknown = o.random.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new TypeError('wasi: random.seed must be a safe integer');
    }
    random = { seed };
  } else if (o.random !== undefined && o.random !== true) {
    throw new TypeError('wasi: random must be a boolean or { seed }');
  }
  return {
    args: encodeList(args),
    env: encodeList(env),
    stdoutLimit: checkLimit(o.stdoutLimit, 'stdoutLimit'),
    stderrLimit: checkLimit(o.stderrLimit, 'stderrLimit'),
    clock: o.clock ?? true,
    random,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Output capture

class CappedSink {
  private buf = new Uint8Array(0);
  private length = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}

  /** keeps what fits under the cap from `src[start, start + n)`, counts the rest */
  append(src: Uint8Array, start: number, n: number): void {
    const keep = Math.min(n, this.cap - this.length);
    if (keep > 0) {
      this.reserve(this.length + keep);
      this.buf.set(src.subarray(start, start + keep), this.length);
      this.length += keep;
    }
    this.dropped += n - keep;
  }

  private reserve(need: number): void {
    if (need <= this.buf.length) return;
    let size = Math.max(4096, this.buf.length * 2);
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.cap));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  clear(): void {
    this.buf = new Uint8Array(0);
    this.length = 0;
    this.dropped = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness: a byte stream, so random_get(8) gives the same bytes as random_get(4) twice.

function splitmix32(state: number): () => number {
  let a = state | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

class SeededBytes {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private word = 0;
  private left = 0; // unread bytes of `word`, low byte first

  constructor(seed: number) {
    const wide = BigInt.asUintN(64, BigInt(seed));
    const lo = splitmix32(Number(wide & 0xffffffffn));
    const hi = splitmix32(Number(wide >> 32n) ^ 0x5bd1e995);
    this.s0 = (lo() ^ hi()) >>> 0;
    this.s1 = (lo() ^ hi()) >>> 0;
    this.s2 = (lo() ^ hi()) >>> 0;
    this.s3 = (lo() ^ hi()) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro's one forbidden state
  }

  /** xoshiro128** */
  private next(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  fill(target: Uint8Array): void {
    for (let i = 0; i < target.length; i++) {
      if (this.left === 0) {
        this.word = this.next();
        this.left = 4;
      }
      target[i] = this.word & 0xff;
      this.word >>>= 8;
      this.left--;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------------------
// The shim

const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHTS_FD_READ = 1n << 1n;
const RIGHTS_FD_WRITE = 1n << 6n;
const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
/** exit code for a proc_exit whose argument is not an i32 (a mistyped import) */
const EXIT_BAD_ARGUMENT = 1;

/** What a wasm i32 argument always is (a mistyped import may pass a float, a bigint or a reference). */
function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

/** The guest's memory for one call: views over the buffer as it is now. */
interface Mem {
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly size: number;
}

/** `[ptr, ptr + len)` lies inside memory (ptr and len are u32; the sum is exact as a double). */
function fits(mem: Mem, ptr: number, len: number): boolean {
  return ptr + len <= mem.size;
}

export function createWasi(
  options: WasiOptions | true,
  getMemory: () => WebAssembly.Memory | undefined,
): Wasi {
  const opts = resolveOptions(options);
  const out = new CappedSink(opts.stdoutLimit);
  const err = new CappedSink(opts.stderrLimit);
  const open = new Set<number>([0, 1, 2]);
  const seeded = typeof opts.random === 'object' ? new SeededBytes(opts.random.seed) : undefined;
  const monotonicStart = hrtimeBigint();
  let exitCode: number | undefined;

  function memory(): Mem | undefined {
    const m: unknown = getMemory();
    if (typeof m !== 'object' || m === null) return undefined;
    const buffer: unknown = (m as { buffer?: unknown }).buffer;
    if (!(buffer instanceof ArrayBuffer) && !(SharedArrayBufferCtor && buffer instanceof SharedArrayBufferCtor)) {
      return undefined;
    }
    return { u8: new Uint8Array(buffer), view: new DataView(buffer), size: buffer.byteLength };
  }

  /** Reads `count` iovecs at `iovs` once, bounds-checking each buffer; undefined if any is outside. */
  function readIovecs(mem: Mem, iovs: number, count: number): Uint32Array | undefined {
    if (!fits(mem, iovs, count * 8)) return undefined;
    const pairs = new Uint32Array(count * 2);
    for (let i = 0; i < count; i++) {
      const ptr = mem.view.getUint32(iovs + i * 8, true);
      const len = mem.view.getUint32(iovs + i * 8 + 4, true);
      if (!fits(mem, ptr, len)) return undefined;
      pairs[i * 2] = ptr;
      pairs[i * 2 + 1] = len;
    }
    return pairs;
  }

  function sizesGet(list: EncodedList, countPtr: number, sizePtr: number): number {
    const mem = memory();
    if (!mem || !fits(mem, countPtr, 4) || !fits(mem, sizePtr, 4)) return ERRNO.FAULT;
    mem.view.setUint32(countPtr, list.count, true);
    mem.view.setUint32(sizePtr, list.bytes.length, true);
    return ERRNO.SUCCESS;
  }

  function listGet(list: EncodedList, ptrsPtr: number, bufPtr: number): number {
    const mem = memory();
    if (!mem || !fits(mem, ptrsPtr, list.count * 4) || !fits(mem, bufPtr, list.bytes.length)) return ERRNO.FAULT;
    mem.u8.set(list.bytes, bufPtr);
    list.offsets.forEach((offset, i) => mem.view.setUint32(ptrsPtr + i * 4, bufPtr + offset, true));
    return ERRNO.SUCCESS;
  }

  /** the fd-addressed calls we never grant: EBADF for a non-fd, else the fd lacks the right */
  const deniedOnFd = (fd: number): number => (open.has(fd) ? ERRNO.NOTCAPABLE : ERRNO.BADF);
  const notCapable = (): number => ERRNO.NOTCAPABLE;
  const noSys = (): number => ERRNO.NOSYS;
  const badFd = (): number => ERRNO.BADF;

  // Implementations receive i32 arguments as u32 numbers and i64 arguments as u64 bigints.
  const impl: Record<WasiFunctionName, (...args: never[]) => number> = {
    args_sizes_get: (countPtr: number, sizePtr: number) => sizesGet(opts.args, countPtr, sizePtr),
    args_get: (argv: number, buf: number) => listGet(opts.args, argv, buf),
    environ_sizes_get: (countPtr: number, sizePtr: number) => sizesGet(opts.env, countPtr, sizePtr),
    environ_get: (environ: number, buf: number) => listGet(opts.env, environ, buf),

    clock_res_get: (id: number, resPtr: number) => {
      if (!opts.clock) return ERRNO.NOTCAPABLE;
      if (id !== CLOCK_REALTIME && id !== CLOCK_MONOTONIC) return ERRNO.INVAL;
      const mem = memory();
      if (!mem || !fits(mem, resPtr, 8)) return ERRNO.FAULT;
      mem.view.setBigUint64(resPtr, id === CLOCK_REALTIME ? 1_000_000n : 1_000n, true);
      return ERRNO.SUCCESS;
    },
    clock_time_get: (id: number, _precision: bigint, timePtr: number) => {
      if (!opts.clock) return ERRNO.NOTCAPABLE;
      if (id !== CLOCK_REALTIME && id !== CLOCK_MONOTONIC) return ERRNO.INVAL;
      const mem = memory();
      if (!mem || !fits(mem, timePtr, 8)) return ERRNO.FAULT;
      const ns =
        id === CLOCK_REALTIME
          ? BigInt(dateNow()) * 1_000_000n
          : ((hrtimeBigint() - monotonicStart) / 1_000n) * 1_000n;
      mem.view.setBigUint64(timePtr, BigInt.asUintN(64, ns), true);
      return ERRNO.SUCCESS;
    },

    random_get: (buf: number, len: number) => {
      if (opts.random === 'off') return ERRNO.NOTCAPABLE;
      const mem = memory();
      if (!mem || !fits(mem, buf, len)) return ERRNO.FAULT;
      const target = mem.u8.subarray(buf, buf + len);
      if (seeded) seeded.fill(target);
      else randomFillSync(target);
      return ERRNO.SUCCESS;
    },

    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const sink = fd === 1 ? out : fd === 2 ? err : undefined;
      if (!sink || !open.has(fd)) return ERRNO.BADF;
      if (iovsLen > IOV_MAX) return ERRNO.INVAL;
      const mem = memory();
      if (!mem || !fits(mem, nwrittenPtr, 4)) return ERRNO.FAULT;
      const pairs = readIovecs(mem, iovs, iovsLen);
      if (!pairs) return ERRNO.FAULT;
      let total = 0;
      for (let i = 1; i < pairs.length; i += 2) total += pairs[i]!;
      if (total > 0xffffffff) return ERRNO.INVAL; // nwritten is a u32
      for (let i = 0; i < pairs.length; i += 2) sink.append(mem.u8, pairs[i]!, pairs[i + 1]!);
      mem.view.setUint32(nwrittenPtr, total, true);
      return ERRNO.SUCCESS;
    },
    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
      if (fd !== 0 || !open.has(fd)) return ERRNO.BADF;
      if (iovsLen > IOV_MAX) return ERRNO.INVAL;
      const mem = memory();
      if (!mem || !fits(mem, nreadPtr, 4) || !readIovecs(mem, iovs, iovsLen)) return ERRNO.FAULT;
      mem.view.setUint32(nreadPtr, 0, true); // stdin is always at end of file
      return ERRNO.SUCCESS;
    },
    fd_fdstat_get: (fd: number, statPtr: number) => {
      if (!open.has(fd)) return ERRNO.BADF;
      const mem = memory();
      if (!mem || !fits(mem, statPtr, 24)) return ERRNO.FAULT;
      mem.u8.fill(0, statPtr, statPtr + 24);
      mem.view.setUint8(statPtr, FILETYPE_CHARACTER_DEVICE); // fs_filetype; fs_flags (u16 at +2) = 0
      mem.view.setBigUint64(statPtr + 8, fd === 0 ? RIGHTS_FD_READ : RIGHTS_FD_WRITE, true); // fs_rights_base
      return ERRNO.SUCCESS; // fs_rights_inheriting (u64 at +16) = 0
    },
    fd_filestat_get: (fd: number, statPtr: number) => {
      if (!open.has(fd)) return ERRNO.BADF;
      const mem = memory();
      if (!mem || !fits(mem, statPtr, 64)) return ERRNO.FAULT;
      mem.u8.fill(0, statPtr, statPtr + 64);
      mem.view.setUint8(statPtr + 16, FILETYPE_CHARACTER_DEVICE); // dev, ino, nlink, size, times: 0
      return ERRNO.SUCCESS;
    },
    fd_close: (fd: number) => (open.delete(fd) ? ERRNO.SUCCESS : ERRNO.BADF),
    fd_prestat_get: badFd,
    fd_prestat_dir_name: badFd,

    fd_advise: deniedOnFd,
    fd_allocate: deniedOnFd,
    fd_datasync: deniedOnFd,
    fd_sync: deniedOnFd,
    fd_fdstat_set_flags: deniedOnFd,
    fd_fdstat_set_rights: deniedOnFd,
    fd_filestat_set_size: deniedOnFd,
    fd_filestat_set_times: deniedOnFd,
    fd_pread: deniedOnFd,
    fd_pwrite: deniedOnFd,
    fd_readdir: deniedOnFd,
    fd_renumber: deniedOnFd,
    fd_seek: deniedOnFd,
    fd_tell: deniedOnFd,

    path_create_directory: notCapable,
    path_filestat_get: notCapable,
    path_filestat_set_times: notCapable,
    path_link: notCapable,
    path_open: notCapable,
    path_readlink: notCapable,
    path_remove_directory: notCapable,
    path_rename: notCapable,
    path_symlink: notCapable,
    path_unlink_file: notCapable,
    sock_accept: notCapable,
    sock_recv: notCapable,
    sock_send: notCapable,
    sock_shutdown: notCapable,

    poll_oneoff: noSys,
    proc_raise: noSys,
    sched_yield: () => ERRNO.SUCCESS,

    proc_exit: (code: number) => {
      exitCode = code;
      throw new WasiExit(code);
    },
  };

  /** Wraps an implementation: sticky exit, then argument types checked and normalised per the signature. */
  function wrap(name: WasiFunctionName): WasiHostFunction {
    const { params } = WASI_PREVIEW1_SIGNATURES[name];
    const fn = impl[name] as (...args: (number | bigint)[]) => number;
    return function wasiImport(...raw: unknown[]): number | undefined {
      if (exitCode !== undefined) throw new WasiExit(exitCode);
      const args: (number | bigint)[] = [];
      for (let i = 0; i < params.length; i++) {
        const v = raw[i];
        if (params[i] === I32 && isInt32(v)) args.push(v >>> 0);
        else if (params[i] === I64 && typeof v === 'bigint') args.push(BigInt.asUintN(64, v));
        else if (name === 'proc_exit') return fn(EXIT_BAD_ARGUMENT);
        else return ERRNO.INVAL;
      }
      return fn(...args);
    };
  }

  const table = {} as Record<WasiFunctionName, WasiHostFunction>;
  for (const name of WASI_PREVIEW1_FUNCTIONS) table[name] = wrap(name);

  return Object.freeze({
    imports: Object.freeze({ wasi_snapshot_preview1: Object.freeze(table) }),
    stdout: () => out.bytes(),
    stderr: () => err.bytes(),
    stdoutText: () => utf8Decoder.decode(out.bytes()),
    stderrText: () => utf8Decoder.decode(err.bytes()),
    get droppedBytes() {
      return Object.freeze({ stdout: out.dropped, stderr: err.dropped });
    },
    clearOutput: () => {
      out.clear();
      err.clear();
    },
    get exitCode() {
      return exitCode;
    },
  });
}
