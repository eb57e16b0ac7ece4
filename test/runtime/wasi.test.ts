import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import {
  createWasi,
  ERRNO,
  errnoName,
  IOV_MAX,
  WASI_PREVIEW1_FUNCTIONS,
  WASI_PREVIEW1_SIGNATURES,
  wasiSignatureMismatch,
  WasiExit,
  type Wasi,
  type WasiFunctionName,
} from '../../src/runtime/wasi.js';
import type { WasiOptions } from '../../src/runtime/types.js';

let wabt: Awaited<ReturnType<typeof wabtInit>>;
beforeAll(async () => {
  wabt = await wabtInit();
});

function wat(source: string, features: Record<string, boolean> = {}): Uint8Array {
  const m = wabt.parseWat('test.wat', source, { multi_value: true, ...features });
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

type Fn = (...args: unknown[]) => unknown;

interface Run {
  wasi: Wasi;
  exports: Record<string, Fn> & { memory: WebAssembly.Memory };
  u8(): Uint8Array;
  view(): DataView;
}

/** Instantiates a WAT module with the shim (and nothing else), memory taken from the module's export. */
async function run(source: string, options: WasiOptions | true = true, features: Record<string, boolean> = {}): Promise<Run> {
  let memory: WebAssembly.Memory | undefined;
  const wasi = createWasi(options, () => memory);
  const { instance } = await WebAssembly.instantiate(wat(source, features), { ...wasi.imports });
  const exports = instance.exports as Run['exports'];
  memory = exports.memory;
  return {
    wasi,
    exports,
    u8: () => new Uint8Array(exports.memory.buffer),
    view: () => new DataView(exports.memory.buffer),
  };
}

/**
 * A probe that imports EVERY preview1 function with its preview1 type and exports a wrapper `call_<name>`
 * that forwards its arguments, so tests drive each import from the guest side with chosen pointers.
 */
function probeWat(extra = ''): string {
  const imports: string[] = [];
  const wrappers: string[] = [];
  for (const name of WASI_PREVIEW1_FUNCTIONS) {
    const { params, results } = WASI_PREVIEW1_SIGNATURES[name];
    const p = params.length ? `(param ${params.join(' ')})` : '';
    const r = results.length ? `(result ${results.join(' ')})` : '';
    imports.push(`(import "wasi_snapshot_preview1" "${name}" (func $${name} ${p} ${r}))`);
    const gets = params.map((_, i) => `local.get ${i}`).join(' ');
    wrappers.push(`(func (export "call_${name}") ${p} ${r} ${gets} call $${name})`);
  }
  return `(module ${imports.join('\n')}
    (memory (export "memory") 1 4)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    ${wrappers.join('\n')}
    ${extra})`;
}

const probe = (options: WasiOptions | true = true) => run(probeWat(), options);
const call = (r: Run, name: WasiFunctionName, ...args: unknown[]) => r.exports[`call_${name}`]!(...args);

/** Writes `text` at `at` and one iovec for it at `iov`; returns the byte length. */
function putIovec(r: Run, iov: number, at: number, text: string): number {
  const bytes = new TextEncoder().encode(text);
  r.u8().set(bytes, at);
  r.view().setUint32(iov, at, true);
  r.view().setUint32(iov + 4, bytes.length, true);
  return bytes.length;
}

describe('the preview1 surface', () => {
  it('has all 46 preview1 functions, frozen, and a module importing all of them links', async () => {
    expect(WASI_PREVIEW1_FUNCTIONS).toHaveLength(46);
    const r = await probe();
    const ns = r.wasi.imports.wasi_snapshot_preview1;
    expect(Object.keys(ns).sort()).toEqual([...WASI_PREVIEW1_FUNCTIONS].sort());
    expect(Object.isFrozen(r.wasi.imports)).toBe(true);
    expect(Object.isFrozen(ns)).toBe(true);
    expect(Object.isFrozen(r.wasi)).toBe(true);
  });

  it('names errnos', () => {
    expect(errnoName(ERRNO.NOTCAPABLE)).toBe('ENOTCAPABLE');
    expect(errnoName(0)).toBe('SUCCESS');
    expect(errnoName(77)).toBeUndefined();
  });

  it('wasiSignatureMismatch accepts preview1 types and explains the rest', () => {
    expect(wasiSignatureMismatch('fd_write', ['i32', 'i32', 'i32', 'i32'], ['i32'])).toBeUndefined();
    expect(wasiSignatureMismatch('proc_exit', ['i32'], [])).toBeUndefined();
    expect(wasiSignatureMismatch('fd_write', ['i64', 'i32', 'i32', 'i32'], ['i32'])).toMatch(/preview1 defines \(i32, i32, i32, i32\) -> \(i32\)/);
    expect(wasiSignatureMismatch('fd_write', ['i32', 'i32', 'i32', 'i32'], ['i64'])).toMatch(/imported as/);
    expect(wasiSignatureMismatch('thread_spawn', [], [])).toMatch(/not a WASI preview1 function/);
    expect(wasiSignatureMismatch('toString', [], [])).toMatch(/not a WASI preview1 function/);
  });
});

describe('fd_write', () => {
  const hello = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0x100) "hello, ")
    (data (i32.const 0x107) "world\\n")
    (data (i32.const 0x200) "oops\\n")
    ;; two iovecs for stdout at 0x10, one for stderr at 0x20
    (data (i32.const 0x10) "\\00\\01\\00\\00\\07\\00\\00\\00\\07\\01\\00\\00\\06\\00\\00\\00")
    (data (i32.const 0x20) "\\00\\02\\00\\00\\05\\00\\00\\00")
    (func (export "_start")
      (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 2) (i32.const 0x30)))
      (drop (call $fd_write (i32.const 2) (i32.const 0x20) (i32.const 1) (i32.const 0x34)))
      (call $proc_exit (i32.const 3))
      unreachable)
    (func (export "write_again") (result i32)
      (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 2) (i32.const 0x30))))`;

  it('captures stdout and stderr, reports nwritten, and proc_exit ends with a WasiExit carrying the code', async () => {
    const r = await run(hello);
    let thrown: unknown;
    try {
      r.exports._start!();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(WasiExit);
    expect((thrown as WasiExit).code).toBe(3);
    expect(r.wasi.exitCode).toBe(3);
    expect(r.wasi.stdoutText()).toBe('hello, world\n');
    expect(r.wasi.stderrText()).toBe('oops\n');
    expect([...r.wasi.stderr()]).toEqual([...new TextEncoder().encode('oops\n')]);
    expect(r.view().getUint32(0x30, true)).toBe(13);
    expect(r.view().getUint32(0x34, true)).toBe(5);
    expect(r.wasi.droppedBytes).toEqual({ stdout: 0, stderr: 0 });
    // sticky: after the exit, every WASI call throws WasiExit again and nothing more is captured
    expect(() => r.exports.write_again!()).toThrow(WasiExit);
    expect(r.wasi.stdoutText()).toBe('hello, world\n');
  });

  it('returns copies: mutating what stdout() returned changes nothing', async () => {
    const r = await run(hello);
    expect(() => r.exports._start!()).toThrow(WasiExit);
    r.wasi.stdout().fill(0);
    expect(r.wasi.stdoutText()).toBe('hello, world\n');
  });

  it('drops and counts bytes past the cap while telling the guest all was written', async () => {
    const r = await run(hello, { stdoutLimit: 4, stderrLimit: 0 });
    expect(() => r.exports._start!()).toThrow(WasiExit);
    expect(r.wasi.stdoutText()).toBe('hell');
    expect(r.wasi.stderrText()).toBe('');
    expect(r.wasi.droppedBytes).toEqual({ stdout: 9, stderr: 5 });
    expect(r.view().getUint32(0x30, true)).toBe(13);
    r.wasi.clearOutput();
    expect(r.wasi.stdout()).toHaveLength(0);
    expect(r.wasi.droppedBytes).toEqual({ stdout: 0, stderr: 0 });
  });

  it('never holds more than the cap over many writes', async () => {
    const r = await probe({ stdoutLimit: 10_000 });
    const n = putIovec(r, 0x10, 0x100, 'x'.repeat(999));
    for (let i = 0; i < 50; i++) expect(call(r, 'fd_write', 1, 0x10, 1, 0x20)).toBe(ERRNO.SUCCESS);
    expect(r.wasi.stdout()).toHaveLength(10_000);
    expect(r.wasi.droppedBytes.stdout).toBe(50 * n - 10_000);
  });

  it('returns EBADF for any fd other than 1 and 2, capturing nothing', async () => {
    const r = await probe();
    putIovec(r, 0x10, 0x100, 'secret');
    for (const fd of [0, 3, 4, 100, -1]) {
      expect(call(r, 'fd_write', fd, 0x10, 1, 0x20)).toBe(ERRNO.BADF);
    }
    expect(r.wasi.stdout()).toHaveLength(0);
    expect(r.wasi.stderr()).toHaveLength(0);
  });

  it('returns EFAULT for iovecs, buffers or nwritten outside memory, with no side effect', async () => {
    const r = await probe();
    const end = r.exports.memory.buffer.byteLength; // 65536
    putIovec(r, 0x10, 0x100, 'hi');
    r.view().setUint32(0x20, 0xdeadbeef, true);
    const cases: [number, number, number][] = [
      [end - 4, 1, 0x20], // the iovec itself straddles the end
      [end, 1, 0x20], // the iovec starts at the end
      [-8, 1, 0x20], // a "negative" pointer is a huge u32
      [0x10, 1, end - 2], // nwritten straddles the end
      [0x10, 1, -4],
    ];
    for (const [iovs, n, nw] of cases) expect(call(r, 'fd_write', 1, iovs, n, nw)).toBe(ERRNO.FAULT);
    // the iovec's buffer: in range start, out of range end; and a buffer pointer past the end
    r.view().setUint32(0x40, end - 3, true);
    r.view().setUint32(0x44, 10, true);
    expect(call(r, 'fd_write', 1, 0x40, 1, 0x20)).toBe(ERRNO.FAULT);
    r.view().setUint32(0x40, 0xfffffff0, true);
    r.view().setUint32(0x44, 0x20, true);
    expect(call(r, 'fd_write', 1, 0x40, 1, 0x20)).toBe(ERRNO.FAULT);
    // one good iovec followed by a bad one: all or nothing
    putIovec(r, 0x50, 0x100, 'hi');
    r.view().setUint32(0x58, end, true);
    r.view().setUint32(0x5c, 1, true);
    expect(call(r, 'fd_write', 1, 0x50, 2, 0x20)).toBe(ERRNO.FAULT);
    expect(r.wasi.stdout()).toHaveLength(0);
    expect(r.view().getUint32(0x20, true)).toBe(0xdeadbeef);
    // a buffer ending exactly at the end of memory is fine, and so is a zero-length one at the end
    r.u8().set([65, 66], end - 2);
    r.view().setUint32(0x40, end - 2, true);
    r.view().setUint32(0x44, 2, true);
    r.view().setUint32(0x48, end, true);
    r.view().setUint32(0x4c, 0, true);
    expect(call(r, 'fd_write', 1, 0x40, 2, 0x20)).toBe(ERRNO.SUCCESS);
    expect(r.wasi.stdoutText()).toBe('AB');
  });

  it('bounds the iovec count: more than IOV_MAX is EINVAL, however large', async () => {
    const r = await probe();
    expect(call(r, 'fd_write', 1, 0, IOV_MAX + 1, 0x20)).toBe(ERRNO.INVAL);
    expect(call(r, 'fd_write', 1, 0, 0x7fffffff, 0x20)).toBe(ERRNO.INVAL);
    expect(call(r, 'fd_write', 1, 0, -1, 0x20)).toBe(ERRNO.INVAL);
    // IOV_MAX zero-length iovecs at 0 are fine
    expect(call(r, 'fd_write', 1, 0x1000, IOV_MAX, 0x20)).toBe(ERRNO.SUCCESS);
  });

  it('sees memory that grew after instantiation (the buffer is re-read on each call)', async () => {
    const r = await probe();
    putIovec(r, 0x10, 0x100, 'x');
    expect(call(r, 'fd_write', 1, 0x10, 1, 65536 + 8)).toBe(ERRNO.FAULT);
    expect(r.exports.grow!(1)).toBe(1);
    putIovec(r, 65536, 65536 + 16, 'grown');
    expect(call(r, 'fd_write', 1, 65536, 1, 65536 + 8)).toBe(ERRNO.SUCCESS);
    expect(r.wasi.stdoutText()).toBe('grown');
  });

  it('returns EFAULT while there is no memory', async () => {
    const wasi = createWasi(true, () => undefined);
    const { instance } = await WebAssembly.instantiate(wat(probeWat()), { ...wasi.imports });
    const f = instance.exports.call_fd_write as Fn;
    expect(f(1, 0, 0, 0)).toBe(ERRNO.FAULT);
    expect((instance.exports.call_args_sizes_get as Fn)(0, 4)).toBe(ERRNO.FAULT);
    expect((instance.exports.call_sched_yield as Fn)()).toBe(ERRNO.SUCCESS);
  });

  it('fd_close(1) makes later writes to 1 EBADF; a second close is EBADF', async () => {
    const r = await probe();
    putIovec(r, 0x10, 0x100, 'x');
    expect(call(r, 'fd_close', 1)).toBe(ERRNO.SUCCESS);
    expect(call(r, 'fd_close', 1)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_write', 1, 0x10, 1, 0x20)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_fdstat_get', 1, 0x40)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_write', 2, 0x10, 1, 0x20)).toBe(ERRNO.SUCCESS);
    expect(call(r, 'fd_close', 3)).toBe(ERRNO.BADF);
  });

  it('works on a shared memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const wasi = createWasi({ random: { seed: 1 } }, () => memory);
    const u8 = new Uint8Array(memory.buffer);
    const view = new DataView(memory.buffer);
    u8.set(new TextEncoder().encode('shared'), 0x100);
    view.setUint32(0x10, 0x100, true);
    view.setUint32(0x14, 6, true);
    const ns = wasi.imports.wasi_snapshot_preview1;
    expect(ns.fd_write(1, 0x10, 1, 0x20)).toBe(ERRNO.SUCCESS);
    expect(wasi.stdoutText()).toBe('shared');
    expect(ns.random_get(0x200, 16)).toBe(ERRNO.SUCCESS);
    expect(createWasi(true, () => memory).imports.wasi_snapshot_preview1.random_get(0x300, 16)).toBe(ERRNO.SUCCESS);
  });
});

describe('proc_exit', () => {
  it('carries the exit code as a u32', async () => {
    for (const code of [0, 1, 255, -1]) {
      const r = await probe();
      let thrown: unknown;
      try {
        call(r, 'proc_exit', code);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(WasiExit);
      expect((thrown as WasiExit).code).toBe(code >>> 0);
      expect(r.wasi.exitCode).toBe(code >>> 0);
    }
  });

  it('stays exited even when the guest catches the exception (exception handling)', async () => {
    const src = `(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
      (memory (export "memory") 1)
      (func (export "escape") (result i32)
        (try (do (call $proc_exit (i32.const 7))) (catch_all))
        (call $yield)))`;
    const r = await run(src, true, { exceptions: true });
    expect(() => r.exports.escape!()).toThrow(WasiExit);
    expect(r.wasi.exitCode).toBe(7);
  });

  it('exitCode is undefined until proc_exit', async () => {
    const r = await probe();
    expect(r.wasi.exitCode).toBeUndefined();
  });
});

describe('args and environ', () => {
  /** a guest that gets sizes, then the vectors, laying out pointers at 0x1000 and strings at 0x2000 */
  const listWat = (kind: 'args' | 'environ') => `(module
    (import "wasi_snapshot_preview1" "${kind}_sizes_get" (func $sizes (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "${kind}_get" (func $get (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "sizes") (result i32) (call $sizes (i32.const 0x10) (i32.const 0x14)))
    (func (export "get") (result i32) (call $get (i32.const 0x1000) (i32.const 0x2000)))
    (func (export "get_at") (param i32 i32) (result i32) (call $get (local.get 0) (local.get 1))))`;

  function readList(r: Run): string[] {
    const view = r.view();
    const count = view.getUint32(0x10, true);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const p = view.getUint32(0x1000 + i * 4, true);
      const end = r.u8().indexOf(0, p);
      out.push(new TextDecoder().decode(r.u8().subarray(p, end)));
    }
    return out;
  }

  it('round-trips args (UTF-8, sizes in bytes)', async () => {
    const args = ['prog', 'héllo', '', '日本語 🎉'];
    const r = await run(listWat('args'), { args });
    expect(r.exports.sizes!()).toBe(ERRNO.SUCCESS);
    expect(r.view().getUint32(0x10, true)).toBe(4);
    const bytes = args.reduce((n, a) => n + new TextEncoder().encode(a).length + 1, 0);
    expect(r.view().getUint32(0x14, true)).toBe(bytes);
    expect(r.exports.get!()).toBe(ERRNO.SUCCESS);
    expect(readList(r)).toEqual(args);
    expect(r.u8()[0x2000 + bytes]).toBe(0); // nothing written past the buffer
  });

  it('round-trips environ as KEY=VALUE in key order', async () => {
    const r = await run(listWat('environ'), { env: { B: '2', A: 'x=y', EMPTY: '' } });
    expect(r.exports.sizes!()).toBe(ERRNO.SUCCESS);
    expect(r.exports.get!()).toBe(ERRNO.SUCCESS);
    expect(readList(r)).toEqual(['B=2', 'A=x=y', 'EMPTY=']);
  });

  it('is empty by default', async () => {
    for (const kind of ['args', 'environ'] as const) {
      const r = await run(listWat(kind));
      r.view().setUint32(0x10, 99, true);
      r.view().setUint32(0x14, 99, true);
      expect(r.exports.sizes!()).toBe(ERRNO.SUCCESS);
      expect(r.view().getUint32(0x10, true)).toBe(0);
      expect(r.view().getUint32(0x14, true)).toBe(0);
      expect(r.exports.get!()).toBe(ERRNO.SUCCESS);
    }
  });

  it('returns EFAULT with nothing written when either region is outside memory', async () => {
    const r = await run(listWat('args'), { args: ['abc', 'def'] });
    const end = 65536;
    expect(r.exports.get_at!(end - 4, 0x2000)).toBe(ERRNO.FAULT); // 2 pointers need 8 bytes
    expect(r.exports.get_at!(0x1000, end - 7)).toBe(ERRNO.FAULT); // 8 bytes of strings
    expect(r.exports.get_at!(-4, 0x2000)).toBe(ERRNO.FAULT);
    expect(r.u8().subarray(0x1000, 0x1008).every((b) => b === 0)).toBe(true);
    expect(r.u8().subarray(0x2000, 0x2008).every((b) => b === 0)).toBe(true);
    expect(r.exports.get_at!(end - 8, end - 16)).toBe(ERRNO.SUCCESS); // exactly fits
  });

  it('snapshots the options at creation', async () => {
    const args = ['a'];
    const r = await run(listWat('args'), { args });
    args.push('b');
    expect(r.exports.sizes!()).toBe(ERRNO.SUCCESS);
    expect(r.view().getUint32(0x10, true)).toBe(1);
  });
});

describe('clocks', () => {
  it('gives realtime and a monotonic clock starting near zero', async () => {
    const r = await probe();
    const before = BigInt(Date.now()) * 1_000_000n;
    expect(call(r, 'clock_time_get', 0, 1n, 0x10)).toBe(ERRNO.SUCCESS);
    const after = BigInt(Date.now()) * 1_000_000n;
    const t = r.view().getBigUint64(0x10, true);
    expect(t >= before && t <= after).toBe(true);
    expect(call(r, 'clock_time_get', 1, 0n, 0x18)).toBe(ERRNO.SUCCESS);
    const m1 = r.view().getBigUint64(0x18, true);
    expect(m1 % 1000n).toBe(0n);
    expect(m1 < 60_000_000_000n).toBe(true); // since createWasi, not since boot
    expect(call(r, 'clock_time_get', 1, 0n, 0x18)).toBe(ERRNO.SUCCESS);
    expect(r.view().getBigUint64(0x18, true) >= m1).toBe(true);
    expect(call(r, 'clock_res_get', 0, 0x20)).toBe(ERRNO.SUCCESS);
    expect(r.view().getBigUint64(0x20, true)).toBe(1_000_000n);
    expect(call(r, 'clock_res_get', 1, 0x20)).toBe(ERRNO.SUCCESS);
    expect(r.view().getBigUint64(0x20, true)).toBe(1_000n);
  });

  it('refuses CPU-time and unknown clock ids with EINVAL, and bad pointers with EFAULT', async () => {
    const r = await probe();
    for (const id of [2, 3, 4, -1]) {
      expect(call(r, 'clock_time_get', id, 0n, 0x10)).toBe(ERRNO.INVAL);
      expect(call(r, 'clock_res_get', id, 0x10)).toBe(ERRNO.INVAL);
    }
    expect(call(r, 'clock_time_get', 0, 0n, 65536 - 4)).toBe(ERRNO.FAULT);
    expect(call(r, 'clock_res_get', 0, -1)).toBe(ERRNO.FAULT);
  });

  it('is ENOTCAPABLE when clock: false, writing nothing', async () => {
    const r = await probe({ clock: false });
    r.view().setBigUint64(0x10, 42n, true);
    expect(call(r, 'clock_time_get', 0, 0n, 0x10)).toBe(ERRNO.NOTCAPABLE);
    expect(call(r, 'clock_time_get', 1, 0n, 0x10)).toBe(ERRNO.NOTCAPABLE);
    expect(call(r, 'clock_res_get', 0, 0x10)).toBe(ERRNO.NOTCAPABLE);
    expect(r.view().getBigUint64(0x10, true)).toBe(42n);
  });
});

describe('random_get', () => {
  async function draw(options: WasiOptions | true, sizes: number[]): Promise<number[]> {
    const r = await probe(options);
    let at = 0x100;
    for (const n of sizes) {
      expect(call(r, 'random_get', at, n)).toBe(ERRNO.SUCCESS);
      at += n;
    }
    return [...r.u8().subarray(0x100, at)];
  }

  it('fills with crypto randomness by default', async () => {
    const a = await draw(true, [32]);
    const b = await draw({ random: true }, [32]);
    expect(a).not.toEqual(b);
    expect(a.some((x) => x !== 0)).toBe(true);
  });

  it('is deterministic with a seed, independent of how requests are split', async () => {
    const whole = await draw({ random: { seed: 42 } }, [64]);
    expect(await draw({ random: { seed: 42 } }, [64])).toEqual(whole);
    expect(await draw({ random: { seed: 42 } }, [1, 3, 4, 7, 0, 49])).toEqual(whole);
    expect(await draw({ random: { seed: 43 } }, [64])).not.toEqual(whole);
    expect(await draw({ random: { seed: 2 ** 40 + 42 } }, [64])).not.toEqual(whole);
    expect(await draw({ random: { seed: -1 } }, [64])).not.toEqual(whole);
    expect(await draw({ random: { seed: 0 } }, [64])).toEqual(await draw({ random: { seed: 0 } }, [64]));
    // the stream looks random enough to be useful (every byte value, rough balance)
    const big = await draw({ random: { seed: 7 } }, [65536 - 0x100]);
    expect(new Set(big).size).toBe(256);
    const mean = big.reduce((s, x) => s + x, 0) / big.length;
    expect(Math.abs(mean - 127.5)).toBeLessThan(2);
  });

  it('is ENOTCAPABLE when random: false, writing nothing', async () => {
    const r = await probe({ random: false });
    expect(call(r, 'random_get', 0x100, 16)).toBe(ERRNO.NOTCAPABLE);
    expect(r.u8().subarray(0x100, 0x110).every((b) => b === 0)).toBe(true);
  });

  it('returns EFAULT for a buffer outside memory', async () => {
    for (const options of [true, { random: { seed: 1 } }] as const) {
      const r = await probe(options);
      expect(call(r, 'random_get', 65536 - 8, 9)).toBe(ERRNO.FAULT);
      expect(call(r, 'random_get', -1, 2)).toBe(ERRNO.FAULT);
      expect(call(r, 'random_get', 0, -1)).toBe(ERRNO.FAULT);
      expect(r.u8().subarray(65536 - 8).every((b) => b === 0)).toBe(true);
      expect(call(r, 'random_get', 65536, 0)).toBe(ERRNO.SUCCESS);
    }
  });
});

describe('stdio descriptors, as wasi-libc probes them', () => {
  it('fd_fdstat_get: 0/1/2 are character devices without seek/tell (isatty); others EBADF', async () => {
    const r = await probe();
    r.u8().fill(0xff, 0x100, 0x100 + 24 * 3);
    for (const fd of [0, 1, 2]) {
      const at = 0x100 + fd * 24;
      expect(call(r, 'fd_fdstat_get', fd, at)).toBe(ERRNO.SUCCESS);
      const v = r.view();
      expect(v.getUint8(at)).toBe(2); // CHARACTER_DEVICE
      expect(v.getUint8(at + 1)).toBe(0); // padding zeroed
      expect(v.getUint16(at + 2, true)).toBe(0);
      const rights = v.getBigUint64(at + 8, true);
      expect(rights).toBe(fd === 0 ? 1n << 1n : 1n << 6n); // FD_READ / FD_WRITE
      expect(rights & ((1n << 2n) | (1n << 5n))).toBe(0n); // no FD_SEEK, no FD_TELL
      expect(v.getBigUint64(at + 16, true)).toBe(0n);
    }
    expect(call(r, 'fd_fdstat_get', 3, 0x100)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_fdstat_get', 1, 65536 - 23)).toBe(ERRNO.FAULT);
  });

  it('fd_filestat_get: a character device for 0/1/2', async () => {
    const r = await probe();
    r.u8().fill(0xff, 0x100, 0x140);
    expect(call(r, 'fd_filestat_get', 1, 0x100)).toBe(ERRNO.SUCCESS);
    expect(r.u8()[0x110]).toBe(2);
    expect(r.u8().subarray(0x100, 0x140).filter((b) => b !== 0)).toEqual(new Uint8Array([2]));
    expect(call(r, 'fd_filestat_get', 5, 0x100)).toBe(ERRNO.BADF);
  });

  it('fd_prestat_get is EBADF for every fd: no preopens (wasi-libc stops scanning at EBADF)', async () => {
    const r = await probe();
    for (const fd of [0, 1, 2, 3, 4]) expect(call(r, 'fd_prestat_get', fd, 0x100)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_prestat_dir_name', 3, 0x100, 10)).toBe(ERRNO.BADF);
  });

  it('fd_read: stdin is at EOF; other fds EBADF', async () => {
    const r = await probe();
    putIovec(r, 0x10, 0x100, 'unchanged');
    r.view().setUint32(0x20, 77, true);
    expect(call(r, 'fd_read', 0, 0x10, 1, 0x20)).toBe(ERRNO.SUCCESS);
    expect(r.view().getUint32(0x20, true)).toBe(0);
    expect(call(r, 'fd_read', 1, 0x10, 1, 0x20)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_read', 3, 0x10, 1, 0x20)).toBe(ERRNO.BADF);
    expect(call(r, 'fd_read', 0, 65536, 1, 0x20)).toBe(ERRNO.FAULT);
    expect(call(r, 'fd_read', 0, 0x10, IOV_MAX + 1, 0x20)).toBe(ERRNO.INVAL);
  });
});

describe('denied calls', () => {
  it('path_open is ENOTCAPABLE, from a guest that tries to open a file', async () => {
    const src = `(module
      (import "wasi_snapshot_preview1" "path_open"
        (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0x100) "/etc/passwd")
      (func (export "steal") (result i32)
        (call $path_open (i32.const 3) (i32.const 1) (i32.const 0x100) (i32.const 11)
          (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0x10))))`;
    const r = await run(src);
    r.view().setUint32(0x10, 12345, true);
    expect(r.exports.steal!()).toBe(ERRNO.NOTCAPABLE);
    expect(r.view().getUint32(0x10, true)).toBe(12345);
  });

  it('answers every call with the documented errno, never throwing', async () => {
    const r = await probe();
    const expected: Partial<Record<WasiFunctionName, number>> = {
      poll_oneoff: ERRNO.NOSYS,
      proc_raise: ERRNO.NOSYS,
      sched_yield: ERRNO.SUCCESS,
    };
    const fdDenied: WasiFunctionName[] = [
      'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_sync', 'fd_fdstat_set_flags', 'fd_fdstat_set_rights',
      'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_pwrite', 'fd_readdir', 'fd_renumber',
      'fd_seek', 'fd_tell',
    ];
    const zeros = (name: WasiFunctionName, first: number) =>
      WASI_PREVIEW1_SIGNATURES[name].params.map((t, i) => (t === 'i64' ? 0n : i === 0 ? first : 0));
    for (const name of WASI_PREVIEW1_FUNCTIONS) {
      if (name === 'proc_exit') continue;
      if (name.startsWith('path_') || name.startsWith('sock_')) {
        expect([name, call(r, name, ...zeros(name, 3))]).toEqual([name, ERRNO.NOTCAPABLE]);
      } else if (fdDenied.includes(name)) {
        expect([name, call(r, name, ...zeros(name, 1))]).toEqual([name, ERRNO.NOTCAPABLE]);
        expect([name, call(r, name, ...zeros(name, 9))]).toEqual([name, ERRNO.BADF]);
      } else if (name in expected) {
        expect([name, call(r, name, ...zeros(name, 0))]).toEqual([name, expected[name]]);
      }
    }
    expect(r.wasi.stdout()).toHaveLength(0);
  });

  it('answers a mistyped import (i64 where preview1 has i32, a float exit code) without throwing a TypeError', async () => {
    const src = `(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i64 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param f64)))
      (import "wasi_snapshot_preview1" "fd_close" (func $close (param externref) (result i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func $y (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "w") (result i32) (call $w (i64.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
      (func (export "close") (result i32) (call $close (ref.null extern)))
      (func (export "y") (result i32) (call $y (i32.const 5)))
      (func (export "exit") (call $exit (f64.const 3.5))))`;
    const r = await run(src, true, { reference_types: true });
    expect(r.exports.w!()).toBe(ERRNO.INVAL);
    expect(r.exports.close!()).toBe(ERRNO.INVAL);
    expect(r.exports.y!()).toBe(ERRNO.SUCCESS); // extra arguments are ignored, like JS does
    expect(() => r.exports.exit!()).toThrow(WasiExit);
    expect(r.wasi.exitCode).toBe(1);
  });

  it('never throws and answers only documented errnos, whatever the arguments (property)', async () => {
    const r = await probe({ random: { seed: 5 }, args: ['a', 'bb'], env: { K: 'v' } });
    const ok = new Set<number>([ERRNO.SUCCESS, ERRNO.BADF, ERRNO.FAULT, ERRNO.INVAL, ERRNO.NOSYS, ERRNO.NOTCAPABLE]);
    const i32 = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: 65536 - 64, max: 65536 + 8 }),
      fc.integer({ min: 0, max: 4096 }),
    );
    const names = WASI_PREVIEW1_FUNCTIONS.filter((n) => n !== 'proc_exit' && n !== 'fd_close');
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(i32, { minLength: 9, maxLength: 9 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (name, ints, wide) => {
        const args = WASI_PREVIEW1_SIGNATURES[name].params.map((t, i) => (t === 'i64' ? wide : ints[i]));
        const errno = call(r, name, ...args);
        expect(ok.has(errno as number)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(r.wasi.stdout().length).toBeLessThanOrEqual(1 << 20);
  });
});

describe('options', () => {
  it('refuses bad options at creation', () => {
    const mem = () => undefined;
    const bad: unknown[] = [
      { stdoutLimt: 5 },
      { args: 'x' },
      { args: ['a\0b'] },
      { args: [1] },
      { env: { 'A=B': 'x' } },
      { env: { '': 'x' } },
      { env: { A: 'x\0' } },
      { env: { A: 1 } },
      { env: ['A=1'] },
      { stdoutLimit: -1 },
      { stderrLimit: 1.5 },
      { stdoutLimit: 2 ** 31 },
      { clock: 'yes' },
      { random: { seed: 1.5 } },
      { random: { seed: '1' } },
      { random: 'seeded' },
      null,
      false,
    ];
    for (const o of bad) expect(() => createWasi(o as WasiOptions, mem), JSON.stringify(o)).toThrow(/wasi:/);
    expect(() => createWasi({ stdoutLimit: 0, stderrLimit: 2 ** 30, clock: true, random: true }, mem)).not.toThrow();
  });
});
