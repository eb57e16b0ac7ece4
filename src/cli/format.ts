/**
 * Output formats of the CLI: one line per issue for people, JSON-safe objects for `--json`.
 *
 * `ModuleInfo` holds the caller's bytes and typed arrays, which do not belong in JSON; `summarizeModule`
 * turns it into plain numbers, strings and arrays.
 */

import type { Issue } from '../issues.js';
import { VALTYPE_NAMES, type Import, type ModuleInfo, type Limits as LimitsInfo } from '../binary/module-info.js';
import { canonicalFuncType } from '../policy.js';

/** `invalid.type-mismatch at 0x1f: type mismatch: ... (code[4])` — code, hex offset, message, path. */
export function formatIssue(issue: Issue): string {
  const path = issue.path ? ` (${issue.path})` : '';
  return `${issue.code} at 0x${issue.offset.toString(16)}: ${oneLine(issue.message)}${path}`;
}

/** A policy issue has no meaningful offset: `policy.invalid-option (limits.foo): invalid policy option: ...`. */
export function formatPolicyIssue(issue: Issue): string {
  return `${issue.code}${issue.path ? ` (${issue.path})` : ''}: ${oneLine(issue.message)}`;
}

/** Messages may quote names from the module; never let them break the one-line-per-issue format. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

const KIND_NAMES = ['func', 'table', 'memory', 'global', 'tag'] as const;

function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

const valType = (t: number): string => VALTYPE_NAMES[t] ?? `0x${t.toString(16)}`;

/**
 * An import's type in the policy allowlist's own syntax ("i32 i32 -> i32", "mut i64", "funcref"), so that
 * `--json` output can be turned into an `imports` allowlist directly. Memories have no type string.
 */
function importType(m: ModuleInfo, imp: Import): string | undefined {
  const d = imp.desc;
  if ('typeIndex' in d) {
    const t = m.types[d.typeIndex];
    return t ? canonicalFuncType(`${[...t.params].map(valType).join(' ')} -> ${[...t.results].map(valType).join(' ')}`) : undefined;
  }
  if ('global' in d) return `${d.global.mutable ? 'mut ' : ''}${valType(d.global.valType)}`;
  if ('table' in d) return valType(d.table.elemType);
  return undefined;
}

function limitsJSON(l: LimitsInfo): { min: number; max: number | null } {
  return { min: l.min, max: l.max ?? null };
}

export interface ModuleSummary {
  size: number;
  types: number;
  functions: { imported: number; defined: number; total: number };
  tables: { imported: number; defined: number };
  memories: { imported: number; defined: number; limits: { min: number; max: number | null }[] };
  globals: { imported: number; defined: number };
  /** `type` uses the allowlist syntax of `PolicyInput.imports` */
  imports: { module: string; name: string; kind: string; type?: string }[];
  exports: { name: string; kind: string; index: number }[];
  start: number | null;
  elementSegments: number;
  dataSegments: number;
  codeBytes: number;
  customSections: string[];
}

/** A JSON-safe description of an accepted module: counts, imports, exports, no bytes. */
export function summarizeModule(m: ModuleInfo): ModuleSummary {
  let codeBytes = 0;
  for (const body of m.codes) codeBytes += body.end - body.start;
  return {
    size: m.bytes.length,
    types: m.types.length,
    functions: { imported: m.importedFunctions, defined: m.functions.length, total: m.importedFunctions + m.functions.length },
    tables: { imported: m.importedTables, defined: m.tables.length },
    memories: { imported: m.importedMemories, defined: m.memories.length, limits: m.allMemories.map(limitsJSON) },
    globals: { imported: m.importedGlobals, defined: m.globals.length },
    imports: m.imports.map((i) => {
      const type = importType(m, i);
      return { module: i.module, name: i.name, kind: kindName(i.desc.kind), ...(type !== undefined ? { type } : {}) };
    }),
    exports: m.exports.map((e) => ({ name: e.name, kind: kindName(e.kind), index: e.index })),
    start: m.start?.index ?? null,
    elementSegments: m.elements.length,
    dataSegments: m.data.length,
    codeBytes,
    customSections: m.customs.map((c) => c.name),
  };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `sql-wasm.wasm: valid (659,728 bytes; 1,234 functions (56 imported), 56 imports, 12 exports)` */
export function formatValid(file: string, s: ModuleSummary): string {
  const fn = `${plural(s.functions.total, 'function')} (${s.functions.imported.toLocaleString('en-US')} imported)`;
  return `${file}: valid (${plural(s.size, 'byte')}; ${fn}, ${plural(s.imports.length, 'import')}, ${plural(s.exports.length, 'export')})`;
}

/** The last line after the issue lines of a rejected module. */
export function formatRejected(file: string, issues: readonly Issue[]): string {
  return `${file}: rejected (${plural(issues.length, 'issue')})`;
}

/** JSON text for `--json`; bigints (none today, but fuel is one) become decimal strings. */
export function toJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
