/**
 * Drop-in on real programs (issue 3, "Drop-in by default"): sql.js and QuickJS, hardened, run under their
 * stock loaders (`initSqlJs({ wasmBinary })`, `newVariant(variant, { wasmBinary })`) with results identical
 * to the plain modules; a small budget stops a runaway query or script with a trap that the host survives.
 *
 * The CLI is spawned as a user runs it, over a private build of src/ (tsc into tmp/, so this file never
 * races another test file rebuilding dist/). Measurements (fuel used, wall times, the mechanism that ended
 * a runaway recursion) are printed as `[real-programs]` lines.
 */

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harden, type HardenedModule } from '../../src/instrument/harden.js';
import {
  hardenGlobals,
  interfaceOf,
  JS_INFINITE_LOOP,
  JS_PROGRAMS,
  JS_RUNAWAY_RECURSION,
  loadQuickJS,
  loadQuickJSCapturing,
  loadSqlJs,
  loadSqlJsCapturing,
  QUICKJS_POLICY,
  QUICKJS_WASM_PATH,
  readWasm,
  RUNAWAY_SQL,
  SQL_ROWS,
  SQL_WASM_PATH,
  SQLJS_POLICY,
  sqlWorkload,
  type QueryExecResult,
} from './real/programs.js';

const ROOT = join(import.meta.dirname, '..', '..');
const log = (message: string) => console.log(`[real-programs] ${message}`);

/** Builds src/ into a private directory under tmp/ (gitignored; node_modules still resolves from there). */
function privateBuild(): { dir: string; bin: string } {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'real-programs-'));
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  // tsc emits even when another engineer's half-finished file does not typecheck; only a missing CLI is fatal here
  if (!existsSync(join(dir, 'dist', 'cli', 'main.js'))) throw new Error(`tsc did not build the CLI:\n${r.stdout}${r.stderr}`);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'wasm-harden.js'), join(dir, 'bin', 'wasm-harden.js'));
  return { dir, bin: join(dir, 'bin', 'wasm-harden.js') };
}

function cli(bin: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `fn`, which must throw; returns the error and the wall time until it did. */
function timeThrow(fn: () => unknown): { error: unknown; ms: number } {
  const t0 = performance.now();
  try {
    fn();
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
  throw new Error('expected a throw');
}

const LARGE_FUEL = 10n ** 15n;

let build: { dir: string; bin: string };
beforeAll(() => {
  build = privateBuild();
}, 60_000);
afterAll(() => {
  if (build !== undefined) rmSync(build.dir, { recursive: true, force: true });
});

describe('sql.js, hardened, under plain sql.js', () => {
  const plainBytes = readWasm(SQL_WASM_PATH);
  /** a budget the workload fits in (it uses about 0.6e9), and a runaway query exhausts in well under 1 s */
  const SMALL_FUEL = 2_000_000_000n;
  let cliBytes: Uint8Array;
  let apiBytes: Uint8Array;
  let small: HardenedModule;
  let expected: QueryExecResult[][];

  beforeAll(async () => {
    const out = join(build.dir, 'sql-wasm.hardened.wasm');
    // the CLI (a child process) and the API run side by side
    const [run, api, smallBudget] = await Promise.all([
      cli(build.bin, ['harden', SQL_WASM_PATH, '-o', out, '--fuel', String(LARGE_FUEL)]),
      harden(plainBytes, { ...SQLJS_POLICY, fuel: LARGE_FUEL }),
      harden(plainBytes, { ...SQLJS_POLICY, fuel: SMALL_FUEL }),
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    log(`CLI: ${run.stdout.trim()}`);
    cliBytes = readWasm(out);
    apiBytes = api.bytes;
    small = smallBudget;
    expected = sqlWorkload(await loadSqlJs(plainBytes));
  }, 60_000);

  it('the CLI and the API give the same bytes, which import exactly what sql-wasm.wasm imports', () => {
    expect(Buffer.from(cliBytes).equals(Buffer.from(apiBytes))).toBe(true);
    const plain = interfaceOf(plainBytes);
    const hardened = interfaceOf(cliBytes);
    expect(hardened.imports).toEqual(plain.imports);
    expect(hardened.exports).toEqual([...plain.exports, '__wasm_harden_depth:global', '__wasm_harden_fuel:global'].sort());
  });

  it(`creates a table, inserts ${SQL_ROWS} rows and aggregates them with results identical to plain sql.js`, async () => {
    const t0 = performance.now();
    const actual = sqlWorkload(await loadSqlJs(cliBytes));
    log(`sql.js workload on the CLI-hardened module (plain loader): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(actual).toEqual(expected);
    // the results are not trivially empty
    expect(expected[0]![0]!.values[0]![0]).toBe(SQL_ROWS);
    expect(expected[1]![0]!.values).toHaveLength(13);
  });

  it('with a small embedded budget: the workload fits, a runaway query traps, the fuel global is negative', async () => {
    // plain loader first: the embedded budget is honoured without any host help
    expect(sqlWorkload(await loadSqlJs(small.bytes))).toEqual(expected);

    // the fuel global is not reachable through plain sql.js (its glue keeps the exports private), so this
    // load goes through emscripten's `instantiateWasm` hook
    const { SQL, instance } = await loadSqlJsCapturing(small.bytes);
    const { fuel, depth } = hardenGlobals(instance);
    expect(fuel.value).toBeLessThan(SMALL_FUEL); // the runtime's initialisation was metered
    expect(sqlWorkload(SQL)).toEqual(expected);
    const used = SMALL_FUEL - fuel.value;
    expect(depth.value).toBe(0); // balanced: nothing trapped, so every frame released its reservation
    log(`sql.js: load + workload used ${used.toLocaleString('en-US')} fuel of ${SMALL_FUEL.toLocaleString('en-US')}`);

    const db = new SQL.Database();
    db.run('CREATE TABLE k (v INTEGER)');
    const stopped = timeThrow(() => db.exec(RUNAWAY_SQL));
    expect(stopped.error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(String(stopped.error)).toMatch(/unreachable/);
    expect(fuel.value).toBeLessThan(0n);
    log(`sql.js: runaway recursive CTE stopped by fuel after ${stopped.ms.toFixed(0)} ms (${(SMALL_FUEL - used).toLocaleString('en-US')} fuel left when it started); fuel ${fuel.value}, depth ${depth.value}`);
    expect(stopped.ms).toBeLessThan(1000);

    // exhaustion is sticky: the next call traps at once
    expect(() => db.exec('SELECT 1')).toThrow(WebAssembly.RuntimeError);
    // a host that can reach the globals refuels (and resets the depth, as at any top-level entry)
    fuel.value = SMALL_FUEL;
    depth.value = 0;
    expect(db.exec('SELECT count(*) FROM k')).toEqual([{ columns: ['count(*)'], values: [[0]] }]);
    const db2 = new SQL.Database();
    expect(db2.exec('SELECT 6 * 7')).toEqual([{ columns: ['6 * 7'], values: [[42]] }]);
    db2.close();
  });
});

describe('QuickJS, hardened, under plain quickjs-emscripten', () => {
  const plainBytes = readWasm(QUICKJS_WASM_PATH);
  /** about 2-4 % of the wall-clock second the runaway script is allowed (see the log lines) */
  const FUEL = 1_000_000_000n;
  let hardened: HardenedModule;
  const expected: Record<string, unknown> = {};

  beforeAll(async () => {
    hardened = await harden(plainBytes, { ...QUICKJS_POLICY, fuel: FUEL });
    const plain = await loadQuickJS(plainBytes);
    for (const [name, source] of Object.entries(JS_PROGRAMS)) expected[name] = plain.evalCode(source);
  }, 60_000);

  it('needs only `imports: "any"` and `memoryPages: 32768`, and imports exactly what the original imports', async () => {
    await expect(harden(plainBytes, { fuel: FUEL })).rejects.toThrow(/import/);
    await expect(harden(plainBytes, { imports: 'any', fuel: FUEL })).rejects.toThrow(/32768/);
    const plain = interfaceOf(plainBytes);
    const out = interfaceOf(hardened.bytes);
    expect(out.imports).toEqual(plain.imports);
    // QuickJS imports its memory: harden re-exports memory 0 under the reserved namespace for the host's tools
    expect(out.exports).toEqual([...plain.exports, '__wasm_harden_depth:global', '__wasm_harden_fuel:global', '__wasm_harden_memory:memory'].sort());
  });

  it('runs fib, JSON round trips, string and collection programs with results identical to plain', async () => {
    expect(Object.keys(expected)).toHaveLength(4);
    expect(expected['fib']).toBe(6765);
    for (const [name, source] of Object.entries(JS_PROGRAMS)) {
      // one fresh module per program: each starts from the embedded budget, through the stock loader
      const QuickJS = await loadQuickJS(hardened.bytes);
      expect(QuickJS.evalCode(source), name).toEqual(expected[name]);
    }
    // the fuel each program used, through the capturing loader
    const { QuickJS, instance } = await loadQuickJSCapturing(hardened.bytes);
    const { fuel, depth } = hardenGlobals(instance);
    const used: string[] = [];
    for (const [name, source] of Object.entries(JS_PROGRAMS)) {
      fuel.value = FUEL; // refilled by the host before each program
      expect(QuickJS.evalCode(source)).toEqual(expected[name]);
      used.push(`${name} ${(FUEL - fuel.value).toLocaleString('en-US')}`);
    }
    expect(depth.value).toBe(0);
    log(`QuickJS fuel used per program: ${used.join(', ')}`);
  });

  it('stops `while (true) {}` on fuel in under a second; the host goes on and starts a fresh runtime', async () => {
    const { QuickJS, instance } = await loadQuickJSCapturing(hardened.bytes);
    const { fuel, depth } = hardenGlobals(instance);
    const startFuel = fuel.value;
    const stopped = timeThrow(() => QuickJS.evalCode(JS_INFINITE_LOOP));
    expect(stopped.error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(String(stopped.error)).toMatch(/unreachable/);
    expect(fuel.value).toBeLessThan(0n);
    expect(depth.value).toBeLessThanOrEqual(hardened.report.stack.limit); // fuel, not the stack limit
    log(`QuickJS: while(true) stopped by fuel after ${stopped.ms.toFixed(0)} ms (budget ${FUEL.toLocaleString('en-US')}, ${startFuel.toLocaleString('en-US')} left at the start; fuel ${fuel.value}, depth ${depth.value})`);
    expect(stopped.ms).toBeLessThan(1000);

    // sticky: the exhausted instance refuses a new runtime…
    expect(() => QuickJS.newRuntime()).toThrow(WebAssembly.RuntimeError);
    // …until the host refuels it and resets the depth
    fuel.value = FUEL;
    depth.value = 0;
    const again = QuickJS.newContext();
    expect(again.dump(again.unwrapResult(again.evalCode('[1, 2, 3].map((x) => x * 2).join()')))).toBe('2,4,6');
    again.dispose();

    // and a host that never touches the globals just loads a fresh module, through the stock loader
    const fresh = await loadQuickJS(hardened.bytes);
    expect(fresh.evalCode(JS_PROGRAMS['fib']!)).toBe(6765);
    expect(() => fresh.evalCode(JS_INFINITE_LOOP)).toThrow(WebAssembly.RuntimeError);
  });

  it('stops a runaway JavaScript recursion with a trap that JavaScript cannot catch', async () => {
    // plain QuickJS, for the record: without a stack size it runs into V8's own native stack limit (a host
    // RangeError, at a depth that depends on the engine's tier), with one QuickJS throws a catchable error
    const plain = await loadQuickJS(plainBytes);
    const plainCatchable = plain.evalCode(JS_RUNAWAY_RECURSION, { maxStackSizeBytes: 256 * 1024 });
    expect(String(plainCatchable)).toMatch(/InternalError: stack overflow/);

    const { QuickJS, instance } = await loadQuickJSCapturing(hardened.bytes);
    const { fuel, depth } = hardenGlobals(instance);
    const ctx = QuickJS.newContext();
    const stopped = timeThrow(() => ctx.evalCode(JS_RUNAWAY_RECURSION));
    // which mechanism stopped it: our stack limit (depth above the limit, fuel left), QuickJS's own check
    // (a JS InternalError, caught by the script), V8's native limit (RangeError), or fuel
    const mechanism =
      stopped.error instanceof WebAssembly.RuntimeError && depth.value > hardened.report.stack.limit && fuel.value >= 0n
        ? 'wasm-harden stack limit'
        : stopped.error instanceof RangeError
          ? 'V8 native stack limit'
          : fuel.value < 0n
            ? 'fuel'
            : `other: ${String(stopped.error)}`;
    const trappedDepth = depth.value;
    depth.value = 0; // as a host does before its next top-level call
    const jsDepth = ctx.dump(ctx.getProp(ctx.global, 'depth')) as number;
    log(
      `QuickJS: runaway recursion stopped by ${mechanism} after ${stopped.ms.toFixed(1)} ms at JavaScript depth ${jsDepth} ` +
        `(notional stack ${trappedDepth} > limit ${hardened.report.stack.limit}); plain QuickJS with maxStackSizeBytes 256 KiB: "${String(plainCatchable)}"`,
    );
    expect(mechanism).toBe('wasm-harden stack limit');
    expect(String(stopped.error)).toMatch(/unreachable/);
    expect(jsDepth).toBeGreaterThan(50);

    // the same instance carries on after the depth reset: it still has fuel
    expect(ctx.dump(ctx.unwrapResult(ctx.evalCode('depth = 0; 40 + 2')))).toBe(42);
    // and deterministic: a fresh instance stops at the same depth
    const second = await loadQuickJSCapturing(hardened.bytes);
    const ctx2 = second.QuickJS.newContext();
    expect(() => ctx2.evalCode(JS_RUNAWAY_RECURSION)).toThrow(WebAssembly.RuntimeError);
    const g2 = hardenGlobals(second.instance);
    expect(g2.depth.value).toBe(trappedDepth);
    g2.depth.value = 0;
    expect(ctx2.dump(ctx2.getProp(ctx2.global, 'depth'))).toBe(jsDepth);
  });
});
