/**
 * The one opcode table.
 *
 * Every instruction of Wasm 2.0 (MVP, sign-extension, non-trapping float-to-int, multi-value, bulk memory,
 * reference types, fixed-width SIMD) has an entry: its encoding, its name, the shape of its immediates, its
 * operand and result types when they are fixed, how the validator treats it, and the feature that gates it.
 * The decoder reads immediates by `imm`, the validator types operands by `params`/`results` (or by `check`
 * for the instructions whose typing depends on context), and later the fuel cost model and the fuzz
 * generator enumerate this same table.
 *
 * Instructions of later proposals (threads, exceptions, tail calls, typed references/GC, relaxed SIMD) are
 * *recognised*: they have entries with their proposal's feature, so that policy rejects them by name instead
 * of "illegal opcode". Their immediates are not decoded (validation stops at them).
 *
 * Signatures are written compactly: i = i32, l = i64, f = f32, d = f64, v = v128, "params>results".
 */

import type { FeatureName } from '../policy.js';

/** Immediate shapes. */
export const enum Imm {
  None,
  BlockType,
  Label,
  BrTable,
  Func,
  CallIndirect,
  Local,
  Global,
  Table,
  MemArg,
  /** memory.size / memory.grow: one reserved zero byte (a memory index in multi-memory) */
  MemoryIndex,
  I32,
  I64,
  F32,
  F64,
  V128,
  Lane,
  MemArgLane,
  Shuffle,
  HeapType,
  SelectT,
  /** memory.init: data index, then a reserved zero byte */
  MemoryInit,
  Data,
  /** memory.copy: two reserved zero bytes */
  MemoryCopy,
  /** memory.fill: one reserved zero byte */
  MemoryFill,
  Elem,
  /** table.init: element index, then table index */
  TableInit,
  /** table.copy: destination table, then source table */
  TableCopy,
  /** later proposals: immediates not decoded */
  Unsupported,
}

/** How the validator types an instruction. */
export const enum Check {
  /** pop `params`, push `results` */
  Simple,
  /** memarg load/store: memory must exist, alignment ≤ natural, then Simple */
  Memory,
  /** SIMD lane load/store: Memory plus a lane index < `lanes` */
  MemoryLane,
  /** SIMD extract/replace lane: a lane index < `lanes`, then Simple */
  Lane,
  /** contextual typing, handled case by case in the validator */
  Special,
}

export interface OpInfo {
  /** 0x00-0xff, or the prefix's sub-opcode */
  readonly code: number;
  /** 0 for single-byte opcodes, else 0xfb / 0xfc / 0xfd / 0xfe */
  readonly prefix: number;
  readonly name: string;
  readonly imm: Imm;
  readonly check: Check;
  readonly params: Uint8Array;
  readonly results: Uint8Array;
  /** undefined for MVP instructions */
  readonly feature: FeatureName | undefined;
  /** log2 of the natural alignment (memory access size) */
  readonly naturalAlign: number;
  /** lane count for lane immediates */
  readonly lanes: number;
  /** a dense index over all entries (for coverage maps and cost tables) */
  readonly index: number;
}

const TYPE_CODES: Record<string, number> = { i: 0x7f, l: 0x7e, f: 0x7d, d: 0x7c, v: 0x7b };

function types(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = TYPE_CODES[s[i]!]!;
  return out;
}

/** All entries, in table order. */
export const ALL_OPS: OpInfo[] = [];
/** Single-byte opcodes, indexed by byte. */
export const SINGLE_OPS: (OpInfo | undefined)[] = new Array(256).fill(undefined);
/** 0xFC sub-opcodes. */
export const FC_OPS: (OpInfo | undefined)[] = [];
/** 0xFD (SIMD) sub-opcodes. */
export const FD_OPS: (OpInfo | undefined)[] = [];
/** 0xFE (atomics) sub-opcodes: names only. */
export const FE_OPS: (OpInfo | undefined)[] = [];
/** 0xFB (GC) sub-opcodes: recognised as a whole by prefix. */

interface Extra {
  check?: Check;
  align?: number;
  lanes?: number;
}

function def(
  prefix: number,
  code: number,
  name: string,
  imm: Imm,
  sig: string | null,
  feature: FeatureName | undefined,
  extra: Extra = {},
): void {
  const [p = '', r = ''] = sig === null ? ['', ''] : sig.split('>');
  const info: OpInfo = {
    code,
    prefix,
    name,
    imm,
    check: extra.check ?? (sig === null ? Check.Special : Check.Simple),
    params: types(p),
    results: types(r),
    feature,
    naturalAlign: extra.align ?? 0,
    lanes: extra.lanes ?? 0,
    index: ALL_OPS.length,
  };
  ALL_OPS.push(info);
  const table = prefix === 0 ? SINGLE_OPS : prefix === 0xfc ? FC_OPS : prefix === 0xfd ? FD_OPS : FE_OPS;
  table[code] = info;
}

/** Defines a run of simple instructions with consecutive opcodes and the same signature. */
function run(prefix: number, first: number, names: string, sig: string, feature?: FeatureName, extra?: Extra): void {
  names
    .trim()
    .split(/\s+/)
    .forEach((n, i) => def(prefix, first + i, n, Imm.None, sig, feature, extra));
}

// ── control ──────────────────────────────────────────────────────────────────────────────
def(0, 0x00, 'unreachable', Imm.None, null, undefined);
def(0, 0x01, 'nop', Imm.None, '>', undefined);
def(0, 0x02, 'block', Imm.BlockType, null, undefined);
def(0, 0x03, 'loop', Imm.BlockType, null, undefined);
def(0, 0x04, 'if', Imm.BlockType, null, undefined);
def(0, 0x05, 'else', Imm.None, null, undefined);
def(0, 0x06, 'try', Imm.Unsupported, null, 'exceptions');
def(0, 0x07, 'catch', Imm.Unsupported, null, 'exceptions');
def(0, 0x08, 'throw', Imm.Unsupported, null, 'exceptions');
def(0, 0x09, 'rethrow', Imm.Unsupported, null, 'exceptions');
def(0, 0x0a, 'throw_ref', Imm.Unsupported, null, 'exceptions');
def(0, 0x0b, 'end', Imm.None, null, undefined);
def(0, 0x0c, 'br', Imm.Label, null, undefined);
def(0, 0x0d, 'br_if', Imm.Label, null, undefined);
def(0, 0x0e, 'br_table', Imm.BrTable, null, undefined);
def(0, 0x0f, 'return', Imm.None, null, undefined);
def(0, 0x10, 'call', Imm.Func, null, undefined);
def(0, 0x11, 'call_indirect', Imm.CallIndirect, null, undefined);
def(0, 0x12, 'return_call', Imm.Unsupported, null, 'tail-call');
def(0, 0x13, 'return_call_indirect', Imm.Unsupported, null, 'tail-call');
def(0, 0x14, 'call_ref', Imm.Unsupported, null, 'gc');
def(0, 0x15, 'return_call_ref', Imm.Unsupported, null, 'gc');
def(0, 0x18, 'delegate', Imm.Unsupported, null, 'exceptions');
def(0, 0x19, 'catch_all', Imm.Unsupported, null, 'exceptions');
def(0, 0x1f, 'try_table', Imm.Unsupported, null, 'exceptions');

// ── parametric ───────────────────────────────────────────────────────────────────────────
def(0, 0x1a, 'drop', Imm.None, null, undefined);
def(0, 0x1b, 'select', Imm.None, null, undefined);
def(0, 0x1c, 'select', Imm.SelectT, null, 'reference-types');

// ── variables ────────────────────────────────────────────────────────────────────────────
def(0, 0x20, 'local.get', Imm.Local, null, undefined);
def(0, 0x21, 'local.set', Imm.Local, null, undefined);
def(0, 0x22, 'local.tee', Imm.Local, null, undefined);
def(0, 0x23, 'global.get', Imm.Global, null, undefined);
def(0, 0x24, 'global.set', Imm.Global, null, undefined);
def(0, 0x25, 'table.get', Imm.Table, null, 'reference-types');
def(0, 0x26, 'table.set', Imm.Table, null, 'reference-types');

// ── memory ───────────────────────────────────────────────────────────────────────────────
const mem = (code: number, name: string, sig: string, align: number) =>
  def(0, code, name, Imm.MemArg, sig, undefined, { check: Check.Memory, align });
mem(0x28, 'i32.load', 'i>i', 2);
mem(0x29, 'i64.load', 'i>l', 3);
mem(0x2a, 'f32.load', 'i>f', 2);
mem(0x2b, 'f64.load', 'i>d', 3);
mem(0x2c, 'i32.load8_s', 'i>i', 0);
mem(0x2d, 'i32.load8_u', 'i>i', 0);
mem(0x2e, 'i32.load16_s', 'i>i', 1);
mem(0x2f, 'i32.load16_u', 'i>i', 1);
mem(0x30, 'i64.load8_s', 'i>l', 0);
mem(0x31, 'i64.load8_u', 'i>l', 0);
mem(0x32, 'i64.load16_s', 'i>l', 1);
mem(0x33, 'i64.load16_u', 'i>l', 1);
mem(0x34, 'i64.load32_s', 'i>l', 2);
mem(0x35, 'i64.load32_u', 'i>l', 2);
mem(0x36, 'i32.store', 'ii>', 2);
mem(0x37, 'i64.store', 'il>', 3);
mem(0x38, 'f32.store', 'if>', 2);
mem(0x39, 'f64.store', 'id>', 3);
mem(0x3a, 'i32.store8', 'ii>', 0);
mem(0x3b, 'i32.store16', 'ii>', 1);
mem(0x3c, 'i64.store8', 'il>', 0);
mem(0x3d, 'i64.store16', 'il>', 1);
mem(0x3e, 'i64.store32', 'il>', 2);
def(0, 0x3f, 'memory.size', Imm.MemoryIndex, '>i', undefined, { check: Check.Special });
def(0, 0x40, 'memory.grow', Imm.MemoryIndex, 'i>i', undefined, { check: Check.Special });

// ── numeric ──────────────────────────────────────────────────────────────────────────────
def(0, 0x41, 'i32.const', Imm.I32, '>i', undefined);
def(0, 0x42, 'i64.const', Imm.I64, '>l', undefined);
def(0, 0x43, 'f32.const', Imm.F32, '>f', undefined);
def(0, 0x44, 'f64.const', Imm.F64, '>d', undefined);
run(0, 0x45, 'i32.eqz', 'i>i');
run(0, 0x46, 'i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u', 'ii>i');
run(0, 0x50, 'i64.eqz', 'l>i');
run(0, 0x51, 'i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u', 'll>i');
run(0, 0x5b, 'f32.eq f32.ne f32.lt f32.gt f32.le f32.ge', 'ff>i');
run(0, 0x61, 'f64.eq f64.ne f64.lt f64.gt f64.le f64.ge', 'dd>i');
run(0, 0x67, 'i32.clz i32.ctz i32.popcnt', 'i>i');
run(
  0,
  0x6a,
  'i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr',
  'ii>i',
);
run(0, 0x79, 'i64.clz i64.ctz i64.popcnt', 'l>l');
run(
  0,
  0x7c,
  'i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr',
  'll>l',
);
run(0, 0x8b, 'f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt', 'f>f');
run(0, 0x92, 'f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign', 'ff>f');
run(0, 0x99, 'f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt', 'd>d');
run(0, 0xa0, 'f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign', 'dd>d');
run(0, 0xa7, 'i32.wrap_i64', 'l>i');
run(0, 0xa8, 'i32.trunc_f32_s i32.trunc_f32_u', 'f>i');
run(0, 0xaa, 'i32.trunc_f64_s i32.trunc_f64_u', 'd>i');
run(0, 0xac, 'i64.extend_i32_s i64.extend_i32_u', 'i>l');
run(0, 0xae, 'i64.trunc_f32_s i64.trunc_f32_u', 'f>l');
run(0, 0xb0, 'i64.trunc_f64_s i64.trunc_f64_u', 'd>l');
run(0, 0xb2, 'f32.convert_i32_s f32.convert_i32_u', 'i>f');
run(0, 0xb4, 'f32.convert_i64_s f32.convert_i64_u', 'l>f');
run(0, 0xb6, 'f32.demote_f64', 'd>f');
run(0, 0xb7, 'f64.convert_i32_s f64.convert_i32_u', 'i>d');
run(0, 0xb9, 'f64.convert_i64_s f64.convert_i64_u', 'l>d');
run(0, 0xbb, 'f64.promote_f32', 'f>d');
run(0, 0xbc, 'i32.reinterpret_f32', 'f>i');
run(0, 0xbd, 'i64.reinterpret_f64', 'd>l');
run(0, 0xbe, 'f32.reinterpret_i32', 'i>f');
run(0, 0xbf, 'f64.reinterpret_i64', 'l>d');
run(0, 0xc0, 'i32.extend8_s i32.extend16_s', 'i>i', 'sign-ext');
run(0, 0xc2, 'i64.extend8_s i64.extend16_s i64.extend32_s', 'l>l', 'sign-ext');

// ── reference ────────────────────────────────────────────────────────────────────────────
def(0, 0xd0, 'ref.null', Imm.HeapType, null, 'reference-types');
def(0, 0xd1, 'ref.is_null', Imm.None, null, 'reference-types');
def(0, 0xd2, 'ref.func', Imm.Func, null, 'reference-types');
def(0, 0xd3, 'ref.eq', Imm.Unsupported, null, 'gc');
def(0, 0xd4, 'ref.as_non_null', Imm.Unsupported, null, 'gc');
def(0, 0xd5, 'br_on_null', Imm.Unsupported, null, 'gc');
def(0, 0xd6, 'br_on_non_null', Imm.Unsupported, null, 'gc');

// ── 0xFC: saturating truncation, bulk memory, tables ─────────────────────────────────────
run(0xfc, 0x00, 'i32.trunc_sat_f32_s i32.trunc_sat_f32_u', 'f>i', 'nontrapping-fptoint');
run(0xfc, 0x02, 'i32.trunc_sat_f64_s i32.trunc_sat_f64_u', 'd>i', 'nontrapping-fptoint');
run(0xfc, 0x04, 'i64.trunc_sat_f32_s i64.trunc_sat_f32_u', 'f>l', 'nontrapping-fptoint');
run(0xfc, 0x06, 'i64.trunc_sat_f64_s i64.trunc_sat_f64_u', 'd>l', 'nontrapping-fptoint');
def(0xfc, 0x08, 'memory.init', Imm.MemoryInit, 'iii>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x09, 'data.drop', Imm.Data, '>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0a, 'memory.copy', Imm.MemoryCopy, 'iii>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0b, 'memory.fill', Imm.MemoryFill, 'iii>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0c, 'table.init', Imm.TableInit, 'iii>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0d, 'elem.drop', Imm.Elem, '>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0e, 'table.copy', Imm.TableCopy, 'iii>', 'bulk-memory', { check: Check.Special });
def(0xfc, 0x0f, 'table.grow', Imm.Table, null, 'reference-types');
def(0xfc, 0x10, 'table.size', Imm.Table, null, 'reference-types');
def(0xfc, 0x11, 'table.fill', Imm.Table, null, 'reference-types');

// ── 0xFD: fixed-width SIMD ───────────────────────────────────────────────────────────────
const S = 'simd' as const;
const vmem = (code: number, name: string, sig: string, align: number) =>
  def(0xfd, code, name, Imm.MemArg, sig, S, { check: Check.Memory, align });
vmem(0, 'v128.load', 'i>v', 4);
vmem(1, 'v128.load8x8_s', 'i>v', 3);
vmem(2, 'v128.load8x8_u', 'i>v', 3);
vmem(3, 'v128.load16x4_s', 'i>v', 3);
vmem(4, 'v128.load16x4_u', 'i>v', 3);
vmem(5, 'v128.load32x2_s', 'i>v', 3);
vmem(6, 'v128.load32x2_u', 'i>v', 3);
vmem(7, 'v128.load8_splat', 'i>v', 0);
vmem(8, 'v128.load16_splat', 'i>v', 1);
vmem(9, 'v128.load32_splat', 'i>v', 2);
vmem(10, 'v128.load64_splat', 'i>v', 3);
vmem(11, 'v128.store', 'iv>', 4);
def(0xfd, 12, 'v128.const', Imm.V128, '>v', S);
def(0xfd, 13, 'i8x16.shuffle', Imm.Shuffle, 'vv>v', S, { check: Check.Lane, lanes: 32 });
run(0xfd, 14, 'i8x16.swizzle', 'vv>v', S);
run(0xfd, 15, 'i8x16.splat i16x8.splat i32x4.splat', 'i>v', S);
run(0xfd, 18, 'i64x2.splat', 'l>v', S);
run(0xfd, 19, 'f32x4.splat', 'f>v', S);
run(0xfd, 20, 'f64x2.splat', 'd>v', S);
const lane = (code: number, name: string, sig: string, lanes: number) =>
  def(0xfd, code, name, Imm.Lane, sig, S, { check: Check.Lane, lanes });
lane(21, 'i8x16.extract_lane_s', 'v>i', 16);
lane(22, 'i8x16.extract_lane_u', 'v>i', 16);
lane(23, 'i8x16.replace_lane', 'vi>v', 16);
lane(24, 'i16x8.extract_lane_s', 'v>i', 8);
lane(25, 'i16x8.extract_lane_u', 'v>i', 8);
lane(26, 'i16x8.replace_lane', 'vi>v', 8);
lane(27, 'i32x4.extract_lane', 'v>i', 4);
lane(28, 'i32x4.replace_lane', 'vi>v', 4);
lane(29, 'i64x2.extract_lane', 'v>l', 2);
lane(30, 'i64x2.replace_lane', 'vl>v', 2);
lane(31, 'f32x4.extract_lane', 'v>f', 4);
lane(32, 'f32x4.replace_lane', 'vf>v', 4);
lane(33, 'f64x2.extract_lane', 'v>d', 2);
lane(34, 'f64x2.replace_lane', 'vd>v', 2);
const cmp = (p: string) => `${p}.eq ${p}.ne ${p}.lt_s ${p}.lt_u ${p}.gt_s ${p}.gt_u ${p}.le_s ${p}.le_u ${p}.ge_s ${p}.ge_u`;
run(0xfd, 35, cmp('i8x16'), 'vv>v', S);
run(0xfd, 45, cmp('i16x8'), 'vv>v', S);
run(0xfd, 55, cmp('i32x4'), 'vv>v', S);
run(0xfd, 65, 'f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge', 'vv>v', S);
run(0xfd, 71, 'f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge', 'vv>v', S);
run(0xfd, 77, 'v128.not', 'v>v', S);
run(0xfd, 78, 'v128.and v128.andnot v128.or v128.xor', 'vv>v', S);
run(0xfd, 82, 'v128.bitselect', 'vvv>v', S);
run(0xfd, 83, 'v128.any_true', 'v>i', S);
const vlane = (code: number, name: string, sig: string, align: number, lanes: number) =>
  def(0xfd, code, name, Imm.MemArgLane, sig, S, { check: Check.MemoryLane, align, lanes });
vlane(84, 'v128.load8_lane', 'iv>v', 0, 16);
vlane(85, 'v128.load16_lane', 'iv>v', 1, 8);
vlane(86, 'v128.load32_lane', 'iv>v', 2, 4);
vlane(87, 'v128.load64_lane', 'iv>v', 3, 2);
vlane(88, 'v128.store8_lane', 'iv>', 0, 16);
vlane(89, 'v128.store16_lane', 'iv>', 1, 8);
vlane(90, 'v128.store32_lane', 'iv>', 2, 4);
vlane(91, 'v128.store64_lane', 'iv>', 3, 2);
vmem(92, 'v128.load32_zero', 'i>v', 2);
vmem(93, 'v128.load64_zero', 'i>v', 3);
run(0xfd, 94, 'f32x4.demote_f64x2_zero f64x2.promote_low_f32x4', 'v>v', S);
run(0xfd, 96, 'i8x16.abs i8x16.neg i8x16.popcnt', 'v>v', S);
run(0xfd, 99, 'i8x16.all_true i8x16.bitmask', 'v>i', S);
run(0xfd, 101, 'i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u', 'vv>v', S);
run(0xfd, 103, 'f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest', 'v>v', S);
run(0xfd, 107, 'i8x16.shl i8x16.shr_s i8x16.shr_u', 'vi>v', S);
run(0xfd, 110, 'i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u', 'vv>v', S);
run(0xfd, 116, 'f64x2.ceil f64x2.floor', 'v>v', S);
run(0xfd, 118, 'i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u', 'vv>v', S);
run(0xfd, 122, 'f64x2.trunc', 'v>v', S);
run(0xfd, 123, 'i8x16.avgr_u', 'vv>v', S);
run(
  0xfd,
  124,
  'i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u',
  'v>v',
  S,
);
run(0xfd, 128, 'i16x8.abs i16x8.neg', 'v>v', S);
run(0xfd, 130, 'i16x8.q15mulr_sat_s', 'vv>v', S);
run(0xfd, 131, 'i16x8.all_true i16x8.bitmask', 'v>i', S);
run(0xfd, 133, 'i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u', 'vv>v', S);
run(
  0xfd,
  135,
  'i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u',
  'v>v',
  S,
);
run(0xfd, 139, 'i16x8.shl i16x8.shr_s i16x8.shr_u', 'vi>v', S);
run(0xfd, 142, 'i16x8.add i16x8.add_sat_s i16x8.add_sat_u i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u', 'vv>v', S);
run(0xfd, 148, 'f64x2.nearest', 'v>v', S);
run(0xfd, 149, 'i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u', 'vv>v', S);
run(0xfd, 155, 'i16x8.avgr_u', 'vv>v', S);
run(
  0xfd,
  156,
  'i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u',
  'vv>v',
  S,
);
run(0xfd, 160, 'i32x4.abs i32x4.neg', 'v>v', S);
run(0xfd, 163, 'i32x4.all_true i32x4.bitmask', 'v>i', S);
run(
  0xfd,
  167,
  'i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u',
  'v>v',
  S,
);
run(0xfd, 171, 'i32x4.shl i32x4.shr_s i32x4.shr_u', 'vi>v', S);
run(0xfd, 174, 'i32x4.add', 'vv>v', S);
run(0xfd, 177, 'i32x4.sub', 'vv>v', S);
run(0xfd, 181, 'i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s', 'vv>v', S);
run(
  0xfd,
  188,
  'i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u',
  'vv>v',
  S,
);
run(0xfd, 192, 'i64x2.abs i64x2.neg', 'v>v', S);
run(0xfd, 195, 'i64x2.all_true i64x2.bitmask', 'v>i', S);
run(
  0xfd,
  199,
  'i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u',
  'v>v',
  S,
);
run(0xfd, 203, 'i64x2.shl i64x2.shr_s i64x2.shr_u', 'vi>v', S);
run(0xfd, 206, 'i64x2.add', 'vv>v', S);
run(0xfd, 209, 'i64x2.sub', 'vv>v', S);
run(0xfd, 213, 'i64x2.mul', 'vv>v', S);
run(0xfd, 214, 'i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s', 'vv>v', S);
run(
  0xfd,
  220,
  'i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u',
  'vv>v',
  S,
);
run(0xfd, 224, 'f32x4.abs f32x4.neg', 'v>v', S);
run(0xfd, 227, 'f32x4.sqrt', 'v>v', S);
run(0xfd, 228, 'f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max f32x4.pmin f32x4.pmax', 'vv>v', S);
run(0xfd, 236, 'f64x2.abs f64x2.neg', 'v>v', S);
run(0xfd, 239, 'f64x2.sqrt', 'v>v', S);
run(0xfd, 240, 'f64x2.add f64x2.sub f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin f64x2.pmax', 'vv>v', S);
run(
  0xfd,
  248,
  'i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s f32x4.convert_i32x4_u ' +
    'i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u',
  'v>v',
  S,
);

// relaxed SIMD (recognised only)
'i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s i32x4.relaxed_dot_i8x16_i7x16_add_s'
  .split(' ')
  .forEach((n, i) => def(0xfd, 0x100 + i, n, Imm.Unsupported, null, 'relaxed-simd'));

// ── 0xFE: atomics (threads proposal; recognised only) ───────────────────────────────────
def(0xfe, 0x00, 'memory.atomic.notify', Imm.Unsupported, null, 'threads');
def(0xfe, 0x01, 'memory.atomic.wait32', Imm.Unsupported, null, 'threads');
def(0xfe, 0x02, 'memory.atomic.wait64', Imm.Unsupported, null, 'threads');
def(0xfe, 0x03, 'atomic.fence', Imm.Unsupported, null, 'threads');
{
  const widths = ['i32', 'i64', 'i32 8_u', 'i32 16_u', 'i64 8_u', 'i64 16_u', 'i64 32_u'];
  const groups: [number, string][] = [
    [0x10, 'load'],
    [0x17, 'store'],
    [0x1e, 'rmw.add'],
    [0x25, 'rmw.sub'],
    [0x2c, 'rmw.and'],
    [0x33, 'rmw.or'],
    [0x3a, 'rmw.xor'],
    [0x41, 'rmw.xchg'],
    [0x48, 'rmw.cmpxchg'],
  ];
  for (const [first, op] of groups)
    widths.forEach((w, i) => {
      const [t, n] = w.split(' ') as [string, string | undefined];
      let name: string;
      if (n === undefined) name = `${t}.atomic.${op}`;
      else if (op === 'load' || op === 'store') name = `${t}.atomic.${op}${n.replace('_u', op === 'load' ? '_u' : '')}`;
      else name = `${t}.atomic.${op.replace('rmw.', `rmw${n.replace('_u', '')}.`)}_u`;
      def(0xfe, first + i, name, Imm.Unsupported, null, 'threads');
    });
}

/** Looks up an opcode. `sub` is ignored for single-byte opcodes. */
export function lookupOp(prefix: number, code: number): OpInfo | undefined {
  switch (prefix) {
    case 0:
      return SINGLE_OPS[code];
    case 0xfc:
      return FC_OPS[code];
    case 0xfd:
      return FD_OPS[code];
    case 0xfe:
      return FE_OPS[code];
    default:
      return undefined;
  }
}

/** Wasm 2.0 entries only (what the validator accepts under `policies.spec`). */
export const WASM2_OPS: readonly OpInfo[] = ALL_OPS.filter(
  (op) =>
    op.feature === undefined ||
    op.feature === 'sign-ext' ||
    op.feature === 'nontrapping-fptoint' ||
    op.feature === 'bulk-memory' ||
    op.feature === 'reference-types' ||
    op.feature === 'simd',
);

/** The proposal a later feature belongs to, as named in issue messages. */
export const PROPOSAL_NAMES: Readonly<Record<string, string>> = {
  threads: 'threads proposal (atomics, shared memory)',
  memory64: 'memory64 proposal',
  'multi-memory': 'multi-memory proposal',
  exceptions: 'exception-handling proposal',
  'tail-call': 'tail-call proposal',
  gc: 'GC / typed function references proposal',
  'relaxed-simd': 'relaxed-simd proposal',
  'extended-const': 'extended-const proposal',
};

/**
 * Dense views of the simplest single-byte instructions, derived from the table above for the validator's
 * fast path: no immediates (or a numeric constant), at most two operands and one result, no feature gate.
 * `FAST_ARITY[b]` is the operand count, or 255 when `b` is not such an instruction; `FAST_PARAM0/1` are the
 * operand types and `FAST_RESULT` the result type (0 for none).
 */
export const FAST_ARITY = new Uint8Array(256).fill(255);
export const FAST_PARAM0 = new Uint8Array(256);
export const FAST_PARAM1 = new Uint8Array(256);
export const FAST_RESULT = new Uint8Array(256);
/** for the single-byte loads and stores: log2 of the natural alignment; 255 for anything else */
export const FAST_MEMALIGN = new Uint8Array(256).fill(255);
for (const op of ALL_OPS) {
  if (op.prefix !== 0 || op.feature !== undefined) continue;
  if (op.check === Check.Memory) FAST_MEMALIGN[op.code] = op.naturalAlign;
  else if (op.check !== Check.Simple) continue;
  else if (op.imm !== Imm.None && op.imm !== Imm.I32 && op.imm !== Imm.I64 && op.imm !== Imm.F32 && op.imm !== Imm.F64) continue;
  if (op.params.length > 2 || op.results.length > 1) continue;
  FAST_ARITY[op.code] = op.params.length;
  FAST_PARAM0[op.code] = op.params[0] ?? 0;
  FAST_PARAM1[op.code] = op.params[1] ?? 0;
  FAST_RESULT[op.code] = op.results[0] ?? 0;
}

/**
 * `MAY_TRAP[op.index]` is 1 for the Wasm 2.0 instructions that can trap by themselves: memory accesses
 * (every memarg instruction, SIMD lanes included), integer division and remainder, the trapping float-to-int
 * truncations, `unreachable`, `call_indirect`, and the bulk memory and table instructions that check
 * bounds. Calls are not in it (what a callee does is its own business: the fuel pass checks the slack at
 * every call), nor are instructions of later proposals, which never reach instrumentation. The fuel pass lets
 * its slack run below zero across segments without any of these (src/instrument/test-placement.ts).
 */
export const MAY_TRAP = new Uint8Array(ALL_OPS.length);
const TRAPPING_NAMES = /^(unreachable|call_indirect|i(32|64)\.(div|rem)_[su]|i(32|64)\.trunc_f(32|64)_[su]|memory\.(init|copy|fill)|table\.(get|set|init|copy|fill))$/;
for (const op of ALL_OPS)
  if (op.imm === Imm.MemArg || op.imm === Imm.MemArgLane || TRAPPING_NAMES.test(op.name)) MAY_TRAP[op.index] = 1;
