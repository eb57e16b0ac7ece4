/**
 * The worker sandbox (instantiateInWorker): calls in a worker thread give what the in-process sandbox
 * gives; `timeoutMs` terminates the worker of a call that blocks in a host import or loops in the guest
 * with fuel to spare, and reports `timeout`; a worker that dies is `host-error`; both are sticky. Host
 * imports come from a module loaded in the worker (here `data:` URLs, and once an absolute path).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InstantiationTrapError } from '../../src/runtime/errors.js';
import { instantiate } from '../../src/runtime/sandbox.js';
import { instantiateInWorker, type WorkerSandbox } from '../../src/runtime/worker-sandbox.js';
import { codeOf, hardenWat } from './helpers.js';

const host = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

const TOOLS = host(`
export default (ctx) => ({ env: {
  spin() { for (;;) {} },
  log(x) { return x + 1; },
  shout(ptr, len) { const m = ctx.sandbox.memory; return m.writeString(ptr, m.readString(ptr, len).toUpperCase()); },
  exit() { process.exit(7); },
  data() { return ctx.data.n; },
  fail() { throw new TypeError('no such city'); },
}});`);

/** The same host functions, in-process (spin returns at once), to compare with. */
const LOCAL = {
  env: {
    spin() {},
    log: (x: number) => x + 1,
    shout: () => 0,
    exit() {},
    data: () => 42,
    fail() {
      throw new TypeError('no such city');
    },
  },
};

const WAT = `(module
  (import "env" "spin" (func $spin))
  (import "env" "log" (func $log (param i32) (result i32)))
  (import "env" "shout" (func $shout (param i32 i32) (result i32)))
  (import "env" "exit" (func $exit))
  (import "env" "data" (func $data (result i32)))
  (import "env" "fail" (func $fail))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $work (export "work") (param i32) (local i32)
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get 1) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br $l))))
  (func (export "work_then_block") (param i32) (call $work (local.get 0)) (call $spin))
  (func (export "loop") (loop $l (br $l)))
  (func (export "log") (param i32) (result i32) (call $log (local.get 0)))
  (func (export "shout") (param i32 i32) (result i32) (call $shout (local.get 0) (local.get 1)))
  (func (export "crash") (call $exit))
  (func (export "data") (result i32) (call $data))
  (func (export "fail") (call $fail)))`;

const POLICY = { imports: [{ module: 'env', name: '*' }] };
const HUGE = 1n << 60n;
/** kill latency allowed past the deadline (a loaded 2-core CI machine; typically a few ms) */
const MARGIN_MS = 400;

const h = await hardenWat(WAT, POLICY);
const opened: WorkerSandbox[] = [];
async function open(options: Parameters<typeof instantiateInWorker>[1] = {}): Promise<WorkerSandbox> {
  const s = await instantiateInWorker(h, { hostModule: TOOLS, hostData: { n: 42 }, ...options });
  opened.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

describe('calls in a worker', () => {
  it('give the in-process results: values, i64, traps, fuelUsed, host functions, host-error', async () => {
    const s = await open({ timeoutMs: 10_000 });
    const local = await instantiate(h, { imports: LOCAL });
    expect(s.functions).toEqual(expect.arrayContaining(['add', 'add64', 'work', 'loop', 'crash']));
    for (const [name, args] of [
      ['add', [2, 3]],
      ['add64', [1n << 40n, 5n]],
      ['div', [1, 0]],
      ['div', [-2147483648, -1]],
      ['work', [1000]],
      ['log', [41]],
      ['data', []],
    ] as const) {
      const a = await s.call(name, ...args);
      expect(a).toEqual(local.call(name, ...args));
    }
    const failed = await s.call('fail');
    expect(failed).toMatchObject({ ok: false, trap: 'host-error', message: expect.stringMatching(/"env"\."fail" threw TypeError: no such city/) });
    expect(failed.ok ? undefined : failed.cause).toBeInstanceOf(TypeError);
    expect(Object.keys(failed)).not.toContain('cause');
    // the host's mistakes reject, as in-process they throw
    expect(await codeOf(s.call('nope'))).toBe('sandbox.unknown-export');
    expect(await codeOf(s.call('add', 1))).toBe('sandbox.invalid-argument');
    expect(await codeOf(s.call('add', () => 1, 2))).toBe('sandbox.invalid-argument');
    // and the sandbox goes on
    expect(await s.call('add', 20, 22)).toMatchObject({ ok: true, values: [42] });
  });

  it('memory helpers, host functions reading guest memory through ctx.sandbox, and fuel operations', async () => {
    const s = await open({ fuel: 10_000 });
    expect(await s.memory!.byteLength()).toBe(65536);
    expect(await s.memory!.writeString(100, 'paris')).toBe(5);
    expect(await s.call('shout', 100, 5)).toMatchObject({ ok: true, values: [5] });
    expect(await s.memory!.readString(100, 5)).toBe('PARIS');
    expect(await s.memory!.readBytes(100, 2)).toEqual(new Uint8Array([80, 65]));
    expect(await codeOf(s.memory!.readBytes(65530, 10))).toBe('sandbox.memory-bounds');

    expect(await s.fuel()).toBeLessThan(10_000n);
    await s.setFuel(100);
    expect(await s.fuel()).toBe(100n);
    expect(await s.call('loop')).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 100n });
    expect(await s.call('add', 1, 1)).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: 0n }); // sticky
    expect(await s.addFuel(50)).toBe(50n);
    expect(await s.call('add', 1, 1)).toMatchObject({ ok: true, values: [2] });
  });

  it('WASI output is read back after each call', async () => {
    const w = await hardenWat(
      `(module
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "hello\\n")
        (func (export "_start")
          (i32.store (i32.const 0) (i32.const 16))
          (i32.store (i32.const 4) (i32.const 6))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`,
      { imports: [{ module: 'wasi_snapshot_preview1', name: '*' }] },
    );
    const s = await instantiateInWorker(w, { wasi: true, timeoutMs: 10_000 });
    opened.push(s);
    expect(s.wasi?.stdoutText()).toBe('');
    expect(await s.call('_start')).toMatchObject({ ok: true });
    expect(s.wasi?.stdoutText()).toBe('hello\n');
  });
});

describe('timeoutMs', () => {
  it('terminates a host import that blocks, reports timeout on time, and the sandbox stays terminated', async () => {
    const local = await instantiate(h, { imports: LOCAL });
    const expected = local.call('work_then_block', 1000);
    const s = await open({ timeoutMs: 200, fuel: HUGE });
    expect(await s.call('add', 1, 2)).toMatchObject({ ok: true, values: [3] });
    const t0 = performance.now();
    const r = await s.call('work_then_block', 1000);
    const elapsed = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, trap: 'timeout', message: expect.stringMatching(/wall-clock limit of 200 ms/) });
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(200 + MARGIN_MS);
    // the fuel used up to the blocking host call: a lower bound of what the call used
    expect(r.fuelUsed).toBeGreaterThan(1000n);
    expect(r.fuelUsed).toBeLessThanOrEqual(expected.fuelUsed);

    expect(s.terminated).toBe(true);
    const after = await s.call('add', 1, 2);
    expect(after).toMatchObject({ ok: false, trap: 'timeout', fuelUsed: 0n, message: expect.stringMatching(/sandbox is gone/) });
    expect(await s.fuel()).toBe(0n);
    expect(await codeOf(s.addFuel(10))).toBe('sandbox.invalid-argument');
  });

  it('terminates a guest infinite loop that has fuel to spare', async () => {
    const s = await open({ timeoutMs: 150, fuel: HUGE });
    const t0 = performance.now();
    const r = await s.call('loop');
    expect(r).toMatchObject({ ok: false, trap: 'timeout', fuelUsed: 0n });
    expect(performance.now() - t0).toBeLessThan(150 + MARGIN_MS);
  });

  it('calls queued behind a killed call end as the sandbox did', async () => {
    const s = await open({ timeoutMs: 150, fuel: HUGE });
    const [a, b, c] = await Promise.all([s.call('add', 1, 1), s.call('loop'), s.call('add', 2, 2)]);
    expect(a).toMatchObject({ ok: true, values: [2] });
    expect(b).toMatchObject({ ok: false, trap: 'timeout' });
    expect(c).toMatchObject({ ok: false, trap: 'timeout', message: expect.stringMatching(/sandbox is gone/) });
  });

  it('bounds instantiation too: a start function that blocks in a host import', async () => {
    const blocking = await hardenWat(`(module (import "env" "spin" (func $spin)) (start $s) (func $s (call $spin)))`, POLICY);
    const t0 = performance.now();
    const e = await instantiateInWorker(blocking, { hostModule: TOOLS, timeoutMs: 200 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InstantiationTrapError);
    expect((e as InstantiationTrapError).trap).toMatchObject({ ok: false, trap: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('a worker that dies', () => {
  it('during a call (process.exit in a host function) is host-error, and sticky', async () => {
    const s = await open({ timeoutMs: 10_000 });
    const r = await s.call('crash');
    expect(r).toMatchObject({ ok: false, trap: 'host-error', message: expect.stringMatching(/exited with code 7/) });
    expect(s.terminated).toBe(true);
    expect(await s.call('add', 1, 1)).toMatchObject({ ok: false, trap: 'host-error', message: expect.stringMatching(/sandbox is gone/) });
  });

  it('close() ends the worker, even in a call without a time limit; calls then reject', async () => {
    const s = await open({ fuel: HUGE });
    const running = s.call('loop');
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    expect(s.terminated).toBe(true);
    expect(await codeOf(running)).toBe('sandbox.invalid-argument'); // closed while it ran
    expect(await codeOf(s.call('add', 1, 1))).toBe('sandbox.invalid-argument');
  });
});

describe('options and host modules', () => {
  it('a host module from an absolute path; relative specifiers, closures and memories are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-harden-host-'));
    try {
      const file = join(dir, 'tools.mjs');
      writeFileSync(file, `export const imports = { env: { log: (x) => x * 2, spin() {}, shout() { return 0; }, exit() {}, data() { return 7; }, fail() {} } };\n`);
      const s = await open({ hostModule: file });
      expect(await s.call('log', 21)).toMatchObject({ ok: true, values: [42] });
      expect(await s.call('data')).toMatchObject({ ok: true, values: [7] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await codeOf(instantiateInWorker(h, { hostModule: './tools.js' }))).toBe('sandbox.invalid-option');
    const closures = await instantiateInWorker(h, { imports: LOCAL } as never).catch((e: { issues: { message: string }[] }) => e.issues[0]!.message);
    expect(closures).toMatch(/hostModule/);
    expect(await codeOf(instantiateInWorker(h, { timeoutMs: 0 }))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiateInWorker(h, { hostData: { f: () => 1 } }))).toBe('sandbox.invalid-option');
    // in-process, timeoutMs points here
    const inProcess = await instantiate(h, { timeoutMs: 100 }).catch((e: { issues: { message: string }[] }) => e.issues[0]!.message);
    expect(inProcess).toMatch(/instantiateInWorker/);
  });

  it('a host module that fails to load, or makes no imports, is an invalid option; missing imports are refused as in-process', async () => {
    const broken = await instantiateInWorker(h, { hostModule: host(`throw new Error('boom at load');`) }).catch((e: { issues: { code: string; message: string; path?: string }[] }) => e.issues[0]);
    expect(broken).toMatchObject({ code: 'sandbox.invalid-option', path: 'hostModule', message: expect.stringMatching(/failed to load: Error: boom at load/) });
    expect(await codeOf(instantiateInWorker(h, { hostModule: host(`export const x = 1;`) }))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiateInWorker(h, { hostModule: host(`export default () => { throw new Error('no'); };`) }))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiateInWorker(h, { hostModule: host(`export default { env: {} };`) }))).toBe('sandbox.missing-import');
  });
});
