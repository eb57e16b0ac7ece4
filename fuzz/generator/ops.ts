/**
 * The generator's view of the one opcode table (src/binary/opcodes.ts).
 *
 * Nothing here lists instructions by hand. Every Wasm 2.0 entry is classified by its table attributes:
 *
 *   - "simple": `check` Simple or Lane, with no immediate, a numeric constant, a lane index or a shuffle
 *     pattern. Typed purely by `params`/`results`; chosen when those params are on the operand stack (or
 *     after pushing them). This is about 85% of the table.
 *   - "memory": `check` Memory or MemoryLane. Typed by `params`/`results`, with a memarg whose alignment is
 *     at most `naturalAlign`, an access size of 2^naturalAlign, and a lane index < `lanes`.
 *   - "special": `check` Special (control, variables, select, references, tables, bulk memory). Each has a
 *     handler in body.ts keyed by its encoding, which still reads `params`/`results` from the table where
 *     they are fixed (e.g. the bulk ops' `iii>`).
 *
 * `enabledOps(config)` then keeps the entries whose `feature` the config enables and whose kind
 * (`instrKindOf`, also derived from the attributes) it allows.
 */

import { ALL_OPS, Check, Imm, WASM2_OPS, type OpInfo } from '../../src/binary/opcodes.js';
import { instrKindOf, type SwarmConfig } from './config.js';

export type OpClass = 'simple' | 'memory' | 'special';

const SIMPLE_IMMS = new Set<Imm>([Imm.None, Imm.I32, Imm.I64, Imm.F32, Imm.F64, Imm.V128, Imm.Lane, Imm.Shuffle]);

/** How the generator produces an entry, or undefined when it cannot (later proposals). */
export function opClassOf(op: OpInfo): OpClass | undefined {
  if (op.imm === Imm.Unsupported) return undefined;
  if ((op.check === Check.Simple || op.check === Check.Lane) && SIMPLE_IMMS.has(op.imm)) return 'simple';
  if (op.check === Check.Memory || op.check === Check.MemoryLane) return 'memory';
  return 'special';
}

/** key of an encoding: prefix << 16 | code */
export function opKey(prefix: number, code: number): number {
  return (prefix << 16) | code;
}

const BY_KEY = new Map<number, OpInfo>();
for (const op of ALL_OPS) BY_KEY.set(opKey(op.prefix, op.code), op);

/** The table entry of an encoding (throws if the table lacks it: a generator bug, caught by any test). */
export function opAt(prefix: number, code: number): OpInfo {
  const op = BY_KEY.get(opKey(prefix, code));
  if (op === undefined) throw new Error(`opcode table has no entry 0x${prefix.toString(16)} ${code}`);
  return op;
}

/** Simple instructions grouped by their operand types (the stack suffix they need). */
export interface SimpleGroup {
  readonly params: Uint8Array;
  readonly ops: readonly OpInfo[];
}

export interface OpSets {
  /** table index → usable at all under the config's features (scaffolding may use these) */
  readonly featureOk: Uint8Array;
  /** simple ops the config's kinds allow, grouped by params */
  readonly simpleGroups: readonly SimpleGroup[];
  /** the same, flat */
  readonly simple: readonly OpInfo[];
  readonly memory: readonly OpInfo[];
  readonly special: readonly OpInfo[];
}

const cache = new Map<string, OpSets>();
/** bound on the cache (a swarm config draws from 2^6 feature × 2^9 kind subsets); cleared when full */
const CACHE_MAX = 2048;

/** Each Wasm 2.0 entry's feature, kind, class and params key, computed once. */
let classified: { op: OpInfo; feature: string | undefined; kind: string; cls: OpClass | undefined; paramsKey: string }[] | undefined;

/** The entries a config may choose from. Cached per (features, kinds). */
export function enabledOps(config: SwarmConfig): OpSets {
  const key = `${config.features.join(',')}|${config.kinds.join(',')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  classified ??= WASM2_OPS.map((op) => ({ op, feature: op.feature, kind: instrKindOf(op), cls: opClassOf(op), paramsKey: Array.from(op.params).join(',') }));
  const features = new Set<string>(config.features);
  const kinds = new Set<string>(config.kinds);
  const featureOk = new Uint8Array(ALL_OPS.length);
  const groups = new Map<string, OpInfo[]>();
  const simple: OpInfo[] = [];
  const memory: OpInfo[] = [];
  const special: OpInfo[] = [];
  for (const { op, feature, kind, cls, paramsKey } of classified) {
    if (feature !== undefined && !features.has(feature)) continue;
    featureOk[op.index] = 1;
    if (!kinds.has(kind)) continue;
    if (cls === 'simple') {
      simple.push(op);
      let g = groups.get(paramsKey);
      if (g === undefined) groups.set(paramsKey, (g = []));
      g.push(op);
    } else if (cls === 'memory') memory.push(op);
    else if (cls === 'special') special.push(op);
  }
  const simpleGroups = [...groups.values()].map((ops) => ({ params: ops[0]!.params, ops }));
  const sets: OpSets = { featureOk, simpleGroups, simple, memory, special };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, sets);
  return sets;
}
