/**
 * Running modules for the execution properties, on the plain WebAssembly API (not src/runtime, which is
 * the thing these properties will later check, and is written concurrently).
 *
 *   instantiate(bytes)          a fresh instance with fresh host imports (createHostImports(): new globals
 *                               per instance, pure host functions), or the trap its start function raised
 *   callExport(instance, f)     one call with `defaultArguments`, as an `Outcome`
 *   diffExports(a, b, info)     the first difference in exported globals, memories (bytes) and tables
 *   classifyError(e)            V8's errors in coarse trap classes
 *
 * Hardened modules: `callHardened` resets `__wasm_harden_depth` to 0 before each top-level call (the host's
 * job), and classifies a trap as `out-of-fuel` when the fuel global is negative and `stack-overflow` when the
 * depth global is above the limit, before looking at V8's message.
 *
 * Outcome counts: every run of a *hardened* module (an instantiation through `instantiateHardened`, a call
 * through `callHardened`, or one the property reports with `recordHardenedOutcome`) is counted by how it
 * ended; the campaign takes the counts after each batch (`takeOutcomeCounts`) for its trap-kind histogram.
 */

import type { ModuleInfo } from '../../src/binary/module-info.js';
import { ExternKindCode, ValType } from '../../src/binary/module-info.js';
import { HOST_MODULE, createHostImports, defaultArguments } from '../generator/host.js';
import { DEPTH_EXPORT, FUEL_EXPORT } from '../../src/index.js';

/** Coarse trap classes (aligned with the runtime's TrapKind names where they exist). */
export type TrapClass =
  | 'unreachable'
  | 'memory-out-of-bounds'
  | 'table-out-of-bounds'
  | 'indirect-call'
  | 'integer-division-by-zero'
  | 'integer-overflow'
  | 'bad-conversion-to-integer'
  | 'stack-overflow'
  | 'out-of-fuel'
  | 'type-error'
  | 'link-error'
  | 'other';

export type Outcome =
  | { kind: 'ok'; values: string[] }
  | { kind: 'trap'; trap: TrapClass; message: string }
  | { kind: 'skipped'; why: string };

/** V8's error → a coarse class. */
export function classifyError(e: unknown): { trap: TrapClass; message: string } {
  if (e instanceof Error) return classifyErrorText(e.name, e.message);
  return { trap: 'other', message: String(e) };
}

/** The same, from an error's name and message (as they cross a worker boundary). */
export function classifyErrorText(name: string, m: string): { trap: TrapClass; message: string } {
  const message = `${name}: ${m}`;
  if (name === 'RangeError' && /call stack/i.test(m)) return { trap: 'stack-overflow', message };
  if (name === 'LinkError') return { trap: 'link-error', message };
  if (name === 'TypeError') return { trap: 'type-error', message };
  if (name !== 'RuntimeError') return { trap: 'other', message };
  if (/^unreachable/.test(m)) return { trap: 'unreachable', message };
  if (/memory access out of bounds|data segment/i.test(m)) return { trap: 'memory-out-of-bounds', message };
  if (/divide by zero|remainder by zero/.test(m)) return { trap: 'integer-division-by-zero', message };
  if (/divide result unrepresentable|integer overflow/.test(m)) return { trap: 'integer-overflow', message };
  if (/float unrepresentable|invalid conversion/.test(m)) return { trap: 'bad-conversion-to-integer', message };
  if (/null function|signature mismatch/.test(m)) return { trap: 'indirect-call', message };
  if (/table|element segment|elem/i.test(m)) return { trap: 'table-out-of-bounds', message };
  return { trap: 'other', message };
}

/** A JS value from wasm, in a comparable form: NaN as NaN (any payload), i64 as decimal, funcref by index. */
export function normalizeValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null) return 'null';
  // an exported wasm function's `name` is its index in its module's function space (V8), and harden
  // never renumbers functions
  if (typeof v === 'function') return `func:${v.name}`;
  if (v === undefined) return 'undefined';
  return `extern:${typeof v}`;
}

function normalizeResults(r: unknown): string[] {
  if (r === undefined) return [];
  if (Array.isArray(r)) return r.map(normalizeValue);
  return [normalizeValue(r)];
}

export interface ExportedFunctionSig {
  name: string;
  params: number[];
  results: number[];
}

/** The exported functions of a decoded module, in export order, with their types. */
export function exportedFunctionsOf(info: ModuleInfo): ExportedFunctionSig[] {
  const out: ExportedFunctionSig[] = [];
  for (const e of info.exports) {
    if (e.kind !== ExternKindCode.Func) continue;
    const t = info.types[info.funcTypeIndices[e.index]!]!;
    out.push({ name: e.name, params: [...t.params], results: [...t.results] });
  }
  return out;
}

export type Instantiated = { ok: true; instance: WebAssembly.Instance } | { ok: false; outcome: Outcome };

/**
 * Fresh imports for one instance: the generator's host module (fuzz/generator/host.ts) and the spec
 * testsuite's `spectest` module (print functions that do nothing, globals of 666 / 666.6, a 10..20 funcref
 * table, a 1..2 page memory), so that spec-suite modules link too. Nothing is shared between instances.
 */
export function createImports(): WebAssembly.Imports {
  // each module's imports are made when V8 first reads them: most modules import from one module or
  // none, and making a memory, a table and globals nobody imports is a measurable part of a case
  let host: Record<string, WebAssembly.ImportValue> | undefined;
  let spectest: Record<string, WebAssembly.ImportValue> | undefined;
  return Object.freeze(
    Object.defineProperties({} as WebAssembly.Imports, {
      [HOST_MODULE]: { enumerable: true, get: () => (host ??= createHostImports()[HOST_MODULE]!) },
      spectest: { enumerable: true, get: () => (spectest ??= createSpectest()) },
    }),
  );
}

function createSpectest(): Record<string, WebAssembly.ImportValue> {
  const noop = () => {};
  return Object.freeze({
    print: noop,
    print_i32: noop,
    print_i64: noop,
    print_f32: noop,
    print_f64: noop,
    print_i32_f32: noop,
    print_f64_f64: noop,
    global_i32: new WebAssembly.Global({ value: 'i32', mutable: false }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64', mutable: false }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32', mutable: false }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64', mutable: false }, 666.6),
    table: new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  });
}

/** Runs of hardened modules (instantiations and export calls) and how many ended in each trap kind. */
export interface OutcomeCounts {
  runs: number;
  traps: Partial<Record<TrapClass, number>>;
}

let counts: OutcomeCounts = { runs: 0, traps: {} };

/** Counts one run of a hardened module (skipped calls are not runs). */
export function recordHardenedOutcome(o: Outcome): void {
  if (o.kind === 'skipped') return;
  counts.runs++;
  if (o.kind === 'trap') counts.traps[o.trap] = (counts.traps[o.trap] ?? 0) + 1;
}

/** The counts since the last call (and starts new ones). */
export function takeOutcomeCounts(): OutcomeCounts {
  const c = counts;
  counts = { runs: 0, traps: {} };
  return c;
}

/** A compiled module, instantiated with fresh imports (`createImports`). */
export function instantiate(module: WebAssembly.Module): Instantiated {
  try {
    return { ok: true, instance: new WebAssembly.Instance(module, createImports()) };
  } catch (e) {
    return { ok: false, outcome: { kind: 'trap', ...classifyError(e) } };
  }
}

/** `instantiate` for a hardened module, its outcome counted (`recordHardenedOutcome`). */
export function instantiateHardened(module: WebAssembly.Module): Instantiated {
  const r = instantiate(module);
  recordHardenedOutcome(r.ok ? { kind: 'ok', values: [] } : r.outcome);
  return r;
}

/**
 * Calls export `f` with default arguments. A function with a v128 parameter or result cannot be called from
 * JS (the JS API throws a TypeError before running anything): skipped.
 */
export function callExport(instance: WebAssembly.Instance, f: ExportedFunctionSig): Outcome {
  const args = defaultArguments(f.params);
  if (args === undefined) return { kind: 'skipped', why: 'v128 parameter' };
  if (f.results.includes(ValType.V128)) return { kind: 'skipped', why: 'v128 result' };
  const fn = instance.exports[f.name] as (...a: unknown[]) => unknown;
  try {
    return { kind: 'ok', values: normalizeResults(fn(...args)) };
  } catch (e) {
    return { kind: 'trap', ...classifyError(e) };
  }
}

/** The hardened module's control globals. */
export interface HardenGlobals {
  fuel: WebAssembly.Global;
  depth: WebAssembly.Global;
}

export function hardenGlobalsOf(instance: WebAssembly.Instance): HardenGlobals {
  const fuel = instance.exports[FUEL_EXPORT];
  const depth = instance.exports[DEPTH_EXPORT];
  if (!(fuel instanceof WebAssembly.Global) || !(depth instanceof WebAssembly.Global))
    throw new Error(`the hardened module does not export ${FUEL_EXPORT} and ${DEPTH_EXPORT} as globals`);
  return { fuel, depth };
}

/** Re-classifies a hardened module's trap using its globals (fuel < 0: out of fuel; depth > limit: ours). */
export function classifyHardened(outcome: Outcome, g: HardenGlobals | undefined, stackLimit: number): Outcome {
  if (outcome.kind !== 'trap' || g === undefined) return outcome;
  if ((g.fuel.value as bigint) < 0n) return { ...outcome, trap: 'out-of-fuel' };
  if ((g.depth.value as number) > stackLimit) return { ...outcome, trap: 'stack-overflow' };
  return outcome;
}

/** Calls export `f` of a hardened instance: depth reset first, trap classified with the globals, counted. */
export function callHardened(instance: WebAssembly.Instance, g: HardenGlobals, f: ExportedFunctionSig, stackLimit: number): Outcome {
  g.depth.value = 0;
  const o = classifyHardened(callExport(instance, f), g, stackLimit);
  recordHardenedOutcome(o);
  return o;
}

/** A global's value, normalised; a v128 global cannot be read from JS (TypeError), so it reads as "v128". */
function globalValue(g: WebAssembly.Global): string {
  try {
    return normalizeValue(g.value);
  } catch (e) {
    if (e instanceof TypeError) return 'v128';
    throw e;
  }
}

/**
 * The first difference between the state two instances show through the exports named in `info` (the
 * original module's export list): exported globals (normalised values), memories (every byte) and tables
 * (length and entries), or undefined when they are the same. It compares the live objects (no copies: a
 * property compares after every call, and memories are up to `ORIGINAL_MAXIMA` pages).
 */
export function diffExports(a: WebAssembly.Instance, b: WebAssembly.Instance, info: ModuleInfo): string | undefined {
  for (const e of info.exports) {
    const x = a.exports[e.name];
    const y = b.exports[e.name];
    if (e.kind === ExternKindCode.Global) {
      const v = x instanceof WebAssembly.Global ? globalValue(x) : undefined;
      const w = y instanceof WebAssembly.Global ? globalValue(y) : undefined;
      if (v !== w) return `global "${e.name}": ${v} vs ${w}`;
    } else if (e.kind === ExternKindCode.Memory) {
      const m = x instanceof WebAssembly.Memory ? new Uint8Array(x.buffer) : undefined;
      const n = y instanceof WebAssembly.Memory ? new Uint8Array(y.buffer) : undefined;
      if (m === undefined || n === undefined || m.length !== n.length) return `memory "${e.name}": ${m?.length} bytes vs ${n?.length} bytes`;
      if (!Buffer.from(m.buffer, m.byteOffset, m.length).equals(Buffer.from(n.buffer, n.byteOffset, n.length))) {
        let i = 0;
        while (m[i] === n[i]) i++;
        return `memory "${e.name}" differs at byte ${i}: ${m[i]} vs ${n[i]}`;
      }
    } else if (e.kind === ExternKindCode.Table) {
      const t = x instanceof WebAssembly.Table ? x : undefined;
      const u = y instanceof WebAssembly.Table ? y : undefined;
      if (t === undefined || u === undefined || t.length !== u.length) return `table "${e.name}": ${t?.length} entries vs ${u?.length}`;
      for (let i = 0; i < t.length; i++) {
        const p = normalizeValue(t.get(i));
        const q = normalizeValue(u.get(i));
        if (p !== q) return `table "${e.name}" entry ${i}: ${p} vs ${q}`;
      }
    }
  }
  return undefined;
}

export function describeOutcome(o: Outcome): string {
  if (o.kind === 'ok') return `ok [${o.values.join(', ')}]`;
  if (o.kind === 'skipped') return `skipped (${o.why})`;
  return `trap ${o.trap} (${o.message})`;
}

/** Same outcome, coarsely: same values, or same trap class. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'ok' && b.kind === 'ok') return a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
  if (a.kind === 'trap' && b.kind === 'trap') return a.trap === b.trap;
  return true;
}

export function isStackOverflow(o: Outcome): boolean {
  return o.kind === 'trap' && o.trap === 'stack-overflow';
}
