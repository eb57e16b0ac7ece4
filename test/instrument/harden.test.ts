import { beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { harden, tryHarden } from '../../src/instrument/harden.js';
import { WasmHardenError } from '../../src/issues.js';
import { V8_TOP_TIER_BODY_BYTES } from '../../src/limits.js';

let wabt: Awaited<ReturnType<typeof wabtInit>>;
beforeAll(async () => {
  wabt = await wabtInit();
});
function wat(source: string): Uint8Array {
  const m = wabt.parseWat('test.wat', source, { bulk_memory: true, reference_types: true, multi_value: true });
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

interface Guest {
  exports: Record<string, any>;
  fuel: { value: bigint };
  depth: { value: number };
  /** calls an export as a host would: reset the depth, measure the fuel used, classify a trap */
  call(name: string, ...args: unknown[]): { value?: unknown; trap?: 'out-of-fuel' | 'stack-overflow' | 'other'; used: bigint };
}

async function instantiate(bytes: Uint8Array, fuel = 1_000_000, limits: Record<string, number> = {}, stackLimit?: number): Promise<Guest> {
  const hardened = await harden(bytes, { fuel, imports: [], limits, ...(stackLimit === undefined ? {} : { stackLimit }) });
  const { instance } = await WebAssembly.instantiate(hardened.bytes, {});
  const exports = instance.exports as Record<string, any>;
  const f = exports.__wasm_harden_fuel as { value: bigint };
  const d = exports.__wasm_harden_depth as { value: number };
  return {
    exports,
    fuel: f,
    depth: d,
    call(name, ...args) {
      d.value = 0;
      const before = f.value;
      try {
        const value = exports[name](...args);
        return { value, used: before - f.value };
      } catch (e) {
        const trap = f.value < 0n ? 'out-of-fuel' : d.value > hardened.report.stack.limit ? 'stack-overflow' : 'other';
        return { trap, used: before - f.value };
      }
    },
  };
}

const LOOP = `(module
  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc)))`;

describe('fuel', () => {
  it('charges a loop of N iterations exactly 12·N + 7', async () => {
    // first segment: 1 local + block + loop = 3; loop header: local.get, i32.eqz, br_if = 3 per test;
    // body after br_if: 9 per iteration; after the loop: local.get = 1.  3 + 3(N+1) + 9N + 1 = 12N + 7
    const g = await instantiate(wat(LOOP));
    for (const n of [0, 1, 10, 1000]) {
      const r = g.call('sum', n);
      expect(r.value).toBe((n * (n + 1)) / 2);
      expect(r.used).toBe(BigInt(12 * n + 7));
    }
  });
  it('stops an infinite loop, and exhaustion is sticky until refuelled', async () => {
    const g = await instantiate(wat(`(module (func (export "spin") (loop $l (br $l))) (func (export "one") (result i32) (i32.const 1)))`), 10_000);
    expect(g.call('spin').trap).toBe('out-of-fuel');
    expect(g.fuel.value).toBeLessThan(0n);
    expect(g.call('one').trap).toBe('out-of-fuel');
    g.fuel.value = 100n;
    expect(g.call('one')).toEqual({ value: 1, used: 1n });
  });
  it('charges bulk operations per byte before they run: a 4 GiB-class fill fails on fuel', async () => {
    const g = await instantiate(
      wat(`(module (memory (export "mem") 1 65536)
        (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
        (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 100) (local.get 0))))`),
      1_000_000,
    );
    expect(g.call('fill', 100)).toEqual({ value: undefined, used: 104n });
    const mem = g.exports.mem as WebAssembly.Memory;
    expect(new Uint8Array(mem.buffer)[99]).toBe(7);
    const before = new Uint8Array(mem.buffer).slice(0, 2000);
    expect(g.call('fill', 2_000_000).trap).toBe('out-of-fuel');
    g.fuel.value = 1_000_000n;
    expect(g.call('fill', -1).trap).toBe('out-of-fuel'); // 4 GiB - 1 bytes
    g.fuel.value = 1_000_000n;
    expect(g.call('copy', 3_000_000).trap).toBe('out-of-fuel');
    expect(new Uint8Array(mem.buffer).slice(0, 2000)).toEqual(before); // nothing ran
  });
  it('meters the start function, so it works (and an infinite start loop is stopped)', async () => {
    const ok = await instantiate(wat(`(module (global $g (export "g") (mut i32) (i32.const 0)) (func $s (global.set $g (i32.const 42))) (start $s))`));
    expect((ok.exports.g as { value: number }).value).toBe(42);
    expect(ok.fuel.value).toBe(1_000_000n - 2n);
    const bomb = await harden(wat(`(module (func $s (loop $l (br $l))) (start $s))`), { fuel: 50_000, imports: [] });
    await expect(WebAssembly.instantiate(bomb.bytes, {})).rejects.toThrow(WebAssembly.RuntimeError);
  });
});

describe('stack limit', () => {
  it('stops direct, mutual and indirect recursion with our own limit, at the same depth every time', async () => {
    const g = await instantiate(
      wat(`(module
        (type $t (func (param i32) (result i32)))
        (table 1 funcref) (elem (i32.const 0) $ind)
        (func $rec (export "rec") (param i32) (result i32) (return (call $rec (local.get 0))))
        (func $a (export "a") (param i32) (result i32) (call $b (local.get 0)))
        (func $b (param i32) (result i32) (call $a (local.get 0)))
        (func $ind (export "ind") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))`),
      100_000_000,
    );
    for (const name of ['rec', 'a', 'ind']) {
      const first = g.call(name, 1);
      expect(first.trap, name).toBe('stack-overflow');
      const again = g.call(name, 1);
      expect(again.used, name).toBe(first.used);
    }
  });
  it('releases the frame on every exit, so deep but finite recursion works', async () => {
    const g = await instantiate(
      wat(`(module (func $fib (export "fib") (param i32) (result i32)
        (if (i32.lt_u (local.get 0) (i32.const 2)) (then (return (local.get 0))))
        (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2))))))`),
      100_000_000,
    );
    expect(g.call('fib', 20).value).toBe(6765);
    expect(g.depth.value).toBe(0);
  });
});

describe('caps', () => {
  it('clamps memory and table maxima, so grow past the cap returns -1', async () => {
    const src = wat(`(module (memory (export "mem") 1) (table (export "t") 1 funcref)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`);
    const hardened = await harden(src, { imports: [], limits: { memoryPages: 4, tableElements: 8 } });
    expect(hardened.report.caps.memories).toEqual([{ index: 0, declaredMax: null, max: 4 }]);
    const { instance } = await WebAssembly.instantiate(hardened.bytes, {});
    const ex = instance.exports as Record<string, any>;
    expect(ex.grow(3)).toBe(1);
    expect(ex.grow(1)).toBe(-1);
    expect(ex.tgrow(7)).toBe(1);
    expect(ex.tgrow(1)).toBe(-1);
  });
  it('a grow loop ends at the cap with -1, not a trap', async () => {
    const g = await instantiate(
      wat(`(module (memory (export "mem") 1)
        (func (export "bomb") (result i32) (local $n i32)
          (block $done (loop $l
            (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $l)))
          (local.get $n)))`),
      10_000_000,
      { memoryPages: 256 },
    );
    const r = g.call('bomb');
    expect(r.trap).toBeUndefined();
    expect(r.value).toBe(256 - 1); // grew one page at a time from 1 to the cap of 256 pages, then got -1
    expect((g.exports.mem as WebAssembly.Memory).buffer.byteLength).toBe(256 * 65_536);
  });
  it('refuses an imported memory without a maximum within the cap', async () => {
    const src = wat(`(module (import "env" "mem" (memory 1)))`);
    const r = await tryHarden(src, { imports: [{ module: 'env', name: 'mem' }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.code).toBe('forbidden.limit.memory-pages');
  });
});

describe('harden API', () => {
  it('rejects what the validator rejects, with its issues', async () => {
    await expect(harden(Uint8Array.of(0, 1, 2))).rejects.toBeInstanceOf(WasmHardenError);
    const r = await tryHarden(wat(`(module (func (export "__wasm_harden_x")))`));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.code).toBe('forbidden.reserved-name');
  });
  it('refuses a catch_all around exhaustion by policy: exceptions are not enabled', async () => {
    // (func (try (do (loop $l (br $l))) (catch_all))): a guest that would swallow its own out-of-fuel
    const bytes = Uint8Array.of(
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
      0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x06, 0x40, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x19, 0x0b, 0x0b,
    );
    expect(WebAssembly.validate(bytes)).toBe(true); // Node 20's V8 would run it
    const r = await tryHarden(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ code: 'forbidden.feature.exceptions', offset: 23 });
  });
  it('refuses a guest that imports from the reserved namespace', async () => {
    const r = await tryHarden(wat(`(module (import "__wasm_harden" "fuel" (global (mut i64))))`), { imports: 'any' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.code).toBe('forbidden.reserved-name');
  });
  it('is deterministic: same input and policy, byte-identical output', async () => {
    const a = await harden(wat(LOOP));
    const b = await harden(wat(LOOP));
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });
});

describe('binaryen failures do not poison harden', () => {
  it('after a forced binaryen abort, harden still works and gives the same bytes', async () => {
    const { withBinaryenModule, binaryenHostState } = await import('../../src/instrument/binaryen-host.js');
    const src = wat(LOOP);
    const before = await harden(src, undefined, { binaryenCheck: true });
    expect(before.report.binaryenCheck).toBe('passed');
    const generation = binaryenHostState().generation;
    // null operands: a C++ assertion in binaryen calls emscripten's abort()
    await expect(
      withBinaryenModule(src, ['mutable-globals'], (module) => {
        (module.i32 as unknown as { add(a: number, b: number): number }).add(0, 0);
      }),
    ).rejects.toBeInstanceOf(WasmHardenError);
    const after = await harden(src, undefined, { binaryenCheck: true });
    expect(after.report.binaryenCheck).toBe('passed');
    expect(binaryenHostState().generation).toBeGreaterThan(generation);
    expect(Buffer.from(after.bytes).equals(Buffer.from(before.bytes))).toBe(true);
  });
});

describe('functions at the locals limit', () => {
  it('a function with V8\'s maximum of locals keeps charging the global (no local can be added) and still works', async () => {
    // 1 parameter + 49,999 locals = 50,000, V8's limit; it also uses a bulk operation and a loop
    const src = wat(`(module (memory 1)
      (func (export "f") (param $n i32) (result i32) (local ${'i32 '.repeat(49_999)})
        (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
        (block $done (loop $l (br_if $done (i32.eqz (local.get $n))) (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
        (i32.load8_u (i32.const 5))))`);
    // its frame weighs 128 + 16 × 50,000 = 800,128 notional bytes: more than the default stack limit
    const tooBig = await instantiate(src, 10_000_000);
    expect(tooBig.call('f', 10).trap).toBe('stack-overflow');
    const g = await instantiate(src, 10_000_000, {}, 2 * 1024 * 1024);
    const r = g.call('f', 10);
    expect(r.value).toBe(1);
    // first segment: 49,999 locals + i32.const, i32.const, local.get, memory.fill + block, loop; the fill's
    // 10 bytes; the loop test (local.get, i32.eqz, br_if) 11 times; the body (local.get, i32.const,
    // i32.sub, local.set, br) 10 times; after the loop: i32.const, i32.load8_u
    expect(r.used).toBe(BigInt(49_999 + 4 + 2 + 10 + 3 * 11 + 5 * 10 + 2));
    g.fuel.value = 100n;
    expect(g.call('f', 10).trap).toBe('out-of-fuel');
  });
});

describe('report.largeFunctions', () => {
  it('lists the bodies V8 may hand to its mid-tier register allocator, with their sizes before and after', async () => {
    // a branchy body of about 36 KB: below V8_TOP_TIER_BODY_BYTES plain, above it once every arm is charged
    const arm = '(if (i32.and (local.get 0) (i32.const 1)) (then (local.set 0 (i32.add (local.get 0) (i32.const 3)))))';
    const big = wat(`(module
      (func (export "small") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "big") (param i32) (result i32) ${arm.repeat(1600)} (local.get 0)))`);
    const hardened = await harden(big, { imports: [] });
    const [entry, ...rest] = hardened.report.largeFunctions;
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ index: 1 });
    expect(entry!.inputBytes).toBeLessThan(V8_TOP_TIER_BODY_BYTES);
    expect(entry!.outputBytes).toBeGreaterThanOrEqual(V8_TOP_TIER_BODY_BYTES);
    const small = await harden(wat('(module (func (export "f") (result i32) (i32.const 1)))'), { imports: [] });
    expect(small.report.largeFunctions).toEqual([]);
  });
});
