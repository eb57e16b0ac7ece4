/**
 * Constants: interesting values (edges of every numeric type, NaN payloads, infinities, subnormals, values
 * at the float-to-int truncation limits) mixed with raw random bits. Floats are drawn as bit patterns and
 * written as raw bytes, so NaN payloads reach the binary exactly.
 */

import { ValType } from '../../src/binary/module-info.js';
import type { ByteWriter } from './encoder.js';
import type { Entropy } from './entropy.js';
import type { ConstExpr } from './plan.js';

const I32_EDGES = [0, 1, -1, 2, 8, 16, 31, 32, 63, 64, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x7ffffffe, -2];
const I64_EDGES = [
  0n,
  1n,
  -1n,
  63n,
  64n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0x7fffffffn,
  -0x80000000n,
];
const F32_EDGES = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7fc00001,
  0x00000001, 0x007fffff, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000, 0xdf000000, 0x3f000000, 0xcf000001,
];
const F64_EDGES = [
  0x0000000000000000n,
  0x8000000000000000n,
  0x3ff0000000000000n,
  0xbff0000000000000n,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0xfff8000000000000n,
  0x7ff4000000000000n,
  0x7ff8000000000001n,
  0x0000000000000001n,
  0x000fffffffffffffn,
  0x7fefffffffffffffn,
  0x41e0000000000000n,
  0xc1e0000000000000n,
  0x41f0000000000000n,
  0x43e0000000000000n,
  0xc3e0000000000000n,
  0xc1e0000000200000n,
  0x3fe0000000000000n,
];

export function randomI32(u: Entropy): number {
  const r = u.below(8);
  if (r < 3) return u.int(-16, 16);
  if (r < 6) return u.pick(I32_EDGES);
  return u.u32() | 0;
}

export function randomI64(u: Entropy): bigint {
  const r = u.below(8);
  if (r < 3) return BigInt(u.int(-16, 16));
  if (r < 6) return u.pick(I64_EDGES);
  return BigInt.asIntN(64, (BigInt(u.u32()) << 32n) | BigInt(u.u32()));
}

export function randomF32Bits(u: Entropy): number {
  const r = u.below(8);
  if (r < 3) return new Uint32Array(new Float32Array([u.int(-16, 16) / u.int(1, 4)]).buffer)[0]!;
  if (r < 6) return u.pick(F32_EDGES);
  return u.u32();
}

export function randomF64Bits(u: Entropy): bigint {
  const r = u.below(8);
  if (r < 3) return new BigUint64Array(new Float64Array([u.int(-16, 16) / u.int(1, 4)]).buffer)[0]!;
  if (r < 6) return u.pick(F64_EDGES);
  return (BigInt(u.u32()) << 32n) | BigInt(u.u32());
}

export function randomV128(u: Entropy): Uint8Array {
  const r = u.below(4);
  if (r === 0) return new Uint8Array(16);
  if (r === 1) {
    // a splat of an interesting 32-bit pattern
    const w = u.chance(50) ? u.pick(F32_EDGES) : u.pick(I32_EDGES) >>> 0;
    const out = new Uint8Array(16);
    new DataView(out.buffer).setUint32(0, w, true);
    out.copyWithin(4, 0, 4).copyWithin(8, 0, 8);
    return out;
  }
  return u.bytes(16);
}

/** A random constant expression of a numeric, vector or reference type (no `ref.func`: see callers). */
export function randomConst(u: Entropy, type: number): ConstExpr {
  switch (type) {
    case ValType.I32:
      return { op: 'i32', value: randomI32(u) };
    case ValType.I64:
      return { op: 'i64', value: randomI64(u) };
    case ValType.F32:
      return { op: 'f32', bits: randomF32Bits(u) };
    case ValType.F64:
      return { op: 'f64', bits: randomF64Bits(u) };
    case ValType.V128:
      return { op: 'v128', bytes: randomV128(u) };
    default:
      return { op: 'ref.null', type };
  }
}

/** Writes one constant instruction (no `end`). Returns the opcode it used, as [prefix, code]. */
export function writeConst(w: ByteWriter, c: ConstExpr): [number, number] {
  switch (c.op) {
    case 'i32':
      w.u8(0x41).s32(c.value);
      return [0, 0x41];
    case 'i64':
      w.u8(0x42).s64(c.value);
      return [0, 0x42];
    case 'f32':
      w.u8(0x43).u8(c.bits).u8(c.bits >>> 8).u8(c.bits >>> 16).u8(c.bits >>> 24);
      return [0, 0x43];
    case 'f64': {
      w.u8(0x44);
      for (let i = 0n; i < 64n; i += 8n) w.u8(Number((c.bits >> i) & 0xffn));
      return [0, 0x44];
    }
    case 'v128':
      w.u8(0xfd).u32(12).bytes(c.bytes);
      return [0xfd, 12];
    case 'ref.null':
      w.u8(0xd0).u8(c.type);
      return [0, 0xd0];
    case 'ref.func':
      w.u8(0xd2).u32(c.func);
      return [0, 0xd2];
    case 'global.get':
      w.u8(0x23).u32(c.global);
      return [0, 0x23];
  }
}
