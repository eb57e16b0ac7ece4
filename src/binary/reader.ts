/**
 * A bounds-checked cursor over the caller's bytes, and LEB128 exactly as the spec defines it.
 *
 * - `pos` and `end` are absolute offsets into the original input, so every error carries an absolute offset.
 * - `end` is the current window (a section, or a function body). Reading past it is
 *   "unexpected end of section or function"; past the input itself, "unexpected end".
 * - LEB128: an N-bit integer takes at most ceil(N/7) bytes. Padding with 0x80 (or 0xff for negative signed
 *   values) within that length is well formed; a longer encoding is "integer representation too long"; bits
 *   of the last byte beyond N that are set (or that do not sign-extend, for signed) are "integer too large".
 *
 * Decode errors are thrown as `DecodeError` (cheap: no stack capture) and turned into an `Issue` by the
 * caller; they never escape the library.
 */

import type { IssueCode } from '../issues.js';
import { specText } from '../issues.js';

export class DecodeError {
  constructor(
    readonly code: IssueCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

export function fail(code: IssueCode, offset: number, detail?: string): never {
  throw new DecodeError(code, detail === undefined ? specText(code) : `${specText(code)}: ${detail}`, offset);
}

export class Reader {
  pos: number;
  end: number;
  /** true for the reader over the whole input (section headers), false inside a section or body */
  topLevel: boolean;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    end = bytes.length,
    topLevel = false,
  ) {
    this.pos = pos;
    this.end = end;
    this.topLevel = topLevel;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  /**
   * Throws "unexpected end" for reading at `this.pos` past the window. Inside a section or body the spec's
   * wording is "unexpected end of section or function" (which also begins with "unexpected end"); only the
   * top-level reader, whose window is the whole input, says plain "unexpected end".
   */
  unexpectedEnd(): never {
    if (this.topLevel) fail('malformed.unexpected-end', Math.min(this.pos, this.bytes.length));
    fail('malformed.unexpected-end-of-section', this.end);
  }

  /**
   * A LEB128 that started at `start` runs off the window. The reference interpreter reads on into the next
   * bytes, so an encoding that would be too long is reported as such; otherwise it is an unexpected end.
   */
  private lebOverrun(start: number, maxBytes: number): never {
    const bytes = this.bytes;
    let i = start;
    while (i < bytes.length && i - start < maxBytes && bytes[i]! & 0x80) i++;
    if (i - start >= maxBytes) fail('malformed.leb-too-long', start + maxBytes - 1);
    this.pos = this.end;
    this.unexpectedEnd();
  }

  u8(): number {
    if (this.pos >= this.end) this.unexpectedEnd();
    return this.bytes[this.pos++]!;
  }

  peekU8(): number {
    if (this.pos >= this.end) this.unexpectedEnd();
    return this.bytes[this.pos]!;
  }

  /** Unsigned 32-bit LEB128. */
  u32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const end = this.end;
    if (pos < end) {
      const b = bytes[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    const start = pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (pos >= end) this.lebOverrun(start, 5);
      const b = bytes[pos++]!;
      if (i === 4) {
        if (b & 0x80) fail('malformed.leb-too-long', pos - 1);
        if (b & 0x70) fail('malformed.leb-too-large', pos - 1);
        result += b * 0x1000_0000; // b << 28 without going negative
        this.pos = pos;
        return result;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result >>> 0;
      }
    }
  }

  /** Signed 32-bit LEB128 (i32.const). */
  s32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const end = this.end;
    const start = pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (pos >= end) this.lebOverrun(start, 5);
      const b = bytes[pos++]!;
      if (i === 4) {
        if (b & 0x80) fail('malformed.leb-too-long', pos - 1);
        // bits 4..6 must equal the sign bit (bit 3)
        const high = b & 0x70;
        if ((b & 0x08) === 0 ? high !== 0 : high !== 0x70) fail('malformed.leb-too-large', pos - 1);
        result |= b << 28;
        this.pos = pos;
        return result | 0;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        // sign-extend from `shift` bits
        return shift < 32 ? (result << (32 - shift)) >> (32 - shift) : result | 0;
      }
    }
  }

  /**
   * Signed 33-bit LEB128 (block types). Returns a JS number; non-negative values are type indices, and the
   * negative one-byte forms (-0x40 empty, -0x01.. value types) are returned as such.
   */
  s33(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const end = this.end;
    const start = pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= end) this.lebOverrun(start, 5);
      const b = bytes[pos++]!;
      if (i === 4) {
        if (b & 0x80) fail('malformed.leb-too-long', pos - 1);
        // 33 bits: 28 from earlier bytes, bits 0..4 of this one; bits 5..6 must equal bit 4
        const high = b & 0x60;
        if ((b & 0x10) === 0 ? high !== 0 : high !== 0x60) fail('malformed.leb-too-large', pos - 1);
        result += (b & 0x1f) * mul;
        this.pos = pos;
        return b & 0x10 ? result - 2 ** 33 : result;
      }
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return b & 0x40 ? result - mul : result;
      }
    }
  }

  /** Signed 64-bit LEB128 (i64.const); only the encoding is checked, the value is skipped. */
  skipS64(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    const start = pos;
    const end = this.end;
    for (let i = 0; ; i++) {
      if (pos >= end) this.lebOverrun(start, 10);
      const b = bytes[pos++]!;
      if (i === 9) {
        if (b & 0x80) fail('malformed.leb-too-long', pos - 1);
        // 64 bits: 63 from earlier bytes, bit 0 of this one; bits 1..6 must equal bit 0
        const high = b & 0x7e;
        if ((b & 0x01) === 0 ? high !== 0 : high !== 0x7e) fail('malformed.leb-too-large', pos - 1);
        this.pos = pos;
        return;
      }
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return;
      }
    }
  }

  /** Signed 64-bit LEB128 as a bigint. */
  s64(): bigint {
    const start = this.pos;
    this.skipS64();
    let result = 0n;
    let shift = 0n;
    let b = 0;
    for (let p = start; p < this.pos; p++) {
      b = this.bytes[p]!;
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    if (shift < 64n && b & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  /** Skips `n` bytes (e.g. float immediates), checking the window. */
  skip(n: number): void {
    if (this.end - this.pos < n) {
      this.pos = this.end;
      this.unexpectedEnd();
    }
    this.pos += n;
  }

  /** A length-prefixed byte window (`vec(byte)`), checked against the window. */
  byteVec(): { start: number; end: number } {
    const lenOffset = this.pos;
    // the reference interpreter reads a length past its section from the next bytes, then finds it out of bounds
    if (lenOffset >= this.end && lenOffset < this.bytes.length) fail('malformed.length-out-of-bounds', lenOffset);
    const len = this.u32();
    if (len > this.end - this.pos) {
      if (this.topLevel || this.end >= this.bytes.length) this.unexpectedEnd();
      fail('malformed.length-out-of-bounds', lenOffset);
    }
    const start = this.pos;
    this.pos += len;
    return { start, end: this.pos };
  }

  /** A UTF-8 name. */
  name(): string {
    const { start, end } = this.byteVec();
    return decodeUtf8(this.bytes, start, end);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Is `[start, end)` well-formed UTF-8? Exactly the byte sequences of the Unicode Standard's table 3-7, which
 * is what a fatal `TextDecoder` (the WHATWG UTF-8 decoder) accepts: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence. Checked here so that a bad name never costs an exception.
 */
function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number; // continuation bytes
    let lo = 0x80; // bounds of the first continuation byte
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (end - i - 1 < n) return false;
    const c = bytes[i + 1]!;
    if (c < lo || c > hi) return false;
    for (let k = 2; k <= n; k++) {
      const d = bytes[i + k]!;
      if (d < 0x80 || d > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

/** Decodes a UTF-8 name; any ill-formed sequence is "malformed UTF-8 encoding" at the name's first byte. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  // fast path: ASCII
  let ascii = true;
  for (let i = start; i < end; i++)
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) {
    let s = '';
    for (let i = start; i < end; i += 4096)
      s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
    return s;
  }
  if (!isWellFormedUtf8(bytes, start, end)) fail('malformed.utf8', start);
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    // (not reached: the check above accepts exactly what the decoder does)
    fail('malformed.utf8', start);
  }
}
