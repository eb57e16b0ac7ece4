/**
 * The hardening policy: which features, how large, which imports.
 *
 * A caller passes a partial `PolicyInput`; `normalizePolicy` merges it over a base (by default
 * `policies.strict`), rejects anything malformed up front with `policy.invalid-option` issues, and returns a
 * frozen `Policy`. Normalising twice is free: a normalised policy is remembered and returned as is.
 *
 * Presets:
 *   - `policies.strict`: the default, for untrusted code. Wasm 2.0 features, tight limits, no imports.
 *   - `policies.spec`: exactly what the Wasm 2.0 spec and V8 accept: every import allowed, V8's limits.
 *     For conformance and differential testing only, never for untrusted code.
 */

import { WasmHardenError, type Issue } from './issues.js';
import { V8_LIMITS, type LimitName } from './limits.js';
import { WASM2_OPS } from './binary/opcodes.js';
import { MAX_UNIT_COST, type CostSpec } from './instrument/cost-model.js';
import { DEFAULT_STACK_LIMIT, FRAME_BASE, MAX_STACK_LIMIT } from './instrument/stack-limit.js';

/** The Wasm 2.0 feature set (each can be switched off). */
export const WASM2_FEATURES = [
  'mutable-globals',
  'sign-ext',
  'nontrapping-fptoint',
  'multi-value',
  'bulk-memory',
  'reference-types',
  'simd',
] as const;

/**
 * Later proposals. The decoder recognises their encodings so that policy rejects them by name; this version
 * of wasm-harden does not validate them, so a policy cannot enable them yet.
 */
export const LATER_FEATURES = [
  'threads',
  'memory64',
  'multi-memory',
  'exceptions',
  'tail-call',
  'gc',
  'relaxed-simd',
  'extended-const',
] as const;

export type Wasm2Feature = (typeof WASM2_FEATURES)[number];
export type LaterFeature = (typeof LATER_FEATURES)[number];
export type FeatureName = Wasm2Feature | LaterFeature;

export type Limits = { readonly [K in LimitName]: number };

export type ValTypeName = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export type ExternKind = 'func' | 'table' | 'memory' | 'global';

/**
 * One allowlist entry. `name: "*"` allows every name of `module`. `type`, when given, must match exactly:
 *   - func:   "i32 i32 -> i32", "-> f64", "->"  (params and results separated by "->")
 *   - global: "i32" or "mut i32"
 *   - table:  "funcref" or "externref"
 *   - memory: ignored (memory caps are checked against `limits.memoryPages`)
 */
export interface AllowedImport {
  readonly module: string;
  readonly name: string;
  readonly kind?: ExternKind;
  readonly type?: string;
}

export interface Policy {
  /** Enabled features, sorted. */
  readonly features: readonly FeatureName[];
  readonly limits: Limits;
  /** `"any"`, or the allowlist. `[]` denies every import. */
  readonly imports: 'any' | readonly AllowedImport[];
  /** Module name (for imports) and name prefix (for exports) reserved for instrumentation. */
  readonly reservedNamespace: string;
  /** Whether a start function is allowed (it is metered by harden, so the default is true). */
  readonly allowStart: boolean;
  /** The fuel budget a hardened module starts with (used by harden; 0 ≤ fuel ≤ 2^63 - 1). */
  readonly fuel: bigint;
  /** What things cost in fuel (see src/instrument/cost-model.ts); every field filled in. */
  readonly costs: Readonly<Required<Omit<CostSpec, 'instructions'>>> & { readonly instructions: Readonly<Record<string, number>> };
  /** The stack budget of a hardened module, in notional bytes (see src/instrument/stack-limit.ts). */
  readonly stackLimit: number;
  /**
   * Whether harden requires imported memories and tables to declare a maximum within the cap. That is what
   * makes V8's link check hold the host's memory to the cap (a provided memory's maximum must not exceed
   * the declared one), so `strict` requires it; `spec` does not (spec modules import `spectest`'s memory
   * without a maximum), and leaves the cap on imports to the host.
   */
  readonly requireImportMaximum: boolean;
}

export interface PolicyInput {
  features?: readonly FeatureName[] | ReadonlySet<FeatureName>;
  limits?: Partial<Record<LimitName, number>>;
  imports?: 'any' | readonly AllowedImport[];
  reservedNamespace?: string;
  allowStart?: boolean;
  /** number, bigint, or (from JSON) a decimal string */
  fuel?: number | bigint | string;
  /** partial cost model, merged over the base's */
  costs?: CostSpec;
  stackLimit?: number;
  requireImportMaximum?: boolean;
}

export const RESERVED_NAMESPACE = '__wasm_harden';

const STRICT_LIMITS: Limits = Object.freeze({
  moduleBytes: 64 * 1024 * 1024,
  types: 100_000,
  functions: 100_000,
  imports: 10_000,
  exports: 10_000,
  globals: 10_000,
  tables: 16,
  dataSegments: 10_000,
  elemSegments: 10_000,
  params: 1_000,
  results: 1_000,
  localsPerFunction: 50_000,
  // Hardening (binaryen) cost grows with locals × functions: 1000 × 50k locals took 17 s.
  totalLocals: 1_000_000,
  bodyBytes: 2 * 1024 * 1024,
  totalBodyBytes: 64 * 1024 * 1024,
  // binaryen's recursion overflows at about 8k nested blocks; keep well clear.
  nestingDepth: 2_048,
  brTableSize: 16_384,
  // 16384 pages × 64 KiB = 1 GiB
  memoryPages: 16_384,
  tableElements: 100_000,
  dataBytes: 64 * 1024 * 1024,
  customSections: 1_000,
  nameBytes: 65_536,
});

const DEFAULT_FUEL = 10_000_000_000n;
/** The fuel global is a signed i64 whose negative values mean "exhausted", so budgets stop at 2^63 - 1. */
export const MAX_FUEL = (1n << 63n) - 1n;

const DEFAULT_COST_SPEC: Policy['costs'] = Object.freeze({
  default: 1,
  instructions: Object.freeze({}),
  local: 1,
  memoryByte: 1,
  tableElement: 1,
  memoryGrowPage: 64,
  tableGrowElement: 1,
});
const COST_KEYS = new Set(Object.keys(DEFAULT_COST_SPEC));
const INSTRUCTION_NAMES = new Set(WASM2_OPS.map((op) => op.name));

const normalised = new WeakSet<Policy>();

function freezePolicy(p: Policy): Policy {
  Object.freeze(p.features);
  Object.freeze(p.limits);
  Object.freeze(p.costs.instructions);
  Object.freeze(p.costs);
  if (p.imports !== 'any') {
    for (const entry of p.imports) Object.freeze(entry);
    Object.freeze(p.imports);
  }
  Object.freeze(p);
  normalised.add(p);
  return p;
}

const strict: Policy = freezePolicy({
  features: [...WASM2_FEATURES].sort(),
  limits: STRICT_LIMITS,
  imports: [],
  reservedNamespace: RESERVED_NAMESPACE,
  allowStart: true,
  fuel: DEFAULT_FUEL,
  costs: DEFAULT_COST_SPEC,
  stackLimit: DEFAULT_STACK_LIMIT,
  requireImportMaximum: true,
});

const spec: Policy = freezePolicy({
  features: [...WASM2_FEATURES].sort(),
  limits: { ...V8_LIMITS },
  imports: 'any',
  reservedNamespace: RESERVED_NAMESPACE,
  allowStart: true,
  fuel: DEFAULT_FUEL,
  costs: DEFAULT_COST_SPEC,
  stackLimit: DEFAULT_STACK_LIMIT,
  requireImportMaximum: false,
});

export const policies: { readonly strict: Policy; readonly spec: Policy } = Object.freeze({ strict, spec });

const POLICY_KEYS = new Set(['features', 'limits', 'imports', 'reservedNamespace', 'allowStart', 'fuel', 'costs', 'stackLimit', 'requireImportMaximum']);
const IMPORT_KEYS = new Set(['module', 'name', 'kind', 'type']);
const EXTERN_KINDS = new Set<string>(['func', 'table', 'memory', 'global']);
const VALTYPES = new Set<string>(['i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref']);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Set);
}

/** Parses an allowlist `type` string for `kind`; returns an error message, or undefined when fine. */
export function checkImportTypeSyntax(kind: ExternKind | undefined, type: string): string | undefined {
  const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);
  if (kind === 'func') {
    const arrow = type.indexOf('->');
    if (arrow < 0) return `func type "${type}" must contain "->"`;
    const all = [...words(type.slice(0, arrow)), ...words(type.slice(arrow + 2))];
    const bad = all.find((w) => !VALTYPES.has(w));
    return bad === undefined ? undefined : `unknown value type "${bad}" in "${type}"`;
  }
  if (kind === 'global') {
    const w = words(type);
    const value = w[0] === 'mut' ? w.slice(1) : w;
    return value.length === 1 && VALTYPES.has(value[0]!) ? undefined : `global type "${type}" must be "[mut] <valtype>"`;
  }
  if (kind === 'table') return type === 'funcref' || type === 'externref' ? undefined : `table type "${type}" must be funcref or externref`;
  if (kind === 'memory') return undefined;
  return `"type" needs "kind"`;
}

/** Canonical text of a func type, as allowlist entries are compared: "i32 i32 -> i32". */
export function canonicalFuncType(type: string): string {
  const arrow = type.indexOf('->');
  const words = (s: string) => s.split(/[\s,]+/).filter(Boolean).join(' ');
  return `${words(type.slice(0, arrow))} -> ${words(type.slice(arrow + 2))}`.trim();
}

/**
 * Merges `input` over `base` (default `policies.strict`) and validates every option. Throws a
 * `WasmHardenError` whose issues all have code `policy.invalid-option`. A normalised policy is returned as is.
 */
export function normalizePolicy(input?: PolicyInput | Policy, base: Policy = strict): Policy {
  if (input === undefined) return base;
  if (normalised.has(input as Policy)) return input as Policy;
  const issues: Issue[] = [];
  const bad = (path: string, message: string) =>
    issues.push({ code: 'policy.invalid-option', message: `invalid policy option: ${message}`, offset: 0, path });

  if (!isPlainObject(input)) {
    bad('', 'a policy must be an object');
    throw new WasmHardenError(issues);
  }
  for (const key of Object.keys(input)) if (!POLICY_KEYS.has(key)) bad(key, `unknown key "${key}"`);

  // features
  let features: FeatureName[] = [...base.features];
  if (input.features !== undefined) {
    const list = input.features instanceof Set ? [...input.features] : input.features;
    if (!Array.isArray(list)) bad('features', 'features must be an array of feature names');
    else {
      features = [];
      for (const f of list as unknown[]) {
        if ((WASM2_FEATURES as readonly unknown[]).includes(f)) features.push(f as FeatureName);
        else if ((LATER_FEATURES as readonly unknown[]).includes(f))
          bad('features', `feature "${String(f)}" is recognised but not supported by this version of wasm-harden`);
        else bad('features', `unknown feature "${String(f)}"`);
      }
      if (features.includes('simd') || features.includes('reference-types') || features.includes('bulk-memory')) {
        // no implied dependencies in Wasm 2.0; each gate is independent
      }
      features = [...new Set(features)].sort();
    }
  }

  // limits
  const limits: Record<string, number> = { ...base.limits };
  if (input.limits !== undefined) {
    if (!isPlainObject(input.limits)) bad('limits', 'limits must be an object');
    else
      for (const [key, value] of Object.entries(input.limits)) {
        if (!(key in V8_LIMITS)) bad(`limits.${key}`, `unknown limit "${key}"`);
        else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
          bad(`limits.${key}`, `limit "${key}" must be a non-negative integer`);
        else if (value > V8_LIMITS[key as LimitName])
          bad(`limits.${key}`, `limit "${key}" = ${value} is above the implementation maximum ${V8_LIMITS[key as LimitName]}`);
        else limits[key] = value;
      }
  }

  // imports
  let imports: 'any' | AllowedImport[] = base.imports === 'any' ? 'any' : [...base.imports];
  if (input.imports !== undefined) {
    if (input.imports === 'any') imports = 'any';
    else if (!Array.isArray(input.imports)) bad('imports', 'imports must be "any" or an array of { module, name, kind?, type? }');
    else {
      imports = [];
      (input.imports as unknown[]).forEach((entry, i) => {
        const path = `imports[${i}]`;
        if (!isPlainObject(entry)) return bad(path, 'an import entry must be an object');
        for (const key of Object.keys(entry)) if (!IMPORT_KEYS.has(key)) bad(path, `unknown key "${key}"`);
        if (typeof entry.module !== 'string') return bad(path, '"module" must be a string');
        if (typeof entry.name !== 'string') return bad(path, '"name" must be a string');
        if (entry.kind !== undefined && !EXTERN_KINDS.has(entry.kind as string))
          return bad(path, `"kind" must be one of func, table, memory, global`);
        if (entry.type !== undefined) {
          if (typeof entry.type !== 'string') return bad(path, '"type" must be a string');
          const err = checkImportTypeSyntax(entry.kind as ExternKind | undefined, entry.type);
          if (err) return bad(path, err);
        }
        const clean: AllowedImport = {
          module: entry.module,
          name: entry.name,
          ...(entry.kind !== undefined ? { kind: entry.kind as ExternKind } : {}),
          ...(entry.type !== undefined
            ? { type: entry.kind === 'func' ? canonicalFuncType(entry.type as string) : (entry.type as string).trim().split(/\s+/).join(' ') }
            : {}),
        };
        (imports as AllowedImport[]).push(clean);
      });
    }
  }

  // reserved namespace
  let reservedNamespace = base.reservedNamespace;
  if (input.reservedNamespace !== undefined) {
    if (typeof input.reservedNamespace !== 'string' || input.reservedNamespace.length < 2)
      bad('reservedNamespace', 'reservedNamespace must be a string of at least 2 characters');
    else reservedNamespace = input.reservedNamespace;
  }

  let allowStart = base.allowStart;
  if (input.allowStart !== undefined) {
    if (typeof input.allowStart !== 'boolean') bad('allowStart', 'allowStart must be a boolean');
    else allowStart = input.allowStart;
  }

  let fuel = base.fuel;
  if (input.fuel !== undefined) {
    const parsed = parseFuel(input.fuel);
    if (parsed === undefined) bad('fuel', 'fuel must be an integer from 0 to 2^63 - 1 (number, bigint or decimal string)');
    else fuel = parsed;
  }

  let costs: Policy['costs'] = base.costs;
  if (input.costs !== undefined) {
    if (!isPlainObject(input.costs)) bad('costs', 'costs must be an object');
    else {
      const merged: Record<string, unknown> = { ...base.costs, instructions: { ...base.costs.instructions } };
      const okCost = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_UNIT_COST;
      for (const [key, value] of Object.entries(input.costs)) {
        if (!COST_KEYS.has(key)) bad(`costs.${key}`, `unknown cost "${key}"`);
        else if (key === 'instructions') {
          if (!isPlainObject(value)) bad('costs.instructions', 'costs.instructions must map instruction names to costs');
          else
            for (const [name, cost] of Object.entries(value)) {
              if (!INSTRUCTION_NAMES.has(name)) bad(`costs.instructions.${name}`, `unknown instruction "${name}"`);
              else if (!okCost(cost)) bad(`costs.instructions.${name}`, `a cost must be an integer from 0 to ${MAX_UNIT_COST}`);
              else (merged.instructions as Record<string, number>)[name] = cost as number;
            }
        } else if (!okCost(value)) bad(`costs.${key}`, `a cost must be an integer from 0 to ${MAX_UNIT_COST}`);
        else merged[key] = value;
      }
      const sorted = Object.fromEntries(Object.entries(merged.instructions as Record<string, number>).sort(([a], [b]) => (a < b ? -1 : 1)));
      costs = { ...(merged as Policy['costs']), instructions: sorted };
    }
  }

  let stackLimit = base.stackLimit;
  if (input.stackLimit !== undefined) {
    const v = input.stackLimit;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < FRAME_BASE || v > MAX_STACK_LIMIT)
      bad('stackLimit', `stackLimit must be an integer from ${FRAME_BASE} to ${MAX_STACK_LIMIT} (notional bytes)`);
    else stackLimit = v;
  }

  let requireImportMaximum = base.requireImportMaximum;
  if (input.requireImportMaximum !== undefined) {
    if (typeof input.requireImportMaximum !== 'boolean') bad('requireImportMaximum', 'requireImportMaximum must be a boolean');
    else requireImportMaximum = input.requireImportMaximum;
  }

  if (issues.length > 0) throw new WasmHardenError(issues);
  return freezePolicy({ features, limits: limits as Limits, imports, reservedNamespace, allowStart, fuel, costs, stackLimit, requireImportMaximum });
}

export function parseFuel(value: unknown): bigint | undefined {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    n = BigInt(value);
  } else if (typeof value === 'string' && /^[0-9]+$/.test(value.trim())) n = BigInt(value.trim());
  else return undefined;
  return n >= 0n && n <= MAX_FUEL ? n : undefined;
}

/** A JSON-safe view of a policy (fuel as a decimal string), e.g. for `--json` output and cache keys. */
export function policyToJSON(p: Policy): Record<string, unknown> {
  return {
    features: [...p.features],
    limits: { ...p.limits },
    imports: p.imports === 'any' ? 'any' : p.imports.map((e) => ({ ...e })),
    reservedNamespace: p.reservedNamespace,
    allowStart: p.allowStart,
    fuel: p.fuel.toString(),
    costs: { ...p.costs, instructions: { ...p.costs.instructions } },
    stackLimit: p.stackLimit,
    requireImportMaximum: p.requireImportMaximum,
  };
}
