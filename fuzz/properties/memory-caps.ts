/**
 * Property 8, memory-caps: the memories and tables of a hardened module are never observed above their
 * caps, and the caps take away nothing below them.
 *
 * Policy: small caps, `MEMORY_CAP` pages and `TABLE_CAP` elements (above every initial size the generator
 * draws, so every generated module is within the policy), ample fuel, the host allowlist.
 *
 * How, per case: every entity of the generated (terminating) module is exported, and one helper per
 * memory and per table is added that grows it (`memory.grow` / `table.grow` with a null reference) by its
 * argument. The result is hardened and instantiated (fresh host imports), and every size is observed
 *   - after instantiation, and after every call of every generated export (generated bodies do grow:
 *     `memory.grow` and `table.grow` with small, edge and random operands);
 *   - while the helpers attack: a grow past the cap, a grow by 2^31 - 1, then grows by 1 until one fails.
 * Every observation must be at most the cap. At the end, each memory and table must have reached exactly
 * min(declared maximum, cap) (a grow to it never fails), every successful grow must return the old size,
 * and a grow from the host side (`WebAssembly.Memory.grow`, `Table.grow`) past the cap must throw, which
 * shows the maximum is declared, not merely enforced by the guest's code.
 */

import { ExternKindCode, type ModuleInfo } from '../../src/binary/module-info.js';
import { MAX_FUEL, normalizePolicy, tryHarden } from '../../src/index.js';
import { HOST_ALLOWLIST } from '../generator/host.js';
import { ByteWriter } from '../generator/encoder.js';
import { editModule, exportEverything, planIndices, type AddedExport, type AddedFunction } from '../oracle/module-edit.js';
import { callHardened, exportedFunctionsOf, hardenGlobalsOf, instantiateHardened } from './execute.js';
import { generatedCase } from './inputs.js';
import { bytesFromReplay, bytesReplay, describeBytesCase, fail, type BytesCase, type Property } from './property.js';
import { decodeValid } from './same-behaviour.js';

export const MEMORY_CAP = 4;
export const TABLE_CAP = 64;
const PAGE = 65536;
/** V8's largest table (the implicit maximum of a table that declares none) */
const V8_MAX_TABLE = 10_000_000;

const CAPS_POLICY = normalizePolicy({
  imports: HOST_ALLOWLIST,
  fuel: MAX_FUEL,
  limits: { memoryPages: MEMORY_CAP, tableElements: TABLE_CAP },
});

const GROW_MEMORY = '__fuzz_grow_memory_';
const GROW_TABLE = '__fuzz_grow_table_';

/** The module with everything exported and a grow helper per memory and table. */
export function withGrowHelpers(info: ModuleInfo): Uint8Array {
  const all = decodeValid(exportEverything(info));
  const { firstAddedFunction } = planIndices(all);
  const functions: AddedFunction[] = [];
  const exports: AddedExport[] = [];
  all.allMemories.forEach((_, i) => {
    const body = new ByteWriter().u32(0).u8(0x20).u32(0).u8(0x40).u8(i).u8(0x0b);
    exports.push({ name: `${GROW_MEMORY}${i}`, kind: 0, index: firstAddedFunction + functions.length });
    functions.push({ params: [0x7f], results: [0x7f], body: body.toBytes() });
  });
  all.allTables.forEach((t, i) => {
    const body = new ByteWriter().u32(0).u8(0xd0).u8(t.elemType).u8(0x20).u32(0).u8(0xfc).u32(0x0f).u32(i).u8(0x0b);
    exports.push({ name: `${GROW_TABLE}${i}`, kind: 0, index: firstAddedFunction + functions.length });
    functions.push({ params: [0x7f], results: [0x7f], body: body.toBytes() });
  });
  return functions.length === 0 ? all.bytes : editModule(all, { functions, exports });
}

export async function checkMemoryCaps(c: BytesCase): Promise<string> {
  const original = decodeValid(c.bytes);
  const bytes = withGrowHelpers(original);
  const info = decodeValid(bytes);
  const h = await tryHarden(bytes, CAPS_POLICY, { binaryenCheck: false });
  if (!h.ok) fail(`harden rejects a valid module within the policy: ${JSON.stringify(h.issues.slice(0, 3))}`);
  const r = instantiateHardened(new WebAssembly.Module(h.module.bytes));
  if (!r.ok) return 'start traps';
  const instance = r.instance;
  const g = hardenGlobalsOf(instance);
  const limit = CAPS_POLICY.stackLimit;

  const memories: [string, WebAssembly.Memory, number, number][] = [];
  const tables: [string, WebAssembly.Table, number, number][] = [];
  for (const e of info.exports) {
    const x = instance.exports[e.name];
    if (e.kind === ExternKindCode.Memory && x instanceof WebAssembly.Memory)
      memories.push([e.name, x, Math.min(info.allMemories[e.index]!.max ?? 65536, MEMORY_CAP), e.index]);
    if (e.kind === ExternKindCode.Table && x instanceof WebAssembly.Table)
      tables.push([e.name, x, Math.min(info.allTables[e.index]!.limits.max ?? V8_MAX_TABLE, TABLE_CAP), e.index]);
  }
  let reached = false;
  const observe = (when: string) => {
    for (const [name, m] of memories) {
      const pages = m.buffer.byteLength / PAGE;
      if (pages > MEMORY_CAP) fail(`${when}: memory "${name}" has ${pages} pages, above the cap of ${MEMORY_CAP}`);
      if (pages === MEMORY_CAP) reached = true;
    }
    for (const [name, t] of tables) {
      if (t.length > TABLE_CAP) fail(`${when}: table "${name}" has ${t.length} elements, above the cap of ${TABLE_CAP}`);
      if (t.length === TABLE_CAP) reached = true;
    }
  };
  observe('after instantiation');
  const functions = exportedFunctionsOf(info);
  for (const f of functions) {
    if (f.name.startsWith(GROW_MEMORY) || f.name.startsWith(GROW_TABLE)) continue;
    callHardened(instance, g, f, limit);
    observe(`after call "${f.name}"`);
  }
  const generatedReached = reached;

  const grow = (name: string, delta: number): number => {
    g.depth.value = 0;
    try {
      return (instance.exports[name] as (n: number) => number)(delta);
    } catch (e) {
      fail(`${name}(${delta}) did not return: ${String(e)}`);
    }
  };
  const attack = (helper: string, size: () => number, cap: number, what: string) => {
    for (const delta of [cap + 1, 0x7fffffff]) {
      const before = size();
      const got = grow(helper, delta);
      observe(`after ${helper}(${delta})`);
      if (got !== -1 && before + delta > cap) fail(`${what}: growing by ${delta} from ${before} returned ${got}, past the cap of ${cap}`);
    }
    for (let i = 0; i <= cap + 1; i++) {
      const before = size();
      const got = grow(helper, 1);
      observe(`after ${helper}(1)`);
      if (got === -1) break;
      if (got !== before) fail(`${what}: grow returned ${got}, but the size was ${before}`);
    }
    if (size() !== cap) fail(`${what}: grows stop at ${size()}, but min(declared maximum, cap) is ${cap}`);
  };
  memories.forEach(([name, m, cap, i]) => {
    attack(`${GROW_MEMORY}${i}`, () => m.buffer.byteLength / PAGE, cap, `memory "${name}"`);
    try {
      m.grow(1);
      fail(`memory "${name}": the host grew it past ${cap} pages`);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    observe('after the host tried to grow');
  });
  tables.forEach(([name, t, cap, i]) => {
    attack(`${GROW_TABLE}${i}`, () => t.length, cap, `table "${name}"`);
    try {
      t.grow(1);
      fail(`table "${name}": the host grew it past ${cap} elements`);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    observe('after the host tried to grow');
  });
  if (memories.length + tables.length === 0) return 'no memory or table';
  return generatedReached ? 'checked, generated code reached a cap' : 'checked';
}

export const memoryCaps: Property<BytesCase> = {
  name: 'memory-caps',
  title: 'memory and table sizes are never observed above their caps, and reach exactly min(max, cap)',
  arbitrary: () => generatedCase({ mode: 'terminating' }),
  check: checkMemoryCaps,
  replayData: bytesReplay,
  fromReplay: bytesFromReplay,
  describe: describeBytesCase,
};
