/**
 * Reassembles a validated module with the instrumentation: one pass over its sections, copying every byte
 * that does not change and re-encoding only what does.
 *
 *   type      + the internal type of each params-convention function (src/instrument/calling-convention.ts),
 *             one per distinct original type; + one `[] -> results` type per distinct multi-value result
 *             list the stack wrapper needs
 *   function  params-convention functions get their internal type; + one entry (the internal type) per
 *             split function's inner copy (calling-convention.ts), after the existing functions
 *   table     maxima capped (src/instrument/caps.ts)
 *   element   re-encoded only where a closed table names a split function: its inner copy instead
 *             (calling-convention.ts `closedTableCandidates`)
 *   memory    maxima capped
 *   global    + $fuel (mut i64, initialised to the budget), $depth (mut i32, 0), $n (mut i32, the
 *             scratch of variable charges) and $lowmark (mut i64, the loop headers' threshold, fuel.ts),
 *             after every existing global, so no index moves
 *   export    + `__wasm_harden_fuel` and `__wasm_harden_depth` (in the reserved namespace, which guests can
 *             neither import nor export), so any loader can run the module unchanged and a host can read and
 *             refill the budget; + `__wasm_harden_memory` when the module has a memory it does not export
 *             (so the host's memory helpers and WASI can reach it)
 *   code      every body rewritten by the passes (src/instrument/fuel.ts, stack-limit.ts): globals-convention
 *             bodies gain two locals (the slack `$s: i64` and the depth `$d: i32`) after their own,
 *             params-convention bodies have them as their two new parameters (and renumber their declared
 *             locals). A split function's body becomes its wrapper (`wrapperBody`), and its instrumented
 *             body is appended as the inner copy. A body that would outgrow V8's function size limit is
 *             reported, not emitted.
 * Sections that do not exist are created in their place; custom sections stay where they were. No type,
 * function or global index moves: new ones go after the existing ones.
 */

import { Reader } from '../binary/reader.js';
import { SectionId, SegmentMode, type ModuleInfo, type Section } from '../binary/module-info.js';
import type { Policy } from '../policy.js';
import { applyEdits, BodyEdits } from './body-edits.js';
import { ByteWriter } from './byte-writer.js';
import type { CapsPlan } from './caps.js';
import type { CostTable } from './cost-model.js';
import { emitFuel, fuelExit, fuelLevels, walkFuel, wrapperRefloor, type FuelContext, type FuelWalk } from './fuel.js';
import { newSummaries, placeAll, type Placement } from './test-placement.js';
import { surveyModule } from './survey.js';
import { V8_LIMITS, V8_TOP_TIER_BODY_BYTES } from '../limits.js';
import { frameWeight, planStackLimit, unaccountedFrames } from './stack-limit.js';
import { Convention, planConventions, refFuncOf, wrapperBody, type ConventionPlan } from './calling-convention.js';

export const FUEL_EXPORT = '__wasm_harden_fuel';
export const DEPTH_EXPORT = '__wasm_harden_depth';
/** memory 0, exported under the reserved namespace when the guest does not export it (for the host's tools and WASI) */
export const MEMORY_EXPORT = '__wasm_harden_memory';

export interface RewriteOptions {
  policy: Policy;
  costs: CostTable;
  stackLimit: number;
  caps: CapsPlan;
  /** the budget embedded as $fuel's initial value (≤ 2^63 - 1) */
  fuel: bigint;
}

export interface OversizeBody {
  /** index among the defined functions */
  index: number;
  /** the body's offset in the input */
  offset: number;
  size: number;
}

export interface RewriteResult {
  bytes: Uint8Array;
  /** bodies that instrumentation would make larger than V8 accepts (the module must be rejected) */
  oversize: OversizeBody[];
  fuelGlobal: number;
  depthGlobal: number;
  meteringPoints: number;
  /** static cost of each defined function (every instruction once, plus its locals) */
  staticCost: number[];
  /** the most a trap (other than out of fuel) can overcharge beyond the charges taken (fuel.ts `FuelLevels.chunk`) */
  trapOvercharge: number;
  /** the bodies the output carries of `V8_TOP_TIER_BODY_BYTES` or more (src/runtime/engine.ts), by function index */
  largeFunctions: { index: number; inputBytes: number; outputBytes: number }[];
}

const NO_LOOPS: ReadonlySet<number> = new Set();

const RANK: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

/** The payload of a vector section after its count: [afterCount, end). */
function afterCount(bytes: Uint8Array, s: Section): { count: number; start: number } {
  const r = new Reader(bytes, s.start, s.end);
  const count = r.u32();
  return { count, start: r.pos };
}

function writeLimits(w: ByteWriter, min: number, max: number): void {
  w.byte(0x01).u32(min).u32(max);
}

function blockTypeKey(results: Uint8Array): string {
  return Array.from(results).join(',');
}

export function rewriteModule(info: ModuleInfo, opts: RewriteOptions): RewriteResult {
  const bytes = info.bytes;
  const fuelGlobal = info.allGlobals.length;
  const depthGlobal = fuelGlobal + 1;
  const scratchGlobal = fuelGlobal + 2;
  const lowmarkGlobal = fuelGlobal + 3;
  const oversize: OversizeBody[] = [];
  const largeFunctions: RewriteResult['largeFunctions'] = [];

  // new types go after the existing ones: the internal types, then the wrappers' block types
  const extraTypes: { params: Uint8Array; results: Uint8Array }[] = [];
  const addType = (params: Uint8Array, results: Uint8Array): number => extraTypes.push({ params, results }) - 1 + info.types.length;
  const survey = surveyModule(info);
  const plan = planConventions(info, survey);
  const internalTypeIndex = plan.newTypes.map((t) => addType(t.params, t.results));
  const n = info.codes.length;
  // per function index of the input: whether a direct call to it passes the slack and the depth (a split
  // function's calls go to its inner copy, which does)
  const takesParams = new Uint8Array(info.funcTypeIndices.length);
  for (let i = 0; i < n; i++)
    if (plan.conventions[i] === Convention.Params || plan.redirect[info.importedFunctions + i]! >= 0) takesParams[info.importedFunctions + i] = 1;

  // multi-value wrappers need a type index for `[] -> results`: reuse one if the module has it
  const wrapperType = new Map<string, number>();
  info.types.forEach((t, i) => {
    if (t.params.length === 0 && t.results.length > 1 && !wrapperType.has(blockTypeKey(t.results)))
      wrapperType.set(blockTypeKey(t.results), i);
  });
  const blockTypeFor = (results: Uint8Array): number[] => {
    if (results.length === 0) return [0x40];
    if (results.length === 1) return [results[0]!];
    const key = blockTypeKey(results);
    let index = wrapperType.get(key);
    if (index === undefined) {
      index = addType(new Uint8Array(0), results);
      wrapperType.set(key, index);
    }
    const w = new ByteWriter(6);
    // a type index as a block type is an s33; a non-negative s32 encoding is the same bytes
    w.s32(index);
    return Array.from(w.finish());
  };

  // code: walk every body that gets instrumented, place the fuel tests (callees before callers, see
  // test-placement.ts), then apply every pass, body by body, in the output's order
  let meteringPoints = 0;
  const staticCost: number[] = new Array<number>(n).fill(0);
  const levels = fuelLevels(info.codes, opts.costs);
  const snippets = new Map<number, Uint8Array>();
  // call_indirect on a closed table: the internal type's index in the output
  const indirectType = plan.indirectType.map((t) => (t >= 0 ? internalTypeIndex[t]! : -1));
  interface Job {
    src: number;
    ctx: FuelContext;
    edits: BodyEdits;
    walk: FuelWalk;
  }
  /** walks body `src` of the input, to be instrumented in convention `convention` */
  const prepare = (src: number, convention: Convention): Job => {
    const fb = info.codes[src]!;
    const params = info.types[info.functions[src]!]!.params.length;
    // $s and $d: the two new parameters (params), or two locals after the declared ones (globals)
    const slackLocal = convention === Convention.Params ? params : params + fb.localCount;
    const ctx: FuelContext = {
      costs: opts.costs,
      fuelGlobal,
      depthGlobal,
      scratchGlobal,
      convention,
      slackLocal,
      depthLocal: slackLocal + 1,
      shiftFrom: convention === Convention.Params ? params : undefined,
      takesParams,
      redirect: plan.redirect,
      closedTables: plan.closedTables,
      indirectType,
      levels,
      lowmarkGlobal,
      lowmarkLocal: -1,
      wrap: convention === Convention.Direct ? NO_LOOPS : survey.callFreeLoops,
      snippets,
      countedScratch: -1,
    };
    const edits = new BodyEdits();
    const walk = walkFuel(bytes, fb, ctx, edits);
    // locals after all the others, where V8 allows them: `$lm` for wrapped loops that are not tight, and
    // four for counted loops (counted-loop.ts; without room they stay tight loops)
    let next = params + fb.localCount + 2;
    if (walk.wideLoops > 0 && next + 1 <= V8_LIMITS.localsPerFunction) ctx.lowmarkLocal = next++;
    if (walk.countedHeaders.size > 0 && next + 4 <= V8_LIMITS.localsPerFunction) ctx.countedScratch = next;
    return { src, ctx, edits, walk };
  };
  const jobs: (Job | undefined)[] = []; // per output function; undefined: a split function's wrapper
  for (let i = 0; i < n; i++) jobs.push(plan.redirect[info.importedFunctions + i]! < 0 ? prepare(i, plan.conventions[i]! as Convention) : undefined);
  for (const i of plan.split) jobs.push(prepare(i, Convention.Params));
  // the bodies a direct call reaches with the slack (params functions and inner copies) have a summary,
  // by the index their callers name
  const walked = jobs.filter((j): j is Job => j !== undefined);
  // a closed table's functions may be any callee of a call_indirect: they test at their exit (pinned)
  const summaries = newSummaries(info.funcTypeIndices.length, levels.allowance);
  summaries.pinned.set(plan.inClosedTable);
  const placements = placeAll(
    walked.map((j) => j.walk),
    walked.map((j) => (j.ctx.convention === Convention.Params ? info.importedFunctions + j.src : -1)),
    { levels, takesParams, summaries },
  );

  // frames that need no stack accounting: small leaves, and small functions that call only such (stack-limit.ts)
  const weights = info.codes.map((fb, i) => frameWeight(info.types[info.functions[i]!]!.params.length, fb.localCount, fb.maxStackHeight));
  const unaccounted = unaccountedFrames(weights, survey.directCallees, survey.callsIndirect, info.importedFunctions, takesParams);

  const code = new ByteWriter(Math.max(256, Math.ceil(bytes.length * 1.3)));
  code.u32(n + plan.split.length);
  const body = new ByteWriter(1024);
  /** instruments a walked body, with its tests placed, into `code` */
  const instrument = ({ src, ctx, edits, walk }: Job, placement: Placement) => {
    const fb = info.codes[src]!;
    const type = info.types[info.functions[src]!]!;
    meteringPoints += emitFuel(bytes, walk, placement, ctx, edits);
    staticCost[src] = walk.staticCost;
    const weight = weights[src]!;
    planStackLimit(
      bytes,
      fb,
      {
        convention: ctx.convention,
        depthGlobal,
        depthLocal: ctx.depthLocal,
        // a small frame that cannot recurse, with what it calls, needs no stack accounting (stack-limit.ts)
        accounted: unaccounted[src] === 0,
        hasCalls: walk.hasCalls,
        limit: opts.stackLimit,
        weight,
        blockType: blockTypeFor(type.results),
        fuelExit: fuelExit(ctx, placement.exitTest),
        wrap: ctx.wrap,
      },
      edits,
    );
    body.length = 0;
    // the locals: globals add $s: i64 and $d: i32 after their own (params have them as parameters), and
    // both may add $lm: i64 after everything
    // (counted loops: stop and i0, i32; n and a scratch, i64)
    const added = (ctx.convention === Convention.Globals ? 2 : 0) + (ctx.lowmarkLocal >= 0 ? 1 : 0) + (ctx.countedScratch >= 0 ? 2 : 0);
    if (added === 0) body.range(bytes, fb.start, fb.codeStart);
    else {
      const r = new Reader(bytes, fb.start, fb.codeStart);
      const count = r.u32();
      body.u32(count + added).range(bytes, r.pos, fb.codeStart);
      if (ctx.convention === Convention.Globals) body.u32(1).byte(0x7e).u32(1).byte(0x7f);
      if (ctx.lowmarkLocal >= 0) body.u32(1).byte(0x7e);
      if (ctx.countedScratch >= 0) body.u32(2).byte(0x7f).u32(2).byte(0x7e);
    }
    applyEdits(bytes, fb.codeStart, fb.end, edits, body);
    if (body.length > V8_LIMITS.bodyBytes) oversize.push({ index: src, offset: fb.start, size: body.length });
    if (body.length >= V8_TOP_TIER_BODY_BYTES) largeFunctions.push({ index: info.importedFunctions + src, inputBytes: fb.end - fb.start, outputBytes: body.length });
    code.u32(body.length).bytes(body.finish());
  };
  let placed = 0;
  jobs.forEach((job, i) => {
    if (job !== undefined) {
      instrument(job, placements[placed++]!);
      return;
    }
    const params = info.types[info.functions[i]!]!.params.length;
    const refloor = wrapperRefloor({
      convention: Convention.Globals,
      slackLocal: params + 1,
      depthLocal: params,
      fuelGlobal,
      depthGlobal,
      scratchGlobal,
      lowmarkGlobal,
      lowmarkLocal: -1,
      levels,
    });
    const wrapper = wrapperBody(params, plan.redirect[info.importedFunctions + i]!, fuelGlobal, depthGlobal, refloor);
    code.u32(wrapper.length).bytes(wrapper.finish());
  });


  const out = new ByteWriter(Math.ceil(bytes.length * 1.3) + 256);
  out.range(bytes, 0, 8);
  let wroteType = false;
  let wroteGlobal = false;
  let wroteExport = false;

  const writeType = (s: Section | undefined) => {
    wroteType = true;
    if (extraTypes.length === 0) {
      if (s !== undefined) out.range(bytes, s.offset, s.end);
      return;
    }
    const w = new ByteWriter();
    const existing = s === undefined ? { count: 0, start: 0 } : afterCount(bytes, s);
    w.u32(existing.count + extraTypes.length);
    if (s !== undefined) w.range(bytes, existing.start, s.end);
    for (const t of extraTypes) w.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
    out.section(SectionId.Type, w);
  };
  const writeGlobal = (s: Section | undefined) => {
    wroteGlobal = true;
    const w = new ByteWriter();
    const existing = s === undefined ? { count: 0, start: 0 } : afterCount(bytes, s);
    w.u32(existing.count + 4);
    if (s !== undefined) w.range(bytes, existing.start, s.end);
    w.byte(0x7e).byte(0x01).byte(0x42).s64(opts.fuel).byte(0x0b); // $fuel: mut i64 = budget
    w.byte(0x7f).byte(0x01).byte(0x41).byte(0x00).byte(0x0b); // $depth: mut i32 = 0
    w.byte(0x7f).byte(0x01).byte(0x41).byte(0x00).byte(0x0b); // $n: mut i32 = 0 (scratch)
    w.byte(0x7e).byte(0x01).byte(0x42).s64(BigInt(levels.threshold)).byte(0x0b); // $lowmark: mut i64 = the test threshold (fuel.ts)
    out.section(SectionId.Global, w);
  };
  const exportMemory = info.allMemories.length > 0 && !info.exports.some((e) => e.kind === 2 && e.index === 0);
  const writeExport = (s: Section | undefined) => {
    wroteExport = true;
    const w = new ByteWriter();
    const existing = s === undefined ? { count: 0, start: 0 } : afterCount(bytes, s);
    w.u32(existing.count + 2 + (exportMemory ? 1 : 0));
    if (s !== undefined) w.range(bytes, existing.start, s.end);
    w.name(FUEL_EXPORT).byte(0x03).u32(fuelGlobal);
    w.name(DEPTH_EXPORT).byte(0x03).u32(depthGlobal);
    if (exportMemory) w.name(MEMORY_EXPORT).byte(0x02).u32(0);
    out.section(SectionId.Export, w);
  };
  /** writes the sections that must exist before a section of rank `rank` */
  const catchUp = (rank: number) => {
    if (!wroteType && rank > RANK[SectionId.Type]! && extraTypes.length > 0) writeType(undefined);
    if (!wroteGlobal && rank > RANK[SectionId.Global]!) writeGlobal(undefined);
    if (!wroteExport && rank > RANK[SectionId.Export]!) writeExport(undefined);
  };

  for (const s of info.sections) {
    if (s.id !== SectionId.Custom) catchUp(RANK[s.id]!);
    switch (s.id) {
      case SectionId.Type:
        writeType(s);
        break;
      case SectionId.Function: {
        // params-convention functions take their internal type
        const w = new ByteWriter();
        w.u32(plan.conventions.length);
        plan.conventions.forEach((_, i) =>
          w.u32(plan.internalType[i]! >= 0 ? internalTypeIndex[plan.internalType[i]!]! : info.functions[i]!),
        );
        out.section(SectionId.Function, w);
        break;
      }
      case SectionId.Table: {
        const w = new ByteWriter();
        w.u32(info.tables.length);
        info.tables.forEach((t, i) => {
          w.byte(t.elemType);
          writeLimits(w, t.limits.min, opts.caps.tables[i]!.max);
        });
        out.section(SectionId.Table, w);
        break;
      }
      case SectionId.Memory: {
        const w = new ByteWriter();
        w.u32(info.memories.length);
        info.memories.forEach((m, i) => writeLimits(w, m.min, opts.caps.memories[i]!.max));
        out.section(SectionId.Memory, w);
        break;
      }
      case SectionId.Global:
        writeGlobal(s);
        break;
      case SectionId.Export:
        writeExport(s);
        break;
      case SectionId.Code:
        out.section(SectionId.Code, code);
        break;
      case SectionId.Element:
        if (plan.elementsRedirected) out.section(SectionId.Element, redirectedElements(info, plan));
        else out.range(bytes, s.offset, s.end);
        break;
      default:
        out.range(bytes, s.offset, s.end);
    }
  }
  catchUp(Number.MAX_SAFE_INTEGER);
  return { bytes: out.toBytes(), oversize, fuelGlobal, depthGlobal, meteringPoints, staticCost, trapOvercharge: levels.chunk, largeFunctions };
}

/**
 * The element section with every active segment of a closed table naming split functions' inner copies
 * (calling-convention.ts): re-encoded segment by segment, in the canonical form of the same meaning.
 */
function redirectedElements(info: ModuleInfo, plan: ConventionPlan): ByteWriter {
  const bytes = info.bytes;
  const w = new ByteWriter();
  w.u32(info.elements.length);
  for (const seg of info.elements) {
    const closed = seg.mode === SegmentMode.Active && plan.closedTables[seg.tableIndex] === 1;
    const to = (f: number) => (closed && plan.redirect[f]! >= 0 ? plan.redirect[f]! : f);
    const exprs = seg.exprs !== undefined;
    const canonical = seg.tableIndex === 0 && seg.elemType === 0x70;
    // flags: bit 0 passive or declarative, bit 1 an explicit table (active) or declarative, bit 2 expressions
    let flags = exprs ? 4 : 0;
    if (seg.mode === SegmentMode.Passive) flags |= 1;
    else if (seg.mode === SegmentMode.Declarative) flags |= 3;
    else if (!canonical) flags |= 2;
    w.u32(flags);
    if (seg.mode === SegmentMode.Active) {
      if (flags & 2) w.u32(seg.tableIndex);
      w.range(bytes, seg.offsetExpr!.start, seg.offsetExpr!.end);
    }
    if (flags & 3) w.byte(exprs ? seg.elemType : 0x00); // reftype, or elemkind funcref
    if (!exprs) {
      const fs = seg.funcIndices!;
      w.u32(fs.length);
      for (const f of fs) w.u32(to(f));
      continue;
    }
    w.u32(seg.exprs!.length);
    for (const e of seg.exprs!) {
      const f = refFuncOf(bytes, e);
      if (f === undefined || to(f) === f) w.range(bytes, e.start, e.end);
      else w.byte(0xd2).u32(to(f)).byte(0x0b);
    }
  }
  return w;
}
