/**
 * Policy gates (what is *forbidden*): the import allowlist, the reserved namespace, memory and table caps,
 * the start function, and name lengths. Feature and count limits are reported while decoding and
 * validating (they are found there); this file holds the checks that look at the decoded module as a whole.
 *
 * Every gate records an issue and carries on, so a rejected module lists every policy issue at once.
 */

import { ExternKindCode, VALTYPE_NAMES, type Import, type ModuleInfo } from '../binary/module-info.js';
import { specText, type IssueCode } from '../issues.js';
import { canonicalFuncType, type AllowedImport, type ExternKind, type Policy } from '../policy.js';
import type { IssueCollector } from './issue-collector.js';

const KIND_NAMES: ExternKind[] = ['func', 'table', 'memory', 'global'];

/** The import's type, in the allowlist's notation. */
export function importTypeText(info: ModuleInfo, imp: Import): string | undefined {
  const name = (t: number) => VALTYPE_NAMES[t] ?? '?';
  switch (imp.desc.kind) {
    case ExternKindCode.Func: {
      const t = info.types[imp.desc.typeIndex];
      if (t === undefined) return undefined;
      return canonicalFuncType(`${[...t.params].map(name).join(' ')} -> ${[...t.results].map(name).join(' ')}`);
    }
    case ExternKindCode.Global:
      return `${imp.desc.global.mutable ? 'mut ' : ''}${name(imp.desc.global.valType)}`;
    case ExternKindCode.Table:
      return name(imp.desc.table.elemType);
    case ExternKindCode.Memory:
      return undefined;
  }
}

function matches(entry: AllowedImport, imp: Import): boolean {
  return entry.module === imp.module && (entry.name === '*' || entry.name === imp.name);
}

/**
 * The policy's verdict on one import: the reserved namespace, then the allowlist by name, then by kind and
 * type. Undefined when allowed. Shared by the validator's gate and the runtime's instantiation check.
 */
export function importVerdict(info: ModuleInfo, policy: Policy, imp: Import): { code: IssueCode; message: string } | undefined {
  const kind = KIND_NAMES[imp.desc.kind]!;
  if (imp.module.startsWith(policy.reservedNamespace))
    return { code: 'forbidden.reserved-name', message: `${specText('forbidden.reserved-name')}: the module name "${imp.module}" is reserved for instrumentation` };
  if (policy.imports === 'any') return undefined;
  const candidates = policy.imports.filter((e) => matches(e, imp));
  if (candidates.length === 0)
    return { code: 'forbidden.import', message: `${specText('forbidden.import')}: ${kind} "${imp.module}"."${imp.name}" is not on the policy's allowlist` };
  const actual = importTypeText(info, imp);
  if (candidates.some((e) => (e.kind === undefined || e.kind === kind) && (e.type === undefined || kind === 'memory' || e.type === actual)))
    return undefined;
  const wanted = candidates.map((e) => `${e.kind ?? 'any kind'}${e.type !== undefined ? ` ${e.type}` : ''}`).join(' or ');
  return {
    code: 'forbidden.import-type',
    message: `${specText('forbidden.import-type')}: "${imp.module}"."${imp.name}" is imported as ${kind}${actual !== undefined ? ` ${actual}` : ''}, the allowlist says ${wanted}`,
  };
}

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

export function checkPolicy(info: ModuleInfo, policy: Policy, c: IssueCollector): void {
  const reserved = policy.reservedNamespace;
  const limits = policy.limits;

  info.imports.forEach((imp, i) => {
    const path = `import[${i}] "${imp.module}"."${imp.name}"`;
    if (utf8Length(imp.module) > limits.nameBytes || utf8Length(imp.name) > limits.nameBytes)
      c.add('forbidden.limit.name-bytes', `${specText('forbidden.limit.name-bytes')}: an import name is longer than ${limits.nameBytes} bytes`, imp.offset, path);
    const verdict = importVerdict(info, policy, imp);
    if (verdict !== undefined) c.add(verdict.code, verdict.message, imp.offset, path);
  });

  for (const e of info.exports) {
    if (utf8Length(e.name) > limits.nameBytes)
      c.add('forbidden.limit.name-bytes', `${specText('forbidden.limit.name-bytes')}: an export name is longer than ${limits.nameBytes} bytes`, e.offset, `export`);
    if (e.name.startsWith(reserved))
      c.add('forbidden.reserved-name', `${specText('forbidden.reserved-name')}: the export name "${e.name}" is in the namespace reserved for instrumentation`, e.offset, `export "${e.name}"`);
  }

  // caps: an initial size above the cap is rejected; a larger (or missing) maximum is clamped by harden
  for (const m of info.allMemories)
    if (m.min > limits.memoryPages)
      c.add('forbidden.limit.memory-pages', `${specText('forbidden.limit.memory-pages')}: initial size ${m.min} pages is above the cap of ${limits.memoryPages}`, m.offset);
  for (const t of info.allTables)
    if (t.limits.min > limits.tableElements)
      c.add('forbidden.limit.table-elements', `${specText('forbidden.limit.table-elements')}: initial size ${t.limits.min} is above the cap of ${limits.tableElements}`, t.limits.offset);

  if (info.start !== undefined && !policy.allowStart)
    c.add('forbidden.start-function', `${specText('forbidden.start-function')}: the policy does not allow a start function`, info.start.offset, 'start');
}
