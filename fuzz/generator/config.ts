/**
 * Swarm configuration: what one generated module may contain.
 *
 * "Swarm testing" (Groce et al.; wasm-smith's `Config`): instead of one fixed distribution, every test case
 * first draws a configuration, with random maxima and a random subset of features and instruction kinds,
 * and then a module within it. Switching things *off* at random is what makes rare combinations common:
 * a config without `numeric` and `parametric` instructions spends its whole budget on control flow and
 * tables, one without `simd` never wastes choices on v128 values, and so on.
 *
 * A module generated under a config uses only the config's `features` (checked by the tests with a policy
 * that enables exactly those) and chooses only instructions of its `kinds`. Scaffolding the generator needs
 * to stay valid (constants to fill a missing result, `drop`, `end`, the loop counters and the fuel guard of
 * terminating mode) is emitted whatever the kinds, always within the features.
 *
 * Defaults are documented on `DEFAULT_CONFIG`; `normalizeConfig` merges a partial config over them once and
 * rejects bad values up front.
 */

import fc from 'fast-check';
import { Check, Imm, type OpInfo } from '../../src/binary/opcodes.js';
import { WASM2_FEATURES, type Wasm2Feature } from '../../src/policy.js';

/**
 * - `terminating`: every run ends. Each loop is entered with a dedicated counter local set to `loopBound`
 *   and decremented at the loop header; at 0 the loop exits to a wrapper block with constant results
 *   (no trap). Direct calls only go to lower-numbered functions (no direct recursion), and a global `fuel`
 *   counter, decremented at every loop header and function entry, traps with `unreachable` when it reaches
 *   0: that bounds nested loops (whose bounds multiply), call fan-out and recursion through
 *   `call_indirect` (so recursion depth ≤ fuel).
 * - `mayLoop`: loops and recursion are unrestricted; runs may never end (for the termination properties).
 */
export type GeneratorMode = 'terminating' | 'mayLoop';

/** Instruction kinds, derived from the opcode table by `instrKindOf`. */
export const INSTR_KINDS = [
  'numeric',
  'vector',
  'control',
  'call',
  'parametric',
  'variable',
  'memory',
  'bulk-memory',
  'table',
  'reference',
] as const;
export type InstrKind = (typeof INSTR_KINDS)[number];

export interface SwarmConfig {
  readonly mode: GeneratorMode;
  /** enabled Wasm 2.0 features (sorted); the module uses no other */
  readonly features: readonly Wasm2Feature[];
  /** instruction kinds the body generator may choose from */
  readonly kinds: readonly InstrKind[];
  /** function types drawn at random (types that imports need are added on top) */
  readonly maxTypes: number;
  readonly maxParams: number;
  /** more than 1 only matters with `multi-value` */
  readonly maxResults: number;
  /** imported host functions */
  readonly maxImports: number;
  /** imported host globals */
  readonly maxImportedGlobals: number;
  /** defined functions */
  readonly maxFunctions: number;
  /** instructions chosen per function body (scaffolding not counted) */
  readonly maxInstructions: number;
  /** nested blocks/loops/ifs per function */
  readonly maxNesting: number;
  /** declared locals per function (loop counters and scratch locals not counted) */
  readonly maxLocals: number;
  /** defined globals */
  readonly maxGlobals: number;
  /** tables (more than 1 needs `reference-types`) */
  readonly maxTables: number;
  /** initial table size */
  readonly maxTableSize: number;
  /** whether the module may have a memory (0 or 1; drawn per module) */
  readonly memory: boolean;
  /** initial memory size, pages (the maximum, when present, is at most 4 pages above) */
  readonly maxMemoryPages: number;
  readonly maxElemSegments: number;
  readonly maxDataSegments: number;
  /** labels of a br_table besides the default */
  readonly maxBrTableTargets: number;
  /** percentage of functions, globals, tables and the memory that are exported */
  readonly exportPercent: number;
  /** whether a start function may be set */
  readonly allowStart: boolean;
  /** terminating mode: how many times a loop header may be entered per loop entry */
  readonly loopBound: number;
  /** terminating mode: the instance-wide budget of loop iterations and calls */
  readonly fuel: number;
}

/** Defaults: small modules with every feature and kind on, terminating. */
export const DEFAULT_CONFIG: SwarmConfig = Object.freeze({
  mode: 'terminating',
  features: Object.freeze([...WASM2_FEATURES].sort()),
  kinds: Object.freeze([...INSTR_KINDS]),
  maxTypes: 6,
  maxParams: 4,
  maxResults: 3,
  maxImports: 4,
  maxImportedGlobals: 3,
  maxFunctions: 6,
  maxInstructions: 60,
  maxNesting: 6,
  maxLocals: 6,
  maxGlobals: 4,
  maxTables: 3,
  maxTableSize: 16,
  memory: true,
  maxMemoryPages: 2,
  maxElemSegments: 4,
  maxDataSegments: 4,
  maxBrTableTargets: 4,
  exportPercent: 70,
  allowStart: true,
  loopBound: 8,
  fuel: 1000,
}) as SwarmConfig;

/** Upper bounds `normalizeConfig` accepts (far above anything useful, below anything harmful). */
const HARD_MAX: Record<Exclude<keyof SwarmConfig, 'mode' | 'features' | 'kinds' | 'memory' | 'allowStart'>, number> = {
  maxTypes: 1000,
  maxParams: 100,
  maxResults: 100,
  maxImports: 100,
  maxImportedGlobals: 100,
  maxFunctions: 1000,
  maxInstructions: 100_000,
  maxNesting: 1000,
  maxLocals: 1000,
  maxGlobals: 1000,
  maxTables: 100,
  maxTableSize: 100_000,
  maxMemoryPages: 1024,
  maxElemSegments: 1000,
  maxDataSegments: 1000,
  maxBrTableTargets: 1000,
  exportPercent: 100,
  loopBound: 1_000_000,
  fuel: 100_000_000,
};

/** Merges `input` over `DEFAULT_CONFIG` and checks every field; throws a RangeError naming a bad one. */
export function normalizeConfig(input: Partial<SwarmConfig> = {}): SwarmConfig {
  const c = { ...DEFAULT_CONFIG, ...input } as Record<string, unknown>;
  for (const key of Object.keys(input))
    if (!(key in DEFAULT_CONFIG)) throw new RangeError(`generator config: unknown key "${key}"`);
  if (c.mode !== 'terminating' && c.mode !== 'mayLoop') throw new RangeError(`generator config: mode must be "terminating" or "mayLoop"`);
  for (const [key, max] of Object.entries(HARD_MAX)) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
      throw new RangeError(`generator config: ${key} must be an integer in [0, ${max}], got ${String(v)}`);
  }
  if ((c.loopBound as number) < 1) throw new RangeError('generator config: loopBound must be at least 1');
  for (const key of ['memory', 'allowStart'])
    if (typeof c[key] !== 'boolean') throw new RangeError(`generator config: ${key} must be a boolean`);
  const features = [...new Set(c.features as Wasm2Feature[])].sort();
  for (const f of features)
    if (!(WASM2_FEATURES as readonly string[]).includes(f)) throw new RangeError(`generator config: unknown feature "${String(f)}"`);
  const kinds = INSTR_KINDS.filter((k) => (c.kinds as readonly string[]).includes(k));
  for (const k of c.kinds as readonly string[])
    if (!(INSTR_KINDS as readonly string[]).includes(k)) throw new RangeError(`generator config: unknown instruction kind "${k}"`);
  return Object.freeze({ ...(c as unknown as SwarmConfig), features: Object.freeze(features), kinds: Object.freeze(kinds) });
}

/**
 * The swarm: a random config. Fields given in `fixed` are kept as they are (e.g. `{ mode: 'mayLoop' }` or
 * `{ features: [...] }`); the others are drawn. Features and kinds are drawn as random subsets, each member
 * kept with probability about 3/4, and shrink towards the full set (the most "ordinary" module); maxima
 * shrink towards small values.
 */
export function swarmConfig(fixed: Partial<SwarmConfig> = {}): fc.Arbitrary<SwarmConfig> {
  const subset = <T extends string>(all: readonly T[]) =>
    fc.array(fc.nat({ max: 3 }), { minLength: all.length, maxLength: all.length }).map((draws) => all.filter((_, i) => draws[i] !== 3));
  const pick = <K extends keyof SwarmConfig>(key: K, arb: fc.Arbitrary<SwarmConfig[K]>): fc.Arbitrary<SwarmConfig[K]> =>
    key in fixed ? fc.constant(fixed[key] as SwarmConfig[K]) : arb;
  return fc
    .record({
      mode: pick('mode', fc.constant<GeneratorMode>('terminating')),
      features: pick('features', subset(WASM2_FEATURES)),
      kinds: pick('kinds', subset(INSTR_KINDS)),
      maxTypes: pick('maxTypes', fc.integer({ min: 0, max: 10 })),
      maxParams: pick('maxParams', fc.integer({ min: 0, max: 6 })),
      maxResults: pick('maxResults', fc.integer({ min: 0, max: 4 })),
      maxImports: pick('maxImports', fc.integer({ min: 0, max: 6 })),
      maxImportedGlobals: pick('maxImportedGlobals', fc.integer({ min: 0, max: 4 })),
      maxFunctions: pick('maxFunctions', fc.integer({ min: 1, max: 8 })),
      maxInstructions: pick('maxInstructions', fc.integer({ min: 1, max: 120 })),
      maxNesting: pick('maxNesting', fc.integer({ min: 0, max: 10 })),
      maxLocals: pick('maxLocals', fc.integer({ min: 0, max: 10 })),
      maxGlobals: pick('maxGlobals', fc.integer({ min: 0, max: 6 })),
      maxTables: pick('maxTables', fc.integer({ min: 0, max: 4 })),
      maxTableSize: pick('maxTableSize', fc.integer({ min: 0, max: 32 })),
      memory: pick('memory', fc.integer({ min: 0, max: 4 }).map((n) => n !== 0)),
      maxMemoryPages: pick('maxMemoryPages', fc.integer({ min: 0, max: 3 })),
      maxElemSegments: pick('maxElemSegments', fc.integer({ min: 0, max: 6 })),
      maxDataSegments: pick('maxDataSegments', fc.integer({ min: 0, max: 6 })),
      maxBrTableTargets: pick('maxBrTableTargets', fc.integer({ min: 0, max: 8 })),
      exportPercent: pick('exportPercent', fc.integer({ min: 0, max: 100 })),
      allowStart: pick('allowStart', fc.boolean()),
      loopBound: pick('loopBound', fc.integer({ min: 1, max: 16 })),
      fuel: pick('fuel', fc.integer({ min: 1, max: 2000 })),
    })
    .map((c) => normalizeConfig(c));
}

const CONTROL_NAMES = new Set(['unreachable', 'nop', 'block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'br_table', 'return']);

/** The kind of an opcode-table entry, from its attributes (so a new table entry gets a kind automatically). */
export function instrKindOf(op: OpInfo): InstrKind {
  if (op.check === Check.Memory || op.check === Check.MemoryLane || op.imm === Imm.MemoryIndex) return 'memory';
  if (op.imm === Imm.MemoryInit || op.imm === Imm.Data || op.imm === Imm.MemoryCopy || op.imm === Imm.MemoryFill) return 'bulk-memory';
  if (op.imm === Imm.Table || op.imm === Imm.TableInit || op.imm === Imm.TableCopy || op.imm === Imm.Elem) return 'table';
  if (op.imm === Imm.Func && op.name === 'call') return 'call';
  if (op.imm === Imm.CallIndirect) return 'call';
  if (op.name.startsWith('ref.')) return 'reference';
  if (op.prefix === 0xfd) return 'vector';
  if (op.imm === Imm.Local || op.imm === Imm.Global) return 'variable';
  if (op.name === 'drop' || op.name === 'select') return 'parametric';
  if (op.prefix === 0 && CONTROL_NAMES.has(op.name)) return 'control';
  return 'numeric';
}
