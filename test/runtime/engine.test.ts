/**
 * The opt-in V8 tuning (src/runtime/engine.ts). Its effect is on V8's choice of register allocator for huge
 * functions, which only timing shows (bench/execution.bench.ts --engine-tuned measures it); here: what it
 * does to this process, and the body-size guard that comes with it, in a child so that the test process
 * keeps its flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harden } from '../../src/index.js';
import { ByteWriter } from '../../src/instrument/byte-writer.js';
import { engineTuned, functionBodies, HUGE_FUNCTION_FLAG, TUNED_MAX_BODY_BYTES, tuneEngine } from '../../src/runtime/engine.js';
import { instantiate } from '../../src/runtime/sandbox.js';

/** runs `body` (an async function's body, with `m` the package's index module) in a child Node; returns its JSON */
function inChild<T>(body: string, execArgv: string[] = []): T {
  const index = new URL('../../src/index.ts', import.meta.url).href;
  const script = `import('${index}').then(async (m) => { const out = await (async () => { ${body} })(); process.stdout.write(JSON.stringify(out)); })`;
  return JSON.parse(execFileSync(process.execPath, [...execArgv, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as T;
}

/**
 * A module whose one function `f` (returning 7) has a straight-line body of about `bytes` bytes: pairs of
 * `i32.const 7; local.set 0`, then `local.get 0`. Its hardened body is about as large (one segment, one charge).
 */
function moduleWithBody(bytes: number): Uint8Array {
  const code = new ByteWriter(bytes + 16).byte(0x01).byte(0x01).byte(0x7f); // one local i32
  for (let i = 0; i < Math.ceil(bytes / 4); i++) code.byte(0x41).byte(0x07).byte(0x21).byte(0x00);
  code.byte(0x20).byte(0x00).byte(0x0b);
  const body = code.finish();
  return new ByteWriter(bytes + 64)
    .bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
    .section(1, Uint8Array.of(0x01, 0x60, 0x00, 0x01, 0x7f)) // type 0: [] -> [i32]
    .section(3, Uint8Array.of(0x01, 0x00))
    .section(7, Uint8Array.of(0x01, 0x01, 0x66, 0x00, 0x00)) // export "f" func 0
    .section(10, new ByteWriter(body.length + 8).byte(0x01).u32(body.length).bytes(body).finish())
    .finish();
}

describe('tuneEngine', () => {
  it('sets the huge-function flag on the V8 versions known to have it, and says so', () => {
    const out = inChild<{ before: boolean; a: ReturnType<typeof tuneEngine>; b: ReturnType<typeof tuneEngine>; after: boolean }>(
      'const before = m.engineTuned(); const a = m.tuneEngine(); const b = m.tuneEngine(); return { before, a, b, after: m.engineTuned() };',
    );
    const major = Number(process.versions.v8.split('.')[0]);
    const applied = major === 11 || major === 12;
    expect(out.a).toEqual({ applied, flag: HUGE_FUNCTION_FLAG, v8: process.versions.v8, maxBodyBytes: TUNED_MAX_BODY_BYTES });
    expect(out.b).toEqual(out.a); // idempotent
    expect(out.before).toBe(false);
    expect(out.after).toBe(applied);
    expect(HUGE_FUNCTION_FLAG).toBe('--no-turbo-use-mid-tier-regalloc-for-huge-functions');
  });

  it('reads the flag from the command line too', () => {
    expect(inChild<boolean>('return m.engineTuned();', [HUGE_FUNCTION_FLAG])).toBe(true);
    expect(inChild<boolean>('return m.engineTuned();', ['--no-turbo_use_mid_tier_regalloc_for_huge_functions'])).toBe(true);
    expect(engineTuned()).toBe(false); // this process: untouched
  });
});

describe('the body-size guard while the fallback is off', () => {
  const big = moduleWithBody(TUNED_MAX_BODY_BYTES + 4096);
  const small = moduleWithBody(TUNED_MAX_BODY_BYTES - 8192);

  it('reads body sizes and offsets from the code section', () => {
    const bodies = functionBodies(big);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.size).toBeGreaterThan(TUNED_MAX_BODY_BYTES);
    expect(bodies[0]!.offset + bodies[0]!.size).toBe(big.length);
    expect(functionBodies(big.subarray(0, 30))).toEqual([]); // malformed: none, no throw
  });

  it('changes nothing in a process that did not turn the fallback off', async () => {
    const h = await harden(big);
    const sandbox = await instantiate(h);
    expect(sandbox.call('f')).toMatchObject({ ok: true, values: [7] });
  });

  it('refuses bodies above the limit, in harden, instantiate and the worker runtimes, and keeps the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-harden-engine-'));
    writeFileSync(join(dir, 'big.wasm'), big);
    writeFileSync(join(dir, 'small.wasm'), small);
    const out = inChild<{ refused: unknown; small: unknown; late: unknown; worker: unknown }>(`
      const { readFileSync } = await import('node:fs');
      const big = new Uint8Array(readFileSync(${JSON.stringify(join(dir, 'big.wasm'))}));
      const small = new Uint8Array(readFileSync(${JSON.stringify(join(dir, 'small.wasm'))}));
      const hardenedBefore = await m.harden(big); // before tuning: accepted
      m.tuneEngine();
      const refused = await m.tryHarden(big);
      const s = await m.instantiate(await m.harden(small));
      let late;
      try { await m.instantiate(hardenedBefore); late = 'instantiated'; } catch (e) { late = e.issues; }
      const workers = await import(${JSON.stringify(new URL('../../src/runtime/worker-sandbox.ts', import.meta.url).href)});
      let worker;
      try { workers.moduleMessage(hardenedBefore); worker = 'sent'; } catch (e) { worker = e.issues; }
      const r = s.call('f');
      return { refused, small: { ok: r.ok, values: r.values }, late, worker };
    `);
    rmSync(dir, { recursive: true });
    const major = Number(process.versions.v8.split('.')[0]);
    if (major !== 11 && major !== 12) return; // no flag to set: nothing is refused
    const expected = [{ code: 'forbidden.limit.body-bytes', path: 'code[0]', offset: big.length - functionBodies(big)[0]!.size }];
    expect(out.refused).toMatchObject({ ok: false, issues: expected });
    expect((out.refused as { issues: { message: string }[] }).issues[0]!.message).toMatch(/fallback off.*131072 bytes are refused/);
    expect(out.small).toMatchObject({ ok: true, values: [7] });
    expect(out.late).toMatchObject([{ code: 'forbidden.limit.body-bytes', path: 'code[0]' }]);
    expect(out.worker).toMatchObject([{ code: 'forbidden.limit.body-bytes', path: 'code[0]' }]); // the pool's and worker sandboxes' funnel
  }, 60_000);
});
