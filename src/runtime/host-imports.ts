/**
 * Host imports: deny by default, checked against the policy's allowlist, wrapped, frozen.
 *
 * The import object is built from scratch from the *module's* import list: for each import, the value the
 * host offers (`options.imports[module][name]`, else the WASI shim for `wasi_snapshot_preview1`, else
 * `options.memory` for a memory). Nothing the module does not import is ever placed in it, so offering a
 * larger toolbox than a guest uses is harmless. Every import must be:
 *   - outside the reserved namespace (`forbidden.reserved-name`);
 *   - allowed by `policy.imports` with its kind and type (`forbidden.import`, `forbidden.import-type`),
 *     the same matching as the validator's policy gate (src/validate/policy-gate.ts), checked again here
 *     because a `HardenedModule` is plain data and its policy is what the host vouches for;
 *   - provided (`sandbox.missing-import`), and of the right kind (`sandbox.import-kind`): a function for a
 *     func, a `WebAssembly.Memory`/`Table` for a memory/table, a `WebAssembly.Global` for a mutable global
 *     (a number or bigint also does for an immutable one). Types and limits are then V8's link check.
 * Every problem is reported at once, in one `WasmHardenError`.
 *
 * Functions are wrapped (`HostInvoker.invokeHost`, in sandbox.ts): the host function runs with `this`
 * undefined, and its results are converted to the import's result types *inside* the wrapper's `try`, per
 * the JS API's ToWebAssemblyValue, so that neither a throwing host function nor a result that does not
 * convert (a number for an i64, a `valueOf` that throws) can escape as an exception V8 raises between the
 * host and the guest. A function that is a raw export of another sandbox (`sandbox.exports`) is linked
 * directly, unwrapped: a wasm-to-wasm call, metered by the callee's own fuel.
 *
 * The import object and every namespace in it are null-prototype objects, frozen.
 */

import { ExternKindCode, VALTYPE_NAMES, type Import, type ModuleInfo } from '../binary/module-info.js';
import type { Issue } from '../issues.js';
import { specText } from '../issues.js';
import type { ExternKind, Policy } from '../policy.js';
import { importVerdict } from '../validate/policy-gate.js';
import { sandboxIssue } from './errors.js';
import type { HostImports } from './types.js';
import { WASI_MODULE, wasiSignatureMismatch, type Wasi } from './wasi.js';

import { arrayFrom, BigIntFn, freeze, GlobalCtor, hasOwn, MemoryCtor, TableCtor } from './intrinsics.js';

const asIntN = BigInt.asIntN;

const KIND_NAMES: readonly ExternKind[] = ['func', 'table', 'memory', 'global'];

/** Where a wrapped host function sits, for fault reports and result conversion. */
export interface HostCallSite {
  readonly module: string;
  readonly name: string;
  /** the import's result types (binary codes) */
  readonly results: Uint8Array;
  /** provided by the sandbox's WASI shim (a `WasiExit` from it is a clean exit) */
  readonly wasi: boolean;
}

/** Runs a host function for the guest (sandbox.ts): fault recording, re-entrancy and depth bookkeeping. */
export interface HostInvoker {
  invokeHost(fn: (...args: unknown[]) => unknown, args: unknown[], site: HostCallSite): unknown;
}

export interface ImportSources {
  imports?: HostImports | undefined;
  wasi?: Wasi | undefined;
  memory?: WebAssembly.Memory | undefined;
}

export interface ImportPlan<Owner> {
  /** frozen, null-prototype, exactly the module's imports */
  importObject: WebAssembly.Imports;
  /** the imported memory 0, if any */
  memory: WebAssembly.Memory | undefined;
  /** imported tables by table index */
  tables: Map<number, WebAssembly.Table>;
  /** sandboxes whose raw exports are linked in directly */
  linked: Set<Owner>;
}

// =========================================================================================================
// The allowlist

/** The allowlist's verdict on one import: undefined when allowed, else the issue. */
export function checkImportAllowed(info: ModuleInfo, policy: Policy, imp: Import): Issue | undefined {
  const verdict = importVerdict(info, policy, imp);
  return verdict === undefined ? undefined : sandboxIssue(verdict.code, verdict.message, `import "${imp.module}"."${imp.name}"`);
}

// =========================================================================================================
// Result conversion (the JS API's ToWebAssemblyValue, done inside the wrapper)

function toBigInt64(v: unknown): bigint {
  if (typeof v === 'bigint') return asIntN(64, v);
  if (typeof v === 'number') throw new TypeError(`a host function returned the number ${v} where an i64 (a BigInt) is expected`);
  if (v === undefined || v === null || typeof v === 'symbol')
    throw new TypeError(`a host function returned ${String(v)} where an i64 (a BigInt) is expected`);
  return asIntN(64, BigIntFn(v as string | boolean));
}

function convertOne(v: unknown, type: number): unknown {
  switch (type) {
    case 0x7f: // i32: ToInt32 (a BigInt throws)
      return (v as number) | 0;
    case 0x7e:
      return toBigInt64(v);
    case 0x7d: // f32
    case 0x7c: // f64: ToNumber (a BigInt throws)
      return +(v as number);
    case 0x6f: // externref: any value
      return v;
    case 0x70: // funcref: null or a wasm function (V8 checks which function)
      if (v === null || typeof v === 'function') return v;
      throw new TypeError(`a host function returned ${typeof v} where a funcref (null or a wasm function) is expected`);
    default:
      throw new TypeError('a host function cannot return a v128');
  }
}

/** Converts a host function's return value to the import's results (called inside the wrapper's try). */
export function convertResults(value: unknown, results: Uint8Array): unknown {
  if (results.length === 0) return undefined;
  if (results.length === 1) return convertOne(value, results[0]!);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || !(Symbol.iterator in value))
    throw new TypeError(`a host function with ${results.length} results must return an iterable of ${results.length} values`);
  const values = arrayFrom(value as Iterable<unknown>);
  if (values.length !== results.length)
    throw new TypeError(`a host function with ${results.length} results returned ${values.length} values`);
  return values.map((v, i) => convertOne(v, results[i]!));
}

// =========================================================================================================
// Building the import object

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (v instanceof MemoryCtor) return 'a WebAssembly.Memory';
  if (v instanceof TableCtor) return 'a WebAssembly.Table';
  if (v instanceof GlobalCtor) return 'a WebAssembly.Global';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Checks and builds the import object for `info`. `ownerOf(fn)` names the sandbox a function is a raw
 * export of (linked directly), or undefined for a host function (wrapped). Throws nothing: the issues are
 * returned, and the caller throws them together.
 */
export function buildImports<Owner>(
  info: ModuleInfo,
  policy: Policy,
  sources: ImportSources,
  invoker: HostInvoker,
  ownerOf: (fn: unknown) => Owner | undefined,
): { ok: true; plan: ImportPlan<Owner> } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const host = sources.imports;
  const wasiTable = sources.wasi?.imports[WASI_MODULE] as Readonly<Record<string, unknown>> | undefined;
  const namespaces = new Map<string, Record<string, unknown>>();
  const plan: ImportPlan<Owner> = { importObject: Object.create(null), memory: undefined, tables: new Map(), linked: new Set() };
  const seen = new Map<string, string>();
  let tableIndex = 0;
  let memoryIndex = 0;

  for (const imp of info.imports) {
    const path = `import "${imp.module}"."${imp.name}"`;
    const kind = KIND_NAMES[imp.desc.kind]!;
    const thisTable = imp.desc.kind === ExternKindCode.Table ? tableIndex++ : -1;
    const thisMemory = imp.desc.kind === ExternKindCode.Memory ? memoryIndex++ : -1;

    const refused = checkImportAllowed(info, policy, imp);
    if (refused !== undefined) {
      issues.push(refused);
      continue;
    }

    // what the host offers: its own imports first, then the WASI shim, then options.memory
    let value: unknown;
    let found = false;
    let fromWasi = false;
    const ns = host !== undefined && hasOwn(host, imp.module) ? host[imp.module] : undefined;
    if (ns !== undefined && ns !== null && hasOwn(ns, imp.name)) {
      value = ns[imp.name];
      found = true;
    } else if (imp.module === WASI_MODULE && wasiTable !== undefined) {
      const t = info.types[imp.desc.kind === ExternKindCode.Func ? imp.desc.typeIndex : -1];
      const mismatch =
        t === undefined
          ? `${WASI_MODULE}.${imp.name} is imported as a ${kind}, not a function`
          : wasiSignatureMismatch(imp.name, [...t.params].map((c) => VALTYPE_NAMES[c] ?? '?'), [...t.results].map((c) => VALTYPE_NAMES[c] ?? '?'));
      if (mismatch !== undefined) {
        issues.push(sandboxIssue('sandbox.import-kind', mismatch, path));
        continue;
      }
      value = wasiTable[imp.name];
      found = true;
      fromWasi = true;
    } else if (imp.desc.kind === ExternKindCode.Memory && sources.memory !== undefined) {
      value = sources.memory;
      found = true;
    }
    if (!found) {
      const hint =
        imp.module === WASI_MODULE ? ' (pass `wasi: true` to provide WASI)' : imp.desc.kind === ExternKindCode.Memory ? ' (pass `memory` or `imports`)' : '';
      issues.push(sandboxIssue('sandbox.missing-import', `the module imports ${kind} "${imp.module}"."${imp.name}" and the host does not provide it${hint}`, path));
      continue;
    }

    let linked: unknown;
    switch (imp.desc.kind) {
      case ExternKindCode.Func: {
        if (typeof value !== 'function') {
          issues.push(sandboxIssue('sandbox.import-kind', `"${imp.module}"."${imp.name}" is a function import, the host provides ${describe(value)}`, path));
          continue;
        }
        const owner = ownerOf(value);
        if (owner !== undefined) {
          plan.linked.add(owner);
          linked = value;
        } else {
          const type = info.types[imp.desc.typeIndex];
          const site: HostCallSite = freeze({ module: imp.module, name: imp.name, results: type?.results ?? new Uint8Array(0), wasi: fromWasi });
          const fn = value as (...args: unknown[]) => unknown;
          linked = function hostImport(...args: unknown[]): unknown {
            return invoker.invokeHost(fn, args, site);
          };
        }
        break;
      }
      case ExternKindCode.Memory:
        if (!(value instanceof MemoryCtor)) {
          issues.push(sandboxIssue('sandbox.import-kind', `"${imp.module}"."${imp.name}" is a memory import, the host provides ${describe(value)}`, path));
          continue;
        }
        if (thisMemory === 0) plan.memory = value;
        linked = value;
        break;
      case ExternKindCode.Table:
        if (!(value instanceof TableCtor)) {
          issues.push(sandboxIssue('sandbox.import-kind', `"${imp.module}"."${imp.name}" is a table import, the host provides ${describe(value)}`, path));
          continue;
        }
        plan.tables.set(thisTable, value);
        linked = value;
        break;
      case ExternKindCode.Global: {
        const g = imp.desc.global;
        const t = g.valType;
        const primitiveOk =
          !g.mutable &&
          (((t === 0x7f || t === 0x7d || t === 0x7c) && typeof value === 'number') || (t === 0x7e && typeof value === 'bigint') || t === 0x6f || t === 0x70);
        if (!(value instanceof GlobalCtor) && !primitiveOk) {
          const want = g.mutable ? 'a WebAssembly.Global' : `a WebAssembly.Global or ${t === 0x7e ? 'a bigint' : 'a number'}`;
          issues.push(
            sandboxIssue('sandbox.import-kind', `"${imp.module}"."${imp.name}" is a ${g.mutable ? 'mutable ' : ''}${VALTYPE_NAMES[t] ?? '?'} global import: the host must provide ${want}, not ${describe(value)}`, path),
          );
          continue;
        }
        linked = value;
        break;
      }
    }

    // the same name imported twice: one JS value serves both, so a wrapper must fit both result types
    const signature = imp.desc.kind === ExternKindCode.Func ? `func ${info.types[imp.desc.typeIndex]?.results.join(',')}` : kind;
    const key = `${imp.module}\u0000${imp.name}`;
    const before = seen.get(key);
    if (before !== undefined) {
      if (before !== signature)
        issues.push(sandboxIssue('sandbox.import-kind', `"${imp.module}"."${imp.name}" is imported twice with different kinds or result types`, path));
      continue;
    }
    seen.set(key, signature);

    let target = namespaces.get(imp.module);
    if (target === undefined) {
      target = Object.create(null) as Record<string, unknown>;
      namespaces.set(imp.module, target);
      (plan.importObject as Record<string, unknown>)[imp.module] = target;
    }
    target[imp.name] = linked;
  }

  if (issues.length > 0) return { ok: false, issues };
  for (const ns of namespaces.values()) freeze(ns);
  freeze(plan.importObject);
  return { ok: true, plan };
}
