/**
 * Property 4, valid-in-valid-out: `harden` accepts every generated valid module (within the policy), and
 * its output
 *   - is accepted by our validator (`validateWith`, spec rules with the policy's features plus
 *     mutable-globals, which the instrumentation's own exported fuel and depth globals need, and
 *     multi-value, which its internal calling convention needs; policy gates
 *     off: the output exports into the reserved namespace by design) and by V8;
 *   - has its caps applied: every defined memory and table declares a maximum, equal to
 *     min(declared maximum, cap), and keeps its initial size;
 *   - exports everything the input exported (same names, kinds and indices), plus the fuel global (mutable
 *     i64) and the depth global (mutable i32);
 *   - is byte-identical when the same input is hardened again.
 *
 * Two policies per case: strict + the host allowlist (default caps), and the same with exactly the
 * module's features (from its generator config) and small caps (4 pages, 64 elements, above every
 * generated initial size), which also checks that the instrumentation needs no feature the guest does not
 * use, except mutable-globals for its own exports. binaryen's check is on for the first harden (it is part of harden's own verification).
 */

import { ExternKindCode, type ModuleInfo } from '../../src/binary/module-info.js';
import { DEPTH_EXPORT, FUEL_EXPORT, normalizePolicy, policies, tryHarden, type Policy } from '../../src/index.js';
import { validateWith } from '../../src/validate/validate.js';
import { HOST_ALLOWLIST } from '../generator/host.js';
import { generatorValid, type GeneratedCase } from './generator-valid.js';
import { fail, type Property } from './property.js';

export const SMALL_CAPS = { memoryPages: 4, tableElements: 64 } as const;
const HOST_POLICY = normalizePolicy({ imports: HOST_ALLOWLIST });

function decodeOutput(bytes: Uint8Array, policy: Policy, what: string): ModuleInfo {
  const features = [...new Set([...policy.features, 'mutable-globals' as const, 'multi-value' as const])];
  const checked = validateWith(bytes, normalizePolicy({ features }, policies.spec), false);
  if (!checked.ok) fail(`${what}: our validator rejects the hardened module: ${JSON.stringify(checked.issues.slice(0, 3))}`);
  if (!WebAssembly.validate(bytes)) fail(`${what}: V8 rejects the hardened module`);
  return checked.module;
}

async function checkOne(input: ModuleInfo, bytes: Uint8Array, policy: Policy, what: string): Promise<string> {
  const r = await tryHarden(bytes, policy, { binaryenCheck: true });
  if (!r.ok) fail(`${what}: harden rejects a valid module within the policy: ${JSON.stringify(r.issues.slice(0, 3))}`);
  const out = r.module.bytes;
  const o = decodeOutput(out, policy, what);

  // caps: exactly min(declared, cap), initial sizes kept
  const { memoryPages, tableElements } = policy.limits;
  if (o.memories.length !== input.memories.length || o.tables.length !== input.tables.length) fail(`${what}: memories or tables added or lost`);
  o.memories.forEach((m, i) => {
    const before = input.memories[i]!;
    const want = Math.min(before.max ?? Infinity, memoryPages);
    if (m.max !== want || m.min !== before.min) fail(`${what}: memory ${i} is ${m.min}..${m.max}, expected ${before.min}..${want}`);
  });
  o.tables.forEach((t, i) => {
    const before = input.tables[i]!;
    const want = Math.min(before.limits.max ?? Infinity, tableElements);
    if (t.limits.max !== want || t.limits.min !== before.limits.min)
      fail(`${what}: table ${i} is ${t.limits.min}..${t.limits.max}, expected ${before.limits.min}..${want}`);
  });

  // exports kept; control globals exported with the right types
  for (const e of input.exports) {
    const same = o.exports.find((x) => x.name === e.name);
    if (same === undefined || same.kind !== e.kind || same.index !== e.index) fail(`${what}: export "${e.name}" lost or changed`);
  }
  const globalType = (name: string) => {
    const e = o.exports.find((x) => x.name === name);
    if (e === undefined || e.kind !== ExternKindCode.Global) fail(`${what}: ${name} is not exported as a global`);
    return o.allGlobals[e.index]!;
  };
  const fuel = globalType(FUEL_EXPORT);
  const depth = globalType(DEPTH_EXPORT);
  if (fuel.valType !== 0x7e || !fuel.mutable) fail(`${what}: ${FUEL_EXPORT} is not a mutable i64`);
  if (depth.valType !== 0x7f || !depth.mutable) fail(`${what}: ${DEPTH_EXPORT} is not a mutable i32`);

  // deterministic
  const again = await tryHarden(bytes, policy, { binaryenCheck: false });
  if (!again.ok) fail(`${what}: the second harden of the same input fails: ${JSON.stringify(again.issues.slice(0, 3))}`);
  if (!Buffer.from(again.module.bytes).equals(Buffer.from(out))) fail(`${what}: hardening the same input twice gives different bytes`);
  const check = r.module.report.binaryenCheck;
  return check === 'passed' ? 'binaryen passed' : `binaryen skipped: ${check.split(':')[0]}`;
}

export async function checkValidInValidOut(c: GeneratedCase): Promise<string> {
  const input = validateWith(c.bytes, policies.spec, true);
  if (!input.ok) fail(`the input is not valid: ${JSON.stringify(input.issues.slice(0, 3))}`);
  const a = await checkOne(input.module, c.bytes, HOST_POLICY, 'strict + host');
  const small = normalizePolicy({ features: c.features, imports: HOST_ALLOWLIST, limits: SMALL_CAPS });
  await checkOne(input.module, c.bytes, small, 'own features + small caps');
  return a;
}

export const validInValidOut: Property<GeneratedCase> = {
  name: 'valid-in-valid-out',
  title: 'harden(valid) is valid for us and V8, caps applied, deterministic',
  arbitrary: generatorValid.arbitrary,
  check: checkValidInValidOut,
  replayData: generatorValid.replayData,
  fromReplay: generatorValid.fromReplay,
  describe: generatorValid.describe,
};
