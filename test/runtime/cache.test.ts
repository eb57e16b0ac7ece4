import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HardenCache, cacheKey } from '../../src/runtime/cache.js';
import { harden } from '../../src/instrument/harden.js';
import { normalizePolicy } from '../../src/policy.js';

const require = createRequire(import.meta.url);
const SQL = new Uint8Array(readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')));
const POLICY = normalizePolicy({ imports: 'any' });
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'wasm-harden-cache-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('HardenCache', () => {
  it('a memory hit returns the same module, skips harden, and costs well under 1 ms for a 1 KB module', async () => {
    const small = new Uint8Array(readFileSync(join(process.cwd(), '../shared/spec-testsuite/json/conversions/conversions.0.wasm')));
    const cache = new HardenCache();
    const first = await cache.harden(small, POLICY);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const again = await cache.harden(small, POLICY);
      times.push(performance.now() - t);
      expect(again).toBe(first);
    }
    times.sort((a, b) => a - b);
    expect(times[25]!).toBeLessThan(1);
    expect(cache.getStats()).toMatchObject({ misses: 1, hits: 50 });
  });
  it('keys on the bytes and on every policy option', () => {
    const a = cacheKey(SQL, POLICY);
    expect(cacheKey(SQL, normalizePolicy({ imports: 'any' }))).toBe(a);
    expect(cacheKey(SQL, normalizePolicy({ imports: 'any', fuel: 5 }))).not.toBe(a);
    expect(cacheKey(SQL, normalizePolicy({ imports: 'any', costs: { memoryByte: 2 } }))).not.toBe(a);
    expect(cacheKey(SQL.subarray(0, SQL.length - 1), POLICY)).not.toBe(a);
  });
  it('a second cache on the same directory hits the disk, with byte-identical output, and skips binaryen', async () => {
    const dir = tempDir();
    const one = new HardenCache({ cacheDir: dir });
    const built = await one.harden(SQL, POLICY);
    expect(readdirSync(dir).sort()).toEqual([`${cacheKey(SQL, POLICY)}.json`, `${cacheKey(SQL, POLICY)}.wasm`]);
    const two = new HardenCache({ cacheDir: dir });
    const t = performance.now();
    const hit = await two.harden(SQL, POLICY);
    const ms = performance.now() - t;
    expect(two.getStats()).toMatchObject({ diskHits: 1, misses: 0 });
    expect(Buffer.from(hit.bytes).equals(Buffer.from(built.bytes))).toBe(true);
    expect(hit.report.fuel.budget).toBe(built.report.fuel.budget);
    expect(ms).toBeLessThan(built.report.timings.total); // no rewrite, no binaryen
    const direct = await harden(SQL, POLICY);
    expect(Buffer.from(direct.bytes).equals(Buffer.from(hit.bytes))).toBe(true);
  });
  it('a corrupt disk entry is discarded and rebuilt', async () => {
    const dir = tempDir();
    const small = new Uint8Array(readFileSync(join(process.cwd(), '../shared/spec-testsuite/json/fac/fac.0.wasm')));
    await new HardenCache({ cacheDir: dir }).harden(small, POLICY);
    writeFileSync(join(dir, `${cacheKey(small, POLICY)}.wasm`), Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 0xff));
    const cache = new HardenCache({ cacheDir: dir });
    const rebuilt = await cache.harden(small, POLICY);
    expect(cache.getStats()).toMatchObject({ diskHits: 0, misses: 1 });
    expect(WebAssembly.validate(rebuilt.bytes)).toBe(true);
  });
  it('compiles a cached module once', async () => {
    const cache = new HardenCache();
    const small = new Uint8Array(readFileSync(join(process.cwd(), '../shared/spec-testsuite/json/fac/fac.0.wasm')));
    const h = await cache.harden(small, POLICY);
    const m1 = await cache.compile(h);
    expect(await cache.compile(h)).toBe(m1);
  });
});
