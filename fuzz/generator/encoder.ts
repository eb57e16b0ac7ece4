/**
 * A small growable byte writer with the Wasm binary encodings the generator needs (LEB128, names, sections).
 */

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(b: number): this {
    this.ensure(1);
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    this.ensure(bs.length);
    for (let i = 0; i < bs.length; i++) this.buf[this.length++] = bs[i]! & 0xff;
    return this;
  }

  /** unsigned LEB128 of a u32 */
  u32(value: number): this {
    let v = value >>> 0;
    this.ensure(5);
    do {
      const b = v & 0x7f;
      v >>>= 7;
      this.buf[this.length++] = v !== 0 ? b | 0x80 : b;
    } while (v !== 0);
    return this;
  }

  /** signed LEB128 of an i32 */
  s32(value: number): this {
    let v = value | 0;
    this.ensure(5);
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.buf[this.length++] = done ? b : b | 0x80;
      if (done) return this;
    }
  }

  /** signed LEB128 of an i64 (as a bigint, taken modulo 2^64) */
  s64(value: bigint): this {
    let v = BigInt.asIntN(64, value);
    this.ensure(10);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.buf[this.length++] = done ? b : b | 0x80;
      if (done) return this;
    }
  }

  /** a name: u32 length, then UTF-8 */
  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).bytes(utf8);
  }

  /** appends another writer's contents */
  append(w: ByteWriter): this {
    this.ensure(w.length);
    this.buf.set(w.buf.subarray(0, w.length), this.length);
    this.length += w.length;
    return this;
  }

  /** appends a section: id, u32 size, payload */
  section(id: number, payload: ByteWriter): this {
    return this.u8(id).u32(payload.length).append(payload);
  }

  /** a fresh copy of the written bytes */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
