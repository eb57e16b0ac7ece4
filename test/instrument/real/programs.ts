/**
 * Real programs for the drop-in tests (test/instrument/real-programs.test.ts) and the overhead bench
 * (bench/overhead-quickjs.bench.ts): loaders for sql.js and QuickJS that take the .wasm bytes as their
 * stock loaders do, and the workloads run on both the plain and the hardened module.
 *
 * Nothing here imports wasm-harden: the bench runs this file under tsx next to the built dist/, and the
 * tests next to src/.
 *
 * Loaders, and what each exposes of the instance:
 *   - `loadSqlJs({ wasmBinary })`: plain sql.js. Its glue keeps the wasm exports in a closure: neither
 *     `wasmExports` nor `asm` is on the Module object, so the fuel global is out of reach this way.
 *   - `loadSqlJsCapturing(bytes)`: the same glue, instantiated through emscripten's documented
 *     `Module.instantiateWasm(imports, onSuccess)` hook, which hands us the Instance (and so the
 *     `__wasm_harden_fuel` / `__wasm_harden_depth` exports).
 *   - `loadQuickJS(bytes)`: `newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmBinary }))`.
 *   - `loadQuickJSCapturing(bytes)`: the same through `newVariant`'s `emscriptenModule.instantiateWasm`.
 * sql.js memoises its init promise in module scope (a second `initSqlJs(...)` returns the first module
 * whatever its config), so every sql.js load re-evaluates the CommonJS file from a clean require cache.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as variantModule from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';

const require = createRequire(import.meta.url);

/**
 * The variant object. Its package types the ESM entry with a CommonJS .d.ts, so TypeScript sees the default
 * import as the whole module, while Node loads index.mjs whose default *is* the variant: unwrap either shape.
 */
const variant: QuickJSSyncVariant = (() => {
  let v: unknown = variantModule;
  while (typeof v === 'object' && v !== null && !('type' in v) && 'default' in v) v = (v as { default: unknown }).default;
  if (typeof v !== 'object' || v === null || (v as { type?: unknown }).type !== 'sync') throw new Error('unexpected @jitl/quickjs-wasmfile-release-sync export');
  return v as QuickJSSyncVariant;
})();

export const SQL_WASM_PATH = require.resolve('sql.js/dist/sql-wasm.wasm');
export const QUICKJS_WASM_PATH = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
export const readWasm = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** The policy QuickJS needs: its glue imports 20-odd host functions and a memory declared with max 32768 pages. */
export const QUICKJS_POLICY = { imports: 'any', limits: { memoryPages: 32768 } } as const;
/** The policy sql.js needs (the CLI's default base: strict, imports unchecked). */
export const SQLJS_POLICY = { imports: 'any' } as const;

// ── the hardening globals ────────────────────────────────────────────────────────────────────────────────

export interface HardenGlobals {
  fuel: { value: bigint };
  depth: { value: number };
}

export function hardenGlobals(instance: WebAssembly.Instance): HardenGlobals {
  const e = instance.exports as Record<string, unknown>;
  const fuel = e['__wasm_harden_fuel'] as HardenGlobals['fuel'] | undefined;
  const depth = e['__wasm_harden_depth'] as HardenGlobals['depth'] | undefined;
  if (fuel === undefined || depth === undefined) throw new Error('not a hardened instance: no __wasm_harden_fuel / __wasm_harden_depth export');
  return { fuel, depth };
}

/** Sorted `module.name:kind` lines, to compare the import or export lists of two modules. */
export function interfaceOf(bytes: Uint8Array): { imports: string[]; exports: string[] } {
  const m = new WebAssembly.Module(bytes);
  return {
    imports: WebAssembly.Module.imports(m)
      .map((i) => `${i.module}.${i.name}:${i.kind}`)
      .sort(),
    exports: WebAssembly.Module.exports(m)
      .map((e) => `${e.name}:${e.kind}`)
      .sort(),
  };
}

// ── sql.js ───────────────────────────────────────────────────────────────────────────────────────────────

export type SqlValue = number | string | Uint8Array | null;
export interface QueryExecResult {
  columns: string[];
  values: SqlValue[][];
}
export interface Statement {
  run(params?: SqlValue[]): void;
  free(): boolean;
}
export interface Database {
  run(sql: string, params?: SqlValue[]): Database;
  exec(sql: string): QueryExecResult[];
  prepare(sql: string): Statement;
  close(): void;
}
export interface SqlJsStatic {
  Database: new () => Database;
}
interface SqlJsConfig {
  wasmBinary?: Uint8Array;
  instantiateWasm?: (imports: WebAssembly.Imports, onSuccess: (instance: WebAssembly.Instance) => void) => object;
}
type InitSqlJs = (config: SqlJsConfig) => Promise<SqlJsStatic>;

const SQLJS_MAIN = require.resolve('sql.js');

function freshInitSqlJs(): InitSqlJs {
  delete require.cache[SQLJS_MAIN];
  return require(SQLJS_MAIN) as InitSqlJs;
}

/** Plain sql.js, given the module's bytes as `wasmBinary` (its documented option). */
export function loadSqlJs(wasmBinary: Uint8Array): Promise<SqlJsStatic> {
  return freshInitSqlJs()({ wasmBinary });
}

/** sql.js instantiated through emscripten's `instantiateWasm` hook, so that the Instance is ours to see. */
export async function loadSqlJsCapturing(bytes: Uint8Array): Promise<{ SQL: SqlJsStatic; instance: WebAssembly.Instance }> {
  let instance: WebAssembly.Instance | undefined;
  const SQL = await freshInitSqlJs()({
    instantiateWasm(imports, onSuccess) {
      void WebAssembly.instantiate(bytes, imports).then((r) => {
        instance = r.instance;
        onSuccess(r.instance);
      });
      return {}; // emscripten's "asynchronous instantiation" return value
    },
  });
  if (instance === undefined) throw new Error('sql.js did not call instantiateWasm');
  return { SQL, instance };
}

/** A deterministic PRNG (LCG), so the plain and the hardened run insert the same rows. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

export const SQL_ROWS = 10_000;

/**
 * Creates a table, inserts `SQL_ROWS` rows in one transaction through a prepared statement, and runs the
 * aggregate queries; returns every result set (sql.js's `exec` output, plain data).
 */
export function sqlWorkload(SQL: SqlJsStatic): QueryExecResult[][] {
  const db = new SQL.Database();
  try {
    db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, grp TEXT NOT NULL, n INTEGER, x REAL, note TEXT)');
    const rand = lcg(20240601);
    db.run('BEGIN');
    const insert = db.prepare('INSERT INTO t (grp, n, x, note) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < SQL_ROWS; i++) {
      const r = rand();
      insert.run([`g${r % 13}`, (r >>> 8) % 100_003, ((r >>> 4) % 1_000_000) / 997, i % 10 === 0 ? null : `note-${(r >>> 12).toString(36)}`]);
    }
    insert.free();
    db.run('COMMIT');
    const queries = [
      'SELECT count(*), count(note), sum(n), avg(n), min(x), max(x), total(x) FROM t',
      'SELECT grp, count(*), sum(n), avg(x), min(n), max(n) FROM t GROUP BY grp ORDER BY grp',
      'SELECT grp, count(*) AS c FROM t WHERE n % 7 = 3 GROUP BY grp HAVING c > 50 ORDER BY c DESC, grp',
      'SELECT id, grp, n, x FROM t ORDER BY n DESC, id LIMIT 25',
      'SELECT id, note FROM t WHERE note IS NOT NULL ORDER BY note, id LIMIT 10 OFFSET 100',
      "SELECT grp, length(group_concat(n, ',')), sum(length(note)) FROM t GROUP BY grp ORDER BY 2 DESC, grp",
      'SELECT a.grp, count(*), sum(b.n) FROM t a JOIN t b ON b.id = a.id + 1 WHERE a.n < b.n GROUP BY a.grp ORDER BY a.grp',
      'SELECT n / 10000 AS bucket, count(*), round(avg(x), 6) FROM t GROUP BY bucket ORDER BY bucket',
    ];
    return queries.map((q) => db.exec(q));
  } finally {
    db.close();
  }
}

/** An unbounded query: a recursive CTE that never stops producing rows. */
export const RUNAWAY_SQL = 'WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c) SELECT count(*) FROM c';

// ── QuickJS ──────────────────────────────────────────────────────────────────────────────────────────────

const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** Plain quickjs-emscripten, given the module's bytes through `newVariant(variant, { wasmBinary })`. */
export function loadQuickJS(bytes: Uint8Array): Promise<QuickJSWASMModule> {
  return newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmBinary: arrayBufferOf(bytes) }));
}

/** QuickJS instantiated through `newVariant`'s `emscriptenModule.instantiateWasm`, so the Instance is ours to see. */
export async function loadQuickJSCapturing(bytes: Uint8Array): Promise<{ QuickJS: QuickJSWASMModule; instance: WebAssembly.Instance }> {
  let instance: WebAssembly.Instance | undefined;
  const QuickJS = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, {
      emscriptenModule: {
        async instantiateWasm(imports, onSuccess) {
          const r = await WebAssembly.instantiate(bytes, imports);
          instance = r.instance;
          onSuccess(r.instance);
          return r.instance.exports;
        },
      },
    }),
  );
  if (instance === undefined) throw new Error('quickjs-emscripten did not call instantiateWasm');
  return { QuickJS, instance };
}

/** JavaScript programs whose completion values are compared between plain and hardened QuickJS. */
export const JS_PROGRAMS: Record<string, string> = {
  fib: 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(20)',
  json: `
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const make = (depth) => {
      const o = { id: rnd(), name: 'n' + rnd().toString(36), ratio: rnd() / 2147483648, ok: rnd() % 2 === 0, tags: [] };
      for (let i = 0; i < 4; i++) o.tags.push({ k: 'k' + i, v: rnd() % 1000, s: 'é"\\\\\\n' + i });
      if (depth > 0) o.children = [make(depth - 1), make(depth - 1), make(depth - 1)];
      return o;
    };
    const root = make(5);
    let text = JSON.stringify(root);
    for (let i = 0; i < 3; i++) text = JSON.stringify(JSON.parse(text));
    const back = JSON.parse(text);
    [text.length, back.children[2].children[1].tags[3].v, JSON.stringify(back, null, 2).length, text.slice(0, 200)].join('|')
  `,
  strings: `
    let s = '';
    for (let i = 0; i < 5000; i++) s += String.fromCharCode(97 + ((i * 7) % 26));
    const words = s.match(/[a-m]+/g);
    [s.length, s.toUpperCase().slice(100, 140), s.split('a').length, s.replace(/b+c/g, '<$&>').length,
     words.length, words.sort().slice(0, 5).join(','), [...s.slice(0, 40)].reverse().join(''),
     s.indexOf('zgnu'), 'x'.repeat(1000).padStart(1200, 'ab').lastIndexOf('ba'),
     encodeURIComponent('ünïcødé ☃ ' + s.slice(0, 10)), s.localeCompare(s.slice(1))].join('|')
  `,
  misc: `
    const m = new Map();
    for (let i = 0; i < 2000; i++) m.set('k' + (i % 137), (m.get('k' + (i % 137)) || 0) + i);
    const arr = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001).sort((a, b) => a - b);
    class P { constructor(x) { this.x = x } get d() { return this.x * 2 } }
    const ps = arr.slice(0, 100).map((x) => new P(x).d);
    [m.size, m.get('k5'), arr[1500], ps.reduce((a, b) => a + b, 0), Math.floor(Math.sin(1) * 1e6),
     (0.1 + 0.2).toFixed(17), (123456.789).toExponential(4), parseInt('zz', 36), BigInt(2) ** BigInt(70) + ''].join('|')
  `,
};

/** The runaway programs. */
export const JS_INFINITE_LOOP = 'while (true) {}';
/** Unbounded recursion; the JavaScript `catch` would swallow QuickJS's own InternalError, never a wasm trap. */
export const JS_RUNAWAY_RECURSION = `
  var depth = 0;
  function down() { depth++; return down() + 1 }
  var caught = 'none';
  try { down() } catch (e) { caught = String(e) }
  caught + ' at depth ' + depth`;
