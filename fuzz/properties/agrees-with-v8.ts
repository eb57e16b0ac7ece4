/**
 * Property 2, agrees-with-v8: `validate(x, policies.spec).ok === WebAssembly.validate(x)` for every x
 * within the allowed features (Wasm 2.0).
 *
 * Inputs: generated modules and mutated generated modules (and mutated spec-testsuite modules, which reach
 * corners the generator never builds). Cases our validator rejects as a later proposal
 * (`forbidden.feature.*` of threads, tail-call, exceptions, ...; V8 in Node 20 ships some of them) are
 * outside the property and are counted as discarded. `policies.spec` enables every Wasm 2.0 feature, so no
 * other `forbidden.*` can appear; one would be reported as a disagreement.
 */

import fc from 'fast-check';
import { LATER_FEATURES, policies, validate } from '../../src/index.js';
import { generatedCase, mutatedGeneratedCase, mutatedSpecCase } from './inputs.js';
import { bytesFromReplay, bytesReplay, describeBytesCase, fail, type BytesCase, type Property } from './property.js';

const LATER = new Set<string>(LATER_FEATURES.map((f) => `forbidden.feature.${f}`));

function v8Reason(bytes: Uint8Array): string {
  try {
    new WebAssembly.Module(bytes);
    return 'compiles';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function checkAgreesWithV8(c: BytesCase): string {
  const ours = validate(c.bytes, policies.spec);
  if (!ours.ok && ours.issues.some((i) => LATER.has(i.code))) return 'discard: later proposal';
  const v8 = WebAssembly.validate(c.bytes);
  if (ours.ok !== v8) {
    const why = ours.ok ? 'ours accepts' : `ours rejects: ${JSON.stringify(ours.issues.slice(0, 3))}`;
    fail(`validate(spec).ok = ${ours.ok}, WebAssembly.validate = ${v8}; ${why}; V8: ${v8Reason(c.bytes)}`);
  }
  return v8 ? 'both accept' : `both reject (${ours.ok ? '' : ours.issues[0]!.code.split('.')[0]})`;
}

export const agreesWithV8: Property<BytesCase> = {
  name: 'agrees-with-v8',
  title: 'validate(x, policies.spec).ok === WebAssembly.validate(x) within Wasm 2.0',
  arbitrary: () => {
    const spec = mutatedSpecCase();
    return fc.oneof(
      { arbitrary: generatedCase(), weight: 1 },
      { arbitrary: mutatedGeneratedCase(), weight: 4 },
      ...(spec !== undefined ? [{ arbitrary: spec, weight: 2 }] : []),
    );
  },
  check: checkAgreesWithV8,
  replayData: bytesReplay,
  fromReplay: bytesFromReplay,
  describe: describeBytesCase,
};
