/**
 * Values of the spec testsuite's JSON scripts (`wast2json` format, see `../shared/spec-testsuite/README.md`):
 * decoding arguments, encoding them for the JS API or as raw little-endian bytes, and comparing results.
 *
 * In the JSON every number is a string: integers as the *unsigned* decimal of their bit pattern, floats as
 * the unsigned decimal of their IEEE bit pattern (so NaN payloads are exact), `"nan:canonical"` /
 * `"nan:arithmetic"` for the two NaN classes of a result, and a v128 as a list of lane strings with a
 * `lane_type`. References are `funcref` / `externref` with `"null"` or (externref) a host-reference number;
 * an `expected` reference without a value means "any non-null reference".
 *
 * The JS API is exact for i32, i64 (BigInt), references and every non-NaN float; it cannot carry a v128 at
 * all, and a NaN may lose payload bits on the way (f64→f32 argument conversion quiets signalling NaNs). So
 * a value is either compared as a JS value (`matchJS`, when `jsExact`) or as raw bytes (`matchBytes`) that
 * a wasm-side wrapper stored to memory: see `runner.ts`.
 */

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | 'v128' | RefType;
export type LaneType = 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';

/** One `args` or `expected` entry of a script. */
export interface SpecValue {
  type: ValType;
  /** absent for the result types of `assert_trap` / `action`, and for "any non-null reference" */
  value?: string | string[];
  lane_type?: LaneType;
}

export const NUM_TYPES: ReadonlySet<string> = new Set(['i32', 'i64', 'f32', 'f64']);
export const REF_TYPES: ReadonlySet<string> = new Set(['funcref', 'externref']);

export function isNumType(t: string): t is NumType {
  return NUM_TYPES.has(t);
}
export function isRefType(t: string): t is RefType {
  return REF_TYPES.has(t);
}

/** Width in bytes of a numeric or vector type's memory representation. */
export function byteWidth(t: NumType | 'v128'): 4 | 8 | 16 {
  return t === 'v128' ? 16 : t === 'i32' || t === 'f32' ? 4 : 8;
}

const LANE_BITS: Readonly<Record<LaneType, 8 | 16 | 32 | 64>> = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 };

export function laneBits(t: LaneType): 8 | 16 | 32 | 64 {
  return LANE_BITS[t];
}

function isLaneType(t: unknown): t is LaneType {
  return typeof t === 'string' && t in LANE_BITS;
}

/** Checks the shape of an `args` / `expected` entry (the loader types them `unknown`). */
export function asSpecValues(raw: unknown, what: string): SpecValue[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${what} is not a list`);
  return raw.map((v: unknown, i) => {
    const o = v as Partial<SpecValue> | null;
    if (typeof o !== 'object' || o === null || typeof o.type !== 'string') throw new Error(`${what}[${i}] has no type`);
    if (!isNumType(o.type) && o.type !== 'v128' && !isRefType(o.type)) {
      throw new Error(`${what}[${i}]: unknown type ${o.type}`);
    }
    if (o.type === 'v128' && o.value !== undefined) {
      if (!isLaneType(o.lane_type)) throw new Error(`${what}[${i}]: v128 without a lane type`);
      if (!Array.isArray(o.value) || o.value.length !== 128 / laneBits(o.lane_type)) {
        throw new Error(`${what}[${i}]: v128 needs ${128 / laneBits(o.lane_type)} lanes`);
      }
    } else if (o.value !== undefined && typeof o.value !== 'string') {
      throw new Error(`${what}[${i}]: value is not a string`);
    }
    return o as SpecValue;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Bit patterns

const MASK = { 8: 0xffn, 16: 0xffffn, 32: 0xffff_ffffn, 64: 0xffff_ffff_ffff_ffffn } as const;

/**
 * A lane or scalar string as an unsigned bit pattern of `bits` bits. The suite writes unsigned decimals;
 * a signed one (`-1`) is accepted and wrapped. Throws on anything else, NaN classes included.
 */
export function parseBits(s: string, bits: 8 | 16 | 32 | 64): bigint {
  if (!/^-?\d+$/.test(s)) throw new Error(`not an integer bit pattern: ${JSON.stringify(s)}`);
  const n = BigInt(s);
  const wrapped = BigInt.asUintN(bits, n);
  if (n >= 0n ? n > MASK[bits] : -n > MASK[bits] / 2n + 1n) throw new Error(`${s} does not fit in ${bits} bits`);
  return wrapped;
}

export type NanClass = 'nan:canonical' | 'nan:arithmetic';

export function isNanClass(s: unknown): s is NanClass {
  return s === 'nan:canonical' || s === 'nan:arithmetic';
}

const F32_EXP = 0x7f80_0000n;
const F32_QUIET = 0x0040_0000n;
const F32_ABS = 0x7fff_ffffn;
const F64_EXP = 0x7ff0_0000_0000_0000n;
const F64_QUIET = 0x0008_0000_0000_0000n;
const F64_ABS = 0x7fff_ffff_ffff_ffffn;

/** Whether a float bit pattern is a NaN (all exponent bits set, non-zero mantissa). */
export function isNanBits(bits: bigint, width: 32 | 64): boolean {
  const exp = width === 32 ? F32_EXP : F64_EXP;
  const abs = width === 32 ? F32_ABS : F64_ABS;
  return (bits & exp) === exp && (bits & abs) !== exp;
}

/**
 * The spec's NaN classes, on a bit pattern of either sign: canonical = exactly the quiet bit set in the
 * mantissa; arithmetic = the quiet bit set (any other payload bits).
 */
export function matchesNanClass(bits: bigint, width: 32 | 64, cls: NanClass): boolean {
  const exp = width === 32 ? F32_EXP : F64_EXP;
  const quiet = width === 32 ? F32_QUIET : F64_QUIET;
  const abs = width === 32 ? F32_ABS : F64_ABS;
  if (cls === 'nan:canonical') return (bits & abs) === (exp | quiet);
  return (bits & (exp | quiet)) === (exp | quiet);
}

/** Whether a value (argument or expectation) involves a NaN, as a pattern or a class, in any float lane. */
export function involvesNan(v: SpecValue): boolean {
  if (v.value === undefined) return false;
  if (v.type === 'f32' || v.type === 'f64') {
    const s = v.value as string;
    return isNanClass(s) || isNanBits(parseBits(s, v.type === 'f32' ? 32 : 64), v.type === 'f32' ? 32 : 64);
  }
  if (v.type === 'v128' && (v.lane_type === 'f32' || v.lane_type === 'f64')) {
    const w = v.lane_type === 'f32' ? 32 : 64;
    return (v.value as string[]).some((s) => isNanClass(s) || isNanBits(parseBits(s, w), w));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding arguments

/** Writes a numeric or v128 value, little-endian, at `offset` of `view`. */
export function writeValueBytes(v: SpecValue, view: DataView, offset: number): void {
  if (v.value === undefined) throw new Error(`${v.type} argument without a value`);
  switch (v.type) {
    case 'i32':
    case 'f32':
      view.setUint32(offset, Number(parseBits(v.value as string, 32)), true);
      return;
    case 'i64':
    case 'f64':
      view.setBigUint64(offset, parseBits(v.value as string, 64), true);
      return;
    case 'v128': {
      const lt = v.lane_type as LaneType;
      const bits = laneBits(lt);
      (v.value as string[]).forEach((s, i) => {
        const b = parseBits(s, bits);
        const at = offset + (i * bits) / 8;
        if (bits === 8) view.setUint8(at, Number(b));
        else if (bits === 16) view.setUint16(at, Number(b), true);
        else if (bits === 32) view.setUint32(at, Number(b), true);
        else view.setBigUint64(at, b, true);
      });
      return;
    }
    default:
      throw new Error(`${v.type} has no byte representation`);
  }
}

/** The value's bytes (4, 8 or 16), little-endian. */
export function valueBytes(v: SpecValue): Uint8Array {
  const out = new Uint8Array(byteWidth(v.type as NumType | 'v128'));
  writeValueBytes(v, new DataView(out.buffer), 0);
  return out;
}

/**
 * Host references of the suite: `(ref.extern N)` is the same JS object every time it is named (the spec's
 * JS harness does the same), so identity survives a round trip through wasm.
 */
const hostRefs = new Map<string, object>();

export function externref(n: string): object {
  let r = hostRefs.get(n);
  if (r === undefined) {
    r = Object.freeze({ externref: n });
    hostRefs.set(n, r);
  }
  return r;
}

/** The number of a host reference made by `externref`, or undefined. */
function externrefNumber(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const n = (x as { externref?: unknown }).externref;
  return typeof n === 'string' && hostRefs.get(n) === x ? n : undefined;
}

const scratch = new DataView(new ArrayBuffer(8));

function f32FromBits(b: bigint): number {
  scratch.setUint32(0, Number(b), true);
  return scratch.getFloat32(0, true);
}
function f64FromBits(b: bigint): number {
  scratch.setBigUint64(0, b, true);
  return scratch.getFloat64(0, true);
}
/** Bits of a JS number as an f32. Exact for every non-NaN number that is an f32 value. */
export function f32Bits(x: number): bigint {
  scratch.setFloat32(0, x, true);
  return BigInt(scratch.getUint32(0, true));
}
export function f64Bits(x: number): bigint {
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}

/**
 * Whether the JS API carries this value exactly, both ways: everything but v128 and NaN floats. A NaN
 * *expectation* (pattern or class) counts as inexact too, since the result's payload must be inspected.
 */
export function jsExact(v: SpecValue): boolean {
  if (v.type === 'v128') return false;
  return !involvesNan(v);
}

/** The JS value to pass for an argument (i32 → number, i64 → BigInt, floats → number, references). */
export function toJS(v: SpecValue): unknown {
  const s = v.value;
  if (s === undefined) throw new Error(`${v.type} argument without a value`);
  switch (v.type) {
    case 'i32':
      return Number(BigInt.asIntN(32, parseBits(s as string, 32)));
    case 'i64':
      return BigInt.asIntN(64, parseBits(s as string, 64));
    case 'f32':
      return f32FromBits(parseBits(s as string, 32));
    case 'f64':
      return f64FromBits(parseBits(s as string, 64));
    case 'externref':
      return s === 'null' ? null : externref(s as string);
    case 'funcref':
      if (s === 'null') return null;
      throw new Error(`funcref argument ${JSON.stringify(s)}: only null can be written in a script`);
    case 'v128':
      throw new Error('v128 cannot cross the JS API');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparing results

function matchScalarBits(expected: string, bits: bigint, t: NumType | LaneType): boolean {
  const width = t === 'i8' ? 8 : t === 'i16' ? 16 : t === 'i32' || t === 'f32' ? 32 : 64;
  if (isNanClass(expected)) {
    if (t !== 'f32' && t !== 'f64') throw new Error(`${expected} expected for a ${t}`);
    return matchesNanClass(bits, width as 32 | 64, expected);
  }
  return parseBits(expected, width) === bits;
}

/** A reference result against its expectation (`null`, a host-reference number, or any non-null). */
function matchRef(expected: SpecValue, actual: unknown): boolean {
  if (expected.value === 'null') return actual === null;
  if (expected.type === 'funcref') {
    return expected.value === undefined ? typeof actual === 'function' : false;
  }
  if (expected.value === undefined) return actual !== null;
  return actual === externref(expected.value as string);
}

/** Compares a result that came through the JS API. Only for expectations that are `jsExact`. */
export function matchJS(expected: SpecValue, actual: unknown): boolean {
  const s = expected.value;
  switch (expected.type) {
    case 'i32':
      return typeof actual === 'number' && Number.isInteger(actual) && s !== undefined &&
        BigInt(actual >>> 0) === parseBits(s as string, 32);
    case 'i64':
      return typeof actual === 'bigint' && s !== undefined && BigInt.asUintN(64, actual) === parseBits(s as string, 64);
    case 'f32':
    case 'f64': {
      if (typeof actual !== 'number' || s === undefined) return false;
      if (Number.isNaN(actual)) return false; // a NaN result is only checked through bytes
      const bits = expected.type === 'f32' ? f32Bits(actual) : f64Bits(actual);
      if (expected.type === 'f32' && f64Bits(f32FromBits(bits)) !== f64Bits(actual)) return false; // not an f32
      return matchScalarBits(s as string, bits, expected.type);
    }
    case 'funcref':
    case 'externref':
      return matchRef(expected, actual);
    case 'v128':
      throw new Error('a v128 result is compared through bytes');
  }
}

/** Compares a numeric or v128 result given as its little-endian bytes (from a wrapper's memory). */
export function matchBytes(expected: SpecValue, bytes: Uint8Array): boolean {
  const s = expected.value;
  if (s === undefined) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (expected.type) {
    case 'i32':
    case 'f32':
      return matchScalarBits(s as string, BigInt(view.getUint32(0, true)), expected.type);
    case 'i64':
    case 'f64':
      return matchScalarBits(s as string, view.getBigUint64(0, true), expected.type);
    case 'v128': {
      const lt = expected.lane_type as LaneType;
      const bits = laneBits(lt);
      return (s as string[]).every((lane, i) => matchScalarBits(lane, readLane(view, i, bits), lt));
    }
    default:
      throw new Error(`${expected.type} is compared as a JS value`);
  }
}

function readLane(view: DataView, i: number, bits: 8 | 16 | 32 | 64): bigint {
  const at = (i * bits) / 8;
  if (bits === 8) return BigInt(view.getUint8(at));
  if (bits === 16) return BigInt(view.getUint16(at, true));
  if (bits === 32) return BigInt(view.getUint32(at, true));
  return view.getBigUint64(at, true);
}

// ---------------------------------------------------------------------------------------------------------
// Describing values, for failure reports

function hex(b: bigint, bits: number): string {
  return `0x${b.toString(16).padStart(bits / 4, '0')}`;
}

function describeScalar(s: string, t: NumType | LaneType): string {
  if (isNanClass(s)) return s;
  switch (t) {
    case 'i8':
    case 'i16':
    case 'i32':
    case 'i64': {
      const bits = laneBits(t);
      const b = parseBits(s, bits);
      const signed = BigInt.asIntN(bits, b);
      return signed < 0n ? `${b} (${signed})` : `${b}`;
    }
    case 'f32':
    case 'f64':
      return describeFloatBits(parseBits(s, t === 'f32' ? 32 : 64), t);
  }
}

function describeFloatBits(b: bigint, t: 'f32' | 'f64'): string {
  const w = t === 'f32' ? 32 : 64;
  const x = t === 'f32' ? f32FromBits(b) : f64FromBits(b);
  const shown = Number.isNaN(x) ? `${b >> BigInt(w - 1) ? '-' : ''}nan` : Object.is(x, -0) ? '-0' : String(x);
  return `${shown} (${hex(b, w)})`;
}

/** An expected (or argument) value, readable: `i32:4294967295 (-1)`, `f32:nan (0x7fc00000)`, `v128:i8[...]`. */
export function describeValue(v: SpecValue): string {
  const s = v.value;
  if (s === undefined) return isRefType(v.type) ? `${v.type}:non-null` : `${v.type}:any`;
  if (isRefType(v.type)) return `${v.type}:${s as string}`;
  if (v.type === 'v128') {
    const lt = v.lane_type as LaneType;
    return `v128:${lt}[${(s as string[]).map((l) => describeScalar(l, lt)).join(', ')}]`;
  }
  return `${v.type}:${describeScalar(s as string, v.type)}`;
}

/** A result read through the JS API, described as a value of type `t`. */
export function describeJS(t: ValType, actual: unknown): string {
  if (t === 'f32' || t === 'f64') {
    if (typeof actual !== 'number') return `${t}:${typeof actual} ${String(actual)}`;
    return `${t}:${describeFloatBits(t === 'f32' ? f32Bits(actual) : f64Bits(actual), t)}`;
  }
  if (t === 'i32' && typeof actual === 'number') return `i32:${describeScalar(String(actual >>> 0), 'i32')}`;
  if (t === 'i64' && typeof actual === 'bigint') return `i64:${describeScalar(String(BigInt.asUintN(64, actual)), 'i64')}`;
  if (isRefType(t)) {
    if (actual === null) return `${t}:null`;
    const n = externrefNumber(actual);
    if (n !== undefined) return `${t}:${n}`;
    return `${t}:${typeof actual === 'function' ? 'function' : typeof actual} ${String(actual)}`;
  }
  return `${t}:${typeof actual} ${String(actual)}`;
}

/** A numeric or v128 result from bytes, described with the expectation's lane type. */
export function describeBytes(expected: SpecValue, bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (expected.type) {
    case 'i32':
    case 'f32':
      return `${expected.type}:${describeScalar(String(view.getUint32(0, true)), expected.type)}`;
    case 'i64':
    case 'f64':
      return `${expected.type}:${describeScalar(String(view.getBigUint64(0, true)), expected.type)}`;
    case 'v128': {
      const lt = expected.lane_type ?? 'i32';
      const bits = laneBits(lt);
      const lanes = Array.from({ length: 128 / bits }, (_, i) => describeScalar(String(readLane(view, i, bits)), lt));
      return `v128:${lt}[${lanes.join(', ')}]`;
    }
    default:
      return `${expected.type}:?`;
  }
}
