/**
 * Module generation: plan the module (types, imports, functions, tables, memory, globals, exports, start,
 * element and data segments), generate every body against the plan, and encode the binary.
 *
 * Sections are emitted in the spec's order, each only when non-empty: type, import, function, table,
 * memory, global, export, start, element, DataCount, code, data. DataCount is emitted when bulk memory is on
 * and there are data segments (usually; always when a body may use `memory.init`/`data.drop`, which are
 * only chosen when it is present).
 */

import { ValType } from '../../src/binary/module-info.js';
import type { SwarmConfig } from './config.js';
import { ByteWriter } from './encoder.js';
import { Entropy } from './entropy.js';
import { HOST_FUNCTIONS, HOST_GLOBALS, HOST_MODULE } from './host.js';
import { enabledOps, opAt } from './ops.js';
import type { ConstExpr, ModulePlan, PlanData, PlanElem, PlanExport, PlanFuncType, PlanGlobal, PlanTable } from './plan.js';
import { randomConst, writeConst } from './values.js';
import { generateBody } from './body.js';
import { ALL_OPS } from '../../src/binary/opcodes.js';

export interface GeneratorStats {
  /** `OpInfo.index` of every opcode-table entry the module contains (bodies and constant expressions), sorted */
  readonly ops: readonly number[];
  /** instructions in all bodies */
  readonly instructions: number;
  readonly functions: number;
  /** entropy words read */
  readonly entropyUsed: number;
}

/** An exported function and its signature (value type codes), so runners can build arguments. */
export interface ExportedFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface GeneratedModule {
  readonly bytes: Uint8Array;
  readonly config: SwarmConfig;
  readonly stats: GeneratorStats;
  /** the exported functions, in export order */
  readonly exportedFunctions: readonly ExportedFunction[];
}

const FUNCREF = ValType.FuncRef;
const EXTERNREF = ValType.ExternRef;
const PAGE = 65536;

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function findOrAddType(types: PlanFuncType[], params: readonly number[], results: readonly number[]): number {
  const i = types.findIndex((t) => sameTypes(t.params, params) && sameTypes(t.results, results));
  if (i >= 0) return i;
  types.push({ params: [...params], results: [...results] });
  return types.length - 1;
}

/** Generates one module from `config` and the entropy `words` (see entropy.ts). Deterministic. */
export function generateModule(config: SwarmConfig, words: ArrayLike<number>): GeneratedModule {
  const u = new Entropy(words);
  const used = new Uint8Array(ALL_OPS.length);
  const plan = planModule(u, config, used);
  const bodies: ByteWriter[] = [];
  let instructions = 0;
  const imported = plan.importedFuncNames.length;
  for (let f = imported; f < plan.funcTypes.length; f++) {
    const body = generateBody(plan, u, f, used);
    bodies.push(body.bytes);
    instructions += body.instructions;
  }
  const bytes = encodeModule(plan, bodies);
  const ops: number[] = [];
  for (let i = 0; i < used.length; i++) if (used[i]) ops.push(i);
  const exportedFunctions = plan.exports
    .filter((e) => e.kind === 0)
    .map((e) => {
      const t = plan.types[plan.funcTypes[e.index]!]!;
      return { name: e.name, params: t.params, results: t.results };
    });
  return {
    bytes,
    config,
    stats: { ops, instructions, functions: bodies.length, entropyUsed: u.consumed },
    exportedFunctions,
  };
}

function markConst(used: Uint8Array, c: ConstExpr | undefined): void {
  if (c === undefined) return;
  const w = new ByteWriter(32);
  const [prefix, code] = writeConst(w, c);
  used[opAt(prefix, code).index] = 1;
}

function planModule(u: Entropy, config: SwarmConfig, used: Uint8Array): ModulePlan {
  const features = new Set<string>(config.features);
  const has = (f: string) => features.has(f);
  const refTypes = has('reference-types') ? [FUNCREF, EXTERNREF] : [];
  const numTypes = [ValType.I32, ValType.I64, ValType.F32, ValType.F64, ...(has('simd') ? [ValType.V128] : [])];
  const valTypes = [...numTypes, ...refTypes];
  const multi = has('multi-value');

  // ── types ──
  const types: PlanFuncType[] = [];
  const nTypes = u.int(0, config.maxTypes);
  for (let i = 0; i < nTypes; i++) {
    const params = Array.from({ length: u.int(0, config.maxParams) }, () => u.pick(valTypes));
    const results = Array.from({ length: u.int(0, multi ? config.maxResults : Math.min(1, config.maxResults)) }, () => u.pick(valTypes));
    types.push({ params, results });
  }

  // ── imports (functions, then globals) ──
  const hostFuncs = HOST_FUNCTIONS.filter((f) => f.feature === undefined || has(f.feature));
  const funcTypes: number[] = [];
  const importedFuncNames: string[] = [];
  const nImports = u.int(0, config.maxImports);
  for (let i = 0; i < nImports; i++) {
    const h = u.pick(hostFuncs);
    funcTypes.push(findOrAddType(types, h.params, h.results));
    importedFuncNames.push(h.name);
  }
  const globals: PlanGlobal[] = [];
  const hostGlobals = HOST_GLOBALS.filter((g) => g.feature === undefined || has(g.feature));
  const nImportedGlobals = u.int(0, config.maxImportedGlobals);
  for (let i = 0; i < nImportedGlobals; i++) {
    const g = u.pick(hostGlobals);
    globals.push({ type: g.type, mutable: g.mutable, importName: g.name, init: undefined });
  }
  const importedGlobals = globals.length;

  // ── defined functions ──
  // at least one function unless the config forbids them (or, rarely, none at all)
  const nFuncs = config.maxFunctions === 0 || u.chance(3) ? 0 : u.int(1, config.maxFunctions);
  if (nFuncs > 0 && types.length === 0) types.push({ params: [], results: [] });
  for (let i = 0; i < nFuncs; i++) funcTypes.push(u.below(types.length));
  const totalFuncs = funcTypes.length;

  // ── tables ──
  const tables: PlanTable[] = [];
  const nTables = u.int(0, has('reference-types') ? config.maxTables : Math.min(1, config.maxTables));
  for (let i = 0; i < nTables; i++) {
    const elemType = has('reference-types') && u.chance(30) ? EXTERNREF : FUNCREF;
    const min = u.int(0, config.maxTableSize);
    tables.push({ elemType, min, max: u.chance(50) ? min + u.int(0, 16) : undefined });
  }

  // ── memory ──
  let memory: ModulePlan['memory'];
  if (config.memory && u.chance(85)) {
    const min = u.int(0, config.maxMemoryPages);
    memory = { min, max: u.chance(60) ? min + u.int(0, 4) : undefined };
  }

  // ── globals ──
  const declared = new Set<number>();
  // constant `global.get` may read an imported immutable global of the right type
  const importedConst = (type: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < importedGlobals; i++) if (globals[i]!.type === type && !globals[i]!.mutable) out.push(i);
    return out;
  };
  const constOf = (type: number): ConstExpr => {
    const g = importedConst(type);
    if (g.length > 0 && u.chance(20)) return { op: 'global.get', global: u.pick(g) };
    if (type === FUNCREF && totalFuncs > 0 && u.chance(50)) {
      const func = u.below(totalFuncs);
      declared.add(func);
      return { op: 'ref.func', func };
    }
    return randomConst(u, type);
  };
  const nGlobals = u.int(0, config.maxGlobals);
  for (let i = 0; i < nGlobals; i++) {
    const type = u.pick(valTypes);
    globals.push({ type, mutable: u.chance(50), importName: undefined, init: constOf(type) });
  }
  let fuelGlobal = -1;
  if (config.mode === 'terminating') {
    fuelGlobal = globals.length;
    globals.push({ type: ValType.I32, mutable: true, importName: undefined, init: { op: 'i32', value: config.fuel } });
  }

  // ── exports ──
  const exports: PlanExport[] = [];
  const exported = (p: number) => config.exportPercent > 0 && u.chance(p);
  for (let f = 0; f < totalFuncs; f++)
    if (exported(config.exportPercent)) {
      exports.push({ name: `f${f}`, kind: 0, index: f });
      declared.add(f);
    }
  for (let t = 0; t < tables.length; t++) if (exported(config.exportPercent >> 1)) exports.push({ name: `t${t}`, kind: 1, index: t });
  if (memory !== undefined && exported(config.exportPercent)) exports.push({ name: 'memory', kind: 2, index: 0 });
  for (let g = 0; g < globals.length; g++) {
    if (g === fuelGlobal) continue;
    if (globals[g]!.mutable && !has('mutable-globals')) continue;
    if (exported(config.exportPercent >> 1)) exports.push({ name: `g${g}`, kind: 3, index: g });
  }

  // ── start ──
  let start: number | undefined;
  if (config.allowStart && u.chance(25)) {
    const candidates: number[] = [];
    for (let f = 0; f < totalFuncs; f++) {
      const t = types[funcTypes[f]!]!;
      if (t.params.length === 0 && t.results.length === 0) candidates.push(f);
    }
    if (candidates.length > 0) start = u.pick(candidates);
  }

  // ── element segments ──
  const elems: PlanElem[] = [];
  const nElems = u.int(0, config.maxElemSegments);
  const i32Offset = (value: number): ConstExpr => {
    // host.g_i32 holds 3: use it when that is the offset we want
    const g = importedConst(ValType.I32).filter((i) => HOST_GLOBALS.find((h) => h.name === globals[i]!.importName)?.value === value);
    if (g.length > 0 && u.chance(50)) return { op: 'global.get', global: u.pick(g) };
    return { op: 'i32', value };
  };
  // a bound [offset, offset + n) inside `size` 99% of the time, just past the end 1% of the time
  const placement = (size: number, n: number): [number, number] => {
    if (u.below(100) === 99) return [size - n + 1 + u.below(4), n];
    const m = Math.min(n, size);
    return [u.int(0, size - m), m];
  };
  for (let i = 0; i < nElems; i++) {
    const modes: PlanElem['mode'][] = [];
    if (tables.length > 0) modes.push('active', 'active');
    if (has('bulk-memory')) modes.push('passive');
    if (has('reference-types')) modes.push('declarative');
    if (modes.length === 0) break;
    const mode = u.pick(modes);
    const table = mode === 'active' ? u.below(tables.length) : 0;
    let elemType = mode === 'active' ? tables[table]!.elemType : FUNCREF;
    if (mode === 'passive' && has('reference-types') && u.chance(25)) elemType = EXTERNREF;
    const exprs = has('reference-types') && (elemType === EXTERNREF || u.chance(40));
    let n = u.int(0, 6);
    if (!exprs && totalFuncs === 0) n = 0;
    let offset: ConstExpr | undefined;
    if (mode === 'active') {
      const [at, m] = placement(tables[table]!.min, n);
      offset = i32Offset(at);
      n = m;
    }
    const items: ConstExpr[] = [];
    for (let j = 0; j < n; j++) {
      if (elemType === EXTERNREF) {
        const g = importedConst(EXTERNREF);
        items.push(g.length > 0 && u.chance(30) ? { op: 'global.get', global: u.pick(g) } : { op: 'ref.null', type: EXTERNREF });
      } else if (exprs && (totalFuncs === 0 || u.chance(20))) items.push({ op: 'ref.null', type: FUNCREF });
      else {
        const func = u.below(totalFuncs);
        declared.add(func);
        items.push({ op: 'ref.func', func });
      }
    }
    let flags: number;
    if (mode === 'active') flags = table === 0 && elemType === FUNCREF && (!has('reference-types') || u.chance(50)) ? 0 : 2;
    else flags = mode === 'passive' ? 1 : 3;
    if (exprs) flags |= 4;
    elems.push({ mode, table, offset, elemType, items, exprs, flags });
  }

  // ── data segments ──
  const data: PlanData[] = [];
  const nData = u.int(0, config.maxDataSegments);
  for (let i = 0; i < nData; i++) {
    const modes: PlanData['mode'][] = [];
    if (memory !== undefined) modes.push('active', 'active');
    if (has('bulk-memory')) modes.push('passive');
    if (modes.length === 0) break;
    const mode = u.pick(modes);
    let len = u.int(0, 16);
    let offset: ConstExpr | undefined;
    let flags = 1;
    if (mode === 'active') {
      const [at, m] = placement(memory!.min * PAGE, len);
      len = m;
      offset = i32Offset(at);
      flags = has('bulk-memory') && u.chance(30) ? 2 : 0;
    }
    data.push({ mode, offset, bytes: u.bytes(len), flags });
  }
  const dataCount = has('bulk-memory') && (data.length > 0 ? !u.chance(15) : u.chance(10));

  for (const g of globals) markConst(used, g.init);
  for (const e of elems) {
    markConst(used, e.offset);
    if (e.exprs) for (const item of e.items) markConst(used, item);
  }
  for (const d of data) markConst(used, d.offset);

  return {
    config,
    features,
    ops: enabledOps(config),
    valTypes,
    numTypes,
    refTypes,
    types,
    funcTypes,
    importedFuncNames,
    tables,
    memory,
    globals,
    importedGlobals,
    fuelGlobal,
    exports,
    start,
    elems,
    data,
    dataCount,
    declared: [...declared].sort((a, b) => a - b),
  };
}

function writeLimits(w: ByteWriter, min: number, max: number | undefined): void {
  if (max === undefined) w.u8(0).u32(min);
  else w.u8(1).u32(min).u32(max);
}

function writeConstExpr(w: ByteWriter, c: ConstExpr): void {
  writeConst(w, c);
  w.u8(0x0b);
}

function encodeModule(plan: ModulePlan, bodies: ByteWriter[]): Uint8Array {
  const out = new ByteWriter(1024);
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, count: number, fill: (w: ByteWriter) => void) => {
    if (count === 0) return;
    const w = new ByteWriter();
    fill(w);
    out.section(id, w);
  };
  const imported = plan.importedFuncNames.length;

  section(1, plan.types.length, (w) => {
    w.u32(plan.types.length);
    for (const t of plan.types) {
      w.u8(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
    }
  });
  section(2, imported + plan.importedGlobals, (w) => {
    w.u32(imported + plan.importedGlobals);
    for (let f = 0; f < imported; f++) w.name(HOST_MODULE).name(plan.importedFuncNames[f]!).u8(0).u32(plan.funcTypes[f]!);
    for (let g = 0; g < plan.importedGlobals; g++) {
      const gl = plan.globals[g]!;
      w.name(HOST_MODULE).name(gl.importName!).u8(3).u8(gl.type).u8(gl.mutable ? 1 : 0);
    }
  });
  section(3, plan.funcTypes.length - imported, (w) => {
    w.u32(plan.funcTypes.length - imported);
    for (let f = imported; f < plan.funcTypes.length; f++) w.u32(plan.funcTypes[f]!);
  });
  section(4, plan.tables.length, (w) => {
    w.u32(plan.tables.length);
    for (const t of plan.tables) {
      w.u8(t.elemType);
      writeLimits(w, t.min, t.max);
    }
  });
  section(5, plan.memory === undefined ? 0 : 1, (w) => {
    w.u32(1);
    writeLimits(w, plan.memory!.min, plan.memory!.max);
  });
  section(6, plan.globals.length - plan.importedGlobals, (w) => {
    w.u32(plan.globals.length - plan.importedGlobals);
    for (let g = plan.importedGlobals; g < plan.globals.length; g++) {
      const gl = plan.globals[g]!;
      w.u8(gl.type).u8(gl.mutable ? 1 : 0);
      writeConstExpr(w, gl.init!);
    }
  });
  section(7, plan.exports.length, (w) => {
    w.u32(plan.exports.length);
    for (const e of plan.exports) w.name(e.name).u8(e.kind).u32(e.index);
  });
  section(8, plan.start === undefined ? 0 : 1, (w) => w.u32(plan.start!));
  section(9, plan.elems.length, (w) => {
    w.u32(plan.elems.length);
    for (const e of plan.elems) {
      w.u32(e.flags);
      if (e.mode === 'active') {
        if (e.flags & 2) w.u32(e.table);
        writeConstExpr(w, e.offset!);
      }
      // flags 0 and 4 imply funcref; every other form names the element kind or type
      if (e.flags !== 0 && e.flags !== 4) w.u8(e.exprs ? e.elemType : 0x00);
      w.u32(e.items.length);
      for (const item of e.items) {
        if (e.exprs) writeConstExpr(w, item);
        else w.u32((item as { func: number }).func);
      }
    }
  });
  section(12, plan.dataCount ? 1 : 0, (w) => w.u32(plan.data.length));
  section(10, bodies.length, (w) => {
    w.u32(bodies.length);
    for (const b of bodies) w.u32(b.length).append(b);
  });
  section(11, plan.data.length, (w) => {
    w.u32(plan.data.length);
    for (const d of plan.data) {
      w.u32(d.flags);
      if (d.flags === 2) w.u32(0);
      if (d.mode === 'active') writeConstExpr(w, d.offset!);
      w.u32(d.bytes.length).bytes(d.bytes);
    }
  });
  return out.toBytes();
}
