/**
 * The demo's corpus (corpus/programs) through the in-process sandbox: every benign tool returns its value,
 * every hostile program is neutralised with its expected kind. (`npm run demo` is a later piece; this
 * pins what the runtime does for it.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryHarden } from '../../src/instrument/harden.js';
import { InstantiationTrapError } from '../../src/runtime/errors.js';
import { instantiate, type Sandbox } from '../../src/runtime/sandbox.js';
import { wat } from './helpers.js';

const ROOT = join(import.meta.dirname, '../../corpus/programs');

interface Expectation {
  policy?: Record<string, unknown>;
  fuel?: string;
  host?: 'weather';
  wasi?: boolean;
  input?: string;
  invoke: string;
  args?: number[];
  expect: { outcome: 'ok' | 'trap' | 'instantiation-trap' | 'rejected'; values?: unknown[]; trap?: string; code?: string; output?: string };
}

const programs = ['benign', 'hostile'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.wat'))
    .map((f) => [`${dir}/${f.slice(0, -4)}`, join(ROOT, dir, f)] as const),
);

describe('corpus/programs in the sandbox', () => {
  it('has programs', () => expect(programs.length).toBeGreaterThanOrEqual(15));

  it.each(programs)('%s', async (_name, path) => {
    const spec = JSON.parse(readFileSync(path.replace(/\.wat$/, '.expect.json'), 'utf8')) as Expectation;
    const hardened = await tryHarden(wat(readFileSync(path, 'utf8')), { ...spec.policy, ...(spec.fuel !== undefined ? { fuel: spec.fuel } : {}) }, { binaryenCheck: false });
    if (spec.expect.outcome === 'rejected') {
      expect(hardened.ok).toBe(false);
      if (!hardened.ok) expect(hardened.issues[0]!.code).toBe(spec.expect.code);
      return;
    }
    expect(hardened.ok).toBe(true);
    if (!hardened.ok) return;

    let sandbox!: Sandbox;
    const imports =
      spec.host === 'weather'
        ? { weather: { temperature: (ptr: number, len: number) => (sandbox.memory!.readString(ptr, len) === 'Paris' ? 215 : -1) } }
        : undefined;
    const t0 = performance.now();
    try {
      sandbox = await instantiate(hardened.module, { imports, wasi: spec.wasi ?? false });
    } catch (e) {
      expect(spec.expect.outcome).toBe('instantiation-trap');
      expect(e).toBeInstanceOf(InstantiationTrapError);
      expect((e as InstantiationTrapError).trap.trap).toBe(spec.expect.trap);
      expect(performance.now() - t0).toBeLessThan(5_000);
      return;
    }
    expect(spec.expect.outcome).not.toBe('instantiation-trap');
    let args: unknown[] = spec.args ?? [];
    if (spec.input !== undefined) {
      const ptr = (sandbox.call('input_buffer') as { values: number[] }).values[0]!;
      args = [ptr, sandbox.memory!.writeString(ptr, spec.input)];
    }
    const r = sandbox.call(spec.invoke, ...args);
    expect(performance.now() - t0).toBeLessThan(5_000);
    if (spec.expect.outcome === 'ok') {
      expect(r).toMatchObject({ ok: true, values: spec.expect.values });
      if (spec.expect.output !== undefined) {
        const out = (sandbox.call('output_buffer') as { values: number[] }).values[0]!;
        expect(sandbox.memory!.readString(out, (r as { values: number[] }).values[0]!)).toBe(spec.expect.output);
      }
    } else expect(r).toMatchObject({ ok: false, trap: spec.expect.trap });
  });
});
