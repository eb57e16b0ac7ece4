import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  BINARYEN_FEATURE_FLAGS,
  PINNED_BINARYEN_VERSION,
  assertValidModule,
  binaryenFeatureFlags,
  binaryenHostState,
  roundTrip,
  withBinaryenModule,
  withNewBinaryenModule,
  withoutTargetFeatures,
  type Binaryen,
} from '../../src/instrument/binaryen-host.js';
import { nestedBlocks } from '../../fuzz/properties/binaryen-healthy.js';
import { WasmHardenError } from '../../src/issues.js';
import { WASM2_FEATURES, type FeatureName } from '../../src/policy.js';
import { wabt } from '../runtime/helpers.js';

const ALL: readonly FeatureName[] = WASM2_FEATURES;

function wat(text: string): Uint8Array {
  const module = wabt.parseWat('test.wat', text, { simd: true, bulk_memory: true, reference_types: true, multi_value: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const SMALL = wat(`(module
  (memory (export "memory") 1 2)
  (global $g (mut i64) (i64.const 5))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sum") (param $n i32) (result i64) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i64.add (local.get $acc) (global.get $g)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "signext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
  (data "\\01\\02\\03\\04"))`);

const SIMD = wat(`(module
  (func (export "dot") (param i32 i32 i32 i32) (result i32) (local v128)
    (local.set 4 (i32x4.mul (i32x4.splat (local.get 0))
                            (i32x4.replace_lane 3 (i32x4.splat (local.get 1)) (local.get 2))))
    (i32.add (i32x4.extract_lane 0 (local.get 4))
             (i32.add (i32x4.extract_lane 3 (local.get 4)) (local.get 3)))))`);

/** A custom section: id 0, size, name, payload. */
function customSection(name: string, payload: number[]): number[] {
  const n = [...new TextEncoder().encode(name)];
  const body = [n.length, ...n, ...payload];
  return [0, body.length, ...body];
}

async function rejection(promise: Promise<unknown>): Promise<WasmHardenError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(WasmHardenError);
    return e as WasmHardenError;
  }
  throw new Error('expected a rejection');
}

function expectInternal(error: WasmHardenError, pattern: RegExp): void {
  expect(error.issues).toHaveLength(1);
  expect(error.issues[0]?.code).toBe('internal.error');
  expect(error.issues[0]?.message.startsWith('internal error: ')).toBe(true);
  expect(error.issues[0]?.message).toMatch(pattern);
}

function exportsOf(bytes: Uint8Array): Record<string, (...args: number[]) => unknown> {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return instance.exports as Record<string, (...args: number[]) => unknown>;
}

function flagsOf(b: Binaryen, features: readonly FeatureName[]): number {
  let flags = 0;
  for (const f of features) for (const name of BINARYEN_FEATURE_FLAGS[f as keyof typeof BINARYEN_FEATURE_FLAGS]) flags |= b.Features[name];
  return flags;
}

describe('binaryen host', () => {
  it('loads the pinned binaryen', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['binaryen']).toBe(PINNED_BINARYEN_VERSION);
    const generation = await withNewBinaryenModule([], () => binaryenHostState().generation);
    expect(generation).toBeGreaterThanOrEqual(1);
  });

  it('round-trips a small module: valid, deterministic, same behaviour', async () => {
    const first = await roundTrip(SMALL, ALL);
    const second = await roundTrip(SMALL, ALL);
    expect(WebAssembly.validate(first)).toBe(true);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    // idempotent: the output round-trips to itself
    expect(Buffer.from(await roundTrip(first, ALL)).equals(Buffer.from(first))).toBe(true);
    const before = exportsOf(SMALL);
    const after = exportsOf(first);
    expect(after['add']?.(40, 2)).toBe(before['add']?.(40, 2));
    expect(after['sum']?.(100)).toBe(5055n);
    expect(after['signext']?.(0xff)).toBe(-1);
    expect(after['divmod']?.(17, 5)).toEqual([3, 2]);
  });

  it('sets exactly the features asked for, BulkMemoryOpt with BulkMemory, never All', async () => {
    const cases: readonly (readonly FeatureName[])[] = [ALL, [], ['sign-ext', 'simd'], ['bulk-memory'], ['mutable-globals', 'multi-value', 'reference-types', 'nontrapping-fptoint']];
    for (const features of cases) {
      const [got, expected, all, opt] = await withNewBinaryenModule(features, (module, b) => [module.getFeatures(), flagsOf(b, features), b.Features.All, b.Features.BulkMemoryOpt] as const);
      expect(got).toBe(expected);
      expect(got).not.toBe(all);
      expect((got & opt) !== 0).toBe(features.includes('bulk-memory'));
    }
    // reading applies them too, and memory.copy (which needs BulkMemoryOpt) validates
    const [features, valid] = await withBinaryenModule(SMALL, ALL, (module, b) => {
      assertValidModule(module, b, 'SMALL');
      return [module.getFeatures(), module.validate()] as const;
    });
    expect(valid).toBe(1);
    expect(features).toBe(await withNewBinaryenModule(ALL, (_m, b) => flagsOf(b, ALL)));
    // a later proposal cannot be mapped
    const error = await rejection(withNewBinaryenModule(['threads'], () => 0));
    expectInternal(error, /feature threads is not supported/);
    await withNewBinaryenModule([], (_m, b) => expect(() => binaryenFeatureFlags(b, ['gc'])).toThrow(WasmHardenError));
  });

  it('does not let a target_features section widen the features', async () => {
    const claims = customSection('target_features', [2, 0x2b, 7, ...new TextEncoder().encode('atomics'), 0x2b, 2, ...new TextEncoder().encode('gc')]);
    const bytes = new Uint8Array([...SMALL, ...claims]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const stripped = withoutTargetFeatures(bytes);
    expect(Buffer.from(stripped).equals(Buffer.from(SMALL))).toBe(true);
    expect(withoutTargetFeatures(SMALL)).toBe(SMALL);
    const [got, expected, out] = await withBinaryenModule(bytes, ALL, (module, b) => [module.getFeatures(), flagsOf(b, ALL), module.emitBinary()] as const);
    expect(got).toBe(expected);
    expect(Buffer.from(out).includes(Buffer.from('target_features'))).toBe(false);
    expect(Buffer.from(out).equals(Buffer.from(await roundTrip(SMALL, ALL)))).toBe(true);
  });

  it('disposes of the module even when fn throws', async () => {
    let spy: ReturnType<typeof vi.fn> | undefined;
    const error = await rejection(
      withBinaryenModule(SMALL, ALL, (module) => {
        spy = vi.fn(module.dispose.bind(module));
        module.dispose = spy as unknown as () => void;
        throw new TypeError('boom');
      }),
    );
    expect(spy).toHaveBeenCalledTimes(1);
    expectInternal(error, /error in a binaryen session: TypeError: boom/);
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(TypeError);

    // a deliberate rejection of ours passes through unchanged, and keeps the instance
    await withNewBinaryenModule(ALL, () => 0); // a live instance, so the next session does not load one
    const { generation, retired } = binaryenHostState();
    const ours = new WasmHardenError([{ code: 'forbidden.start-function', message: 'start function not allowed', offset: 0 }]);
    let disposed = 0;
    const thrown = await rejection(
      withNewBinaryenModule(ALL, (module) => {
        const dispose = module.dispose.bind(module);
        module.dispose = () => {
          disposed++;
          dispose();
        };
        throw ours;
      }),
    );
    expect(thrown).toBe(ours);
    expect(disposed).toBe(1);
    expect(binaryenHostState()).toMatchObject({ generation, retired });
  });

  it('survives a forced binaryen abort: the next call works on a fresh instance', async () => {
    const baseline = await roundTrip(SMALL, ALL);
    const exitCode = process.exitCode;
    const before = binaryenHostState();
    const error = await rejection(
      withNewBinaryenModule(ALL, (module) => {
        // null operands: C++ `assert(left && right)` in Binary::finalize → emscripten abort()
        module.i32.add(0, 0);
      }),
    );
    expectInternal(error, /binaryen aborted: Assertion failed: left && right/);
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(WebAssembly.RuntimeError);
    const after = binaryenHostState();
    expect(after.retired).toBe(before.retired + 1);
    expect(after.lastFailure).toMatchObject({ kind: 'abort', generation: before.generation });

    // the key property: the process is not poisoned
    const again = await roundTrip(SMALL, ALL);
    expect(Buffer.from(again).equals(Buffer.from(baseline))).toBe(true);
    expect(binaryenHostState().generation).toBe(before.generation + 1);
    expect(process.exitCode).toBe(exitCode);
  });

  it('retires an instance that aborted outside any session', async () => {
    let kept: Binaryen | undefined;
    await withNewBinaryenModule(ALL, (_m, b) => {
      kept = b;
    });
    const { generation } = binaryenHostState();
    // misuse: binaryen kept past the end of the session, and made to abort there
    const stray = new kept!.Module();
    expect(() => stray.i32.add(0, 0)).toThrow(WebAssembly.RuntimeError);
    expect(await withNewBinaryenModule(ALL, () => binaryenHostState().generation)).toBe(generation + 1);
    expect(binaryenHostState().lastFailure).toMatchObject({ kind: 'abort', generation });
  });

  it('catches an abort that fn swallowed', async () => {
    const error = await rejection(
      withNewBinaryenModule(ALL, (module) => {
        try {
          module.i32.add(0, 0);
        } catch {
          // a careless pass
        }
        return 'fine';
      }),
    );
    expectInternal(error, /binaryen aborted and the session swallowed it: Assertion failed: left && right/);
    expect(await withNewBinaryenModule(ALL, () => 'ok')).toBe('ok');
  });

  it('survives a C++ exception (Fatal: unknown pass)', async () => {
    const error = await rejection(withBinaryenModule(SMALL, ALL, (module) => module.runPasses(['no-such-pass'])));
    expectInternal(error, /binaryen threw a C\+\+ exception: std::runtime_error: Could not find pass: no-such-pass/);
    expect(binaryenHostState().lastFailure?.kind).toBe('cpp-exception');
    expect(WebAssembly.validate(await roundTrip(SMALL, ALL))).toBe(true);
  });

  it('survives a stack overflow from 20k nested blocks', async () => {
    const deep = nestedBlocks(20_000);
    expect(WebAssembly.validate(deep)).toBe(true);
    const error = await rejection(roundTrip(deep, ALL));
    expectInternal(error, /binaryen overflowed the stack: Maximum call stack size exceeded/);
    expect(WebAssembly.validate(await roundTrip(nestedBlocks(100), ALL))).toBe(true);
  });

  it('replaces an instance that leaked C++ exceptions until its memory broke', async () => {
    // Each C++ exception escaping readBinary leaks its shadow-stack frame; after ~10k the instance corrupts
    // itself. Done inside one session (a careless pass swallowing the exceptions), so the host sees only the
    // final crash, and must still recover.
    const garbage = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0]);
    let broke = false;
    const error = await rejection(
      withNewBinaryenModule(ALL, (_module, b) => {
        for (let i = 1; i <= 40_000; i++) {
          try {
            b.readBinary(garbage);
          } catch {
            // swallowed
          }
          if (i % 1000 === 0) {
            broke = true;
            const probe = new b.Module();
            probe.addFunction('f', b.none, b.none, [], probe.nop());
            probe.emitBinary();
            probe.dispose();
            broke = false;
          }
        }
      }),
    );
    expect(broke).toBe(true);
    expect(['abort', 'wasm-trap']).toContain(binaryenHostState().lastFailure?.kind);
    expectInternal(error, /binaryen (aborted|trapped)/);
    expect(WebAssembly.validate(await roundTrip(SMALL, ALL))).toBe(true);
  });

  it('keeps concurrent sessions apart when one of them fails', async () => {
    const baseline = await roundTrip(SMALL, ALL);
    const failing = withNewBinaryenModule(ALL, (module) => module.i32.add(0, 0));
    const others = Promise.allSettled([roundTrip(SMALL, ALL), roundTrip(SMALL, ALL)]);
    expectInternal(await rejection(failing), /binaryen aborted/);
    for (const r of await others) {
      expect(r.status).toBe('fulfilled');
      if (r.status === 'fulfilled') expect(Buffer.from(r.value).equals(Buffer.from(baseline))).toBe(true);
    }
  });

  it('restores process.exitCode and retires the instance if a session changes it', async () => {
    const exitCode = process.exitCode;
    const error = await rejection(
      withNewBinaryenModule(ALL, () => {
        process.exitCode = 3; // what binaryen's exit() would do through the emscripten glue
      }),
    );
    expect(process.exitCode).toBe(exitCode);
    expectInternal(error, /binaryen called exit\(\)/);
  });

  it('rejects sessions that return a promise or leave trapsNeverHappen on', async () => {
    expectInternal(await rejection(withNewBinaryenModule(ALL, async () => 1)), /returned a promise/);
    expectInternal(
      await rejection(withNewBinaryenModule(ALL, (_m, b) => b.setTrapsNeverHappen(true))),
      /trapsNeverHappen/,
    );
    expect(await withNewBinaryenModule(ALL, (_m, b) => b.getTrapsNeverHappen())).toBe(false);
  });

  it('round-trips v128/SIMD with simd enabled, and binaryen validation rejects it without', async () => {
    const out = await roundTrip(SIMD, ALL);
    expect(WebAssembly.validate(out)).toBe(true);
    expect(out.includes(0xfd)).toBe(true);
    expect(exportsOf(out)['dot']?.(3, 4, 5, 1)).toBe(exportsOf(SIMD)['dot']?.(3, 4, 5, 1));
    expect(exportsOf(out)['dot']?.(3, 4, 5, 1)).toBe(3 * 4 + 3 * 5 + 1);

    const error = await rejection(
      withBinaryenModule(SIMD, ALL.filter((f) => f !== 'simd'), (module, b) => assertValidModule(module, b, 'SIMD')),
    );
    expectInternal(error, /binaryen validation failed for SIMD: .*all used features should be allowed/);
  });
});
