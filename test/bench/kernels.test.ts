/**
 * The execution-overhead kernels (corpus/bench/*.wat, listed in bench/kernels.ts) are correct programs
 * and stay correct hardened: each parses and validates (wabt, our validator, V8), hardens, and returns the
 * same checksum plain and hardened for a small n; that checksum is the one an independent JavaScript model
 * of the kernel computes (and, for sha256 and crc32, the digests match node:crypto and node:zlib). A
 * correctness check, not a benchmark: every run is a few milliseconds.
 */

import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateKernel, KERNEL_DIR, kernelBytes, KERNELS, type KernelInstance } from '../../bench/kernels.js';
import { harden, policies, validate } from '../../src/index.js';

const FUEL = 10n ** 15n;

// ── independent models: what run(n) must return ─────────────────────────────────────────────────────────
const lcg = (s: number) => (Math.imul(s, 1664525) + 1013904223) | 0;
const hash31 = (xs: Iterable<number>) => {
  let h = 0;
  for (const x of xs) h = (Math.imul(h, 31) + x) | 0;
  return h;
};
const bytesFrom = (seed: number, n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0, s = seed; i < n; i++) b[i] = (s = lcg(s)) >>> 24;
  return b;
};

const MODELS: Record<string, { n: number; expected: () => number }> = {
  matmul: {
    n: 17,
    expected() {
      const n = 17;
      const A = Array.from({ length: n * n }, (_, i) => ((i * 7 + 3) % 13) - 6);
      const B = Array.from({ length: n * n }, (_, i) => ((i * 5 + 1) % 11) - 5);
      const C: number[] = [];
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += A[i * n + k]! * B[k * n + j]!;
          C.push(s);
        }
      return hash31(C);
    },
  },
  sort: {
    n: 3000,
    expected() {
      const a = new Int32Array(3000);
      for (let i = 0, s = 12345; i < a.length; i++) a[i] = (s = lcg(s)) >> 4;
      return hash31(a.sort());
    },
  },
  crc32: { n: 5000, expected: () => zlib.crc32(bytesFrom(0x2545f491, 5000)) | 0 },
  sha256: {
    n: 3001,
    expected() {
      const d = createHash('sha256').update(bytesFrom(0x7f4a7c15, 3001)).digest();
      let x = 0;
      for (let i = 0; i < 32; i += 4) x ^= d.readInt32BE(i);
      return x;
    },
  },
  fib: { n: 20, expected: () => 6765 },
  interp: {
    n: 1000,
    expected() {
      const tab = Int32Array.from({ length: 256 }, (_, i) => Math.imul(i, 0x9e3779b9));
      let [r0, r1, r2] = [1000, 12345, 0];
      do {
        r1 ^= r1 << 13;
        r1 ^= r1 >>> 17;
        r1 ^= r1 << 5;
        const r4 = (tab[r1 & 255]! + r1) | 0;
        tab[r2 & 255] = r4;
        r2 = (r2 + r4) | 0;
        r0--;
      } while (r0 !== 0);
      return r2 ^ r1;
    },
  },
  copy: {
    n: 2,
    expected() {
      const words = 1 << 23;
      const src = new Int32Array(words);
      for (let i = 0, s = 99991; i < words; i++) src[i] = s = lcg(s);
      let dst = src;
      for (let pass = 0; pass < 2; pass++) {
        dst = src.slice();
        const q = (pass * 4099) & 0x7fffff;
        src[q] = (src[q]! + pass) | 0;
      }
      return hash31(dst);
    },
  },
};

describe('bench kernels (corpus/bench)', () => {
  it('every .wat in corpus/bench is listed in bench/kernels.ts, and has a model here', () => {
    const files = readdirSync(KERNEL_DIR)
      .filter((f) => f.endsWith('.wat'))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(KERNELS.map((k) => k.name).sort()).toEqual(files);
    expect(Object.keys(MODELS).sort()).toEqual(files);
  });

  for (const kernel of KERNELS) {
    describe(kernel.name, () => {
      const model = MODELS[kernel.name]!;
      let plain: KernelInstance;
      let hardened: KernelInstance;
      beforeAll(async () => {
        const bytes = await kernelBytes(kernel.name);
        expect(validate(bytes, policies.spec).ok).toBe(true);
        expect(WebAssembly.validate(bytes)).toBe(true);
        const h = await harden(bytes, { imports: [], fuel: FUEL });
        plain = await instantiateKernel(bytes);
        hardened = await instantiateKernel(h.bytes);
      });

      it(`run(${model.n}) returns the model's checksum, plain and hardened, and again on a second call`, () => {
        const want = model.expected();
        expect(plain.run(model.n)).toBe(want);
        for (let call = 0; call < 2; call++) {
          hardened.fuel!.value = FUEL;
          hardened.depth!.value = 0;
          expect(hardened.run(model.n)).toBe(want);
          expect(hardened.depth!.value).toBe(0);
          expect(hardened.fuel!.value).toBeLessThan(FUEL); // it was metered
        }
        expect(plain.run(model.n)).toBe(want);
      });
    });
  }

  it('crc32 and sha256 compute the standard functions (check values, and padding edges against node:crypto)', async () => {
    const crc = await instantiateKernel(await kernelBytes('crc32'));
    crc.run(0); // builds the table
    const crcMem = new Uint8Array((crc.exports['memory'] as WebAssembly.Memory).buffer);
    crcMem.set(Buffer.from('123456789'), 1024);
    expect((crc.exports['crc32'] as (p: number, n: number) => number)(1024, 9) >>> 0).toBe(0xcbf43926);

    const sha = await instantiateKernel(await kernelBytes('sha256'));
    const sha256 = sha.exports['sha256'] as (p: number, n: number) => number;
    const mem = new Uint8Array((sha.exports['memory'] as WebAssembly.Memory).buffer);
    for (const len of [0, 3, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const msg = bytesFrom(len + 1, len);
      mem.set(msg, 1024);
      sha256(1024, len);
      expect(Buffer.from(mem.subarray(512, 544)).toString('hex'), `length ${len}`).toBe(createHash('sha256').update(msg).digest('hex'));
    }
  });
});
