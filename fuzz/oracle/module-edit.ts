/**
 * A small, naive module editor for the fuzz oracles: append globals, exports, types and functions to a
 * decoded module and/or replace function bodies, re-encoding only the sections that change.
 *
 * It is deliberately separate from src/instrument/module-rewriter.ts (the code under test), so that an
 * oracle built on it fails independently of harden. It only ever *appends* (types, functions, globals,
 * exports go after the existing ones), so no existing index moves, and the original bodies' bytes are
 * copied untouched unless `rewriteBody` replaces them.
 *
 * Section order (spec): type 1, import 2, function 3, table 4, memory 5, global 6, export 7, start 8,
 * element 9, DataCount 12, code 10, data 11. A section that must be created is inserted before the first
 * known section that ranks after it; custom sections stay where they were.
 */

import type { FunctionBody, ModuleInfo } from '../../src/binary/module-info.js';
import { Reader } from '../../src/binary/reader.js';
import { ByteWriter } from '../generator/encoder.js';

export interface AddedGlobal {
  /** value type code (0x7f i32, 0x7e i64, ...) */
  type: number;
  mutable: boolean;
  /** the constant expression, `end` included */
  init: ArrayLike<number>;
}

export interface AddedExport {
  name: string;
  /** 0 func, 1 table, 2 memory, 3 global */
  kind: 0 | 1 | 2 | 3;
  index: number;
}

export interface AddedFunction {
  params: readonly number[];
  results: readonly number[];
  /** the body without its size prefix: locals vector, then code ending with `end` */
  body: ArrayLike<number>;
}

export interface ModuleEdits {
  globals?: readonly AddedGlobal[];
  functions?: readonly AddedFunction[];
  /** exports to add; use `firstAddedGlobal` / `firstAddedFunction` of `planIndices` for new entities */
  exports?: readonly AddedExport[];
  /**
   * The new body (locals vector + code, no size prefix) of defined function `i` (0-based among the defined
   * functions), or undefined to keep it.
   */
  rewriteBody?: (i: number, body: FunctionBody, bytes: Uint8Array) => ArrayLike<number> | undefined;
  /** new maxima of the defined memories and tables: each becomes max(min, min(declared, cap)) */
  maxima?: { memoryPages: number; tableElements: number };
}

/** Where added entities land in their index spaces. */
export function planIndices(info: ModuleInfo): { firstAddedGlobal: number; firstAddedFunction: number; firstAddedType: number } {
  return {
    firstAddedGlobal: info.importedGlobals + info.globals.length,
    firstAddedFunction: info.importedFunctions + info.functions.length,
    firstAddedType: info.types.length,
  };
}

const RANK: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

/** The section's vector count and where its entries start. */
function vectorOf(bytes: Uint8Array, start: number, end: number): { count: number; entries: Uint8Array } {
  const r = new Reader(bytes, start, end);
  const count = r.u32();
  return { count, entries: bytes.subarray(r.pos, end) };
}

function encodeVector(count: number, entries: ArrayLike<number>, extra: (w: ByteWriter) => void): ByteWriter {
  const w = new ByteWriter(entries.length + 64);
  w.u32(count).bytes(entries);
  extra(w);
  return w;
}

/** Applies `edits` to the module `info` was decoded from; returns the new binary. */
export function editModule(info: ModuleInfo, edits: ModuleEdits): Uint8Array {
  const bytes = info.bytes;
  const globals = edits.globals ?? [];
  const functions = edits.functions ?? [];
  const exports = edits.exports ?? [];
  const { firstAddedType } = planIndices(info);

  // new payloads, by section id (undefined: keep the original)
  const payloads = new Map<number, ByteWriter>();
  const existing = new Map<number, { start: number; end: number }>();
  for (const s of info.sections) if (s.id !== 0) existing.set(s.id, s);
  const entriesOf = (id: number) => {
    const s = existing.get(id);
    return s === undefined ? { count: 0, entries: new Uint8Array(0) } : vectorOf(bytes, s.start, s.end);
  };

  if (functions.length > 0) {
    const t = entriesOf(1);
    payloads.set(
      1,
      encodeVector(t.count + functions.length, t.entries, (w) => {
        for (const f of functions) w.u8(0x60).u32(f.params.length).bytes(f.params).u32(f.results.length).bytes(f.results);
      }),
    );
    const f = entriesOf(3);
    payloads.set(
      3,
      encodeVector(f.count + functions.length, f.entries, (w) => functions.forEach((_, i) => w.u32(firstAddedType + i))),
    );
  }
  if (globals.length > 0) {
    const g = entriesOf(6);
    payloads.set(
      6,
      encodeVector(g.count + globals.length, g.entries, (w) => {
        for (const x of globals) w.u8(x.type).u8(x.mutable ? 1 : 0).bytes(x.init);
      }),
    );
  }
  if (exports.length > 0) {
    const e = entriesOf(7);
    payloads.set(
      7,
      encodeVector(e.count + exports.length, e.entries, (w) => {
        for (const x of exports) w.name(x.name).u8(x.kind).u32(x.index);
      }),
    );
  }
  if (edits.maxima !== undefined) {
    const { memoryPages, tableElements } = edits.maxima;
    const capped = (min: number, max: number | undefined, cap: number) => Math.max(min, Math.min(max ?? Infinity, cap));
    if (info.memories.length > 0) {
      const w = new ByteWriter(16 * info.memories.length + 8);
      w.u32(info.memories.length);
      for (const m of info.memories) w.u8(0x01).u32(m.min).u32(capped(m.min, m.max, memoryPages));
      payloads.set(5, w);
    }
    if (info.tables.length > 0) {
      const w = new ByteWriter(16 * info.tables.length + 8);
      w.u32(info.tables.length);
      for (const t of info.tables) w.u8(t.elemType).u8(0x01).u32(t.limits.min).u32(capped(t.limits.min, t.limits.max, tableElements));
      payloads.set(4, w);
    }
  }
  if (functions.length > 0 || edits.rewriteBody !== undefined) {
    const w = new ByteWriter(bytes.length + 256);
    w.u32(info.codes.length + functions.length);
    info.codes.forEach((body, i) => {
      const replaced = edits.rewriteBody?.(i, body, bytes);
      const b = replaced ?? bytes.subarray(body.start, body.end);
      w.u32(b.length).bytes(b);
    });
    for (const f of functions) w.u32(f.body.length).bytes(f.body);
    payloads.set(10, w);
  }

  const out = new ByteWriter(bytes.length + 1024);
  out.bytes(bytes.subarray(0, 8));
  const pending = [...payloads.keys()].filter((id) => !existing.has(id)).sort((a, b) => RANK[a]! - RANK[b]!);
  const flushBefore = (rank: number) => {
    while (pending.length > 0 && RANK[pending[0]!]! < rank) {
      const id = pending.shift()!;
      out.section(id, payloads.get(id)!);
    }
  };
  for (const s of info.sections) {
    if (s.id !== 0) flushBefore(RANK[s.id] ?? 99);
    const p = payloads.get(s.id);
    if (s.id !== 0 && p !== undefined) out.section(s.id, p);
    else out.bytes(bytes.subarray(s.offset, s.end));
  }
  flushBefore(Infinity);
  return out.toBytes();
}

/** Name prefix of the exports `exportEverything` adds. */
export const FUZZ_EXPORT_PREFIX = '__fuzz_';

/**
 * The module with every function, table, memory and global exported (those not exported yet, as
 * `__fuzz_func_<i>`, `__fuzz_table_<i>`, `__fuzz_memory_<i>`, `__fuzz_global_<i>`), so that execution
 * properties can call every function and observe all state; with `maxima`, every defined memory and table
 * also gets a maximum of at most that (see `ModuleEdits.maxima`). Returns the input itself when there is
 * nothing to change.
 */
export function exportEverything(info: ModuleInfo, maxima?: ModuleEdits['maxima']): Uint8Array {
  const exported = new Set(info.exports.map((e) => `${e.kind}:${e.index}`));
  const add: AddedExport[] = [];
  const spaces: [0 | 1 | 2 | 3, string, number][] = [
    [0, 'func', info.funcTypeIndices.length],
    [1, 'table', info.allTables.length],
    [2, 'memory', info.allMemories.length],
    [3, 'global', info.allGlobals.length],
  ];
  for (const [kind, name, count] of spaces)
    for (let i = 0; i < count; i++) if (!exported.has(`${kind}:${i}`)) add.push({ name: `${FUZZ_EXPORT_PREFIX}${name}_${i}`, kind, index: i });
  if (add.length === 0 && maxima === undefined) return info.bytes;
  return editModule(info, { exports: add, ...(maxima !== undefined ? { maxima } : {}) });
}
