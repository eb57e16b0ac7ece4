/**
 * Property 5, same-behaviour (semantic preservation): with ample fuel, the hardened module behaves exactly
 * like the original, observed from outside:
 *   - instantiation (the start function, active segments) succeeds in both, or traps in both with the
 *     same trap class;
 *   - every exported function, called in export order with `defaultArguments` on one instance each,
 *     returns the same values (NaN equals NaN, funcrefs by function index) or traps with the same class
 *     (V8's messages classified coarsely, fuzz/properties/execute.ts);
 *   - after instantiation and after every call, the exported globals, the exported memories (every byte)
 *     and the exported tables (length and entries) are the same.
 *
 * Every function, global, memory and table of the generated module is exported first (`exportEverything`,
 * fuzz/oracle/module-edit.ts), so every function is called and all state is compared.
 *
 * Each instance gets fresh host imports (`createHostImports()`: new globals, pure functions).
 *
 * A stack overflow voids the comparison from there on rather than failing it: ours (the depth global above
 * the limit after the trap) fires at a deterministic depth, V8's (RangeError) wherever the native stack runs
 * out, and the two modules' frames differ in size. But the hardened module must overflow by *our* limit:
 * V8's RangeError there means the stack limit let V8's native stack run out first (src/instrument/
 * stack-limit.ts promises a deterministic trap well before it), and fails the property. Running out of fuel is a failure (the budget is
 * 2^63 - 1). Every memory and table of the original first gets a small maximum (`ORIGINAL_MAXIMA`), and
 * the policy's caps are the same, so the caps change nothing a guest can observe (property memory-caps
 * checks the caps themselves).
 *
 * Inputs: terminating-mode generated modules (every run ends by construction).
 */

import type { ModuleInfo } from '../../src/binary/module-info.js';
import { MAX_FUEL, normalizePolicy, policies, tryHarden } from '../../src/index.js';
import { validateWith } from '../../src/validate/validate.js';
import { HOST_ALLOWLIST } from '../generator/host.js';
import { exportEverything } from '../oracle/module-edit.js';
import {
  callExport,
  callHardened,
  classifyHardened,
  describeOutcome,
  diffExports,
  exportedFunctionsOf,
  hardenGlobalsOf,
  instantiate,
  instantiateHardened,
  isStackOverflow,
  sameOutcome,
  type Outcome,
} from './execute.js';
import { generatedCase } from './inputs.js';
import { bytesFromReplay, bytesReplay, describeBytesCase, fail, type BytesCase, type Property } from './property.js';

/**
 * The maxima the original is given before the comparison (64 pages, 1024 elements): without them, a
 * generated `memory.grow 65536` on a memory without a maximum allocates 4 GiB in both modules (25 s and 8 GB
 * of RSS for one case), and comparing memories after every call needs them small. The policy's caps are
 * the same, so harden's own caps change nothing a guest can observe.
 */
export const ORIGINAL_MAXIMA = { memoryPages: 64, tableElements: 1024 } as const;

/** Ample fuel, caps at `ORIGINAL_MAXIMA`, the host imports allowed. */
export const AMPLE_POLICY = normalizePolicy({ imports: HOST_ALLOWLIST, fuel: MAX_FUEL, limits: ORIGINAL_MAXIMA });

export function decodeValid(bytes: Uint8Array): ModuleInfo {
  const r = validateWith(bytes, policies.spec, true);
  if (!r.ok) fail(`the input is not valid: ${JSON.stringify(r.issues.slice(0, 3))}`);
  return r.module;
}

export async function hardenOrFail(bytes: Uint8Array, policy = AMPLE_POLICY): Promise<Uint8Array> {
  const r = await tryHarden(bytes, policy, { binaryenCheck: false });
  if (!r.ok) fail(`harden rejects a valid module within the policy: ${JSON.stringify(r.issues.slice(0, 3))}`);
  return r.module.bytes;
}

export async function checkSameBehaviour(c: BytesCase): Promise<string> {
  const bytes = exportEverything(decodeValid(c.bytes), ORIGINAL_MAXIMA);
  const info = decodeValid(bytes);
  const hardened = await hardenOrFail(bytes);
  const limit = AMPLE_POLICY.stackLimit;
  const a = instantiate(new WebAssembly.Module(bytes));
  const b = instantiateHardened(new WebAssembly.Module(hardened));
  const outcomeA: Outcome = a.ok ? { kind: 'ok', values: [] } : a.outcome;
  const gB = b.ok ? hardenGlobalsOf(b.instance) : undefined;
  const outcomeB: Outcome = b.ok ? { kind: 'ok', values: [] } : b.outcome;
  if (isStackOverflow(outcomeA) || isStackOverflow(outcomeB)) return 'void: stack overflow at instantiation';
  if (!sameOutcome(outcomeA, outcomeB))
    fail(`instantiation: original ${describeOutcome(outcomeA)}, hardened ${describeOutcome(outcomeB)}`);
  if (!a.ok || !b.ok) return 'checked: start traps';
  const diff0 = diffExports(a.instance, b.instance, info);
  if (diff0 !== undefined) fail(`after instantiation: ${diff0}`);

  let calls = 0;
  for (const f of exportedFunctionsOf(info)) {
    const x = callExport(a.instance, f);
    const y = classifyHardened(callHardened(b.instance, gB!, f, limit), gB, limit);
    if (y.kind === 'trap' && y.trap === 'stack-overflow' && y.message.startsWith('RangeError'))
      fail(`call "${f.name}": V8's own stack overflow fired in the hardened module before its stack limit (depth ${gB!.depth.value} of ${limit})`);
    if (isStackOverflow(x) || isStackOverflow(y)) return `void: stack overflow after ${calls} calls`;
    if (y.kind === 'trap' && y.trap === 'out-of-fuel') fail(`call "${f.name}": out of fuel with a budget of 2^63 - 1`);
    if (!sameOutcome(x, y)) fail(`call "${f.name}": original ${describeOutcome(x)}, hardened ${describeOutcome(y)}`);
    const diff = diffExports(a.instance, b.instance, info);
    if (diff !== undefined) fail(`after call "${f.name}" (${describeOutcome(x)}): ${diff}`);
    if (x.kind !== 'skipped') calls++;
  }
  return calls === 0 ? 'checked: no callable export' : 'checked';
}

export const sameBehaviour: Property<BytesCase> = {
  name: 'same-behaviour',
  title: 'with ample fuel, the hardened module returns, traps and changes exported state exactly like the original',
  arbitrary: () => generatedCase({ mode: 'terminating' }),
  check: checkSameBehaviour,
  replayData: bytesReplay,
  fromReplay: bytesFromReplay,
  describe: describeBytesCase,
};
