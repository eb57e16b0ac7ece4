/**
 * Memory and table caps.
 *
 * The declared maximum of every defined memory and table becomes min(declared, cap), and one is added where
 * none is declared, so `memory.grow` / `table.grow` past the cap return -1 natively (never a trap). The cap
 * is the policy's `limits.memoryPages` / `limits.tableElements`; an *initial* size above it was already
 * rejected by the validator.
 *
 * Imported memories and tables cannot be re-declared without changing what the host must provide, so they
 * must already declare a maximum at or below the cap (then V8's link check holds the host's memory to it);
 * otherwise harden rejects the module. `policy.requireImportMaximum: false` (as in `policies.spec`) leaves
 * the cap on imports to the host.
 *
 *   (memory 1)          →  (memory 1 16384)
 *   (memory 1 100000)   →  (memory 1 16384)
 *   (table 4 funcref)   →  (table 4 100000 funcref)
 */

import { ExternKindCode, type Limits, type ModuleInfo } from '../binary/module-info.js';
import { specText, type Issue } from '../issues.js';
import type { Policy } from '../policy.js';

export interface CapApplied {
  /** index in the memory (or table) index space */
  index: number;
  declaredMax: number | null;
  max: number;
}

export interface CapsPlan {
  memories: CapApplied[];
  tables: CapApplied[];
}

export function capLimits(limits: Limits, cap: number): number {
  return limits.max === undefined ? cap : Math.min(limits.max, cap);
}

export function planCaps(info: ModuleInfo, policy: Policy): CapsPlan {
  const memories = info.memories.map((m, i) => ({
    index: info.importedMemories + i,
    declaredMax: m.max ?? null,
    max: capLimits(m, policy.limits.memoryPages),
  }));
  const tables = info.tables.map((t, i) => ({
    index: info.importedTables + i,
    declaredMax: t.limits.max ?? null,
    max: capLimits(t.limits, policy.limits.tableElements),
  }));
  return { memories, tables };
}

/** Imported memories and tables must declare a maximum within the cap. */
export function checkImportedCaps(info: ModuleInfo, policy: Policy): Issue[] {
  const issues: Issue[] = [];
  if (!policy.requireImportMaximum) return issues;
  info.imports.forEach((imp, i) => {
    const path = `import[${i}] "${imp.module}"."${imp.name}"`;
    if (imp.desc.kind === ExternKindCode.Memory) {
      const { max } = imp.desc.memory;
      const cap = policy.limits.memoryPages;
      if (max === undefined || max > cap)
        issues.push({
          code: 'forbidden.limit.memory-pages',
          message: `${specText('forbidden.limit.memory-pages')}: an imported memory must declare a maximum of at most ${cap} pages (it declares ${max ?? 'none'})`,
          offset: imp.desc.memory.offset,
          path,
        });
    } else if (imp.desc.kind === ExternKindCode.Table) {
      const { max } = imp.desc.table.limits;
      const cap = policy.limits.tableElements;
      if (max === undefined || max > cap)
        issues.push({
          code: 'forbidden.limit.table-elements',
          message: `${specText('forbidden.limit.table-elements')}: an imported table must declare a maximum of at most ${cap} elements (it declares ${max ?? 'none'})`,
          offset: imp.desc.table.limits.offset,
          path,
        });
    }
  });
  return issues;
}
