/**
 * Generates the binary cases of corpus/policy, corpus/malformed and corpus/invalid:
 *
 *   npx tsx corpus/generate.ts
 *
 * Each case is written as `<name>.wasm` plus `<name>.expect.json` = `{ code, offset, policy?, note }`.
 * `offset` is the mark set while the module was built (see encode.ts): the byte where the offending
 * construct starts, decided here, by construction. The conventions, so that a disagreement with the
 * validator is easy to judge:
 *   - an instruction: its first opcode byte (the prefix byte for 0xFC/0xFD/0xFE/0xFB instructions);
 *   - a count that is too large (types, imports, ..., element items, params/results): its LEB;
 *   - a limits problem (memory/table size, shared, memory64): the limits flags byte;
 *   - an import or export: the start of its entry (its first name's length);
 *   - a function body too large: its size LEB; too many locals: the local entry that crosses the limit;
 *   - a LEB that is too long or too large: the byte that breaks the rule (the last one allowed, as V8 reports);
 *   - a name that is not UTF-8: its first byte (after the length);
 *   - missing bytes: where the missing construct should have started.
 * Files written by hand (`.wat`) sit next to these, with hand-computed offsets.
 * Every generated file is small (< 100 KB); the 1000 × 50,000-locals bomb is 7 KB.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IssueCode } from '../src/issues.js';
import { WASM2_FEATURES, type PolicyInput, type Wasm2Feature } from '../src/policy.js';
import {
  EMPTY_BLOCK,
  Enc,
  T,
  body,
  codeSection,
  customSection,
  enc,
  exportEntry,
  exportSection,
  funcType,
  functionSection,
  globalEntry,
  globalSection,
  i32c,
  importFunc,
  importSection,
  limits,
  memorySection,
  section,
  tableSection,
  tableType,
  typeSection,
  wasmModule,
} from './encode.js';

export interface Case {
  dir: 'policy' | 'malformed' | 'invalid';
  name: string;
  code: IssueCode;
  module: Enc;
  policy?: PolicyInput;
  note: string;
}

const without = (f: Wasm2Feature): Wasm2Feature[] => WASM2_FEATURES.filter((x) => x !== f);

/** type 0 = () -> (), one function of it, and the given body code (end appended) */
function oneFunc(code: Enc, opts: { memory?: boolean; extra?: Enc[]; locals?: [number, number][] } = {}): Enc {
  return wasmModule(
    typeSection(funcType([], [])),
    functionSection(0),
    ...(opts.memory ? [memorySection(limits(1))] : []),
    ...(opts.extra ?? []),
    codeSection(body(opts.locals ?? [], code)),
  );
}

const v128const = (): Enc => enc().byte(0xfd, 0x0c, ...new Array<number>(16).fill(0));
const DROP = 0x1a;

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

// ── policy: features ────────────────────────────────────────────────────────────────────────
add({
  dir: 'policy', name: 'feature-mutable-globals-import', code: 'forbidden.feature.mutable-globals',
  policy: { features: without('mutable-globals'), imports: 'any' },
  note: 'imports a mutable global; offset: the import entry',
  module: wasmModule(importSection(enc().mark().name('env').name('g').byte(0x03, T.i32, 0x01))),
});
add({
  dir: 'policy', name: 'feature-mutable-globals-export', code: 'forbidden.feature.mutable-globals',
  policy: { features: without('mutable-globals') },
  note: 'exports a mutable global; offset: the export entry',
  module: wasmModule(globalSection(globalEntry(T.i32, true, i32c(0))), exportSection(enc().mark().append(exportEntry('g', 3, 0)))),
});
add({
  dir: 'policy', name: 'feature-sign-ext', code: 'forbidden.feature.sign-ext',
  policy: { features: without('sign-ext') },
  note: 'i32.extend8_s; offset: its opcode',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0xc0, DROP)),
});
add({
  dir: 'policy', name: 'feature-nontrapping-fptoint', code: 'forbidden.feature.nontrapping-fptoint',
  policy: { features: without('nontrapping-fptoint') },
  note: 'i32.trunc_sat_f32_s (0xFC 0x00); offset: the 0xFC prefix',
  module: oneFunc(enc().byte(0x43, 0, 0, 0, 0).mark().byte(0xfc, 0x00, DROP)),
});
add({
  dir: 'policy', name: 'feature-multi-value', code: 'forbidden.feature.multi-value',
  policy: { features: without('multi-value') },
  note: 'a function type with two results; offset: the 0x60 of that type',
  module: wasmModule(
    typeSection(enc().mark().append(funcType([], [T.i32, T.i32]))),
    functionSection(0),
    codeSection(body([], enc().append(i32c(1)).append(i32c(2)))),
  ),
});
add({
  dir: 'policy', name: 'feature-bulk-memory', code: 'forbidden.feature.bulk-memory',
  policy: { features: without('bulk-memory') },
  note: 'memory.fill (0xFC 0x0B); offset: the 0xFC prefix',
  module: oneFunc(enc().append(i32c(0)).append(i32c(0)).append(i32c(0)).mark().byte(0xfc, 0x0b, 0x00), { memory: true }),
});
add({
  dir: 'policy', name: 'feature-reference-types', code: 'forbidden.feature.reference-types',
  policy: { features: without('reference-types') },
  note: 'ref.null func; offset: its opcode',
  module: oneFunc(enc().mark().byte(0xd0, T.funcref, DROP)),
});
add({
  dir: 'policy', name: 'feature-simd', code: 'forbidden.feature.simd',
  policy: { features: without('simd') },
  note: 'v128.const; offset: the 0xFD prefix',
  module: oneFunc(enc().mark().append(v128const()).byte(DROP)),
});
add({
  dir: 'policy', name: 'feature-threads-atomic', code: 'forbidden.feature.threads',
  note: 'i32.atomic.load (0xFE 0x10) on an unshared memory, strict policy; offset: the 0xFE prefix',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0xfe, 0x10, 0x02, 0x00, DROP), { memory: true }),
});
add({
  dir: 'policy', name: 'feature-threads-shared-memory', code: 'forbidden.feature.threads',
  note: 'a shared memory (limits flags 0x03); offset: the flags byte',
  module: wasmModule(memorySection(enc().mark().byte(0x03).u32(1).u32(1))),
});
add({
  dir: 'policy', name: 'feature-memory64', code: 'forbidden.feature.memory64',
  note: 'a 64-bit memory (limits flags 0x04); offset: the flags byte',
  module: wasmModule(memorySection(enc().mark().byte(0x04).u32(1))),
});
add({
  dir: 'policy', name: 'feature-multi-memory', code: 'forbidden.feature.multi-memory',
  note: 'two memories; offset: the limits flags of the second',
  module: wasmModule(memorySection(limits(1), enc().mark().append(limits(1)))),
});
add({
  dir: 'policy', name: 'feature-exceptions', code: 'forbidden.feature.exceptions',
  note: 'try (0x06) ... end; offset: the try opcode',
  module: oneFunc(enc().mark().byte(0x06, EMPTY_BLOCK, 0x0b)),
});
add({
  dir: 'policy', name: 'feature-tail-call', code: 'forbidden.feature.tail-call',
  note: 'return_call 0 (0x12); offset: its opcode',
  module: oneFunc(enc().mark().byte(0x12, 0x00)),
});
add({
  dir: 'policy', name: 'feature-gc-struct-type', code: 'forbidden.feature.gc',
  note: 'a struct type (0x5F, no fields) in the type section; offset: the 0x5F',
  module: wasmModule(typeSection(enc().mark().byte(0x5f, 0x00))),
});
add({
  dir: 'policy', name: 'feature-gc-prefix', code: 'forbidden.feature.gc',
  note: 'ref.i31 (0xFB 0x1C); offset: the 0xFB prefix',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0xfb, 0x1c, DROP)),
});
add({
  dir: 'policy', name: 'feature-relaxed-simd', code: 'forbidden.feature.relaxed-simd',
  note: 'i8x16.relaxed_swizzle (0xFD 0x100); offset: the 0xFD prefix',
  module: oneFunc(enc().append(v128const()).append(v128const()).mark().byte(0xfd).u32(0x100).byte(DROP)),
});
add({
  dir: 'policy', name: 'feature-extended-const', code: 'forbidden.feature.extended-const',
  note: 'i32.add in a global initialiser; offset: the i32.add',
  module: wasmModule(globalSection(globalEntry(T.i32, false, enc().append(i32c(1)).append(i32c(2)).mark().byte(0x6a)))),
});

// ── policy: limits ──────────────────────────────────────────────────────────────────────────
add({
  dir: 'policy', name: 'limit-module-bytes', code: 'forbidden.limit.module-bytes',
  policy: { limits: { moduleBytes: 12 } },
  note: 'a 14-byte module under a 12-byte limit; offset: 0 (the whole module)',
  module: enc().mark().append(wasmModule(typeSection(funcType([], [])))),
});
add({
  dir: 'policy', name: 'limit-types', code: 'forbidden.limit.types',
  policy: { limits: { types: 2 } },
  note: '3 types, limit 2; offset: the type count',
  module: wasmModule(section(1, enc().mark().u32(3).append(funcType([], [])).append(funcType([T.i32], [])).append(funcType([], [T.i32])))),
});
add({
  dir: 'policy', name: 'limit-functions', code: 'forbidden.limit.functions',
  policy: { limits: { functions: 2 } },
  note: '3 defined functions, limit 2; offset: the function section count',
  module: wasmModule(
    typeSection(funcType([], [])),
    section(3, enc().mark().u32(3).u32(0).u32(0).u32(0)),
    codeSection(body([]), body([]), body([])),
  ),
});
add({
  dir: 'policy', name: 'limit-imports', code: 'forbidden.limit.imports',
  policy: { imports: 'any', limits: { imports: 2 } },
  note: '3 function imports, limit 2; offset: the import count',
  module: wasmModule(
    typeSection(funcType([], [])),
    section(2, enc().mark().u32(3).append(importFunc('env', 'a', 0)).append(importFunc('env', 'b', 0)).append(importFunc('env', 'c', 0))),
  ),
});
add({
  dir: 'policy', name: 'limit-exports', code: 'forbidden.limit.exports',
  policy: { limits: { exports: 2 } },
  note: '3 exports, limit 2; offset: the export count',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0),
    section(7, enc().mark().u32(3).append(exportEntry('a', 0, 0)).append(exportEntry('b', 0, 0)).append(exportEntry('c', 0, 0))),
    codeSection(body([])),
  ),
});
add({
  dir: 'policy', name: 'limit-globals', code: 'forbidden.limit.globals',
  policy: { limits: { globals: 2 } },
  note: '3 globals, limit 2; offset: the global count',
  module: wasmModule(section(6, enc().mark().u32(3).append(globalEntry(T.i32, false, i32c(0))).append(globalEntry(T.i32, false, i32c(1))).append(globalEntry(T.i32, false, i32c(2))))),
});
add({
  dir: 'policy', name: 'limit-tables', code: 'forbidden.limit.tables',
  policy: { limits: { tables: 1 } },
  note: '2 tables, limit 1; offset: the table count',
  module: wasmModule(section(4, enc().mark().u32(2).append(tableType(T.funcref, limits(0))).append(tableType(T.funcref, limits(0))))),
});
{
  const activeData = (bytes: number[]) => enc().byte(0x00).append(i32c(0)).byte(0x0b).name(bytes);
  add({
    dir: 'policy', name: 'limit-data-segments', code: 'forbidden.limit.data-segments',
    policy: { limits: { dataSegments: 2 } },
    note: '3 data segments, limit 2; offset: the data count',
    module: wasmModule(memorySection(limits(1)), section(11, enc().mark().u32(3).append(activeData([])).append(activeData([])).append(activeData([])))),
  });
  add({
    dir: 'policy', name: 'limit-data-bytes', code: 'forbidden.limit.data-bytes',
    policy: { limits: { dataBytes: 4 } },
    note: 'two 3-byte data segments, limit 4 bytes; offset: the start (flags) of the second segment',
    module: wasmModule(memorySection(limits(1)), section(11, enc().u32(2).append(activeData([1, 2, 3])).mark().append(activeData([4, 5, 6])))),
  });
}
{
  const activeElem = (funcs: number[]) => enc().byte(0x00).append(i32c(0)).byte(0x0b).vec(funcs.map((f) => enc().u32(f)));
  add({
    dir: 'policy', name: 'limit-elem-segments', code: 'forbidden.limit.elem-segments',
    policy: { limits: { elemSegments: 2 } },
    note: '3 element segments, limit 2; offset: the element count',
    module: wasmModule(tableSection(tableType(T.funcref, limits(1))), section(9, enc().mark().u32(3).append(activeElem([])).append(activeElem([])).append(activeElem([])))),
  });
  add({
    dir: 'policy', name: 'limit-elem-items', code: 'forbidden.limit.elem-items',
    policy: { limits: { tableElements: 4 } },
    note: 'an element segment of 5 items, tableElements 4 (the table itself has 4); offset: the item count',
    module: wasmModule(
      typeSection(funcType([], [])),
      functionSection(0),
      tableSection(tableType(T.funcref, limits(4))),
      section(9, enc().u32(1).byte(0x00).append(i32c(0)).byte(0x0b).mark().u32(5).u32(0).u32(0).u32(0).u32(0).u32(0)),
      codeSection(body([])),
    ),
  });
}
add({
  dir: 'policy', name: 'limit-params', code: 'forbidden.limit.params',
  policy: { limits: { params: 2 } },
  note: 'a type with 3 params, limit 2; offset: the param count',
  module: wasmModule(section(1, enc().u32(1).byte(0x60).mark().u32(3).byte(T.i32, T.i32, T.i32).u32(0))),
});
add({
  dir: 'policy', name: 'limit-results', code: 'forbidden.limit.results',
  policy: { limits: { results: 2 } },
  note: 'a type with 3 results, limit 2; offset: the result count',
  module: wasmModule(section(1, enc().u32(1).byte(0x60).u32(0).mark().u32(3).byte(T.i32, T.i32, T.i32))),
});
add({
  dir: 'policy', name: 'limit-locals', code: 'forbidden.limit.locals',
  policy: { limits: { localsPerFunction: 10 } },
  note: '1 param + 10 locals = 11, limit 10; offset: the local entry (its count)',
  module: wasmModule(typeSection(funcType([T.i32], [])), functionSection(0), codeSection(body([enc().mark().u32(10).byte(T.i32)]))),
});
add({
  dir: 'policy', name: 'limit-total-locals-small', code: 'forbidden.limit.total-locals',
  policy: { limits: { totalLocals: 5 } },
  note: 'two functions of 3 locals, total limit 5; offset: the local entry of the second body',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0, 0),
    codeSection(body([[3, T.i32]]), body([enc().mark().u32(3).byte(T.i32)])),
  ),
});
{
  // The locals bomb: 1000 functions × 50,000 i32 locals each (50 M locals, 7 KB). Each function is within
  // localsPerFunction (50,000, V8's own limit), so V8 accepts it; binaryen needs ~17 s for it. Strict
  // allows 1,000,000 locals in total: functions 1..20 make exactly 1,000,000, the 21st (index 20) crosses.
  const bodies: Enc[] = [];
  for (let i = 0; i < 1000; i++) bodies.push(body([i === 20 ? enc().mark().u32(50_000).byte(T.i32) : enc().u32(50_000).byte(T.i32)]));
  add({
    dir: 'policy', name: 'limit-total-locals-bomb', code: 'forbidden.limit.total-locals',
    note: '1000 functions × 50,000 locals under strict (total limit 1,000,000); offset: the local entry of body 20 (the 21st), which takes the total to 1,050,000',
    module: wasmModule(typeSection(funcType([], [])), functionSection(...new Array<number>(1000).fill(0)), codeSection(...bodies)),
  });
}
add({
  dir: 'policy', name: 'limit-body-bytes', code: 'forbidden.limit.body-bytes',
  policy: { limits: { bodyBytes: 4 } },
  note: 'a 5-byte body, limit 4; offset: the body size',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), codeSection(enc().mark().append(body([], enc().byte(0x01, 0x01, 0x01))))),
});
add({
  dir: 'policy', name: 'limit-total-body-bytes', code: 'forbidden.limit.total-body-bytes',
  policy: { limits: { totalBodyBytes: 6 } },
  note: 'two 4-byte bodies, total limit 6; offset: the size of the second body',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0, 0),
    codeSection(body([], enc().byte(0x01, 0x01)), enc().mark().append(body([], enc().byte(0x01, 0x01)))),
  ),
});
function nested(depth: number, markAt: number): Enc {
  const code = enc();
  for (let i = 1; i <= depth; i++) {
    if (i === markAt) code.mark();
    code.byte(0x02, EMPTY_BLOCK);
  }
  for (let i = 0; i < depth; i++) code.byte(0x0b);
  return code;
}
add({
  dir: 'policy', name: 'limit-nesting-depth-small', code: 'forbidden.limit.nesting-depth',
  policy: { limits: { nestingDepth: 3 } },
  note: '4 nested blocks, limit 3 (blocks are counted, the function body is not); offset: the 4th block',
  module: oneFunc(nested(4, 4)),
});
add({
  dir: 'policy', name: 'limit-nesting-depth-10000', code: 'forbidden.limit.nesting-depth',
  note: '10,000 nested blocks under strict (nestingDepth 2048; binaryen overflows at ~8k); offset: the 2049th block',
  module: oneFunc(nested(10_000, 2049)),
});
add({
  dir: 'policy', name: 'limit-br-table-size', code: 'forbidden.limit.br-table-size',
  policy: { limits: { brTableSize: 2 } },
  note: 'br_table with 3 targets + default, limit 2; offset: the br_table opcode',
  module: oneFunc(enc().byte(0x02, EMPTY_BLOCK).append(i32c(0)).mark().byte(0x0e, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0b)),
});
add({
  dir: 'policy', name: 'limit-memory-pages', code: 'forbidden.limit.memory-pages',
  note: 'an initial size of 65,536 pages (4 GiB, allowed by the spec) under strict (16,384); offset: the limits flags',
  module: wasmModule(memorySection(enc().mark().append(limits(65_536)))),
});
add({
  dir: 'policy', name: 'limit-table-elements', code: 'forbidden.limit.table-elements',
  policy: { limits: { tableElements: 5 } },
  note: 'a table of initial size 6, limit 5; offset: the limits flags',
  module: wasmModule(tableSection(enc().byte(T.funcref).mark().append(limits(6)))),
});
add({
  dir: 'policy', name: 'limit-custom-sections', code: 'forbidden.limit.custom-sections',
  policy: { limits: { customSections: 1 } },
  note: '2 custom sections, limit 1; offset: the id byte of the second',
  module: wasmModule(customSection('a'), enc().mark().append(customSection('b'))),
});
add({
  dir: 'policy', name: 'limit-name-bytes', code: 'forbidden.limit.name-bytes',
  policy: { limits: { nameBytes: 3 } },
  note: 'an export named "abcd", limit 3 bytes; offset: the name (its length byte, which starts the export entry)',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0),
    exportSection(enc().mark().append(exportEntry('abcd', 0, 0))),
    codeSection(body([])),
  ),
});

// ── policy: imports, names, start ───────────────────────────────────────────────────────────
add({
  dir: 'policy', name: 'import-type-mismatch', code: 'forbidden.import-type',
  policy: { imports: [{ module: 'env', name: 'f', kind: 'func', type: 'i32 ->' }] },
  note: 'env.f is allowed as (i32) -> (), imported as () -> (); offset: the import entry',
  module: wasmModule(typeSection(funcType([], [])), importSection(enc().mark().append(importFunc('env', 'f', 0)))),
});
add({
  dir: 'policy', name: 'import-not-allowed-binary', code: 'forbidden.import',
  policy: { imports: [{ module: 'env', name: 'f' }] },
  note: 'env.f is allowed, env.g is not; offset: the env.g import entry',
  module: wasmModule(
    typeSection(funcType([], [])),
    importSection(importFunc('env', 'f', 0), enc().mark().append(importFunc('env', 'g', 0))),
  ),
});
add({
  dir: 'policy', name: 'reserved-name-import', code: 'forbidden.reserved-name',
  policy: { imports: 'any' },
  note: 'imports __wasm_harden.fuel even though every import is allowed; offset: the import entry',
  module: wasmModule(importSection(enc().mark().name('__wasm_harden').name('fuel').byte(0x03, T.i64, 0x01))),
});
add({
  dir: 'policy', name: 'start-function', code: 'forbidden.start-function',
  policy: { allowStart: false },
  note: 'a start function while allowStart is false; offset: the start section\'s function index',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), section(8, enc().mark().u32(0)), codeSection(body([]))),
});

// ── malformed ───────────────────────────────────────────────────────────────────────────────
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const raw = (...bs: number[]) => enc().byte(...bs);
add({ dir: 'malformed', name: 'magic', code: 'malformed.magic', note: '\\0asn; offset 0', module: enc().mark().byte(0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00) });
add({ dir: 'malformed', name: 'version', code: 'malformed.version', note: 'version 2; offset: the version field', module: raw(0x00, 0x61, 0x73, 0x6d).mark().byte(0x02, 0x00, 0x00, 0x00) });
add({ dir: 'malformed', name: 'unexpected-end', code: 'malformed.unexpected-end', note: 'a section id and then the end of input; offset: where the size should be (= input length)', module: raw(...HEADER, 0x01).mark() });
add({
  dir: 'malformed', name: 'unexpected-end-of-section', code: 'malformed.unexpected-end-of-section',
  note: 'a type section of size 1 declaring 1 type, followed by another section; offset: the end of the type section, where the type should start',
  module: raw(...HEADER, 0x01, 0x01, 0x01).mark().byte(0x03, 0x01, 0x00),
});
add({
  dir: 'malformed', name: 'length-out-of-bounds', code: 'malformed.length-out-of-bounds',
  note: 'a custom section declaring 16 bytes with 2 left in the input (as in spec custom.wast); offset: the section size',
  module: raw(...HEADER, 0x00).mark().byte(0x10, 0x01, 0x61),
});
add({
  dir: 'malformed', name: 'leb-too-long', code: 'malformed.leb-too-long',
  note: 'a type count encoded in 6 bytes; offset: its 5th byte, which still has the continuation bit',
  module: raw(...HEADER, 0x01, 0x06).byte(0x80, 0x80, 0x80, 0x80).mark().byte(0x80, 0x00),
});
add({
  dir: 'malformed', name: 'leb-too-large', code: 'malformed.leb-too-large',
  note: 'a 5-byte u32 type count with bit 36 set (last byte 0x1F); offset: that last byte',
  module: raw(...HEADER, 0x01, 0x05).byte(0xff, 0xff, 0xff, 0xff).mark().byte(0x1f),
});
add({ dir: 'malformed', name: 'section-id', code: 'malformed.section-id', note: 'section id 0x20; offset: the id byte', module: raw(...HEADER).mark().byte(0x20, 0x00) });
add({
  dir: 'malformed', name: 'section-size', code: 'malformed.section-size',
  note: 'a type section of size 3 holding only a zero count; offset: the first byte after the count',
  module: raw(...HEADER, 0x01, 0x03, 0x00).mark().byte(0x00, 0x00),
});
add({
  dir: 'malformed', name: 'section-order', code: 'malformed.section-order',
  note: 'a function section, then a type section; offset: the type section id',
  module: raw(...HEADER, 0x03, 0x01, 0x00).mark().byte(0x01, 0x01, 0x00),
});
add({
  dir: 'malformed', name: 'function-code-mismatch', code: 'malformed.function-code-mismatch',
  note: '1 function declared, 2 bodies; offset: the code section count',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), section(10, enc().mark().u32(2).append(body([])).append(body([])))),
});
add({
  dir: 'malformed', name: 'datacount-mismatch', code: 'malformed.datacount-mismatch',
  note: 'DataCount 2, one data segment; offset: the data section count',
  module: wasmModule(memorySection(limits(1)), section(12, enc().u32(2)), section(11, enc().mark().u32(1).byte(0x01).name([7]))),
});
add({
  dir: 'malformed', name: 'datacount-required', code: 'malformed.datacount-required',
  note: 'memory.init without a DataCount section; offset: the 0xFC of memory.init',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0),
    memorySection(limits(1)),
    codeSection(body([], enc().append(i32c(0)).append(i32c(0)).append(i32c(0)).mark().byte(0xfc, 0x08, 0x00, 0x00))),
    section(11, enc().u32(1).byte(0x01).name([7])),
  ),
});
add({
  dir: 'malformed', name: 'utf8', code: 'malformed.utf8',
  note: 'an export name of one byte 0xFF; offset: the name\'s first byte (after its length)',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), exportSection(enc().u32(1).mark().byte(0xff).byte(0x00).u32(0)), codeSection(body([]))),
});
add({
  dir: 'malformed', name: 'import-kind', code: 'malformed.import-kind',
  note: 'import kind 0x05; offset: the kind byte',
  module: wasmModule(importSection(enc().name('a').name('b').mark().byte(0x05, 0x00))),
});
add({
  dir: 'malformed', name: 'export-kind', code: 'malformed.export-kind',
  note: 'export kind 0x05; offset: the kind byte',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), exportSection(enc().name('a').mark().byte(0x05).u32(0)), codeSection(body([]))),
});
add({
  dir: 'malformed', name: 'mutability', code: 'malformed.mutability',
  note: 'global mutability 0x02; offset: that byte',
  module: wasmModule(globalSection(enc().byte(T.i32).mark().byte(0x02).append(i32c(0)).byte(0x0b))),
});
add({
  dir: 'malformed', name: 'reference-type', code: 'malformed.reference-type',
  note: 'a table of element type i32 (0x7F); offset: that byte',
  module: wasmModule(tableSection(enc().mark().byte(T.i32).append(limits(0)))),
});
add({
  dir: 'malformed', name: 'value-type', code: 'malformed.value-type',
  note: 'a parameter of type 0x01; offset: that byte',
  module: wasmModule(section(1, enc().u32(1).byte(0x60, 0x01).mark().byte(0x01).u32(0))),
});
add({
  dir: 'malformed', name: 'function-type', code: 'malformed.function-type',
  note: 'a type entry starting 0x61; offset: that byte',
  module: wasmModule(section(1, enc().u32(1).mark().byte(0x61, 0x00, 0x00))),
});
add({
  dir: 'malformed', name: 'limits-flags', code: 'malformed.leb-too-large',
  note: 'memory limits flags 0x20, which no proposal defines (the reference interpreter says "integer too large"); offset: the flags byte',
  module: wasmModule(memorySection(enc().mark().byte(0x20).u32(1))),
});
add({
  dir: 'malformed', name: 'zero-byte', code: 'malformed.zero-byte',
  note: 'memory.size with its reserved byte as the overlong zero 0x80 0x00 (spec binary.wast); offset: the reserved byte',
  module: oneFunc(enc().byte(0x3f).mark().byte(0x80, 0x00, DROP), { memory: true }),
});
add({
  dir: 'malformed', name: 'too-many-locals', code: 'malformed.too-many-locals',
  policy: { limits: { localsPerFunction: 50_000 } },
  note: '0xFFFFFFFF i32 locals then 2 i64 (spec binary.wast); offset: the second local entry, which overflows u32',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), codeSection(body([[0xffff_ffff, T.i32], enc().mark().u32(2).byte(T.i64)]))),
});
add({
  dir: 'malformed', name: 'illegal-opcode', code: 'malformed.illegal-opcode',
  note: 'opcode 0xFF; offset: that byte',
  module: oneFunc(enc().mark().byte(0xff)),
});
add({
  dir: 'malformed', name: 'end-expected', code: 'malformed.end-expected',
  note: 'a body `i32.const 1; drop` without `end` (spec binary.wast), followed by a second body; offset: the end of the first body, where `end` should be',
  module: (() => {
    const first = body([], enc().append(i32c(1)).byte(DROP), true);
    const m = wasmModule(typeSection(funcType([], [])), functionSection(0, 0), codeSection(first, enc().mark().append(body([], enc().append(i32c(1)).byte(DROP)))));
    return m;
  })(),
});
add({
  dir: 'malformed', name: 'segment-kind', code: 'malformed.segment-kind',
  note: 'an element segment with flags 8; offset: the flags',
  module: wasmModule(section(9, enc().u32(1).mark().u32(8))),
});

// ── invalid ─────────────────────────────────────────────────────────────────────────────────
add({
  dir: 'invalid', name: 'type-mismatch', code: 'invalid.type-mismatch',
  note: 'i32.add of an i32 and an i64; offset: the i32.add',
  module: oneFunc(enc().append(i32c(0)).byte(0x42, 0x00).mark().byte(0x6a, DROP)),
});
add({
  dir: 'invalid', name: 'unknown-type', code: 'invalid.unknown-type',
  note: 'a function of type 5 with one type; offset: the type index in the function section',
  module: wasmModule(typeSection(funcType([], [])), section(3, enc().u32(1).mark().u32(5)), codeSection(body([]))),
});
add({ dir: 'invalid', name: 'unknown-function', code: 'invalid.unknown-function', note: 'call 5; offset: the call', module: oneFunc(enc().mark().byte(0x10, 0x05)) });
add({
  dir: 'invalid', name: 'unknown-table', code: 'invalid.unknown-table',
  note: 'call_indirect without a table; offset: the call_indirect',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0x11, 0x00, 0x00)),
});
add({
  dir: 'invalid', name: 'unknown-memory', code: 'invalid.unknown-memory',
  note: 'i32.load without a memory; offset: the i32.load',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0x28, 0x02, 0x00, DROP)),
});
add({ dir: 'invalid', name: 'unknown-global', code: 'invalid.unknown-global', note: 'global.get 3; offset: the global.get', module: oneFunc(enc().mark().byte(0x23, 0x03, DROP)) });
add({ dir: 'invalid', name: 'unknown-local', code: 'invalid.unknown-local', note: 'local.get 3 with no locals; offset: the local.get', module: oneFunc(enc().mark().byte(0x20, 0x03, DROP)) });
add({ dir: 'invalid', name: 'unknown-label', code: 'invalid.unknown-label', note: 'br 1 at function level; offset: the br', module: oneFunc(enc().mark().byte(0x0c, 0x01)) });
add({
  dir: 'invalid', name: 'unknown-data', code: 'invalid.unknown-data',
  note: 'data.drop 0 with DataCount 0; offset: the 0xFC of data.drop',
  module: wasmModule(
    typeSection(funcType([], [])),
    functionSection(0),
    memorySection(limits(1)),
    section(12, enc().u32(0)),
    codeSection(body([], enc().mark().byte(0xfc, 0x09, 0x00))),
    section(11, enc().u32(0)),
  ),
});
add({ dir: 'invalid', name: 'unknown-elem', code: 'invalid.unknown-elem', note: 'elem.drop 0 without element segments; offset: the 0xFC of elem.drop', module: oneFunc(enc().mark().byte(0xfc, 0x0d, 0x00)) });
add({
  dir: 'invalid', name: 'alignment', code: 'invalid.alignment',
  note: 'i32.load with alignment 2^3; offset: the i32.load',
  module: oneFunc(enc().append(i32c(0)).mark().byte(0x28, 0x03, 0x00, DROP), { memory: true }),
});
add({
  dir: 'invalid', name: 'lane-index', code: 'invalid.lane-index',
  note: 'i8x16.extract_lane_s 16; offset: the 0xFD prefix',
  module: oneFunc(enc().append(v128const()).mark().byte(0xfd, 0x15, 0x10, DROP)),
});
add({
  dir: 'invalid', name: 'constant-expression', code: 'invalid.constant-expression',
  note: 'i32.eqz in a global initialiser (not even extended-const); offset: the i32.eqz',
  module: wasmModule(globalSection(globalEntry(T.i32, false, enc().append(i32c(0)).mark().byte(0x45)))),
});
add({
  dir: 'invalid', name: 'duplicate-export', code: 'invalid.duplicate-export',
  note: 'two exports named "a"; offset: the second export entry',
  module: wasmModule(typeSection(funcType([], [])), functionSection(0), exportSection(exportEntry('a', 0, 0), enc().mark().append(exportEntry('a', 0, 0))), codeSection(body([]))),
});
add({
  dir: 'invalid', name: 'immutable-global', code: 'invalid.immutable-global',
  note: 'global.set of an immutable global; offset: the global.set',
  module: oneFunc(enc().append(i32c(1)).mark().byte(0x24, 0x00), { extra: [globalSection(globalEntry(T.i32, false, i32c(0)))] }),
});
add({
  dir: 'invalid', name: 'result-arity', code: 'invalid.result-arity',
  note: 'a typed select with two result types; offset: the select',
  module: oneFunc(enc().append(i32c(0)).append(i32c(0)).append(i32c(1)).mark().byte(0x1c, 0x02, T.i32, T.i32, DROP)),
});
add({
  dir: 'invalid', name: 'memory-size', code: 'invalid.memory-size',
  note: 'a memory maximum of 65,537 pages; offset: the limits flags',
  module: wasmModule(memorySection(enc().mark().append(limits(0, 65_537)))),
});
add({
  dir: 'invalid', name: 'limits', code: 'invalid.limits',
  note: 'memory minimum 2 > maximum 1; offset: the limits flags',
  module: wasmModule(memorySection(enc().mark().append(limits(2, 1)))),
});
add({
  dir: 'invalid', name: 'start-function', code: 'invalid.start-function',
  note: 'a start function with a parameter; offset: the start section\'s function index',
  module: wasmModule(typeSection(funcType([T.i32], [])), functionSection(0), section(8, enc().mark().u32(0)), codeSection(body([]))),
});
add({
  dir: 'invalid', name: 'undeclared-reference', code: 'invalid.undeclared-reference',
  note: 'ref.func 0 with function 0 declared nowhere; offset: the ref.func',
  module: oneFunc(enc().mark().byte(0xd2, 0x00, DROP)),
});

export { cases };

function main(): void {
  const root = dirname(fileURLToPath(import.meta.url));
  for (const c of cases) {
    const offset = c.module.marks.get('x');
    if (offset === undefined) throw new Error(`${c.dir}/${c.name}: no offset mark`);
    const bytes = c.module.toUint8Array();
    if (bytes.length > 100_000) throw new Error(`${c.dir}/${c.name}: ${bytes.length} bytes is too large for the corpus`);
    const dir = join(root, c.dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${c.name}.wasm`), bytes);
    const expect = { code: c.code, offset, ...(c.policy ? { policy: c.policy } : {}), note: c.note };
    writeFileSync(join(dir, `${c.name}.expect.json`), JSON.stringify(expect, null, 2) + '\n');
  }
  console.log(`wrote ${cases.length} cases`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
