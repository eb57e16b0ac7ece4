/**
 * Property 6, fuel-exact (fuel never undercharges): for every call, the fuel harden charges (`fuelUsed`, the
 * drop of `__wasm_harden_fuel`) is at least what an independent oracle counts for the instructions that
 * actually ran under the cost model, and exactly that when the call does not trap. Then the budget is
 * enforced at exactly that figure: with a budget of `fuelUsed` the call completes with the fuel at 0, and
 * with one unit less it traps with the fuel negative (out of fuel): an export tests the fuel at its exit,
 * so no call returns past its budget.
 *
 * The oracle (fuzz/oracle/reference-fuel.ts) is a naive reference instrumentation of the same module: a
 * counter global bumped before every single instruction, plus the locals at entry and the bulk/grow
 * operand parts, sharing no logic with src/instrument/fuel.ts.
 *
 * How, per case: every entity of the generated (terminating) module is exported and its memories and
 * tables get small maxima (as in same-behaviour); the result is hardened with a budget of 2^63 - 1 and
 * instrumented by the oracle; both are instantiated (fresh host imports) and every export is called in
 * order on each. The start function is compared too (fuel spent during instantiation). Trap classes must
 * agree (the oracle preserves behaviour; a difference is a bug of one of the two). A stack overflow in
 * either voids the rest of the case (the frames differ in size, so the depths differ).
 *
 * The budget check takes the non-trapping call with the largest count, on fresh instances that first
 * replay the calls before it with ample fuel.
 *
 * Inputs: generated terminating modules (ample fuel: 2^63 - 1), and, because they reach shapes the generator
 * never builds, mutated generated modules and (mutated) spec-testsuite modules that are still valid. Those
 * may not terminate, so they run with `FINITE_BUDGET`, the oracle stops at the same count, and running out
 * in either voids the rest of the case. The exported state (globals, memories, tables) of the two is
 * compared after every call too: the oracle changes nothing else, so this is also a semantics check on
 * inputs same-behaviour cannot run unmetered.
 *
 * Cost models: half of the cases use the default; the others a random one (small unit costs, a few
 * instructions re-priced, `end`, `else`, `loop` and calls included), given to harden as the policy's
 * `costs` and to the oracle as the same statement. For the inputs that may not terminate, no instruction
 * costs less than 1 (`everyStepCosts`): a loop priced at 0 would never run out on either side.
 */

import fc from 'fast-check';
import { WASM2_OPS } from '../../src/binary/opcodes.js';
import { FUEL_EXPORT, normalizePolicy, policies, validate } from '../../src/index.js';
import { validateWith } from '../../src/validate/validate.js';
import { exportEverything } from '../oracle/module-edit.js';
import { ORACLE_COUNT_EXPORT, instrumentReference, type OracleCosts } from '../oracle/reference-fuel.js';
import {
  callExport,
  callHardened,
  describeOutcome,
  diffExports,
  exportedFunctionsOf,
  hardenGlobalsOf,
  instantiate,
  instantiateHardened,
  isStackOverflow,
  sameOutcome,
  type ExportedFunctionSig,
  type HardenGlobals,
  type Outcome,
} from './execute.js';
import { generatedCase, mutatedGeneratedCase, mutatedSpecCase, specCase } from './inputs.js';
import { fail, type BytesCase, type Property } from './property.js';
import { AMPLE_POLICY, ORIGINAL_MAXIMA, decodeValid, hardenOrFail } from './same-behaviour.js';

const MAX_FUEL = AMPLE_POLICY.fuel;

/** The budget (and the oracle's limit) for inputs that may not terminate. */
export const FINITE_BUDGET = 2_000_000n;

/** For inputs that may not terminate: spec limits and any import (spec modules import `spectest`). */
const FINITE_POLICY = normalizePolicy({ fuel: FINITE_BUDGET, limits: ORIGINAL_MAXIMA }, policies.spec);

function counterOf(instance: WebAssembly.Instance): WebAssembly.Global {
  const g = instance.exports[ORACLE_COUNT_EXPORT];
  if (!(g instanceof WebAssembly.Global)) throw new Error(`the oracle module does not export ${ORACLE_COUNT_EXPORT}`);
  return g;
}

interface Measured {
  f: ExportedFunctionSig;
  outcome: Outcome;
  used: bigint;
  counted: bigint;
}

export interface FuelCase extends BytesCase {
  /** the policy's cost model (null: the default) */
  readonly costs: OracleCosts | null;
  /**
   * Whether the input may not terminate (mutated and spec-suite modules): then the budget is
   * `FINITE_BUDGET`, the oracle stops at the same count, and running out in either voids the rest.
   */
  readonly finite: boolean;
}

/** Random cost models: small unit costs, some instructions (`end`, `loop`, `call` ... too) re-priced. */
export function costModel(): fc.Arbitrary<OracleCosts> {
  const names = WASM2_OPS.map((op) => op.name);
  return fc.record(
    {
      default: fc.integer({ min: 0, max: 3 }),
      local: fc.integer({ min: 0, max: 3 }),
      memoryByte: fc.integer({ min: 0, max: 2 }),
      tableElement: fc.integer({ min: 0, max: 2 }),
      memoryGrowPage: fc.constantFrom(0, 1, 64, 100),
      tableGrowElement: fc.integer({ min: 0, max: 3 }),
      instructions: fc.dictionary(
        fc.oneof(fc.constantFrom('end', 'else', 'loop', 'block', 'if', 'br', 'br_if', 'br_table', 'call', 'call_indirect', 'return', 'memory.grow', 'memory.fill'), fc.constantFrom(...names)),
        fc.integer({ min: 0, max: 5 }),
        { maxKeys: 4 },
      ),
    },
    { requiredKeys: [] },
  );
}

/**
 * A cost model under which every loop iteration costs something: no instruction below 1 (a back edge is a
 * branch, so each iteration runs one). For the inputs that may not terminate: under a model that prices a
 * loop's instructions at 0, neither harden nor the oracle ever runs out, and the case never ends (spec
 * fac.0.wasm with a default cost of 0 hung a campaign).
 */
export function everyStepCosts(costs: OracleCosts): OracleCosts {
  return {
    ...costs,
    default: Math.max(1, costs.default ?? 1),
    ...(costs.instructions === undefined ? {} : { instructions: Object.fromEntries(Object.entries(costs.instructions).map(([k, v]) => [k, Math.max(1, v)])) }),
  };
}

export async function checkFuelExact(c: FuelCase): Promise<string> {
  const decoded = validateWith(c.bytes, policies.spec, true);
  if (!decoded.ok) {
    if (c.finite) return 'discard: invalid';
    fail(`the input is not valid: ${JSON.stringify(decoded.issues.slice(0, 3))}`);
  }
  const bytes = exportEverything(decoded.module, ORIGINAL_MAXIMA);
  const info = decodeValid(bytes);
  const budget = c.finite ? FINITE_BUDGET : MAX_FUEL;
  const base = c.finite ? FINITE_POLICY : AMPLE_POLICY;
  const policy = c.costs === null ? base : normalizePolicy({ costs: c.costs }, base);
  if (c.finite && !validate(bytes, policy).ok) return 'discard: outside the policy';
  const hardened = new WebAssembly.Module(await hardenOrFail(bytes, policy));
  const oracleBytes = instrumentReference(info, c.costs ?? {}, c.finite ? budget : undefined);
  if (!WebAssembly.validate(oracleBytes)) throw new Error('harness bug: the oracle instrumentation is invalid');
  const oracle = new WebAssembly.Module(oracleBytes);
  const limit = policy.stackLimit;

  const h = instantiateHardened(hardened);
  const o = instantiate(oracle);
  if (!h.ok || !o.ok) {
    const x: Outcome = h.ok ? { kind: 'ok', values: [] } : h.outcome;
    const y: Outcome = o.ok ? { kind: 'ok', values: [] } : o.outcome;
    if (isStackOverflow(x) || isStackOverflow(y)) return 'void: stack overflow at instantiation';
    // a start function that ran out leaves no instance whose fuel could tell: both trap, maybe differently
    if (c.finite && !h.ok && !o.ok && (x.kind !== 'trap' || x.trap === 'unreachable' || y.kind !== 'trap' || y.trap === 'unreachable'))
      return 'void: the start function may have run out';
    if (!sameOutcome(x, y)) fail(`instantiation: hardened ${describeOutcome(x)}, oracle ${describeOutcome(y)}`);
    return 'checked: start traps';
  }
  const g = hardenGlobalsOf(h.instance);
  const count = counterOf(o.instance);
  const startUsed = budget - (g.fuel.value as bigint);
  const startCounted = count.value as bigint;
  if (startUsed !== startCounted) fail(`start function: harden charged ${startUsed}, the oracle counted ${startCounted}`);
  const diff0 = diffExports(h.instance, o.instance, info);
  if (diff0 !== undefined) fail(`after instantiation, hardened vs oracle: ${diff0}`);

  const measured: Measured[] = [];
  let trapped = 0;
  for (const f of exportedFunctionsOf(info)) {
    if (f.name === FUEL_EXPORT || f.name === ORACLE_COUNT_EXPORT) continue;
    const fuelBefore = g.fuel.value as bigint;
    const countBefore = count.value as bigint;
    const x = callHardened(h.instance, g, f, limit);
    let y = callExport(o.instance, f);
    if (y.kind === 'trap' && (count.value as bigint) > budget) y = { ...y, trap: 'out-of-fuel' };
    if (isStackOverflow(x) || isStackOverflow(y)) return `void: stack overflow after ${measured.length} calls`;
    if (c.finite && ((x.kind === 'trap' && x.trap === 'out-of-fuel') || (y.kind === 'trap' && y.trap === 'out-of-fuel')))
      return `void: out of fuel after ${measured.length} calls`;
    if (x.kind === 'skipped') continue;
    if (!sameOutcome(x, y)) fail(`call "${f.name}": hardened ${describeOutcome(x)}, oracle ${describeOutcome(y)}`);
    const diff = diffExports(h.instance, o.instance, info);
    if (diff !== undefined) fail(`after call "${f.name}" (${describeOutcome(x)}), hardened vs oracle: ${diff}`);
    const used = fuelBefore - (g.fuel.value as bigint);
    const counted = (count.value as bigint) - countBefore;
    if (x.kind === 'trap') {
      trapped++;
      if (used < counted) fail(`call "${f.name}" (${describeOutcome(x)}): harden charged ${used}, less than the ${counted} the oracle counted`);
    } else if (used !== counted) fail(`call "${f.name}" (${describeOutcome(x)}): harden charged ${used}, the oracle counted ${counted}`);
    measured.push({ f, outcome: x, used, counted });
  }

  // the budget is enforced at exactly the charge: the costliest non-trapping call
  let k = -1;
  measured.forEach((m, i) => {
    if (m.outcome.kind === 'ok' && m.counted > 0n && (k < 0 || m.counted > measured[k]!.counted)) k = i;
  });
  if (k >= 0) {
    const target = measured[k]!;
    const replay = (): { instance: WebAssembly.Instance; g: HardenGlobals } => {
      const r = instantiateHardened(hardened);
      if (!r.ok) throw new Error('harness bug: the hardened module instantiated once but not twice');
      const rg = hardenGlobalsOf(r.instance);
      for (let i = 0; i < k; i++) callHardened(r.instance, rg, measured[i]!.f, limit);
      return { instance: r.instance, g: rg };
    };
    const exact = replay();
    exact.g.fuel.value = target.used;
    const z = callHardened(exact.instance, exact.g, target.f, limit);
    if (!sameOutcome(z, target.outcome) || exact.g.fuel.value !== 0n)
      fail(`call "${target.f.name}" with a budget of exactly ${target.used}: ${describeOutcome(z)}, fuel left ${exact.g.fuel.value}`);
    const short = replay();
    short.g.fuel.value = target.used - 1n;
    const w = callHardened(short.instance, short.g, target.f, limit);
    const left = short.g.fuel.value as bigint;
    if (w.kind !== 'trap' || w.trap !== 'out-of-fuel')
      fail(`call "${target.f.name}" needs ${target.used} fuel, but with ${target.used - 1n} it ended ${describeOutcome(w)} (fuel ${left})`);
  }
  const tag = measured.length === 0 ? 'checked: no call' : trapped > 0 ? 'checked, with traps' : 'checked';
  return c.finite ? `${tag} (mutated or spec)` : tag;
}

export const fuelExact: Property<FuelCase> = {
  name: 'fuel-exact',
  title: 'fuelUsed ≥ the oracle count, equal without a trap; the budget is enforced at exactly that figure',
  arbitrary: () => {
    const spec = specCase();
    const mutatedSpec = mutatedSpecCase();
    const inputs = fc.oneof(
      { arbitrary: generatedCase({ mode: 'terminating' }).map((g) => ({ ...g, finite: false })), weight: 4 },
      { arbitrary: mutatedGeneratedCase({ mode: 'terminating' }).map((g) => ({ ...g, finite: true })), weight: 2 },
      ...(spec !== undefined ? [{ arbitrary: spec.map((g) => ({ ...g, finite: true })), weight: 1 }] : []),
      ...(mutatedSpec !== undefined ? [{ arbitrary: mutatedSpec.map((g) => ({ ...g, finite: true })), weight: 1 }] : []),
    );
    return fc.tuple(inputs, fc.option(costModel(), { freq: 2 })).map(([g, costs]) => ({ ...g, costs: g.finite && costs !== null ? everyStepCosts(costs) : costs }));
  },
  check: checkFuelExact,
  replayData: (c) => ({ source: c.source ?? null, costs: c.costs, finite: c.finite }),
  fromReplay: (bytes, data) => {
    const d = (data ?? {}) as { source?: string | null; costs?: OracleCosts | null; finite?: boolean };
    return { bytes, costs: d.costs ?? null, finite: d.finite === true, ...(typeof d.source === 'string' ? { source: d.source } : {}) };
  },
  describe: (c) => `${c.source ?? `${c.bytes.length} bytes`}; costs ${c.costs === null ? 'default' : JSON.stringify(c.costs)}`,
};
