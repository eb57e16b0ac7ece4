/**
 * Memory helpers: bytes and UTF-8 strings at guest pointers, every access bounds-checked against the
 * current size (re-read after growth), never touching anything outside the memory.
 */
import { describe, expect, it } from 'vitest';
import { WasmHardenError } from '../../src/issues.js';
import { MemoryAccess } from '../../src/runtime/memory-access.js';
import { instantiate } from '../../src/runtime/sandbox.js';
import { codeOf, hardenWat, sandboxOf } from './helpers.js';

const TOOL = `(module
  (memory (export "memory") 1 4)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; upper-cases ASCII in place and returns the length
  (func (export "upper") (param $p i32) (param $n i32) (result i32) (local $i i32) (local $c i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (then (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $n)))`;

describe('memory helpers', async () => {
  const s = await sandboxOf(TOOL);
  const m = s.memory!;

  it('pass a string to a tool and read its answer', () => {
    const n = m.writeString(100, 'héllo wörld');
    expect(n).toBe(13);
    expect(s.call('upper', 100, n)).toMatchObject({ ok: true, values: [13] });
    expect(m.readString(100, n)).toBe('HéLLO WöRLD');
    expect([...m.readBytes(100, 2)]).toEqual([72, 0xc3]);
    expect(m.writeBytes(0, new Uint8Array([1, 2, 3]))).toBe(3);
    expect(m.writeBytes(3, [4, 5])).toBe(2);
    expect([...m.readBytes(0, 5)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuse anything outside the memory, touching nothing', () => {
    expect(m.byteLength).toBe(65536);
    m.writeBytes(65534, [9, 9]);
    const cases: Array<() => unknown> = [
      () => m.readBytes(65535, 2),
      () => m.readBytes(65536, 1),
      () => m.readBytes(0, 65537),
      () => m.readString(65000, 600),
      () => m.writeBytes(65535, [1, 2]),
      () => m.writeString(65534, 'abc'),
      () => m.writeString(65535, 'é'), // 2 bytes
      () => m.readBytes(0xffff_ffff, 1),
    ];
    for (const f of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, String(f)).toBeInstanceOf(WasmHardenError);
      expect((err as WasmHardenError).issues[0]!.code).toBe('sandbox.memory-bounds');
    }
    expect([...m.readBytes(65534, 2)]).toEqual([9, 9]); // partial writes never happened
    expect(m.readBytes(65536, 0)).toHaveLength(0); // an empty range at the end is inside
  });

  it('refuse malformed pointers and lengths', async () => {
    for (const [ptr, len] of [[1.5, 1], [0, -1], [0, 1.5], ['0', 1], [0, 2 ** 32], [-(2 ** 31) - 1, 1], [10n, 1], [NaN, 0]] as const)
      expect(await codeOf(() => m.readBytes(ptr as number, len as number)), `${String(ptr)},${String(len)}`).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => m.writeString(0, 5 as never))).toBe('sandbox.invalid-argument');
    expect(await codeOf(() => m.writeBytes(0, 5 as never))).toBe('sandbox.invalid-argument');
  });

  it('read a negative i32 (as a guest returns it) as an unsigned pointer', () => {
    // -1 is 0xffffffff: out of a 1-page memory
    expect(() => m.readBytes(-1, 1)).toThrow(/outside the memory/);
    expect(() => m.readBytes(-65536, 1)).toThrow(/4294901760/);
  });

  it('follow memory.grow (the buffer is re-read on every access)', () => {
    expect(() => m.writeString(70000, 'x')).toThrow(WasmHardenError);
    expect(s.call('grow', 1)).toMatchObject({ ok: true, values: [1] });
    expect(m.byteLength).toBe(131072);
    expect(m.writeString(70000, 'after grow')).toBe(10);
    expect(m.readString(70000, 10)).toBe('after grow');
    expect(s.call('upper', 70000, 10)).toMatchObject({ ok: true });
    expect(m.readString(70000, 10)).toBe('AFTER GROW');
  });

  it('decode invalid UTF-8 with replacement characters', () => {
    m.writeBytes(0, [0x61, 0xff, 0xc3]);
    expect(m.readString(0, 3)).toBe('a\ufffd\ufffd');
  });

  it('a write whose source is a view of the same memory reads it first', () => {
    m.writeString(0, 'abcdef');
    const view = new Uint8Array((s.exports['memory'] as WebAssembly.Memory).buffer, 0, 6);
    m.writeBytes(2, view);
    expect(m.readString(0, 8)).toBe('ababcdef');
  });
});

describe('which memory', () => {
  it('no memory: undefined; a memory the guest does not export is reached through harden\'s reserved export', async () => {
    expect((await sandboxOf(`(module (func (export "f")))`)).memory).toBeUndefined();
    const s = await sandboxOf(`(module (memory 1 1) (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))`);
    s.memory!.writeBytes(3, [9]);
    expect(s.call('peek', 3)).toMatchObject({ ok: true, values: [9] });
    expect(Object.keys(s.exports)).toEqual(['peek']); // the reserved export stays hidden
  });

  it('an imported memory (options.memory) is the one the helpers use', async () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const h = await hardenWat(`(module (import "env" "memory" (memory 1 1)) (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))`, {
      imports: [{ module: 'env', name: 'memory', kind: 'memory' }],
    });
    const s = await instantiate(h, { memory: mem });
    s.memory!.writeBytes(7, [42]);
    expect(new Uint8Array(mem.buffer)[7]).toBe(42);
    expect(s.call('peek', 7)).toMatchObject({ ok: true, values: [42] });
  });

  it('MemoryAccess needs a real memory', async () => {
    expect(await codeOf(() => new MemoryAccess({} as never))).toBe('sandbox.invalid-argument');
  });
});
