/**
 * The host functions and globals a generated module may import, all from the module `host`.
 *
 * The set is fixed and documented so that any runtime (a test, the sandbox, a differential oracle) can
 * provide it with `createHostImports()`, and a policy can allow exactly it with `HOST_ALLOWLIST`. Every host
 * function is pure, deterministic and never calls back into wasm, so it cannot break termination or make
 * two runs differ.
 *
 *   function        type                              behaviour
 *   host.nop        [] -> []                          nothing
 *   host.id_i32     [i32] -> [i32]                    identity
 *   host.id_i64     [i64] -> [i64]                    identity
 *   host.id_f32     [f32] -> [f32]                    identity
 *   host.id_f64     [f64] -> [f64]                    identity
 *   host.sink       [i32 i64 f32 f64] -> []           nothing
 *   host.mix        [i32 i32] -> [i32]                (a * 31 + b) | 0
 *   host.swap       [i32 i64] -> [i64 i32]            swaps (multi-value)
 *   host.id_extern  [externref] -> [externref]        identity (reference-types)
 *   host.id_func    [funcref] -> [funcref]            identity (reference-types)
 *
 *   global          type            value
 *   host.g_i32      i32             3
 *   host.g_i64      i64             -5
 *   host.g_f32      f32             1.5
 *   host.g_f64      f64             -0.25
 *   host.g_mut_i32  mut i32         7      (mutable-globals)
 *   host.g_mut_f64  mut f64         2.5    (mutable-globals)
 *   host.g_extern   externref       null   (reference-types)
 */

import { ValType } from '../../src/binary/module-info.js';
import type { AllowedImport, Wasm2Feature } from '../../src/policy.js';

export const HOST_MODULE = 'host';

export interface HostFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** a feature the signature needs */
  readonly feature?: Wasm2Feature;
}

export interface HostGlobal {
  readonly name: string;
  readonly type: number;
  readonly mutable: boolean;
  /** the initial value (i64 as a bigint; null for a reference) */
  readonly value: number | bigint | null;
  readonly feature?: Wasm2Feature;
}

const I32 = ValType.I32,
  I64 = ValType.I64,
  F32 = ValType.F32,
  F64 = ValType.F64;

export const HOST_FUNCTIONS: readonly HostFunction[] = [
  { name: 'nop', params: [], results: [] },
  { name: 'id_i32', params: [I32], results: [I32] },
  { name: 'id_i64', params: [I64], results: [I64] },
  { name: 'id_f32', params: [F32], results: [F32] },
  { name: 'id_f64', params: [F64], results: [F64] },
  { name: 'sink', params: [I32, I64, F32, F64], results: [] },
  { name: 'mix', params: [I32, I32], results: [I32] },
  { name: 'swap', params: [I32, I64], results: [I64, I32], feature: 'multi-value' },
  { name: 'id_extern', params: [ValType.ExternRef], results: [ValType.ExternRef], feature: 'reference-types' },
  { name: 'id_func', params: [ValType.FuncRef], results: [ValType.FuncRef], feature: 'reference-types' },
];

export const HOST_GLOBALS: readonly HostGlobal[] = [
  { name: 'g_i32', type: I32, mutable: false, value: 3 },
  { name: 'g_i64', type: I64, mutable: false, value: -5n },
  { name: 'g_f32', type: F32, mutable: false, value: 1.5 },
  { name: 'g_f64', type: F64, mutable: false, value: -0.25 },
  { name: 'g_mut_i32', type: I32, mutable: true, value: 7, feature: 'mutable-globals' },
  { name: 'g_mut_f64', type: F64, mutable: true, value: 2.5, feature: 'mutable-globals' },
  { name: 'g_extern', type: ValType.ExternRef, mutable: false, value: null, feature: 'reference-types' },
];

const TYPE_NAMES: Record<number, string> = {
  [I32]: 'i32',
  [I64]: 'i64',
  [F32]: 'f32',
  [F64]: 'f64',
  [ValType.V128]: 'v128',
  [ValType.FuncRef]: 'funcref',
  [ValType.ExternRef]: 'externref',
};

/** A policy allowlist admitting exactly the host imports above (with their types). */
export const HOST_ALLOWLIST: readonly AllowedImport[] = [
  ...HOST_FUNCTIONS.map((f) => ({
    module: HOST_MODULE,
    name: f.name,
    kind: 'func' as const,
    type: `${f.params.map((t) => TYPE_NAMES[t]).join(' ')} -> ${f.results.map((t) => TYPE_NAMES[t]).join(' ')}`.trim(),
  })),
  ...HOST_GLOBALS.map((g) => ({
    module: HOST_MODULE,
    name: g.name,
    kind: 'global' as const,
    type: `${g.mutable ? 'mut ' : ''}${TYPE_NAMES[g.type]}`,
  })),
];

const GLOBAL_VALUE_NAMES: Record<number, 'i32' | 'i64' | 'f32' | 'f64' | 'externref'> = {
  [I32]: 'i32',
  [I64]: 'i64',
  [F32]: 'f32',
  [F64]: 'f64',
  [ValType.ExternRef]: 'externref',
};

/**
 * A fresh import object for one instance: the functions above and new `WebAssembly.Global`s (so mutable
 * globals never leak between instances). Frozen, as the runtime conventions ask.
 */
export function createHostImports(): WebAssembly.Imports {
  const host: Record<string, unknown> = {
    nop: () => {},
    id_i32: (x: number) => x,
    id_i64: (x: bigint) => x,
    id_f32: (x: number) => x,
    id_f64: (x: number) => x,
    sink: () => {},
    mix: (a: number, b: number) => (Math.imul(a, 31) + b) | 0,
    swap: (a: number, b: bigint) => [b, a],
    id_extern: (x: unknown) => x,
    id_func: (x: unknown) => x,
  };
  for (const g of HOST_GLOBALS)
    host[g.name] = new WebAssembly.Global({ value: GLOBAL_VALUE_NAMES[g.type]!, mutable: g.mutable }, g.value);
  return Object.freeze({ [HOST_MODULE]: Object.freeze(host) });
}

/**
 * Plain JS arguments for a call from JS with parameter types `params` (zeros, 0n, null), or undefined
 * when a parameter is v128 (the JS API cannot pass one: such a call throws a TypeError).
 */
export function defaultArguments(params: readonly number[]): unknown[] | undefined {
  const out: unknown[] = [];
  for (const t of params) {
    if (t === ValType.V128) return undefined;
    out.push(t === I64 ? 0n : t === ValType.FuncRef || t === ValType.ExternRef ? null : 0);
  }
  return out;
}
