/**
 * harden(bytes, policy?): validate, instrument, verify.
 *
 *   validate   our validator under the policy, and WebAssembly.validate: both must accept before any
 *              rewriting, and before binaryen ever sees a byte
 *   rewrite    fuel (src/instrument/fuel.ts) → caps (caps.ts) → stack limit (stack-limit.ts), planned on our
 *              own decoded bodies and spliced into a copy of the module (module-rewriter.ts)
 *   verify     the output is validated again by our validator and by V8; the caps and the fuel/stack
 *              globals are re-checked on the decoded output; with `binaryenCheck`, binaryen reads it too and
 *              its `module.validate()` is an assertion (off by default: see `HardenOptions`)
 *
 * Why the passes edit bytes instead of binaryen IR: walking binaryen's IR from JS costs about 1 µs per
 * expression (several hundred ms on sql.js), more than binaryen's whole read + emit; planning on our decoder
 * costs a few ms, touches nothing it does not instrument, and keeps every original byte of every function
 * that it does not change. binaryen stays behind one module (binaryen-host.ts) as an optional third validator.
 *
 * Same bytes and same policy give byte-identical output: nothing here depends on time, order of a Map, or
 * randomness.
 */

import { ExternKindCode } from '../binary/module-info.js';
import { Reader } from '../binary/reader.js';
import { WasmHardenError, specText, type Issue } from '../issues.js';
import { V8_LIMITS } from '../limits.js';
import { normalizePolicy, policies, type Policy, type PolicyInput } from '../policy.js';
import { validateWith } from '../validate/validate.js';
import { assertValidModule, withBinaryenModule } from './binaryen-host.js';
import { checkImportedCaps, planCaps, type CapsPlan } from './caps.js';
import { costTable, type CostTable } from './cost-model.js';
import { DEPTH_EXPORT, FUEL_EXPORT, rewriteModule } from './module-rewriter.js';
import { tunedEngineIssues } from '../runtime/engine.js';


export interface HardenOptions {
  /**
   * Also run binaryen's validator on the output (default false). The output is always verified by our
   * validator and by V8's (the engine that runs it), so this third opinion adds no safety; it costs more
   * than the rest of harden together (binaryen reading a 1.5 MB module: about 0.5 s of 0.6 s on sql.js).
   * The test suite and the fuzz campaign turn it on, as a cross-check of our validator and rewriter.
   * The budget, costs and stack limit are policy.
   */
  binaryenCheck?: boolean;
}

/** Cost tables by policy (a normalised policy is frozen, so its table never changes). */
const tables = new WeakMap<Policy, CostTable>();
function costsOf(policy: Policy): CostTable {
  let t = tables.get(policy);
  if (t === undefined) {
    t = costTable(policy.costs);
    tables.set(policy, t);
  }
  return t;
}

export interface HardenReport {
  /** fuel charges inserted (fixed and variable) */
  meteringPoints: number;
  /** per defined function: the cost of executing each of its instructions once, plus its locals */
  staticCost: number[];
  inputBytes: number;
  outputBytes: number;
  addedBytes: number;
  /** milliseconds per phase */
  timings: { validate: number; rewrite: number; verify: number; binaryen: number; total: number };
  caps: CapsPlan;
  /**
   * `trapOvercharge`: while the guest runs, the fuel global is a lower bound (src/instrument/calling-convention.ts),
   * so a call that traps (other than out of fuel) is charged at most this much beyond the fuel it had used.
   * A call that returns is charged exactly.
   */
  fuel: { budget: bigint; global: number; export: string; trapOvercharge: number };
  stack: { limit: number; global: number; export: string };
  /**
   * The functions (by index, imports included) whose instrumented body is `V8_TOP_TIER_BODY_BYTES` (40,000)
   * bytes or more, with their sizes before and after. Near or above about 45 KB V8 compiles a function with
   * its mid-tier register allocator, and a function that was below it and is no longer can run much slower
   * hardened than plain (sql.js's interpreter: 1.69×); `tuneEngine()` (src/runtime/engine.ts) avoids that
   * for the process. Empty for most modules.
   */
  largeFunctions: { index: number; inputBytes: number; outputBytes: number }[];
  /** binaryen's validator on the output: 'passed', 'skipped' (the default), or why binaryen could not read it */
  binaryenCheck: string;
}

export interface HardenedModule {
  bytes: Uint8Array;
  policy: Policy;
  report: HardenReport;
}

export type HardenResult = { ok: true; module: HardenedModule } | { ok: false; issues: Issue[] };

function internal(message: string): Issue[] {
  return [{ code: 'internal.error', message: `internal error: ${message}`, offset: 0 }];
}

/** The non-throwing twin of `harden`. */
export async function tryHarden(
  input: Uint8Array | ArrayBuffer,
  policyInput?: PolicyInput | Policy,
  options: HardenOptions = {},
): Promise<HardenResult> {
  const t0 = performance.now();
  const policy = normalizePolicy(policyInput);
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const costs = costsOf(policy);
  const stackLimit = policy.stackLimit;

  // 1. validate: ours, then V8's (binaryen must only see what both accept)
  const checked = validateWith(bytes, policy, true);
  if (!checked.ok) return { ok: false, issues: checked.issues };
  if (!WebAssembly.validate(bytes)) return { ok: false, issues: internal('our validator accepted a module that V8 rejects') };
  const info = checked.module;
  const importIssues = checkImportedCaps(info, policy);
  if (importIssues.length > 0) return { ok: false, issues: importIssues };
  const t1 = performance.now();

  // 2. rewrite
  const caps = planCaps(info, policy);
  const rewritten = rewriteModule(info, { policy, costs, stackLimit, caps, fuel: policy.fuel });
  if (rewritten.oversize.length > 0)
    return {
      ok: false,
      issues: rewritten.oversize.map((o) => ({
        code: 'forbidden.limit.body-bytes' as const,
        message: `${specText('forbidden.limit.body-bytes')}: hardened, code[${o.index}] would be ${o.size} bytes, above V8's limit of ${V8_LIMITS.bodyBytes}`,
        offset: o.offset,
        path: `code[${o.index}]`,
      })),
    };
  // with V8's huge-function fallback off, bodies above a size are refused (src/runtime/engine.ts)
  const tuned = tunedEngineIssues(
    rewritten.largeFunctions.map((f) => {
      const index = f.index - info.importedFunctions;
      return { index, size: f.outputBytes, offset: info.codes[index]!.start };
    }),
  );
  if (tuned.length > 0) return { ok: false, issues: tuned };
  const out = rewritten.bytes;
  const t2 = performance.now();

  // 3. verify: our validator (spec rules and the policy's features and V8 limits; the gates are off because
  // the output exports into the reserved namespace by design), V8, then the invariants
  // The output needs what the guest's features allow, plus what the instrumentation itself uses: it exports
  // its mutable fuel and depth globals (mutable-globals), and internal functions return the fuel slack as
  // an extra result (multi-value, src/instrument/calling-convention.ts), whatever the guest's policy says.
  const outputFeatures = [...new Set([...policy.features, 'mutable-globals' as const, 'multi-value' as const])];
  const verifyPolicy = normalizePolicy({ features: outputFeatures }, policies.spec);
  const again = validateWith(out, verifyPolicy, false);
  if (!again.ok) return { ok: false, issues: internal(`the hardened module does not validate: ${again.issues[0]?.message}`) };
  if (!WebAssembly.validate(out)) return { ok: false, issues: internal('V8 rejects the hardened module') };
  const o = again.module;
  // every defined memory and table is capped; imported ones too when the policy requires their maxima
  const memories = policy.requireImportMaximum ? o.allMemories : o.memories;
  const tables = policy.requireImportMaximum ? o.allTables : o.tables;
  for (const m of memories)
    if (m.max === undefined || m.max > policy.limits.memoryPages) return { ok: false, issues: internal('a memory escaped its cap') };
  for (const t of tables)
    if (t.limits.max === undefined || t.limits.max > policy.limits.tableElements) return { ok: false, issues: internal('a table escaped its cap') };
  const fuelExport = o.exports.find((e) => e.name === FUEL_EXPORT);
  const depthExport = o.exports.find((e) => e.name === DEPTH_EXPORT);
  if (fuelExport?.kind !== ExternKindCode.Global || fuelExport.index !== rewritten.fuelGlobal || depthExport?.index !== rewritten.depthGlobal)
    return { ok: false, issues: internal('the fuel and depth globals are not exported as planned') };
  // the fuel global is a mutable i64 initialised to exactly the budget (i64.const <budget> end)
  const fuelDef = o.globals[rewritten.fuelGlobal - o.importedGlobals];
  if (fuelDef === undefined || fuelDef.type.valType !== 0x7e || !fuelDef.type.mutable || out[fuelDef.init.start] !== 0x42)
    return { ok: false, issues: internal('the fuel global is not a mutable i64 constant') };
  if (new Reader(out, fuelDef.init.start + 1, fuelDef.init.end).s64() !== policy.fuel)
    return { ok: false, issues: internal('the fuel global does not start at the budget') };
  const t3 = performance.now();

  // 4. binaryen: an independent validator.
  // binaryen 132 does not handle every valid Wasm 2.0 module: it cannot read some (a declarative element
  // segment used by table.init), and its reader builds invalid IR from some dead code after `unreachable`
  // (a br_table or an if there), so that its validator rejects the *input* already. A module binaryen cannot
  // read, or whose original it rejects too, is checked by us and V8 only, and the report says so; an output
  // it rejects while accepting the original is our bug.
  let binaryenCheck: HardenReport['binaryenCheck'] = 'skipped';
  if (options.binaryenCheck === true) {
    let read = false;
    try {
      await withBinaryenModule(out, outputFeatures, (module, binaryen) => {
        read = true;
        assertValidModule(module, binaryen);
      });
      binaryenCheck = 'passed';
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (!read) binaryenCheck = `binaryen could not read the module: ${why}`;
      else if (await binaryenRejectsToo(bytes, policy)) binaryenCheck = `binaryen rejects the original module too: ${why.slice(0, 200)}`;
      else return { ok: false, issues: e instanceof WasmHardenError ? [...e.issues] : internal(`binaryen: ${why}`) };
    }
  }
  const t4 = performance.now();

  return {
    ok: true,
    module: {
      bytes: out,
      policy,
      report: {
        meteringPoints: rewritten.meteringPoints,
        staticCost: rewritten.staticCost,
        inputBytes: bytes.length,
        outputBytes: out.length,
        addedBytes: out.length - bytes.length,
        timings: { validate: t1 - t0, rewrite: t2 - t1, verify: t3 - t2, binaryen: t4 - t3, total: t4 - t0 },
        caps,
        fuel: { budget: policy.fuel, global: rewritten.fuelGlobal, export: FUEL_EXPORT, trapOvercharge: rewritten.trapOvercharge },
        stack: { limit: stackLimit, global: rewritten.depthGlobal, export: DEPTH_EXPORT },
        largeFunctions: rewritten.largeFunctions,
        binaryenCheck,
      },
    },
  };
}

/** Whether binaryen cannot read, or rejects, the original module (its limitation, not ours). */
async function binaryenRejectsToo(original: Uint8Array, policy: Policy): Promise<boolean> {
  try {
    await withBinaryenModule(original, policy.features, (module, binaryen) => assertValidModule(module, binaryen, 'the original module'));
    return false;
  } catch {
    return true;
  }
}

/** Validates and hardens `input`; throws a `WasmHardenError` carrying the issues when it cannot. */
export async function harden(input: Uint8Array | ArrayBuffer, policy?: PolicyInput | Policy, options?: HardenOptions): Promise<HardenedModule> {
  const result = await tryHarden(input, policy, options);
  if (!result.ok) throw new WasmHardenError(result.issues);
  return result.module;
}
