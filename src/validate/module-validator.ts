/**
 * Module-level validation (what is *invalid*): index spaces, limits, constant expressions, segments,
 * exports, the start function, `ref.func` declarations, and then every function body.
 *
 * Each check records an issue and carries on, so one call reports every invalid construct it can (the
 * first one per function body). Only malformations found while decoding bodies stop everything: a module
 * with a malformed body is reported as malformed, with that one issue.
 */

import { DecodeError, Reader } from '../binary/reader.js';
import { ExternKindCode, SegmentMode, ValType, VALTYPE_NAMES, type Limits, type ModuleInfo } from '../binary/module-info.js';
import { SPEC_LIMITS } from '../limits.js';
import { specText, type IssueCode } from '../issues.js';
import type { FeatureName } from '../policy.js';
import { validateConstExpr } from './const-expr.js';
import { FunctionValidator, type FunctionContext } from './function-validator.js';
import { IssueCollector, recording } from './issue-collector.js';

export interface ModuleCheckOptions {
  enabled: Readonly<Record<string, boolean>>;
  onFeature(feature: FeatureName, offset: number, what: string): void;
  nestingLimit: number;
  brTableLimit: number;
  /** skip body validation (e.g. a locals limit was exceeded, so expanding locals is not allowed) */
  skipBodies: (funcIndex: number) => boolean;
}

const KIND_NAMES = ['function', 'table', 'memory', 'global'] as const;
const UNKNOWN_CODES: readonly IssueCode[] = ['invalid.unknown-function', 'invalid.unknown-table', 'invalid.unknown-memory', 'invalid.unknown-global'];

function checkLimits(c: IssueCollector, limits: Limits, max: number, what: string): void {
  if (what === 'memory') {
    if (limits.min > max) c.add('invalid.memory-size', `${specText('invalid.memory-size')}: minimum ${limits.min}`, limits.offset);
    if (limits.max !== undefined && limits.max > max)
      c.add('invalid.memory-size', `${specText('invalid.memory-size')}: maximum ${limits.max}`, limits.offset);
  }
  if (limits.max !== undefined && limits.min > limits.max)
    c.add('invalid.limits', `${specText('invalid.limits')} (${limits.min} > ${limits.max})`, limits.offset);
}

/** shared by modules with nothing to mark (an empty typed array cannot change; a new one costs an ArrayBuffer) */
const NO_BYTES = new Uint8Array(0);

/** A reusable validator (its stacks are kept between calls). */
const sharedFunctionValidator = new FunctionValidator();

export function validateModuleStructure(info: ModuleInfo, c: IssueCollector, opts: ModuleCheckOptions): void {
  const types = info.types;
  const nFuncs = info.funcTypeIndices.length;
  const feature = (f: FeatureName, offset: number, what: string) => {
    if (!opts.enabled[f]) opts.onFeature(f, offset, what);
  };

  // imports
  info.imports.forEach((imp, i) => {
    const path = `import[${i}] "${imp.module}"."${imp.name}"`;
    switch (imp.desc.kind) {
      case ExternKindCode.Func:
        if (imp.desc.typeIndex >= types.length)
          c.add('invalid.unknown-type', `${specText('invalid.unknown-type')} ${imp.desc.typeIndex}`, imp.offset, path);
        break;
      case ExternKindCode.Table:
        checkLimits(c, imp.desc.table.limits, SPEC_LIMITS.tableElements, 'table');
        break;
      case ExternKindCode.Memory:
        checkLimits(c, imp.desc.memory, SPEC_LIMITS.memoryPages, 'memory');
        break;
      case ExternKindCode.Global:
        if (imp.desc.global.mutable) feature('mutable-globals', imp.offset, 'an imported mutable global');
        break;
    }
  });

  // functions
  const functionSection = info.sections.find((s) => s.id === 3);
  if (functionSection !== undefined) {
    // entry offsets are not kept; re-read the section's LEBs to point at the bad one (rare path)
    const r = new Reader(info.bytes, functionSection.start, functionSection.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const ti = r.u32();
      if (ti >= types.length) c.add('invalid.unknown-type', `${specText('invalid.unknown-type')} ${ti}`, offset, `func[${info.importedFunctions + i}]`);
    }
  }

  // tables and memories
  for (const t of info.tables) checkLimits(c, t.limits, SPEC_LIMITS.tableElements, 'table');
  if (info.allTables.length > 1) {
    const second = info.tables[Math.max(0, 1 - info.importedTables)] ?? info.tables[0];
    feature('reference-types', second?.limits.offset ?? 8, 'more than one table');
  }
  for (const m of info.memories) checkLimits(c, m, SPEC_LIMITS.memoryPages, 'memory');
  if (info.allMemories.length > 1) {
    const second = info.memories[Math.max(0, 1 - info.importedMemories)] ?? info.memories[0];
    c.add(
      'forbidden.feature.multi-memory',
      `${specText('forbidden.feature.multi-memory')}: ${info.allMemories.length} memories need the multi-memory proposal, which is not enabled`,
      second?.offset ?? 8,
    );
  }

  // declared function references: elements, exports, global initialisers (C.refs)
  const declaredRefs = nFuncs === 0 ? NO_BYTES : new Uint8Array(nFuncs);
  const declare = (i: number) => {
    if (i >= 0 && i < nFuncs) declaredRefs[i] = 1;
  };

  // globals (validated under C': only imported globals are visible)
  info.globals.forEach((g, i) => {
    recording(c, `global[${info.importedGlobals + i}]`, () => declare(validateConstExpr(info, g.init, g.type.valType, feature)));
  });

  // exports
  const names = new Set<string>();
  const counts = [nFuncs, info.allTables.length, info.allMemories.length, info.allGlobals.length];
  for (const e of info.exports) {
    const path = `export "${e.name}"`;
    if (names.has(e.name)) c.add('invalid.duplicate-export', `${specText('invalid.duplicate-export')} "${e.name}"`, e.offset, path);
    names.add(e.name);
    if (e.index >= counts[e.kind]!) {
      const code = UNKNOWN_CODES[e.kind]!;
      c.add(code, `${specText(code)} ${e.index}`, e.offset, path);
      continue;
    }
    if (e.kind === ExternKindCode.Func) declare(e.index);
    if (e.kind === ExternKindCode.Global && info.allGlobals[e.index]!.mutable)
      feature('mutable-globals', e.offset, `the export of a mutable ${KIND_NAMES[e.kind]}`);
  }

  // start
  if (info.start !== undefined) {
    const { index, offset } = info.start;
    if (index >= nFuncs) c.add('invalid.unknown-function', `${specText('invalid.unknown-function')} ${index}`, offset, 'start');
    else {
      const ti = info.funcTypeIndices[index]!;
      const t = types[ti];
      if (t !== undefined && (t.params.length > 0 || t.results.length > 0))
        c.add('invalid.start-function', `${specText('invalid.start-function')} ${index} must have type [] -> []`, offset, 'start');
    }
  }

  // element segments
  const elemTypes = info.elements.length === 0 ? NO_BYTES : new Uint8Array(info.elements.length);
  info.elements.forEach((seg, i) => {
    const path = `elem[${i}]`;
    elemTypes[i] = seg.elemType;
    recording(c, path, () => {
      if (seg.mode === SegmentMode.Active) {
        const table = info.allTables[seg.tableIndex];
        if (table === undefined) throw new DecodeError('invalid.unknown-table', `${specText('invalid.unknown-table')} ${seg.tableIndex}`, seg.offset);
        validateConstExpr(info, seg.offsetExpr!, ValType.I32, feature);
        if (table.elemType !== seg.elemType)
          throw new DecodeError(
            'invalid.type-mismatch',
            `${specText('invalid.type-mismatch')}: ${VALTYPE_NAMES[seg.elemType]} elements for a ${VALTYPE_NAMES[table.elemType]} table`,
            seg.offset,
          );
      }
      if (seg.funcIndices !== undefined) {
        for (const f of seg.funcIndices) {
          if (f >= nFuncs) throw new DecodeError('invalid.unknown-function', `${specText('invalid.unknown-function')} ${f}`, seg.offset);
          declare(f);
        }
      } else for (const e of seg.exprs!) declare(validateConstExpr(info, e, seg.elemType, feature));
    });
  });

  // data segments
  info.data.forEach((seg, i) => {
    recording(c, `data[${i}]`, () => {
      if (seg.mode !== SegmentMode.Active) return;
      if (seg.memoryIndex >= info.allMemories.length)
        throw new DecodeError('invalid.unknown-memory', `${specText('invalid.unknown-memory')} ${seg.memoryIndex}`, seg.offset);
      validateConstExpr(info, seg.offsetExpr!, ValType.I32, feature);
    });
  });

  // function bodies
  const ctx: FunctionContext = {
    module: info,
    declaredRefs,
    elemTypes,
    nestingLimit: opts.nestingLimit,
    brTableLimit: opts.brTableLimit,
    enabled: opts.enabled,
    onFeature: opts.onFeature,
    onLimit(code, offset, detail) {
      throw new DecodeError(code, `${specText(code)}: ${detail}`, offset);
    },
  };
  const codeSection = info.sections.find((s) => s.id === 10);
  const sectionEnd = codeSection?.end ?? info.bytes.length;
  const fv = sharedFunctionValidator;
  for (let i = 0; i < info.codes.length; i++) {
    const funcIndex = info.importedFunctions + i;
    // bodies over a locals limit, or whose type is unknown (reported above), are not validated
    if (opts.skipBodies(funcIndex) || info.funcTypeIndices[funcIndex]! >= types.length) continue;
    try {
      fv.validate(ctx, funcIndex, info.codes[i]!, sectionEnd);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      c.addError(e, `code[${i}]`);
      if (e.code.startsWith('malformed.')) return;
      // the rest of this body must still be well formed: a malformation anywhere makes the module malformed
      try {
        fv.decodeRest();
      } catch (e2) {
        if (!(e2 instanceof DecodeError)) throw e2;
        if (e2.code.startsWith('malformed.')) {
          c.addError(e2, `code[${i}]`);
          return;
        }
      }
    }
  }
}
