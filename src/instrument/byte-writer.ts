/**
 * A growable byte buffer with the LEB128 encoders the rewriter needs. Output only; reading is
 * src/binary/reader.ts's job.
 */

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  byte(b: number): this {
    this.reserve(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(src: ArrayLike<number>): this {
    this.reserve(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
    return this;
  }

  /** copies `src[start, end)` (short ranges byte by byte: a subarray costs more than copying a few bytes) */
  range(src: Uint8Array, start: number, end: number): this {
    const n = end - start;
    if (n > 32) return this.bytes(src.subarray(start, end));
    this.reserve(n);
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) buf[at++] = src[i]!;
    this.length = at;
    return this;
  }

  u32(value: number): this {
    let v = value >>> 0;
    this.reserve(5);
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (v !== 0);
    return this;
  }

  s32(value: number): this {
    let v = value | 0;
    this.reserve(5);
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.length++] = b;
        return this;
      }
      this.buf[this.length++] = b | 0x80;
    }
  }

  s64(value: bigint): this {
    let v = BigInt.asIntN(64, value);
    this.reserve(10);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.buf[this.length++] = b;
        return this;
      }
      this.buf[this.length++] = b | 0x80;
    }
  }

  name(s: string): this {
    const encoded = new TextEncoder().encode(s);
    return this.u32(encoded.length).bytes(encoded);
  }

  /** appends a section: id, size, payload */
  section(id: number, payload: ByteWriter | Uint8Array): this {
    const bytes = payload instanceof ByteWriter ? payload.finish() : payload;
    return this.byte(id).u32(bytes.length).bytes(bytes);
  }

  /** a view of what was written (shares the buffer until the next write) */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** a copy of what was written */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
