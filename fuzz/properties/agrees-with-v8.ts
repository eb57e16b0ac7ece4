/**
 * Property 2, agrees-with-v8: `validate(x, policies.spec).ok === WebAssembly.validate(x)` for every x
 * within the allowed features (Wasm 2.0).
 *
 * Inputs: generated modules and mutated generated modules (and mutated spec-testsuite modules, which reach
 * corners the generator never builds). Cases our validator rejects as a later proposal
 * (`forbidden.feature.*` of threads, tail-call, exceptions, ...; V8 in Node 20 ships some of them) are
 * outside the property and are counted as discarded. `policies.spec` enables every Wasm 2.0 feature, so no
 * other `forbidden.*` can appear; one would be reported as a disagreement.
 *
 * One known V8 leniency is discarded too (found by a campaign): V8 in Node 20 accepts any *value type*
 * (i32, i64, f32, f64, v128) where an element segment with expressions declares its reference type
 * (flags 5, 6, 7), e.g. a passive `i32` segment of `i32.const` expressions. Wasm 2.0 says "malformed
 * reference type", and so do we (`malformed.reference-type`); no table can use such a segment anyway.
 */

import fc from 'fast-check';
import { LATER_FEATURES, policies, validate, type Issue } from '../../src/index.js';
import { parseSectionHeaders } from '../mutators.js';
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

const VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b]);

/** V8's leniency (see above): we reject a value type as an element segment's reference type, V8 does not. */
function isElementValueTypeLeniency(bytes: Uint8Array, issues: readonly Issue[]): boolean {
  const first = issues[0];
  return (
    issues.length === 1 &&
    first !== undefined &&
    first.code === 'malformed.reference-type' &&
    VALUE_TYPES.has(bytes[first.offset] ?? -1) &&
    parseSectionHeaders(bytes).some((h) => h.id === 9 && first.offset >= h.start && first.offset < h.end)
  );
}

export function checkAgreesWithV8(c: BytesCase): string {
  const ours = validate(c.bytes, policies.spec);
  if (!ours.ok && ours.issues.some((i) => LATER.has(i.code))) return 'discard: later proposal';
  const v8 = WebAssembly.validate(c.bytes);
  if (!ours.ok && v8 && isElementValueTypeLeniency(c.bytes, ours.issues)) return 'discard: V8 accepts a value type as an element segment type';
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
