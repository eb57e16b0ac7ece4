/**
 * The module-level plan: everything a function body may refer to, decided before any body is generated
 * (types, index spaces, tables, memory, globals, segments, which functions `ref.func` may name).
 */

import type { SwarmConfig } from './config.js';
import type { OpSets } from './ops.js';

export interface PlanFuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface PlanTable {
  readonly elemType: number;
  readonly min: number;
  readonly max: number | undefined;
}

export interface PlanMemory {
  readonly min: number;
  readonly max: number | undefined;
}

/** A constant expression, as the generator builds them. */
export type ConstExpr =
  | { readonly op: 'i32'; readonly value: number }
  | { readonly op: 'i64'; readonly value: bigint }
  | { readonly op: 'f32'; readonly bits: number }
  | { readonly op: 'f64'; readonly bits: bigint }
  | { readonly op: 'v128'; readonly bytes: Uint8Array }
  | { readonly op: 'ref.null'; readonly type: number }
  | { readonly op: 'ref.func'; readonly func: number }
  | { readonly op: 'global.get'; readonly global: number };

export interface PlanGlobal {
  readonly type: number;
  readonly mutable: boolean;
  /** the host import name, for imported globals */
  readonly importName: string | undefined;
  /** defined globals */
  readonly init: ConstExpr | undefined;
}

export interface PlanElem {
  readonly mode: 'active' | 'passive' | 'declarative';
  readonly table: number;
  readonly offset: ConstExpr | undefined;
  readonly elemType: number;
  /** items as expressions (encoded as function indices when `exprs` is false) */
  readonly items: readonly ConstExpr[];
  readonly exprs: boolean;
  /** binary flags (0-7) */
  readonly flags: number;
}

export interface PlanData {
  readonly mode: 'active' | 'passive';
  readonly offset: ConstExpr | undefined;
  readonly bytes: Uint8Array;
  /** 0, 1 or 2 */
  readonly flags: number;
}

export interface PlanExport {
  readonly name: string;
  readonly kind: 0 | 1 | 2 | 3;
  readonly index: number;
}

export interface ModulePlan {
  readonly config: SwarmConfig;
  readonly features: ReadonlySet<string>;
  readonly ops: OpSets;
  /** value types the features allow */
  readonly valTypes: readonly number[];
  /** value types allowed for untyped `select` (numeric and vector) */
  readonly numTypes: readonly number[];
  readonly refTypes: readonly number[];
  readonly types: PlanFuncType[];
  /** type index of every function, imports first */
  readonly funcTypes: number[];
  /** host function name of each imported function */
  readonly importedFuncNames: string[];
  readonly tables: PlanTable[];
  readonly memory: PlanMemory | undefined;
  /** imports first */
  readonly globals: PlanGlobal[];
  readonly importedGlobals: number;
  /** terminating mode: the fuel global's index; -1 otherwise */
  readonly fuelGlobal: number;
  readonly exports: PlanExport[];
  readonly start: number | undefined;
  readonly elems: PlanElem[];
  readonly data: PlanData[];
  readonly dataCount: boolean;
  /** functions `ref.func` may name in a body (C.refs) */
  readonly declared: number[];
}
