/**
 * Re-entry: a host import that calls back into the guest (through `sandbox.call` or the raw exports).
 * The depth global is reset only at top-level entries, so recursion through the host is still bounded by
 * our stack limit; it is restored when a nested call traps; host failures belong to the innermost call.
 */
import { describe, expect, it } from 'vitest';
import type { HardenedModule } from '../../src/instrument/harden.js';
import { HOST_CALL_WEIGHT, instantiate, type Sandbox } from '../../src/runtime/sandbox.js';
import type { RunResult } from '../../src/runtime/types.js';
import { hardenWat } from './helpers.js';

const ALL_HOST = { imports: [{ module: 'host', name: '*' }] };

const REENTER = `(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (func (export "f") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (i32.add (call $reenter (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))))))`;

describe('the depth global across re-entry', async () => {
  const h: HardenedModule = await hardenWat(REENTER, { ...ALL_HOST, stackLimit: 65536 });
  it('recursion through sandbox.call is bounded by our stack limit (not reset on re-entry)', async () => {
    let sb!: Sandbox;
    const nested: RunResult[] = [];
    let deepest = 0;
    sb = await instantiate(h, {
      imports: {
        host: {
          reenter: (n: number) => {
            deepest++;
            const r = sb.call('f', n);
            nested.push(r);
            return r.ok ? (r.values[0] as number) : -1_000_000;
          },
        },
      },
    });
    const top = sb.call('f', 1_000_000);
    expect(top.ok).toBe(true); // the outer guest went on after the nested trap
    const traps = nested.filter((r) => !r.ok);
    expect(traps).toHaveLength(1);
    expect(traps[0]).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect((traps[0] as { message: string }).message).toContain('stack limit of 65536');
    const levels = deepest;
    // each level: a guest frame plus HOST_CALL_WEIGHT
    expect(levels).toBeGreaterThan(10);
    expect(levels).toBeLessThanOrEqual(65536 / HOST_CALL_WEIGHT);

    // the same again: the depth was restored after the trap and reset at the next top-level entry
    deepest = 0;
    nested.length = 0;
    expect(sb.call('f', 1_000_000)).toEqual(top);
    expect(deepest).toBe(levels);
    // and a shallow call works at full depth budget
    expect(sb.call('f', 3)).toMatchObject({ ok: true, values: [3] });
  });

  it('recursion through the raw exports is bounded the same way', async () => {
    let sb!: Sandbox;
    let deepest = 0;
    sb = await instantiate(h, {
      imports: {
        host: {
          reenter: (n: number) => {
            deepest++;
            return (sb.exports['f'] as (n: number) => number)(n);
          },
        },
      },
    });
    const r = sb.call('f', 1_000_000);
    expect(r).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect((r as { message: string }).message).toContain('stack limit of 65536');
    const levels = deepest;
    deepest = 0;
    expect(sb.call('f', 1_000_000)).toMatchObject({ ok: false, trap: 'stack-overflow' });
    expect(deepest).toBe(levels);
  });

  it('a trap the host catches in a raw nested call does not leak depth into the guest that called it', async () => {
    const mod = await hardenWat(
      `(module (import "host" "h" (func $h (result i32)))
        (func $rec (export "rec") (call $rec))
        (func $chain (param i32) (result i32) (if (result i32) (local.get 0) (then (call $chain (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 7))))
        (func (export "g") (result i32) (drop (call $h)) (call $chain (i32.const 20))))`,
      { ...ALL_HOST, stackLimit: 8192 },
    );
    let sb!: Sandbox;
    let caught: unknown;
    sb = await instantiate(mod, {
      imports: {
        host: {
          h: () => {
            try {
              (sb.exports['rec'] as () => void)();
            } catch (e) {
              caught = e;
            }
            return 0;
          },
        },
      },
    });
    // $chain needs 21 frames: it fits only if the depth left by the trapped recursion was given back
    expect(sb.call('g')).toMatchObject({ ok: true, values: [7] });
    expect(caught).toBeInstanceOf(WebAssembly.RuntimeError);
  });
});

describe('host failures and re-entry', () => {
  const MOD = `(module
    (import "host" "outer" (func $outer (result i32)))
    (import "host" "inner" (func $inner (result i32)))
    (func (export "top") (result i32) (call $outer))
    (func (export "mid") (result i32) (call $inner))
    (func (export "div0") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))`;

  async function make(outer: (sb: Sandbox) => number, inner: () => number): Promise<Sandbox> {
    let sb!: Sandbox;
    sb = await instantiate(await hardenWat(MOD, ALL_HOST), { imports: { host: { outer: () => outer(sb), inner } } });
    return sb;
  }

  it('a host-error inside a nested sandbox.call belongs to the nested call only', async () => {
    let nested: RunResult | undefined;
    const sb = await make(
      (s) => {
        nested = s.call('mid');
        return 5;
      },
      () => {
        throw new TypeError('inner tool broke');
      },
    );
    expect(sb.call('top')).toMatchObject({ ok: true, values: [5] });
    expect(nested).toMatchObject({ ok: false, trap: 'host-error' });
    expect((nested as { message: string }).message).toContain('inner tool broke');
  });

  it('once a host function failed, the call is host-error even if host code swallowed the unwinding', async () => {
    const sb = await make(
      (s) => {
        try {
          (s.exports['mid'] as () => number)();
        } catch {
          // swallowed
        }
        return 5;
      },
      () => {
        throw new Error('inner tool broke');
      },
    );
    const r = sb.call('top');
    expect(r).toMatchObject({ ok: false, trap: 'host-error' });
    expect((r as { message: string }).message).toContain('"host"."inner"');
  });

  it('a guest trap that goes through a host function uncaught keeps its own kind', async () => {
    const sb = await make((s) => (s.exports['div0'] as () => number)(), () => 0);
    expect(sb.call('top')).toMatchObject({ ok: false, trap: 'integer-division-by-zero' });
  });

  it('a host function misusing the sandbox is a host-error of the outer call', async () => {
    const sb = await make((s) => s.call('nope') as never, () => 0);
    const r = sb.call('top');
    expect(r).toMatchObject({ ok: false, trap: 'host-error' });
    expect((r as { message: string }).message).toContain('unknown export');
  });

  it('outside any call, a raw export lets the host\'s own exception through (not classified), but meters fuel', async () => {
    const boom = new Error('raw boom');
    const sb = await make(() => 0, () => {
      throw boom;
    });
    const before = sb.fuel;
    expect(() => (sb.exports['mid'] as () => number)()).toThrow(boom);
    expect(sb.fuel).toBeLessThan(before);
    expect(() => (sb.exports['div0'] as () => number)()).toThrow(WebAssembly.RuntimeError);
    // and the sandbox is fine afterwards
    expect(sb.call('top')).toMatchObject({ ok: true, values: [0] });
  });
});
