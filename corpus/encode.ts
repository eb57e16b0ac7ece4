/**
 * A tiny WebAssembly binary writer for the corpus generator, with *marks*: while a case is written, the
 * construct it is about is marked at the byte where it starts, and the mark's absolute offset in the final
 * module becomes the expectation. The offsets therefore come from how the module was built, never from
 * what the validator prints.
 *
 * `Enc` is a growable byte list with named marks. `append` copies a child's bytes and shifts its marks, so
 * a mark set inside a function body ends up at its absolute offset once the body is wrapped in a size
 * prefix, the code section and the module.
 */

export class Enc {
  readonly bytes: number[] = [];
  readonly marks = new Map<string, number>();

  get length(): number {
    return this.bytes.length;
  }

  /** Marks the next byte written. The first mark of a name wins. */
  mark(name = 'x'): this {
    if (!this.marks.has(name)) this.marks.set(name, this.bytes.length);
    return this;
  }

  byte(...bs: number[]): this {
    for (const b of bs) {
      if (!Number.isInteger(b) || b < 0 || b > 255) throw new RangeError(`not a byte: ${b}`);
      this.bytes.push(b);
    }
    return this;
  }

  /** unsigned LEB128, minimal length (or padded to `width` bytes) */
  u32(n: number, width?: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`not a u32: ${n}`);
    return this.uleb(BigInt(n), width);
  }

  uleb(n: bigint, width?: number): this {
    const out: number[] = [];
    do {
      out.push(Number(n & 0x7fn));
      n >>= 7n;
    } while (n !== 0n);
    while (width !== undefined && out.length < width) out.push(0);
    for (let i = 0; i < out.length - 1; i++) out[i]! |= 0x80;
    return this.byte(...out);
  }

  /** signed LEB128 (i32.const / i64.const immediates) */
  sleb(n: number | bigint): this {
    let v = BigInt(n);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  /** a name: u32 length + UTF-8 bytes (or raw bytes) */
  name(s: string | number[]): this {
    const b = typeof s === 'string' ? [...new TextEncoder().encode(s)] : s;
    return this.u32(b.length).byte(...b);
  }

  append(child: Enc): this {
    const base = this.bytes.length;
    for (const [name, at] of child.marks) if (!this.marks.has(name)) this.marks.set(name, base + at);
    for (const b of child.bytes) this.bytes.push(b);
    return this;
  }

  /** u32 length prefix + child */
  sized(child: Enc): this {
    return this.u32(child.length).append(child);
  }

  /** u32 count + each item */
  vec(items: readonly Enc[]): this {
    this.u32(items.length);
    for (const item of items) this.append(item);
    return this;
  }

  toUint8Array(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export const enc = (): Enc => new Enc();

export const T = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f } as const;
export const EMPTY_BLOCK = 0x40;

/** section id + u32 size + payload */
export function section(id: number, payload: Enc): Enc {
  return enc().byte(id).sized(payload);
}

/** `\0asm` version 1, then the sections */
export function wasmModule(...sections: Enc[]): Enc {
  const m = enc().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  for (const s of sections) m.append(s);
  return m;
}

export function funcType(params: readonly number[], results: readonly number[]): Enc {
  return enc().byte(0x60).u32(params.length).byte(...params).u32(results.length).byte(...results);
}

export const typeSection = (...types: Enc[]): Enc => section(1, enc().vec(types));
export const functionSection = (...typeIndices: number[]): Enc => section(3, enc().vec(typeIndices.map((i) => enc().u32(i))));
export const codeSection = (...bodies: Enc[]): Enc => section(10, enc().vec(bodies));
export const customSection = (name: string, payload: number[] = []): Enc => section(0, enc().name(name).byte(...payload));

/** limits: flags 0 (min) or 1 (min, max) */
export function limits(min: number, max?: number): Enc {
  return max === undefined ? enc().byte(0x00).u32(min) : enc().byte(0x01).u32(min).u32(max);
}

/** memory section with one entry per limits */
export const memorySection = (...mems: Enc[]): Enc => section(5, enc().vec(mems));
export const tableSection = (...tables: Enc[]): Enc => section(4, enc().vec(tables));
export const tableType = (elemType: number, l: Enc): Enc => enc().byte(elemType).append(l);

export function exportEntry(name: string, kind: number, index: number): Enc {
  return enc().name(name).byte(kind).u32(index);
}
export const exportSection = (...entries: Enc[]): Enc => section(7, enc().vec(entries));

export function importFunc(module: string, name: string, typeIndex: number): Enc {
  return enc().name(module).name(name).byte(0x00).u32(typeIndex);
}
export const importSection = (...entries: Enc[]): Enc => section(2, enc().vec(entries));

/** a global entry: type, mutability, constant expression (`end` appended) */
export function globalEntry(valType: number, mutable: boolean, init: Enc): Enc {
  return enc().byte(valType, mutable ? 1 : 0).append(init).byte(0x0b);
}
export const globalSection = (...entries: Enc[]): Enc => section(6, enc().vec(entries));

/**
 * A function body: size prefix, then the locals vector (run-length `[count, type]` entries), then `code`.
 * `end` is appended unless `noEnd`.
 */
export function body(locals: readonly (readonly [number, number] | Enc)[], code: Enc = enc(), noEnd = false): Enc {
  const b = enc().u32(locals.length);
  for (const entry of locals) {
    if (entry instanceof Enc) b.append(entry);
    else b.u32(entry[0]).byte(entry[1]);
  }
  b.append(code);
  if (!noEnd) b.byte(0x0b);
  return enc().sized(b);
}

/** i32.const n */
export const i32c = (n: number): Enc => enc().byte(0x41).sleb(n);
