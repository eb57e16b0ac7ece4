/**
 * Memory helpers for tools that pass data to and from a guest: bytes and UTF-8 strings at guest pointers.
 *
 * Every access is bounds-checked against the memory's *current* size: the buffer is read again on every
 * call (a `memory.grow` detaches the old ArrayBuffer), and a range that does not lie entirely inside memory
 * throws a `WasmHardenError` (`sandbox.memory-bounds`) before a single byte is read or written.
 *
 * Pointers are u32, as the guest sees them. A guest's i32 result arrives in JavaScript as a *signed* number,
 * so a negative integer down to -2^31 is read as its unsigned value (`ptr >>> 0`); lengths must be
 * non-negative. Anything that is not an integer in those ranges is refused (`sandbox.invalid-argument`).
 */

import { sandboxError } from './errors.js';

const MemoryCtor = WebAssembly.Memory;
const bufferOf: (m: WebAssembly.Memory) => ArrayBuffer = (() => {
  const get = Object.getOwnPropertyDescriptor(MemoryCtor.prototype, 'buffer')?.get;
  if (get === undefined) throw new TypeError('WebAssembly.Memory.prototype.buffer has no getter');
  return (m) => Reflect.apply(get, m, []) as ArrayBuffer;
})();
const U8 = Uint8Array;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const MAX_U32 = 0xffff_ffff;

function pointer(ptr: unknown, what: string): number {
  if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < -0x8000_0000 || ptr > MAX_U32)
    throw sandboxError('sandbox.invalid-argument', `${what} must be an integer pointer (u32, or a negative i32 read as unsigned), got ${describe(ptr)}`);
  return ptr >>> 0;
}

function length(len: unknown, what: string): number {
  if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > MAX_U32)
    throw sandboxError('sandbox.invalid-argument', `${what} must be an integer from 0 to 2^32 - 1, got ${describe(len)}`);
  return len;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v === 'bigint' ? `${v}n` : String(v);
}

/** Guest memory access with bounds checks. One per sandbox (`sandbox.memory`). */
export class MemoryAccess {
  readonly #memory: WebAssembly.Memory;

  constructor(memory: WebAssembly.Memory) {
    if (!(memory instanceof MemoryCtor)) throw sandboxError('sandbox.invalid-argument', 'MemoryAccess needs a WebAssembly.Memory');
    this.#memory = memory;
    Object.freeze(this);
  }

  /** The memory's current size in bytes. */
  get byteLength(): number {
    return bufferOf(this.#memory).byteLength;
  }

  /** A view of `[ptr, ptr + len)` of the current buffer, after the bounds check. */
  #range(ptr: number, len: number, op: string): Uint8Array {
    const buffer = bufferOf(this.#memory);
    if (ptr + len > buffer.byteLength)
      throw sandboxError(
        'sandbox.memory-bounds',
        `${op} of ${len} bytes at ${ptr} (up to ${ptr + len}) is outside the memory's ${buffer.byteLength} bytes`,
      );
    return new U8(buffer, ptr, len);
  }

  /** A copy of the `len` bytes at `ptr`. */
  readBytes(ptr: number, len: number): Uint8Array {
    const p = pointer(ptr, 'ptr');
    const n = length(len, 'len');
    return this.#range(p, n, 'read').slice();
  }

  /** Copies `bytes` to `ptr`; returns the number of bytes written. */
  writeBytes(ptr: number, bytes: Uint8Array | ArrayLike<number>): number {
    const p = pointer(ptr, 'ptr');
    if (bytes === null || typeof bytes !== 'object' || typeof (bytes as { length?: unknown }).length !== 'number')
      throw sandboxError('sandbox.invalid-argument', 'bytes must be a Uint8Array or an array of byte values');
    const n = length(bytes.length, 'bytes.length');
    // copy first: a source that is a view of this same memory, or an array with getters, is read once
    const source = bytes instanceof U8 ? bytes.slice() : U8.from(bytes as ArrayLike<number>);
    this.#range(p, n, 'write').set(source);
    return n;
  }

  /** The `len` bytes at `ptr`, decoded as UTF-8 (invalid sequences become U+FFFD). */
  readString(ptr: number, len: number): string {
    const p = pointer(ptr, 'ptr');
    const n = length(len, 'len');
    return decoder.decode(this.#range(p, n, 'read'));
  }

  /** Writes `s` as UTF-8 (no terminator) at `ptr`; returns the number of bytes written. */
  writeString(ptr: number, s: string): number {
    const p = pointer(ptr, 'ptr');
    if (typeof s !== 'string') throw sandboxError('sandbox.invalid-argument', `s must be a string, got ${typeof s}`);
    const encoded = encoder.encode(s);
    this.#range(p, encoded.length, 'write').set(encoded);
    return encoded.length;
  }
}
