/**
 * A wasm-smith-style generator of valid Wasm 2.0 modules, as fast-check arbitraries.
 *
 *   validModule(config?)   fc.Arbitrary<GeneratedModule>: { bytes, config, stats, exportedFunctions }
 *   swarmConfig(fixed?)    fc.Arbitrary<SwarmConfig>: random maxima, features and instruction kinds
 *   generateModule(config, words)   the pure function underneath (for seeded loops outside fast-check)
 *
 * How randomness reaches the generator (and why): a module is `generateModule(config, words)` where
 * `config` comes from `swarmConfig` (a record of small arbitraries) and `words` from
 * `fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }))`, the "entropy" stream that every decision is
 * decoded from (see entropy.ts). This is wasm-smith's `Unstructured` design rather than a tree of composed
 * arbitraries, because:
 *   - instruction choice depends on the operand and control stacks built by every earlier choice, which a
 *     composed arbitrary can only express with `chain`, and fast-check cannot shrink through deep chains;
 *   - fast-check shrinks a flat array well (drop words, lower words towards 0), and the decoding turns
 *     that into smaller modules: an exhausted stream decodes as "no more", and 0 as the simplest option;
 *   - the pair (config, words) is a complete, printable replay key, independent of fast-check's internals.
 * The config shrinks on its own (fewer features, lower maxima), independently of the words.
 *
 * Files: entropy.ts (the stream), config.ts (swarm configs, modes, instruction kinds), ops.ts (the opcode
 * table, classified), module.ts (module plan and encoding), body.ts (instruction choice by operand and
 * control stacks, terminating-mode loops), values.ts (constants), host.ts (imports), coverage.ts.
 *
 * Host imports: see host.ts (module "host"; `createHostImports()` builds them, `HOST_ALLOWLIST` admits them,
 * `defaultArguments()` makes call arguments from `exportedFunctions`).
 *
 * Stats: `stats.ops` lists the `OpInfo.index` of every table entry the module contains; `OpcodeCoverage`
 * sums them over many modules against `WASM2_OPS`.
 */

import fc from 'fast-check';
import { normalizeConfig, swarmConfig, type SwarmConfig } from './config.js';
import { generateModule, type GeneratedModule } from './module.js';

export { generateModule, type GeneratedModule, type GeneratorStats, type ExportedFunction } from './module.js';
export {
  swarmConfig,
  normalizeConfig,
  instrKindOf,
  DEFAULT_CONFIG,
  INSTR_KINDS,
  type SwarmConfig,
  type InstrKind,
  type GeneratorMode,
} from './config.js';
export { Entropy, seededWords } from './entropy.js';
export { OpcodeCoverage, type CoverageReport } from './coverage.js';
export { HOST_MODULE, HOST_FUNCTIONS, HOST_GLOBALS, HOST_ALLOWLIST, createHostImports, defaultArguments } from './host.js';
export { opClassOf, enabledOps } from './ops.js';

export interface ValidModuleOptions {
  /** most entropy words one module may read (default 4096; a word is about one decision) */
  maxWords?: number;
  /** fast-check size of the word array (default "large": typically a few hundred words) */
  size?: fc.SizeForArbitrary;
}

/** The entropy stream arbitrary. */
export function entropy(options: ValidModuleOptions = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: options.maxWords ?? 4096, size: options.size ?? 'large' });
}

/**
 * Valid Wasm 2.0 modules. `config`: by default the swarm (`swarmConfig()`, terminating mode); a partial
 * config is fixed (merged over `DEFAULT_CONFIG`); to fix some fields and draw the others, pass
 * `swarmConfig({ mode: 'mayLoop', ... })`.
 */
export function validModule(
  config?: Partial<SwarmConfig> | fc.Arbitrary<SwarmConfig>,
  options: ValidModuleOptions = {},
): fc.Arbitrary<GeneratedModule> {
  const configs = config === undefined ? swarmConfig() : config instanceof fc.Arbitrary ? config : fc.constant(normalizeConfig(config));
  return fc.tuple(configs, entropy(options)).map(([c, words]) => generateModule(c, words));
}
