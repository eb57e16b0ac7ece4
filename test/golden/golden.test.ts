/**
 * Golden tests for harden() (DESIGN.md convention 7; issue 3, acceptance point 1).
 *
 * For every `fixtures/<name>.wat`:
 *   1. golden: parse it with wabt (pinned at 1.0.39), validate it, harden it with a fixed policy, validate
 *      the output, print it with the one pinned printer (wabt `readWasm` → `generateNames` → `applyNames` →
 *      `toText({ foldExprs: false, inlineExport: false })`) and diff it against `expectations/<name>.wat`.
 *      `BLESS=1 npx vitest run test/golden` rewrites the expectations; review the diff before committing.
 *   2. exact fuel and same behaviour: run a fixed sequence of calls on the original and on the hardened
 *      module (ample fuel). Results, traps (and their messages), and exported memory and globals must
 *      agree; the fuel each call uses must equal the formula computed BY HAND below from the cost rules of
 *      src/instrument/cost-model.ts and the metered blocks of src/instrument/fuel.ts; the depth counter
 *      must be back at 0 after every call that returns.
 *   3. the boundary: replaying the same sequence, a budget of exactly the formula's cost ends the call with
 *      the same outcome and 0 fuel left, and a budget one less ends it with fuel = -1 (the overrun that the
 *      metered blocks allow is bounded by the charges already taken, so it is never more than the deficit).
 *
 * The cost rules used below (defaults): every instruction 1, `end` and `else` 0, each declared local 1 per
 * call (parameters are free), memory.fill/copy/init 1 + 1 per byte, table.fill/copy/init 1 + 1 per
 * element, memory.grow 1 + 64 per page requested, table.grow 1 + 1 per element requested. A callee pays its
 * own body and locals; an imported (host) function costs nothing beyond the `call`. The instrumentation
 * itself (charges, checks, the stack-limit prologue and epilogue) is free.
 *
 * Each formula also heads its fixture as a `;; fuel: ...` line, and the test checks that they agree.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { harden, type HardenedModule } from '../../src/instrument/harden.js';
import type { AllowedImport, PolicyInput } from '../../src/policy.js';
import { WAT_FEATURES, wabt } from '../runtime/helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures');
const EXPECTATIONS = join(HERE, 'expectations');
const BLESS = process.env.BLESS === '1';

/** The budget embedded in every golden output: ample for every call below. */
const GOLDEN_FUEL = 1_000_000_000_000_000n;
const FUEL_EXPORT = '__wasm_harden_fuel';
const DEPTH_EXPORT = '__wasm_harden_depth';


function parseWat(name: string, text: string): Uint8Array {
  const m = wabt.parseWat(name, text, WAT_FEATURES);
  try {
    m.validate();
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** The one pinned printer. */
function printWasm(bytes: Uint8Array): string {
  const m = wabt.readWasm(bytes, { readDebugNames: false, check: true, ...WAT_FEATURES });
  try {
    m.generateNames();
    m.applyNames();
    return m.toText({ foldExprs: false, inlineExport: false });
  } finally {
    m.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Fixture specs: hand-computed fuel formulas and the calls that check them

interface Formula {
  /** the formula as written in the fixture's `;; fuel:` header */
  text: string;
  /** the cost of one call, by hand */
  cost: (...args: number[]) => number;
}

/** [export, ...args], or with `capped` the value the hardened module must return where a cap changes it */
type Call = readonly [string, ...number[]] | { call: readonly [string, ...number[]]; capped: unknown };

interface FixtureSpec {
  /** fresh import objects for each instance */
  imports?: () => WebAssembly.Imports;
  /** policy limits for this fixture (caps) */
  limits?: PolicyInput['limits'];
  /** by export name */
  formulas: Record<string, Formula>;
  /** run in order, on the original and on the hardened module */
  calls: readonly Call[];
}

const u32 = (n: number) => n >>> 0;

const SPECS: Record<string, FixtureSpec> = {
  'straight-line': {
    formulas: {
      // local.get, local.get, i32.mul, local.get, i32.const, i32.mul, i32.add, i32.const, i32.add = 9
      poly: { text: 'poly(x) = 9', cost: () => 9 },
    },
    calls: [['poly', 0], ['poly', 5], ['poly', -7], ['poly', 1000]],
  },

  locals: {
    formulas: {
      // local.get, i32.const, i32.add = 3
      nolocals: { text: 'nolocals(x) = 3', cost: () => 3 },
      // the same 3, plus 4 declared locals (i32 i32 i32, i64) = 7
      withlocals: { text: 'withlocals(x) = 7', cost: () => 3 + 4 },
      // only `end`
      empty: { text: 'empty() = 0', cost: () => 0 },
      // 2 declared locals (f64, v128), only `end`
      emptylocals: { text: 'emptylocals() = 2', cost: () => 2 },
    },
    calls: [['nolocals', 1], ['withlocals', 1], ['nolocals', -1], ['withlocals', 41], ['empty'], ['emptylocals']],
  },

  'if-else': {
    formulas: {
      // entry: local.get, i32.const, i32.lt_s, if = 4; then: i32.const, local.get, i32.sub = 3; else: local.get = 1
      abs: { text: 'abs(x) = 7 if x < 0, else 5', cost: (x) => (x < 0 ? 4 + 3 : 4 + 1) },
      // entry: local.get, i32.const, i32.gt_s, if = 4; then: i32.const, local.set = 2; after `end`: local.get = 1
      clamp: { text: 'clamp(x) = 7 if x > 100, else 5', cost: (x) => (x > 100 ? 4 + 2 + 1 : 4 + 1) },
    },
    calls: [['abs', -5], ['abs', 0], ['abs', 7], ['clamp', -3], ['clamp', 100], ['clamp', 150]],
  },

  'br-if': {
    formulas: {
      // entry: block, block, local.get, i32.const, i32.lt_s, br_if = 6
      //   taken (x < 0) → after $neg's end: i32.const = 1                         → 7
      // then: local.get, i32.const, i32.lt_u, br_if = 4
      //   taken (x < 10) → after $small's end: i32.const, return = 2            → 6 + 4 + 2 = 12
      //   not taken: local.get, i32.const, i32.div_u, return = 4               → 6 + 4 + 4 = 14
      bucket: { text: 'bucket(x) = 7 if x < 0; 12 if 0 <= x < 10; else 14', cost: (x) => (x < 0 ? 7 : x < 10 ? 12 : 14) },
      // entry: block, local.get, local.get, br_if = 4; not taken: drop, local.get = 2
      first_nonzero: { text: 'first_nonzero(a, b) = 4 if a != 0, else 6', cost: (a) => (a !== 0 ? 4 : 4 + 2) },
    },
    calls: [
      ['bucket', -4],
      ['bucket', 0],
      ['bucket', 9],
      ['bucket', 10],
      ['bucket', 12345],
      ['first_nonzero', 3, 9],
      ['first_nonzero', 0, 9],
      ['first_nonzero', 0, 0],
    ],
  },

  'br-table': {
    formulas: {
      // entry: 4 × block, local.get, br_table = 6; then, by target:
      //   $c0: i32.const, return = 2 → 8;   $c1: local.get, i32.const, i32.add, return = 4 → 10
      //   $c2: nop = 1, then after $default's end: i32.const = 1 → 8;   $default: i32.const = 1 → 7
      switch: { text: 'switch(x) = 8 if x = 0; 10 if x = 1; 8 if x = 2; else 7', cost: (x) => (x === 0 ? 8 : x === 1 ? 10 : x === 2 ? 8 : 7) },
    },
    calls: [['switch', 0], ['switch', 1], ['switch', 2], ['switch', 3], ['switch', 4], ['switch', -1]],
  },

  loop: {
    formulas: {
      // entry: 1 local + block, local.get, i32.eqz, br_if = 5
      //   n = 0: br_if taken → after $done's end: local.get = 1                          → 6
      // otherwise: loop = 1; header, per iteration: local.get, local.get, i32.add, local.set,
      //   local.get, i32.const, i32.sub, local.tee, br_if = 9; after the ends: local.get = 1  → 5 + 1 + 9n + 1
      sum: { text: 'sum(n) = 6 if n = 0, else 9n + 7', cost: (n) => (n === 0 ? 6 : 9 * n + 7) },
    },
    calls: [['sum', 0], ['sum', 1], ['sum', 2], ['sum', 10], ['sum', 1000]],
  },

  'nested-loops': {
    formulas: {
      // entry: 3 locals + block + loop = 5
      // outer header, r + 1 times: local.get, local.get, i32.ge_u, br_if = 4
      // outer body, r times: i32.const, local.set, block, loop = 4
      //   inner header, c + 1 times: local.get, local.get, i32.ge_u, br_if = 4
      //   inner body, c times: local.get, i32.const, i32.add, local.set (count++) + the same for j + br = 9
      //   after the inner block: local.get, i32.const, i32.add, local.set, br = 5
      // after the outer block: local.get = 1
      // 5 + 4(r + 1) + r(4 + 4(c + 1) + 9c + 5) + 1 = 13rc + 17r + 10
      grid: { text: 'grid(r, c) = 13rc + 17r + 10', cost: (r, c) => 13 * r * c + 17 * r + 10 },
    },
    calls: [['grid', 0, 0], ['grid', 0, 5], ['grid', 1, 0], ['grid', 1, 1], ['grid', 3, 4], ['grid', 10, 7], ['grid', 20, 20]],
  },

  calls: {
    imports: () => ({ env: { twice: (x: number) => 2 * x } }),
    formulas: {
      // $inc: local.get, i32.const, i32.add = 3;  $sq: 1 local + local.get, local.tee, local.get, i32.mul = 5
      // local.get, call, call = 3, plus $inc twice: 3 + 3 + 3
      direct: { text: 'direct(x) = 9', cost: () => 9 },
      // local.get, call (host: free), call = 3, plus $inc: 3
      host: { text: 'host(x) = 6', cost: () => 6 },
      // local.get, local.get, call_indirect = 3, plus the callee ($inc 3, $sq 5), or nothing when it traps
      indirect: { text: 'indirect(k, x) = 6 if k = 0; 8 if k = 1; else 3 (trap: undefined element)', cost: (k) => 3 + (k === 0 ? 3 : k === 1 ? 5 : 0) },
      // entry: 1 local + block + loop = 3; header, n + 1 times: local.get, i32.eqz, br_if = 3;
      // body, n times: local.get, call, local.set, local.get, i32.const, i32.sub, local.set, br = 8, plus $inc 3;
      // after: local.get = 1.   3 + 3(n + 1) + 11n + 1 = 14n + 7
      count: { text: 'count(n) = 14n + 7', cost: (n) => 14 * n + 7 },
    },
    calls: [
      ['direct', 1],
      ['direct', -1],
      ['host', 5],
      ['host', -3],
      ['indirect', 0, 10],
      ['indirect', 1, 10],
      ['indirect', 2, 10],
      ['indirect', -1, 1],
      ['count', 0],
      ['count', 1],
      ['count', 7],
      ['count', 100],
    ],
  },

  'bulk-memory': {
    formulas: {
      // local.get × 3, the instruction = 4, plus 1 per byte (charged before the bounds check)
      fill: { text: 'fill(d, v, n) = 4 + n', cost: (_d, _v, n) => 4 + u32(n!) },
      copy: { text: 'copy(d, s, n) = 4 + n', cost: (_d, _s, n) => 4 + u32(n!) },
      init: { text: 'init(d, o, n) = 4 + n', cost: (_d, _o, n) => 4 + u32(n!) },
      // data.drop = 1
      drop: { text: 'drop() = 1', cost: () => 1 },
      // local.get, i32.load8_u = 2
      load: { text: 'load(a) = 2', cost: () => 2 },
    },
    calls: [
      ['init', 0, 0, 12],
      ['load', 4],
      ['copy', 100, 0, 12],
      ['load', 104],
      ['fill', 200, 65, 0],
      ['fill', 200, 65, 1],
      ['fill', 300, 66, 1000],
      ['load', 200],
      ['load', 1299],
      ['fill', 65530, 1, 100], // out of bounds: traps after paying 104
      ['copy', 0, 65000, 1000], // out of bounds
      ['init', 0, 10, 5], // past the segment's end
      ['drop'],
      ['init', 0, 0, 0],
      ['init', 0, 0, 1], // the segment was dropped
      ['load', 65535],
      ['load', 65536], // out of bounds
    ],
  },

  'bulk-table': {
    formulas: {
      // local.get, local.get, local.get (or ref.null), the instruction = 4, plus 1 per element
      init: { text: 'init(d, o, n) = 4 + n', cost: (_d, _o, n) => 4 + u32(n!) },
      copy: { text: 'copy(d, s, n) = 4 + n', cost: (_d, _s, n) => 4 + u32(n!) },
      fill: { text: 'fill(d, n) = 4 + n', cost: (_d, n) => 4 + u32(n!) },
      drop: { text: 'drop() = 1', cost: () => 1 },
      size: { text: 'size() = 1', cost: () => 1 },
      // local.get, table.get, ref.is_null = 3
      isnull: { text: 'isnull(i) = 3', cost: () => 3 },
      // local.get, call_indirect = 2, plus the callee (i32.const = 1) unless the call traps
      call: { text: 'call(i) = 3 if 0 <= i < 8, else 2 (trap: out of bounds)', cost: (i) => (i! >= 0 && i! < 8 ? 3 : 2) },
    },
    calls: [
      ['size'],
      ['init', 0, 0, 3],
      ['call', 0],
      ['call', 1],
      ['call', 2],
      ['copy', 4, 0, 3],
      ['call', 5],
      ['isnull', 3],
      ['isnull', 4],
      ['fill', 0, 2],
      ['isnull', 0],
      ['init', 6, 1, 2],
      ['call', 7],
      ['call', 8], // out of bounds
      ['call', -1], // out of bounds
      ['drop'],
      ['init', 0, 0, 0],
      ['init', 0, 0, 1], // the segment was dropped
      ['copy', 7, 0, 2], // out of bounds
      ['fill', 7, 2], // out of bounds
      ['size'],
    ],
  },

  grow: {
    limits: { memoryPages: 3, tableElements: 5 },
    formulas: {
      // local.get, memory.grow = 2, plus 64 per page requested (u32), charged even when the grow fails
      grow: { text: 'grow(n) = 2 + 64·u32(n)', cost: (n) => 2 + 64 * u32(n!) },
      size: { text: 'size() = 1', cost: () => 1 },
      // ref.null, local.get, table.grow = 3, plus 1 per element requested (u32)
      tgrow: { text: 'tgrow(n) = 3 + u32(n)', cost: (n) => 3 + u32(n!) },
      tsize: { text: 'tsize() = 1', cost: () => 1 },
    },
    calls: [
      ['size'],
      ['grow', 0],
      ['grow', 1],
      ['grow', 1],
      ['size'],
      ['grow', -1], // 2^32 - 1 pages: -1 with or without the cap
      { call: ['grow', 1], capped: -1 }, // at the cap (3 pages); the original grows to 4
      ['tsize'],
      ['tgrow', 0],
      ['tgrow', 2],
      ['tgrow', 2],
      ['tsize'],
      ['tgrow', -1], // 2^32 - 1 elements: -1 with or without the cap
      { call: ['tgrow', 1], capped: -1 }, // at the cap (5 elements); the original grows to 6
    ],
  },

  recursion: {
    formulas: {
      // entry: local.get, i32.eqz, if = 3; then: i32.const, return = 2; after the if: local.get, local.get,
      // i32.const, i32.sub, call, i32.add = 6.  sum(0) = 3 + 2 = 5; sum(n) = 3 + 6 + sum(n - 1) = 9n + 5
      sum: { text: 'sum(n) = 9n + 5', cost: (n) => 9 * n + 5 },
      // i32.const, local.get, br_if = 3; not taken: drop, i32.const = 2
      early: { text: 'early(x) = 3 if x != 0, else 5', cost: (x) => (x !== 0 ? 3 : 5) },
    },
    calls: [['sum', 0], ['sum', 1], ['sum', 10], ['sum', 1000], ['early', 0], ['early', 5]],
  },

  'multi-value': {
    formulas: {
      // local.get, local.get = 2
      swap: { text: 'swap(a, b) = 2', cost: () => 2 },
      // entry: local.get, i32.eqz, if = 3; then: i32.const, i32.const, return = 3;
      // after the if: local.get, local.get, i32.div_u, local.get, local.get, i32.rem_u = 6
      divmod: { text: 'divmod(a, b) = 6 if b = 0, else 9', cost: (_a, b) => (b === 0 ? 3 + 3 : 3 + 6) },
      // entry: 2 locals + i32.const, i32.const, loop = 5; header, n times: local.set, local.set, local.get,
      // local.get, local.get, i32.add, local.get, i32.const, i32.sub, local.tee, br_if = 11
      fibpair: { text: 'fibpair(n) = 11n + 5 for n >= 1', cost: (n) => 11 * n + 5 },
    },
    calls: [['swap', 1, 2], ['divmod', 17, 5], ['divmod', 17, 0], ['fibpair', 1], ['fibpair', 2], ['fibpair', 10], ['fibpair', 40]],
  },

  start: {
    // no exports to call: the start function is checked on its own below
    formulas: {},
    calls: [],
  },
};

/**
 * The start fixture: fuel spent during instantiation, read as budget - remaining.
 * entry: 1 local + block + loop = 3; header, n + 1 times: local.get, global.get, i32.ge_s, br_if = 4;
 * body, n times: global.get, local.get, i32.add, global.set, local.get, i32.const, i32.add, local.set, br = 9;
 * after the ends: nothing.   3 + 4(n + 1) + 9n = 13n + 7
 */
const START_FORMULA: Formula = { text: 'start(n) = 13n + 7', cost: (n) => 13 * n + 7 };
const startImports = (n: number): WebAssembly.Imports => ({ env: { n: new WebAssembly.Global({ value: 'i32' }, n) } });

// ---------------------------------------------------------------------------------------------------------
// Running modules

type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

function invoke(exports: WebAssembly.Exports, name: string, args: readonly number[]): Outcome {
  const f = exports[name];
  if (typeof f !== 'function') throw new Error(`the fixture has no exported function "${name}"`);
  try {
    return { ok: true, value: (f as (...a: number[]) => unknown)(...args) };
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return { ok: false, message: e.message };
    throw e;
  }
}

/** Exported memories and globals, outside the reserved namespace. */
function guestState(exports: WebAssembly.Exports): unknown[] {
  const state: unknown[] = [];
  for (const [name, value] of Object.entries(exports)) {
    if (name.startsWith('__wasm_harden')) continue;
    if (value instanceof WebAssembly.Memory) state.push(name, Buffer.from(new Uint8Array(value.buffer)));
    else if (value instanceof WebAssembly.Global) state.push(name, value.value);
  }
  return state;
}

interface Hardened {
  exports: WebAssembly.Exports;
  fuel: WebAssembly.Global;
  depth: WebAssembly.Global;
}

async function instantiateHardened(bytes: Uint8Array, imports: WebAssembly.Imports): Promise<Hardened> {
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const fuel = instance.exports[FUEL_EXPORT];
  const depth = instance.exports[DEPTH_EXPORT];
  if (!(fuel instanceof WebAssembly.Global) || !(depth instanceof WebAssembly.Global)) throw new Error('no fuel or depth export');
  return { exports: instance.exports, fuel, depth };
}

/** Calls an export as a host does: depth reset to 0 first; returns the outcome and the fuel used. */
function callHardened(h: Hardened, name: string, args: readonly number[]): Outcome & { used: bigint } {
  h.depth.value = 0;
  const before = h.fuel.value as bigint;
  const outcome = invoke(h.exports, name, args);
  return { ...outcome, used: before - (h.fuel.value as bigint) };
}

const callOf = (c: Call) => ('call' in c ? c.call : c);
const describeCall = (c: Call) => {
  const [name, ...args] = callOf(c);
  return `${name}(${args.join(', ')})`;
};

// ---------------------------------------------------------------------------------------------------------
// Fixtures, their policies, and the hardened bytes (one harden per fixture)

function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.wat`), 'utf8');
}

/** The goldens pin their stack limit, so that a change of the default does not move their expectations. */
const GOLDEN_STACK_LIMIT = 262_144;

function policyFor(spec: FixtureSpec, bytes: Uint8Array, fuel: bigint = GOLDEN_FUEL): PolicyInput {
  const imports: AllowedImport[] = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => ({ module: i.module, name: i.name }));
  const base = { fuel, imports, stackLimit: GOLDEN_STACK_LIMIT };
  return spec.limits === undefined ? base : { ...base, limits: spec.limits };
}

const prepared = new Map<string, Promise<{ original: Uint8Array; hardened: HardenedModule }>>();
function prepare(name: string): Promise<{ original: Uint8Array; hardened: HardenedModule }> {
  let p = prepared.get(name);
  if (p === undefined) {
    p = (async () => {
      const original = parseWat(`${name}.wat`, fixtureText(name));
      const hardened = await harden(original, policyFor(SPECS[name]!, original));
      return { original, hardened };
    })();
    prepared.set(name, p);
  }
  return p;
}

function expectationHeader(name: string, spec: FixtureSpec): string {
  const limits = spec.limits === undefined ? '' : `, limits ${JSON.stringify(spec.limits)}`;
  return `;; test/golden/fixtures/${name}.wat hardened with fuel ${GOLDEN_FUEL}${limits}.\n;; Generated: BLESS=1 npx vitest run test/golden\n`;
}

const NAMES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.wat'))
  .map((f) => f.slice(0, -'.wat'.length))
  .sort();

describe('golden fixtures', () => {
  it('every fixture has a spec, and every spec a fixture', () => {
    expect(NAMES).toEqual(Object.keys(SPECS).sort());
  });

  for (const name of NAMES) {
    const spec = SPECS[name]!;

    describe(name, () => {
      it('fixture header lists exactly the hand-computed fuel formulas', () => {
        const headers = [...fixtureText(name).matchAll(/^;; fuel: (.*)$/gm)].map((m) => m[1]!.trim());
        const formulas = name === 'start' ? [START_FORMULA.text] : Object.values(spec.formulas).map((f) => f.text);
        expect(headers.sort()).toEqual(formulas.sort());
        // every called export has a formula
        for (const c of spec.calls) expect(spec.formulas[callOf(c)[0]], describeCall(c)).toBeDefined();
      });

      it('hardened output matches the expectation', async () => {
        const { original, hardened } = await prepare(name);
        expect(WebAssembly.validate(original)).toBe(true);
        expect(WebAssembly.validate(hardened.bytes)).toBe(true);
        const printed = expectationHeader(name, spec) + printWasm(hardened.bytes);
        const path = join(EXPECTATIONS, `${name}.wat`);
        if (BLESS) writeFileSync(path, printed);
        else if (!existsSync(path)) throw new Error(`missing ${path}: run BLESS=1 npx vitest run test/golden`);
        const expected = readFileSync(path, 'utf8');
        expect(printed).toBe(expected);
        // the expectation is itself valid text, and V8 accepts what it assembles to
        expect(WebAssembly.validate(parseWat(`${name}.expected.wat`, expected))).toBe(true);
      });

      if (spec.calls.length > 0) {
        it('uses exactly the hand-computed fuel, and behaves like the original', async () => {
          const { original, hardened } = await prepare(name);
          const imports = spec.imports ?? (() => ({}));
          const plain = (await WebAssembly.instantiate(original, imports())).instance.exports;
          const h = await instantiateHardened(hardened.bytes, imports());
          let capped = false;
          for (const c of spec.calls) {
            const [fn, ...args] = callOf(c);
            const label = describeCall(c);
            const want = invoke(plain, fn, args);
            const got = callHardened(h, fn, args);
            const cost = BigInt(spec.formulas[fn]!.cost(...args));
            if (got.ok || (h.fuel.value as bigint) < 0n) expect(got.used, `fuel of ${label}: ${spec.formulas[fn]!.text}`).toBe(cost);
            else {
              // a trap leaves the fuel global at a lower bound: charged at least the cost, at most the report's bound more
              expect(got.used, `fuel of ${label} (trapped): ${spec.formulas[fn]!.text}`).toBeGreaterThanOrEqual(cost);
              expect(got.used, `fuel of ${label} (trapped): ${spec.formulas[fn]!.text}`).toBeLessThanOrEqual(cost + BigInt(hardened.report.fuel.trapOvercharge));
            }
            if ('capped' in c) {
              // a cap changes this result by design; the states diverge from here on
              capped = true;
              expect(got.ok && got.value, label).toBe(c.capped);
              continue;
            }
            const { used: _used, ...outcome } = got;
            expect(outcome, label).toEqual(want);
            if (got.ok) expect(h.depth.value, `depth after ${label}`).toBe(0);
            if (!capped) expect(guestState(h.exports), `state after ${label}`).toEqual(guestState(plain));
          }
        });

        it('a budget of exactly the cost suffices, and one less runs out', async () => {
          const { hardened } = await prepare(name);
          const imports = spec.imports ?? (() => ({}));
          // the outcome of each call in sequence, with ample fuel
          const reference = await instantiateHardened(hardened.bytes, imports());
          const outcomes = spec.calls.map((c) => {
            const [fn, ...args] = callOf(c);
            const { used: _used, ...outcome } = callHardened(reference, fn, args);
            return outcome;
          });
          for (const [i, c] of spec.calls.entries()) {
            const [fn, ...args] = callOf(c);
            const cost = BigInt(spec.formulas[fn]!.cost(...args));
            for (const budget of [cost, cost - 1n]) {
              const h = await instantiateHardened(hardened.bytes, imports());
              for (const prior of spec.calls.slice(0, i)) {
                const [pfn, ...pargs] = callOf(prior);
                callHardened(h, pfn, pargs);
              }
              h.fuel.value = budget;
              const { used: _used, ...outcome } = callHardened(h, fn, args);
              const label = `${describeCall(c)} with budget ${budget}`;
              if (budget === cost) {
                expect(outcome, label).toEqual(outcomes[i]);
                expect(h.fuel.value, label).toBe(0n);
              } else {
                // either the last check trapped, or the call ended on a path that only subtracts
                expect(h.fuel.value, label).toBe(-1n);
              }
            }
          }
        });
      }
    });
  }
});

describe('start fixture: the start function is metered from the embedded budget', () => {
  const inputs = [0, 1, 2, 10, 500];

  it('uses exactly the hand-computed fuel, and behaves like the original', async () => {
    const { original, hardened } = await prepare('start');
    for (const n of inputs) {
      const plain = (await WebAssembly.instantiate(original, startImports(n))).instance.exports;
      const h = await instantiateHardened(hardened.bytes, startImports(n));
      expect(GOLDEN_FUEL - (h.fuel.value as bigint), `${START_FORMULA.text}, n = ${n}`).toBe(BigInt(START_FORMULA.cost(n)));
      expect(guestState(h.exports)).toEqual(guestState(plain));
      expect((h.exports.sum as WebAssembly.Global).value).toBe(n === 0 ? 0 : (n * (n - 1)) / 2);
      expect(h.depth.value).toBe(0);
    }
  });

  it('a budget of exactly the cost suffices, and one less runs out', async () => {
    const original = parseWat('start.wat', fixtureText('start'));
    for (const n of [0, 1, 10]) {
      const cost = BigInt(START_FORMULA.cost(n));
      const exact = await harden(original, policyFor(SPECS.start!, original, cost));
      const h = await instantiateHardened(exact.bytes, startImports(n));
      expect(h.fuel.value).toBe(0n);
      const short = await harden(original, policyFor(SPECS.start!, original, cost - 1n));
      // the last segment of the start function is a loop header, which checks: instantiation traps
      await expect(WebAssembly.instantiate(short.bytes, startImports(n))).rejects.toBeInstanceOf(WebAssembly.RuntimeError);
    }
  });
});

describe('recursion fixture: the stack limit', () => {
  // Frame weight of $sum (stack-limit.ts): FRAME_BASE 128 + LOCAL_WEIGHT 16 × (1 parameter + 0 locals)
  // + SLOT_WEIGHT 8 × 3 (the greatest operand stack height: n, n, 1 before i32.sub) = 168 notional bytes;
  // the goldens' limit (GOLDEN_STACK_LIMIT) 256 KiB = 262144. sum(n) uses n + 1 frames; frame k raises the depth to 168k and traps
  // when 168k > 262144, i.e. k ≥ 1561. So sum(1559) (1560 frames) runs, sum(1560) (1561 frames) overflows.
  // Fuel at the overflow: frames 1..1560 each pay their entry (3) and the segment before the call (6);
  // frame 1561 traps in its prologue, before its first charge: 1560 × 9 = 14040. $sum is exported and calls
  // itself, so it is split: the recursion runs in its inner copy, with the fuel in the slack, and a trap
  // loses the slack: the charge is 14040 plus at most `trapOvercharge` (here the whole re-floor chunk).
  it('releases every frame, and fails at the same depth with the same fuel every time', async () => {
    const { original, hardened } = await prepare('recursion');
    expect(hardened.report.stack.limit).toBe(262_144);
    const plain = (await WebAssembly.instantiate(original, {})).instance.exports;
    const h = await instantiateHardened(hardened.bytes, {});

    const deepest = callHardened(h, 'sum', [1559]);
    expect(deepest).toEqual({ ok: true, value: (1559 * 1560) / 2, used: BigInt(9 * 1559 + 5) });
    expect(h.depth.value).toBe(0);

    const used = new Set<bigint>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const over = callHardened(h, 'sum', [1560]);
      expect(over.ok).toBe(false);
      expect(h.fuel.value as bigint).toBeGreaterThanOrEqual(0n); // not out of fuel: our stack limit
      expect(h.depth.value as number).toBe(168 * 1561);
      expect(over.used).toBeGreaterThanOrEqual(14_040n);
      expect(over.used).toBeLessThanOrEqual(14_040n + BigInt(hardened.report.fuel.trapOvercharge));
      used.add(over.used);
    }
    expect(used.size).toBe(1);
    // natively, 1561 frames are fine: the limit is ours, not V8's
    expect(invoke(plain, 'sum', [1560])).toEqual({ ok: true, value: (1560 * 1561) / 2 });
  });
});
