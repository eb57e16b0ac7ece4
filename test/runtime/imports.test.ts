/**
 * Imports: deny by default. Every import must be allowed by the policy and provided with the right kind;
 * anything else is refused at instantiation, every problem at once. WASI comes from the shim through the
 * same allowlist. The import object the guest sees is built from scratch and frozen.
 */
import { describe, expect, it } from 'vitest';
import { WasmHardenError } from '../../src/issues.js';
import { normalizePolicy } from '../../src/policy.js';
import { instantiate } from '../../src/runtime/sandbox.js';
import { decodeModule } from '../../src/binary/decode.js';
import { V8_LIMITS } from '../../src/limits.js';
import { buildImports, checkImportAllowed } from '../../src/runtime/host-imports.js';
import { codeOf, hardenWat } from './helpers.js';

const ENV_F = { imports: [{ module: 'env', name: 'f', kind: 'func' as const, type: 'i32 -> i32' }] };
const USES_F = `(module (import "env" "f" (func $f (param i32) (result i32))) (func (export "g") (param i32) (result i32) (call $f (local.get 0))))`;

async function issuesOf(p: Promise<unknown>): Promise<{ code: string; message: string; path?: string }[]> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(WasmHardenError);
  return [...(e as WasmHardenError).issues];
}

describe('the allowlist, checked again at instantiation', () => {
  it('an allowed, provided import links and runs', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    const s = await instantiate(h, { imports: { env: { f: (x: number) => x * 2 } } });
    expect(s.call('g', 21)).toMatchObject({ ok: true, values: [42] });
  });

  it('an import the HardenedModule\'s policy does not list is refused (forbidden.import)', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    const forged = { ...h, policy: normalizePolicy({ imports: [] }) };
    const issues = await issuesOf(instantiate(forged, { imports: { env: { f: () => 0 } } }));
    expect(issues.map((i) => i.code)).toEqual(['forbidden.import']);
    expect(issues[0]!.message).toMatch(/^import not allowed: func "env"."f"/);
  });

  it('a kind or signature other than the allowlist\'s is refused (forbidden.import-type)', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    const forged = { ...h, policy: normalizePolicy({ imports: [{ module: 'env', name: 'f', kind: 'func', type: 'i64 -> i64' }] }) };
    expect((await issuesOf(instantiate(forged, { imports: { env: { f: () => 0 } } })))[0]!.code).toBe('forbidden.import-type');
    const asGlobal = { ...h, policy: normalizePolicy({ imports: [{ module: 'env', name: '*', kind: 'global' }] }) };
    expect((await issuesOf(instantiate(asGlobal, { imports: { env: { f: () => 0 } } })))[0]!.code).toBe('forbidden.import-type');
  });

  it('a missing import is refused (sandbox.missing-import), even when the host offers other things', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    expect(await codeOf(instantiate(h))).toBe('sandbox.missing-import');
    expect(await codeOf(instantiate(h, { imports: { env: { g: () => 0 } } }))).toBe('sandbox.missing-import');
    expect(await codeOf(instantiate(h, { imports: { other: { f: () => 0 } } }))).toBe('sandbox.missing-import');
    // inherited properties are not offers
    const proto = Object.create({ f: () => 0 }) as Record<string, unknown>;
    expect(await codeOf(instantiate(h, { imports: { env: proto } }))).toBe('sandbox.missing-import');
  });

  it('a value of the wrong kind is refused (sandbox.import-kind)', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    for (const f of [42, 'f', {}, null, new WebAssembly.Memory({ initial: 1 })])
      expect(await codeOf(instantiate(h, { imports: { env: { f } } })), String(f)).toBe('sandbox.import-kind');
  });

  it('lists every problem at once', async () => {
    const h = await hardenWat(
      `(module (import "env" "a" (func)) (import "env" "b" (func)) (import "env" "c" (global i32)) (import "env" "m" (memory 1 2)))`,
      { imports: [{ module: 'env', name: '*' }] },
    );
    const issues = await issuesOf(instantiate(h, { imports: { env: { a: () => 0, c: 'nope' } } }));
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'sandbox.missing-import import "env"."b"',
      'sandbox.import-kind import "env"."c"',
      'sandbox.missing-import import "env"."m"',
    ]);
  });

  it('the reserved namespace is never importable, whatever the policy says', () => {
    // harden refuses such a module already; the runtime's gate refuses it again (a HardenedModule is data)
    const any = normalizePolicy({ imports: 'any' });
    const imp = { module: '__wasm_harden', name: 'fuel', desc: { kind: 0, typeIndex: 0 }, offset: 0 };
    expect(checkImportAllowed({} as never, any, imp as never)?.code).toBe('forbidden.reserved-name');
  });

  it('V8\'s link check still applies (sandbox.link-error): a memory larger than the import allows', async () => {
    const h = await hardenWat(`(module (import "env" "mem" (memory 1 2)) (func (export "size") (result i32) memory.size))`, {
      imports: [{ module: 'env', name: 'mem', kind: 'memory' }],
    });
    expect(await codeOf(instantiate(h, { memory: new WebAssembly.Memory({ initial: 1, maximum: 100 }) }))).toBe('sandbox.link-error');
    expect(await codeOf(instantiate(h, { memory: new WebAssembly.Memory({ initial: 1 }) }))).toBe('sandbox.link-error');
    const ok = await instantiate(h, { memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }) });
    expect(ok.call('size')).toMatchObject({ ok: true, values: [1] });
    expect(ok.memory?.byteLength).toBe(65536);
  });

  it('globals and tables: a Global or a primitive for an immutable global, a Global for a mutable one', async () => {
    const h = await hardenWat(
      `(module (import "env" "k" (global $k i64)) (import "env" "m" (global $m (mut i32))) (import "env" "t" (table 1 1 funcref))
        (func (export "get") (result i64) (i64.add (global.get $k) (i64.extend_i32_s (global.get $m)))))`,
      { imports: [{ module: 'env', name: '*' }] },
    );
    const m = new WebAssembly.Global({ value: 'i32', mutable: true }, 5);
    const t = new WebAssembly.Table({ element: 'anyfunc', initial: 1, maximum: 1 });
    const s = await instantiate(h, { imports: { env: { k: 10n, m, t } } });
    expect(s.call('get')).toMatchObject({ ok: true, values: [15n] });
    expect(await codeOf(instantiate(h, { imports: { env: { k: 10, m, t } } }))).toBe('sandbox.import-kind');
    expect(await codeOf(instantiate(h, { imports: { env: { k: 10n, m: 5, t } } }))).toBe('sandbox.import-kind');
  });

  it('bad options are refused up front', async () => {
    const h = await hardenWat(`(module)`);
    expect(await codeOf(instantiate(h, { bogus: 1 } as never))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiate(h, { imports: { env: 5 } } as never))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiate(h, { memory: {} } as never))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiate(h, { timeoutMs: 100 }))).toBe('sandbox.invalid-option');
    expect(await codeOf(instantiate({ bytes: 5 } as never))).toBe('sandbox.invalid-argument');
  });
});

describe('what the guest gets', () => {
  it('host functions run with `this` undefined and get JS API values; results are converted per the import type', async () => {
    const h = await hardenWat(
      `(module (import "env" "f" (func $f (param i32 i64 f32 f64) (result i64)))
        (import "env" "two" (func $two (result i32 f64)))
        (func (export "g") (result i64) (call $f (i32.const -1) (i64.const 5) (f32.const 1.5) (f64.const 2.25)))
        (func (export "h") (result i32 f64) (call $two)))`,
      { imports: [{ module: 'env', name: '*' }] },
    );
    let seen: unknown[] = [];
    let self: unknown = 'unset';
    const s = await instantiate(h, {
      imports: {
        env: {
          f(this: unknown, ...args: unknown[]) {
            self = this;
            seen = args;
            return 1n << 64n; // wraps to 0 as ToBigInt64 says
          },
          two: () => [7.9, '3.5'],
        },
      },
    });
    expect(s.call('g')).toMatchObject({ ok: true, values: [0n] });
    expect(self).toBeUndefined();
    expect(seen).toEqual([-1, 5n, 1.5, 2.25]);
    expect(s.call('h')).toMatchObject({ ok: true, values: [7, 3.5] });
  });

  it('a result that does not convert is host-error, not an exception out of call', async () => {
    const h = await hardenWat(
      `(module (import "env" "i64" (func $a (result i64))) (import "env" "i32" (func $b (result i32))) (import "env" "two" (func $c (result i32 i32)))
        (import "env" "ref" (func $d (result funcref)))
        (func (export "a") (result i64) (call $a)) (func (export "b") (result i32) (call $b)) (func (export "c") (drop (drop (call $c))))
        (func (export "d") (drop (call $d))))`,
      { imports: [{ module: 'env', name: '*' }] },
    );
    const s = await instantiate(h, {
      imports: {
        env: {
          i64: () => 1, // a number is not a BigInt (JS API: TypeError)
          i32: () => ({ valueOf: () => { throw new Error('valueOf ran'); } }),
          two: () => [1],
          ref: () => () => 1, // a JS function is not a funcref: V8 refuses it at the boundary
        },
      },
    });
    for (const name of ['a', 'b', 'c', 'd']) {
      const r = s.call(name);
      expect(r, name).toMatchObject({ ok: false, trap: 'host-error' });
    }
    expect((s.call('b') as { message: string }).message).toContain('valueOf ran');
  });

  it('the import object is built from the module\'s imports only, null-prototype and frozen', async () => {
    const h = await hardenWat(USES_F, ENV_F);
    const info = decodeModule(h.bytes, { limits: V8_LIMITS, feature() {}, limit() {} });
    const invoker = { invokeHost: (fn: (...a: unknown[]) => unknown, args: unknown[]) => fn(...args) };
    const built = buildImports(info, h.policy, { imports: { env: { f: (x: number) => x, extra: () => 0 }, more: {} } }, invoker, () => undefined);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const obj = built.plan.importObject as Record<string, Record<string, unknown>>;
    expect(Object.isFrozen(obj) && Object.isFrozen(obj['env'])).toBe(true);
    expect(Object.getPrototypeOf(obj)).toBeNull();
    expect(Object.getPrototypeOf(obj['env'])).toBeNull();
    expect(Object.keys(obj)).toEqual(['env']);
    expect(Object.keys(obj['env']!)).toEqual(['f']);
  });

  it('WebAssembly.Instance is captured at load: replacing it afterwards changes nothing', async () => {
    let used = false;
    const h = await hardenWat(USES_F, ENV_F);
    const realInstance = WebAssembly.Instance;
    (WebAssembly as { Instance: unknown }).Instance = new Proxy(realInstance, {
      construct(target, args) {
        used = true;
        return Reflect.construct(target, args);
      },
    });
    try {
      const s = await instantiate(h, { imports: { env: { f: (x: number) => x } } });
      expect(s.call('g', 3)).toMatchObject({ ok: true, values: [3] });
      expect(used).toBe(false);
    } finally {
      (WebAssembly as { Instance: unknown }).Instance = realInstance;
    }
  });
});

describe('WASI through the shim', () => {
  const HELLO = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1 1)
    (data (i32.const 16) "hello\\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $exit (i32.const 3))
      unreachable)
    (func (export "write") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
  const WASI = { imports: [{ module: 'wasi_snapshot_preview1', name: '*', kind: 'func' as const }] };

  it('proc_exit is a clean result with the exit code; stdout is captured', async () => {
    const s = await instantiate(await hardenWat(HELLO, WASI), { wasi: true });
    const r = s.call('_start');
    expect(r).toMatchObject({ ok: true, values: [], exitCode: 3 });
    expect(r.fuelUsed).toBeGreaterThan(0n);
    expect(s.wasi?.stdoutText()).toBe('hello\n');
  });

  it('without `wasi` the imports are missing, with a hint', async () => {
    const issues = await issuesOf(instantiate(await hardenWat(HELLO, WASI)));
    expect(issues[0]!.code).toBe('sandbox.missing-import');
    expect(issues[0]!.message).toContain('wasi: true');
  });

  it('a WASI import with another signature than preview1 is refused', async () => {
    const h = await hardenWat(`(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i64))))`, WASI);
    expect(await codeOf(instantiate(h, { wasi: true }))).toBe('sandbox.import-kind');
  });

  it('WASI is still subject to the allowlist', async () => {
    const h = await hardenWat(HELLO, WASI);
    const forged = { ...h, policy: normalizePolicy({ imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_write' }] }) };
    const issues = await issuesOf(instantiate(forged, { wasi: true }));
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(['forbidden.import import "wasi_snapshot_preview1"."proc_exit"']);
  });

  it('bad WASI options are a structured error', async () => {
    expect(await codeOf(instantiate(await hardenWat(HELLO, WASI), { wasi: { bogus: 1 } as never }))).toBe('sandbox.invalid-option');
  });
});
