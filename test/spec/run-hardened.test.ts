/**
 * Semantic preservation on the spec suite: every executable command of the Wasm 2.0 testsuite, run on
 * *hardened* modules with ample fuel, through the same runner as the plain modules (run-plain.test.ts).
 *
 * The host part is what a runtime does: it keeps each instance's fuel and depth globals, resets the depth
 * at every top-level entry, and classifies a trap as `stack-overflow` only when *our* stack limit fired
 * (depth above the limit), as `out-of-fuel` when the fuel went negative, and otherwise as V8 says. A V8
 * RangeError is *not* accepted as exhaustion here: `assert_exhaustion` must come from our limit.
 */

import { describe, expect, it } from 'vitest';
import { harden } from '../../src/instrument/harden.js';
import { normalizePolicy, policies } from '../../src/policy.js';
import { classifyV8Trap, formatTable, runSuite, totals, type RunResult, type TrapKind } from './runner.js';

// exactly what the spec allows (policies.spec), with ample fuel; the stack limit is the default
const POLICY = normalizePolicy({ fuel: 1n << 60n }, policies.spec);

interface Globals {
  fuel: { value: bigint };
  depth: { value: number };
}

describe('the spec testsuite on hardened modules', () => {
  it('passes the same commands as on plain modules, with exhaustion from our own stack limit', async () => {
    const live: Globals[] = [];
    let hardenedModules = 0;
    const ourOverflow = () => live.some((g) => g.depth.value > POLICY.stackLimit);
    const result: RunResult = await runSuite(undefined, {
      async prepare(bytes) {
        hardenedModules++;
        return (await harden(bytes, POLICY)).bytes;
      },
      onInstance(instance) {
        const fuel = instance.exports['__wasm_harden_fuel'];
        const depth = instance.exports['__wasm_harden_depth'];
        if (fuel instanceof WebAssembly.Global && depth instanceof WebAssembly.Global)
          live.push({ fuel: fuel as unknown as Globals['fuel'], depth: depth as unknown as Globals['depth'] });
      },
      beforeAction() {
        for (const g of live) g.depth.value = 0;
      },
      classifyTrap(error): TrapKind | undefined {
        if (error instanceof RangeError) return 'v8-native-stack-overflow';
        if (error instanceof WebAssembly.RuntimeError && /unreachable/.test(error.message)) {
          if (live.some((g) => g.fuel.value < 0n)) return 'out-of-fuel';
          if (ourOverflow()) return 'stack-overflow';
        }
        return classifyV8Trap(error);
      },
    });
    const t = totals(result);
    console.log(`hardened: ${hardenedModules} modules\n${formatTable(result)}`);
    for (const f of result.failures.slice(0, 30)) console.log(`FAIL ${f.script}:${f.line} ${f.what}: expected ${f.expected}, got ${f.actual}`);
    // run-plain.test.ts asserts that all 49,942 executable commands pass on plain modules
    expect(t.failed).toBe(0);
    expect(t.passed).toBe(49_942);
    expect(result.counts['assert_exhaustion']?.passed).toBe(15);
  }, 180_000);
});
