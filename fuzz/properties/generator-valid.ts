/**
 * Property 3, generator-valid: every module the valid-module generator emits is valid, for V8
 * (`WebAssembly.validate`) and for our validator (`policies.spec`), and stays within what its config
 * promises: only the config's features and only the documented host imports (our validator under the
 * strict policy with exactly those features and `HOST_ALLOWLIST`). A check on the generator itself: every
 * other property trusts it.
 *
 * Inputs: swarm configs in both modes (terminating and may-loop). The replay data keeps the config's
 * features, so a regression is checked against the same feature set.
 */

import fc from 'fast-check';
import { normalizePolicy, policies, validate, type FeatureName } from '../../src/index.js';
import { HOST_ALLOWLIST, swarmConfig, validModule } from '../generator/index.js';
import { fail, type Property, type PropertyCase } from './property.js';

export interface GeneratedCase extends PropertyCase {
  readonly features: readonly FeatureName[];
  readonly config: string;
}

function v8Reason(bytes: Uint8Array): string {
  try {
    new WebAssembly.Module(bytes);
    return 'compiles';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function checkGeneratorValid(c: GeneratedCase): string {
  if (!WebAssembly.validate(c.bytes)) fail(`V8 rejects a generated module: ${v8Reason(c.bytes)}`);
  const ours = validate(c.bytes, policies.spec);
  if (!ours.ok) fail(`our validator (spec) rejects a generated module: ${JSON.stringify(ours.issues.slice(0, 3))}`);
  const restricted = validate(c.bytes, normalizePolicy({ features: c.features, imports: HOST_ALLOWLIST }));
  if (!restricted.ok) fail(`a generated module goes outside its config: ${JSON.stringify(restricted.issues.slice(0, 3))}`);
  return 'valid';
}

export const generatorValid: Property<GeneratedCase> = {
  name: 'generator-valid',
  title: 'every generated "valid" module is valid (V8 and ours), within its features and the host allowlist',
  arbitrary: () =>
    fc
      .oneof(validModule(swarmConfig({ mode: 'terminating' })), validModule(swarmConfig({ mode: 'mayLoop' })))
      .map((m) => ({ bytes: m.bytes, features: m.config.features, config: JSON.stringify(m.config) })),
  check: checkGeneratorValid,
  replayData: (c) => ({ features: c.features, config: c.config }),
  fromReplay: (bytes, data) => {
    const d = (data ?? {}) as { features?: FeatureName[]; config?: string };
    return { bytes, features: d.features ?? [], config: d.config ?? '' };
  },
  describe: (c) => `generated, config ${c.config}`,
};
