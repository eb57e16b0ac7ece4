/**
 * Function bodies, by operand-stack and control-stack tracking (wasm-smith's `code_builder.rs`, in
 * TypeScript and driven by the one opcode table).
 *
 * State: the operand stack (value types), the control stack (frames with their block type, the operand
 * height at entry and an "unreachable" flag), and the locals. At every step the candidates are:
 *
 *   - each simple instruction (see ops.ts) whose `params` are on top of the stack, grouped by params;
 *   - "materialise": any simple instruction, after pushing its operands (constants, locals, globals);
 *   - each memory instruction (when there is a memory), which builds its own address, see `address`;
 *   - each special instruction (control, variables, select, refs, tables, bulk memory) whose handler says
 *     it is possible here (a label, a local of the right type, a passive segment, ...);
 *   - closing the innermost block (`end`, or `else` for an `if`).
 *
 * and one is drawn, weighted, from the entropy stream. Instructions that need operands which are not on
 * the stack push them first, so every entry of the table stays reachable whatever the stack holds.
 *
 * Unreachable code. After `br`, `br_table`, `return` and `unreachable`, the frame's operand stack is
 * empty and *polymorphic*, as in the spec's validation algorithm: popping past the frame's height yields
 * the unknown type (0 here), which matches any operand. The generator keeps going there on purpose, so
 * validators see bottom-typed `select`, `ref.is_null`, `br_table` and friends in dead code.
 *
 * Closing a frame: values above the frame's height are dropped until what remains is a prefix of the
 * frame's results, then the missing results are filled with constants. An `if` whose params differ from
 * its results always gets an `else`.
 *
 * Terminating mode (see config.ts): every `loop` becomes
 *
 *     i32.const <loopBound>  local.set $c            ;; $c: a counter local only this loop uses
 *     block (type bt)                                ;; wrapper: the loop's exit
 *       loop (type bt)
 *         local.get $c  i32.eqz
 *         if  <constant results>  br 2  end          ;; bound reached: leave with constant results
 *         local.get $c  i32.const 1  i32.sub  local.set $c
 *         <fuel guard>
 *         ...body...
 *         br 0                                       ;; half of those without parameters: a `while` loop
 *       end
 *     end
 *
 * or, for half of the loops without parameters or results, a tight loop (`BodyBuilder.tightLoop`): a
 * counted do-while whose body is straight-line code, the shape harden charges once per iteration at its
 * header (src/instrument/fuel.ts `tightPrefix`);
 *
 * and every body starts with the fuel guard
 *
 *     global.get $fuel  i32.eqz  if  unreachable  end
 *     global.get $fuel  i32.const 1  i32.sub  global.set $fuel
 *
 * Direct calls go to lower-numbered functions only.
 */

import { ValType } from '../../src/binary/module-info.js';
import type { OpInfo } from '../../src/binary/opcodes.js';
import { Imm } from '../../src/binary/opcodes.js';
import { ByteWriter } from './encoder.js';
import type { Entropy } from './entropy.js';
import { opAt, opKey } from './ops.js';
import type { ModulePlan } from './plan.js';
import { randomConst, randomF32Bits, randomF64Bits, randomI32, randomI64, randomV128, writeConst } from './values.js';

const I32 = ValType.I32;
const FUNCREF = ValType.FuncRef;
const EXTERNREF = ValType.ExternRef;
/** the bottom type of unreachable code */
const UNKNOWN = 0;
const PAGE = 65536;

const enum Kind {
  Block,
  Loop,
  If,
  Else,
  Func,
}

interface Frame {
  kind: Kind;
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly height: number;
  unreachable: boolean;
  /** terminating-mode loop: its wrapper block is closed with it */
  readonly wrapped: boolean;
}

interface BlockType {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** -1: empty; 0x40..0x7f: a value type; else a type index + 1000 (encoded as s33) */
  readonly code: number;
}

// Scaffolding opcodes (always within the features: all MVP)
const OP = {
  unreachable: opAt(0, 0x00),
  block: opAt(0, 0x02),
  loop: opAt(0, 0x03),
  if: opAt(0, 0x04),
  else: opAt(0, 0x05),
  end: opAt(0, 0x0b),
  br: opAt(0, 0x0c),
  brIf: opAt(0, 0x0d),
  drop: opAt(0, 0x1a),
  localGet: opAt(0, 0x20),
  localSet: opAt(0, 0x21),
  localTee: opAt(0, 0x22),
  globalGet: opAt(0, 0x23),
  globalSet: opAt(0, 0x24),
  i32Const: opAt(0, 0x41),
  i32Eqz: opAt(0, 0x45),
  i32Sub: opAt(0, 0x6b),
  i32Add: opAt(0, 0x6a),
  i32Ne: opAt(0, 0x47),
  i32LtS: opAt(0, 0x48),
  i32LtU: opAt(0, 0x49),
  i32And: opAt(0, 0x71),
  refNull: opAt(0, 0xd0),
  refFunc: opAt(0, 0xd2),
};

const EMPTY_BLOCK: BlockType = { params: [], results: [], code: -1 };

export interface GeneratedBody {
  /** locals and code, without the size prefix */
  readonly bytes: ByteWriter;
  readonly instructions: number;
}

/** Generates the body of function `func` (an index in the function index space). */
export function generateBody(plan: ModulePlan, u: Entropy, func: number, used: Uint8Array): GeneratedBody {
  return new BodyBuilder(plan, u, func, used).build();
}

interface Special {
  readonly weight: number;
  /** can it be emitted here (pushing missing operands is always allowed) */
  available(b: BodyBuilder): boolean;
  emit(b: BodyBuilder, op: OpInfo): void;
}

// Candidate kinds of one step
const C_SIMPLE = 0;
const C_MATERIALIZE = 1;
const C_LEAF = 2;
const C_MEMORY = 3;
const C_SPECIAL = 4;
const C_CLOSE = 5;

class BodyBuilder {
  readonly w = new ByteWriter(256);
  readonly stack: number[] = [];
  readonly frames: Frame[] = [];
  /** all locals: params, then random ones, then counters and scratch locals */
  readonly locals: number[];
  /** locals generated instructions may touch (params and the random ones) */
  readonly userLocals: number;
  readonly scratch = new Map<number, number>();
  readonly terminating: boolean;
  instructions = 0;
  private readonly candKind: number[] = [];
  private readonly candArg: number[] = [];
  private readonly candWeight: number[] = [];

  constructor(
    readonly plan: ModulePlan,
    readonly u: Entropy,
    readonly func: number,
    private readonly used: Uint8Array,
  ) {
    const type = plan.types[plan.funcTypes[func]!]!;
    this.locals = [...type.params];
    const n = u.int(0, plan.config.maxLocals);
    for (let i = 0; i < n; i++) this.locals.push(u.pick(plan.valTypes));
    this.userLocals = this.locals.length;
    this.terminating = plan.config.mode === 'terminating';
    this.frames.push({ kind: Kind.Func, params: [], results: type.results, height: 0, unreachable: false, wrapped: false });
  }

  build(): GeneratedBody {
    const { u, plan } = this;
    if (this.terminating) this.fuelGuard();
    const budget = u.int(0, plan.config.maxInstructions);
    for (let i = 0; i < budget && !u.exhausted; i++) this.step();
    while (this.frames.length > 1) this.closeFrame();
    this.fixup(this.frames[0]!.results);
    this.op(OP.end);
    // locals: run-length (count, type) pairs
    const paramCount = plan.types[plan.funcTypes[this.func]!]!.params.length;
    const declared = this.locals.slice(paramCount);
    const out = new ByteWriter(this.w.length + 16);
    const runs: [number, number][] = [];
    for (const t of declared) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    out.u32(runs.length);
    for (const [count, t] of runs) out.u32(count).u8(t);
    out.append(this.w);
    return { bytes: out, instructions: this.instructions };
  }

  // ── emission ──────────────────────────────────────────────────────────────────────────

  /** writes an opcode (immediates follow) and records it */
  op(op: OpInfo): void {
    if (op.prefix === 0) this.w.u8(op.code);
    else this.w.u8(op.prefix).u32(op.code);
    this.used[op.index] = 1;
    this.instructions++;
  }

  // ── operand stack model ───────────────────────────────────────────────────────────────

  get top(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  /** the type `depth` values below the top: UNKNOWN in polymorphic territory, undefined when there is none */
  peek(depth: number): number | undefined {
    const f = this.top;
    const i = this.stack.length - 1 - depth;
    if (i >= f.height) return this.stack[i]!;
    return f.unreachable ? UNKNOWN : undefined;
  }

  /** are `types` (last on top) on the stack? */
  canPop(types: ArrayLike<number>): boolean {
    const n = types.length;
    for (let j = 0; j < n; j++) {
      const t = this.peek(j);
      if (t === undefined || (t !== UNKNOWN && t !== types[n - 1 - j])) return false;
    }
    return true;
  }

  /** pops one value; UNKNOWN past the frame's height (polymorphic stack) */
  pop(): number {
    if (this.stack.length > this.top.height) return this.stack.pop()!;
    return UNKNOWN;
  }

  popN(n: number): void {
    for (let i = 0; i < n; i++) this.pop();
  }

  push(t: number): void {
    this.stack.push(t);
  }

  pushAll(types: ArrayLike<number>): void {
    for (let i = 0; i < types.length; i++) this.stack.push(types[i]!);
  }

  setUnreachable(): void {
    const f = this.top;
    this.stack.length = f.height;
    f.unreachable = true;
  }

  // ── leaves: values pushed from nothing ────────────────────────────────────────────────

  /** emits a constant of `t` (numeric, vector or a null reference) and pushes it */
  constant(t: number): void {
    const c = randomConst(this.u, t);
    const [prefix, code] = writeConst(this.w, c);
    this.used[opAt(prefix, code).index] = 1;
    this.instructions++;
    this.push(t);
  }

  /** pushes a value of `t`: a constant, a local, a global, or a function reference */
  leaf(t: number): void {
    const { u, plan } = this;
    const r = u.below(10);
    if (r >= 5 && r < 8) {
      const ls = this.localsOf(t);
      if (ls.length > 0) {
        this.op(OP.localGet);
        this.w.u32(u.pick(ls));
        this.push(t);
        return;
      }
    } else if (r >= 8) {
      const gs = this.globalsOf(t, false);
      if (gs.length > 0) {
        this.op(OP.globalGet);
        this.w.u32(u.pick(gs));
        this.push(t);
        return;
      }
      if (t === FUNCREF && plan.declared.length > 0) {
        this.op(OP.refFunc);
        this.w.u32(u.pick(plan.declared));
        this.push(t);
        return;
      }
    }
    this.constant(t);
  }

  leaves(types: ArrayLike<number>): void {
    for (let i = 0; i < types.length; i++) this.leaf(types[i]!);
  }

  /** makes `types` the top of the stack: uses what is there when it matches, else pushes all of them */
  operands(types: ArrayLike<number>): void {
    if (!this.canPop(types) || this.u.chance(10)) this.leaves(types);
  }

  localsOf(t: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.userLocals; i++) if (this.locals[i] === t) out.push(i);
    return out;
  }

  globalsOf(t: number, mutableOnly: boolean): number[] {
    const out: number[] = [];
    const gs = this.plan.globals;
    for (let i = 0; i < gs.length; i++) {
      if (i === this.plan.fuelGlobal) continue;
      const g = gs[i]!;
      if (g.type === t && (!mutableOnly || g.mutable)) out.push(i);
    }
    return out;
  }

  /** a scratch local of type `t`, declared on first use (never touched by generated local.* ops) */
  scratchLocal(t: number): number {
    let i = this.scratch.get(t);
    if (i === undefined) {
      i = this.locals.length;
      this.locals.push(t);
      this.scratch.set(t, i);
    }
    return i;
  }

  /**
   * Pushes the operands of an instruction whose last operand is a free value of type `t` and whose other
   * operands are built by `before` and `after`: [before..., t, after...]. When a `t` is already on top it
   * is moved past `before` through a scratch local, so existing values get consumed.
   */
  withValue(t: number, before: () => void, after?: () => void): void {
    if (this.peek(0) === t && this.u.chance(60)) {
      const s = this.scratchLocal(t);
      this.op(OP.localSet);
      this.w.u32(s);
      this.pop();
      before();
      this.op(OP.localGet);
      this.w.u32(s);
      this.push(t);
    } else {
      before();
      this.leaf(t);
    }
    after?.();
  }

  /** emits `i32.const v` and pushes it */
  i32(v: number): void {
    this.op(OP.i32Const);
    this.w.s32(v);
    this.push(I32);
  }

  // ── bounds: 90% in bounds, 9% near the end, 1% out of bounds ──────────────────────────

  /** a [start, length] range against a dynamic size whose minimum is `size` */
  range(size: number): [number, number] {
    const { u } = this;
    const r = u.below(100);
    if (r < 90) {
      const start = u.int(0, size);
      return [start, u.int(0, Math.min(size - start, 64))];
    }
    if (r < 99) {
      const len = u.int(0, 8);
      return [Math.max(0, size - len + u.int(-2, 2)), len];
    }
    return u.chance(50) ? [size + u.int(0, 16), u.int(0, 4)] : [u.int(0, 4), 0x7fffffff + u.int(0, 0x80000000)];
  }

  /** an index against a dynamic size whose minimum is `size` */
  index(size: number): number {
    const { u } = this;
    const r = u.below(100);
    if (r < 90 && size > 0) return u.int(0, size - 1);
    if (r < 99) return Math.max(0, size + u.int(-2, 1));
    return u.chance(50) ? -1 : size + u.int(0, 1000);
  }

  /**
   * Pushes an address for an access of `size` bytes and returns the memarg offset to use with it. 90% of
   * accesses are in bounds of the initial memory, 9% straddle its end, 1% are far out of bounds. In-bounds
   * addresses are constants, or (when an i32 is on the stack) that value masked into range.
   */
  address(size: number): number {
    const { u } = this;
    const memBytes = this.plan.memory!.min * PAGE;
    const r = u.below(100);
    if (r < 90 && memBytes >= size) {
      const ea = u.chance(50) ? u.int(0, Math.min(255, memBytes - size)) : u.int(0, memBytes - size);
      const offset = u.chance(50) ? 0 : u.int(0, ea);
      const room = memBytes - size - offset;
      if (this.peek(0) === I32 && u.chance(30) && room >= 0) {
        // mask a computed address into [0, room]
        let mask = 1;
        while (mask * 2 - 1 <= room && mask < 0x40000000) mask *= 2;
        this.i32(mask - 1);
        this.op(OP.i32And);
        this.pop();
        return offset;
      }
      this.i32(ea - offset);
      return offset;
    }
    if (r < 99 || memBytes < size) {
      const ea = Math.max(0, memBytes - size + u.int(-8, 8));
      const offset = u.chance(50) ? 0 : u.int(0, ea);
      this.i32(ea - offset);
      return offset;
    }
    switch (u.below(3)) {
      case 0:
        this.i32(memBytes + u.int(0, PAGE));
        return 0;
      case 1:
        this.i32(u.int(0, 64));
        return 0xffffffff - u.int(0, 16);
      default:
        this.i32(-1);
        return u.int(0, 16);
    }
  }

  // ── block types and frames ────────────────────────────────────────────────────────────

  blockType(): BlockType {
    const { u, plan } = this;
    const r = u.below(100);
    if (r < 30) return { params: [], results: [], code: -1 };
    if (r < 60 || plan.types.length === 0) {
      const t = u.pick(plan.valTypes);
      return { params: [], results: [t], code: t };
    }
    const multi = plan.features.has('multi-value');
    const ok = (i: number) => {
      const t = plan.types[i]!;
      return multi || (t.params.length === 0 && t.results.length <= 1);
    };
    // prefer a type whose params are already on the stack
    const matching: number[] = [];
    for (let i = 0; i < plan.types.length; i++) if (ok(i) && this.canPop(plan.types[i]!.params)) matching.push(i);
    let ti: number;
    if (matching.length > 0 && u.chance(70)) ti = u.pick(matching);
    else {
      ti = u.below(plan.types.length);
      if (!ok(ti)) return { params: [], results: [], code: -1 };
    }
    const t = plan.types[ti]!;
    return { params: t.params, results: t.results, code: 1000 + ti };
  }

  writeBlockType(bt: BlockType): void {
    if (bt.code === -1) this.w.u8(0x40);
    else if (bt.code < 1000) this.w.u8(bt.code);
    else this.w.s32(bt.code - 1000);
  }

  /** emits `op bt` (params already on the stack) and opens its frame */
  open(op: OpInfo, kind: Kind, bt: BlockType, wrapped = false): void {
    this.op(op);
    this.writeBlockType(bt);
    this.popN(bt.params.length);
    this.frames.push({ kind, params: bt.params, results: bt.results, height: this.stack.length, unreachable: false, wrapped });
    this.pushAll(bt.params);
  }

  labelTypes(depth: number): readonly number[] {
    const f = this.frames[this.frames.length - 1 - depth]!;
    return f.kind === Kind.Loop ? f.params : f.results;
  }

  /** drops values until the frame's stack is a prefix of `results`, then pushes constants for the rest */
  fixup(results: readonly number[]): void {
    const h = this.top.height;
    for (;;) {
      const n = this.stack.length - h;
      let prefix = n <= results.length;
      for (let i = 0; prefix && i < n; i++) {
        const t = this.stack[h + i]!;
        if (t !== UNKNOWN && t !== results[i]) prefix = false;
      }
      if (prefix) break;
      this.op(OP.drop);
      this.pop();
    }
    for (let i = this.stack.length - h; i < results.length; i++) this.constant(results[i]!);
  }

  /** closes the innermost frame (with an `else` first when an `if` needs one) */
  closeFrame(): void {
    const f = this.top;
    if (f.kind === Kind.If && !sameTypes(f.params, f.results)) this.elseBranch();
    this.fixup(f.results);
    // half of the terminating loops without parameters branch back at their end: `while` loops, whose only
    // exit is the counter's test at the header (harden pays such a header from the way in and the branch
    // back: charge-sinking.ts `hoistJoins`)
    if (f.wrapped && f.params.length === 0 && !f.unreachable && this.u.below(2) === 0) {
      this.op(OP.br);
      this.w.u32(0);
    }
    this.op(OP.end);
    this.frames.pop();
    this.stack.length = f.height;
    this.pushAll(f.results);
    if (f.wrapped) {
      // the terminating loop's wrapper block: its stack is exactly the loop's results
      const wrapper = this.top;
      this.op(OP.end);
      this.frames.pop();
      this.stack.length = wrapper.height;
      this.pushAll(wrapper.results);
    }
  }

  elseBranch(): void {
    const f = this.top;
    this.fixup(f.results);
    this.op(OP.else);
    this.stack.length = f.height;
    f.kind = Kind.Else;
    f.unreachable = false;
    this.pushAll(f.params);
  }

  fuelGuard(): void {
    const fuel = this.plan.fuelGlobal;
    this.op(OP.globalGet);
    this.w.u32(fuel);
    this.op(OP.i32Eqz);
    this.op(OP.if);
    this.w.u8(0x40);
    this.op(OP.unreachable);
    this.op(OP.end);
    this.op(OP.globalGet);
    this.w.u32(fuel);
    this.op(OP.i32Const);
    this.w.s32(1);
    this.op(OP.i32Sub);
    this.op(OP.globalSet);
    this.w.u32(fuel);
  }

  /** terminating mode's loop: counter, wrapper block, exit test, decrement, fuel guard (see the top) */
  boundedLoop(bt: BlockType): void {
    const counter = this.locals.length;
    this.locals.push(I32);
    this.op(OP.i32Const);
    this.w.s32(this.plan.config.loopBound);
    this.op(OP.localSet);
    this.w.u32(counter);
    this.open(OP.block, Kind.Block, bt);
    this.open(OP.loop, Kind.Loop, bt, true);
    // exit test: stack-neutral, written without touching the model
    this.op(OP.localGet);
    this.w.u32(counter);
    this.op(OP.i32Eqz);
    this.op(OP.if);
    this.w.u8(0x40);
    for (const t of bt.results) {
      const [prefix, code] = writeConst(this.w, randomConst(this.u, t));
      this.used[opAt(prefix, code).index] = 1;
    }
    this.op(OP.br);
    this.w.u32(2);
    this.op(OP.end);
    this.decrement(counter, OP.localSet);
    this.fuelGuard();
  }

  /** `local.get c  i32.const 1  i32.sub` then `store c` (local.set, or local.tee leaving it): stack-neutral for the model */
  private decrement(counter: number, store: OpInfo): void {
    this.op(OP.localGet);
    this.w.u32(counter);
    this.op(OP.i32Const);
    this.w.s32(1);
    this.op(OP.i32Sub);
    this.op(store);
    this.w.u32(counter);
  }

  /**
   * terminating mode's tight loop, a counted do-while whose body is straight-line code (values, arithmetic,
   * memory accesses, local.set; no branch, no call), so that harden gives it a single charge and its tight
   * header (src/instrument/fuel.ts `tightPrefix`), and, in the shapes below, chunks it (counted-loop.ts):
   *
   *     i32.const <1..loopBound>  local.set $c              (or: a count up, see `countUp`)
   *     loop
   *       ...straight-line body, stack-neutral...
   *       local.get $c  i32.const 1  i32.sub  local.tee $c  br_if 0
   *     end
   */
  tightLoop(): void {
    const { u } = this;
    const counter = this.locals.length;
    this.locals.push(I32);
    // a quarter run 16–64 times: harden chunks a counted loop only with at least 16 iterations left
    // (src/instrument/counted-loop.ts SHORT), and runs shorter ones as tight loops
    const iterations = u.below(4) === 0 ? u.int(16, 64) : u.int(1, this.plan.config.loopBound);
    const up = u.below(2) === 1 ? this.countUp(iterations) : undefined;
    this.i32(up === undefined ? iterations : up.start);
    this.op(OP.localSet);
    this.w.u32(counter);
    this.pop();
    let boundLocal = -1;
    if (up?.inLocal === true) {
      boundLocal = this.locals.length;
      this.locals.push(I32);
      this.i32(up.bound);
      this.op(OP.localSet);
      this.w.u32(boundLocal);
      this.pop();
    }
    this.open(OP.loop, Kind.Loop, EMPTY_BLOCK);
    const ops = this.plan.ops;
    for (let n = u.int(1, 8); n > 0; n--) {
      const r = u.below(10);
      if (r < 2 && this.userLocals > 0) localSet(this, OP.localSet, false);
      else if (r < 4 && this.plan.memory !== undefined && ops.memory.length > 0) this.memory(u.pick(ops.memory));
      else if (ops.simple.length > 0) {
        const op = u.pick(ops.simple);
        this.operands(op.params);
        this.simple(op);
      } else this.leaf(u.pick(this.plan.valTypes));
    }
    this.fixup([]);
    if (up === undefined) this.decrement(counter, OP.localTee);
    else {
      // local.get $c  i32.const d  i32.add  local.tee $c  (i32.const B | local.get $n)  cmp: stack-neutral for the model
      this.op(OP.localGet);
      this.w.u32(counter);
      this.op(OP.i32Const);
      this.w.s32(up.step);
      this.op(OP.i32Add);
      this.op(OP.localTee);
      this.w.u32(counter);
      if (boundLocal >= 0) {
        this.op(OP.localGet);
        this.w.u32(boundLocal);
      } else {
        this.op(OP.i32Const);
        this.w.s32(up.bound);
      }
      this.op(up.compare);
    }
    this.op(OP.brIf);
    this.w.u32(0);
    this.closeFrame();
  }

  /**
   * A count up for a tight loop: from `start` by `step` while `counter cmp bound`, `iterations` times (or
   * once, entered at or past the bound), the bound a constant or in a local of its own: C's
   * `for (i = s; i < n; i += d)` as clang emits it. The starts and bounds reach past what harden chunks
   * (a negative start for `lt_s`, a start at or above 2^31 for `lt_u`), so that its fallback to one iteration
   * at a time runs too. Every loop ends: `ne` always lands on its bound.
   */
  private countUp(iterations: number): { start: number; step: number; bound: number; compare: OpInfo; inLocal: boolean } {
    const { u } = this;
    const compare = u.pick([OP.i32LtU, OP.i32LtS, OP.i32Ne]);
    const step = u.pick([1, 1, 2, 3, 4, 7, 16]);
    let start = u.int(0, 1000);
    if (compare === OP.i32LtS && u.below(3) === 0) start = -u.int(1, 3 * step);
    if (compare === OP.i32LtU && u.below(6) === 0) start = (0x8000_0000 + u.int(0, 1000)) | 0;
    let bound = (start + iterations * step) | 0;
    if (compare !== OP.i32Ne && u.below(6) === 0) {
      bound = (start - u.int(0, 3 * step)) | 0; // at or past it: once
      // but an unsigned bound below 0 would be 2^32 - x: hundreds of millions of iterations
      if (compare === OP.i32LtU && start >= 0 && bound < 0) bound = 0;
    }
    return { start, step, bound, compare, inLocal: u.below(2) === 1 };
  }

  /** label depth of the innermost loop, or -1 */
  innermostLoop(): number {
    for (let d = 0; d < this.frames.length; d++) if (this.frames[this.frames.length - 1 - d]!.kind === Kind.Loop) return d;
    return -1;
  }

  get depth(): number {
    return this.frames.length - 1;
  }

  // ── one step ──────────────────────────────────────────────────────────────────────────

  private candidate(kind: number, arg: number, weight: number): void {
    if (weight <= 0) return;
    this.candKind.push(kind);
    this.candArg.push(arg);
    this.candWeight.push(weight);
  }

  step(): void {
    const { plan, u } = this;
    const ops = plan.ops;
    this.candKind.length = 0;
    this.candArg.length = 0;
    this.candWeight.length = 0;
    const height = this.stack.length - this.top.height;

    // In dead code every group matches (the stack is polymorphic): weigh groups, not instructions, there,
    // so that dead code stays short and the block gets closed soon.
    const dead = this.top.unreachable;
    const groups = ops.simpleGroups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      if (this.canPop(group.params)) this.candidate(C_SIMPLE, g, dead ? 1 : group.params.length === 0 ? 6 : group.ops.length);
    }
    if (ops.simple.length > 0) this.candidate(C_MATERIALIZE, 0, 12);
    this.candidate(C_LEAF, 0, height < 2 ? 8 : 3);
    if (plan.memory !== undefined && ops.memory.length > 0) this.candidate(C_MEMORY, 0, ops.memory.length);
    for (let i = 0; i < ops.special.length; i++) {
      const op = ops.special[i]!;
      const s = SPECIALS.get(opKey(op.prefix, op.code));
      if (s !== undefined && s.available(this)) {
        let w = s.weight;
        if (op.prefix === 0 && op.code === 0x1a && height > 6) w += height * 2; // drop: keep the stack short
        if (op.prefix === 0 && op.code === 0x03 && !this.terminating) w *= 2; // loop: may-loop mode wants loops
        this.candidate(C_SPECIAL, i, w);
      }
    }
    if (this.depth > 0) this.candidate(C_CLOSE, 0, 4 + 2 * this.depth + (height > 6 ? height : 0) + (dead ? 20 : 0));

    const pick = u.weighted(this.candWeight);
    const kind = this.candKind[pick];
    const arg = this.candArg[pick]!;
    switch (kind) {
      case C_SIMPLE: {
        const group = groups[arg]!;
        this.simple(u.pick(group.ops));
        break;
      }
      case C_MATERIALIZE: {
        const op = u.pick(ops.simple);
        this.leaves(op.params);
        this.simple(op);
        break;
      }
      case C_LEAF:
        this.leaf(u.pick(plan.valTypes));
        break;
      case C_MEMORY:
        this.memory(u.pick(ops.memory));
        break;
      case C_SPECIAL: {
        const op = ops.special[arg]!;
        SPECIALS.get(opKey(op.prefix, op.code))!.emit(this, op);
        break;
      }
      case C_CLOSE:
        if (this.top.kind === Kind.If && u.chance(60)) this.elseBranch();
        else this.closeFrame();
        break;
      default:
        // no candidate at all (every kind switched off): nothing to do
        break;
    }
  }

  /** a simple instruction whose operands are on the stack */
  simple(op: OpInfo): void {
    const { u } = this;
    this.op(op);
    switch (op.imm) {
      case Imm.I32:
        this.w.s32(randomI32(u));
        break;
      case Imm.I64:
        this.w.s64(randomI64(u));
        break;
      case Imm.F32: {
        const b = randomF32Bits(u);
        this.w.u8(b).u8(b >>> 8).u8(b >>> 16).u8(b >>> 24);
        break;
      }
      case Imm.F64: {
        const b = randomF64Bits(u);
        for (let i = 0n; i < 64n; i += 8n) this.w.u8(Number((b >> i) & 0xffn));
        break;
      }
      case Imm.V128:
        this.w.bytes(randomV128(u));
        break;
      case Imm.Lane:
        this.w.u8(u.below(op.lanes));
        break;
      case Imm.Shuffle:
        for (let i = 0; i < 16; i++) this.w.u8(u.below(op.lanes));
        break;
      default:
        break;
    }
    this.popN(op.params.length);
    this.pushAll(op.results);
  }

  /** a load or store (Memory / MemoryLane check): the address and the memarg from the table's attributes */
  memory(op: OpInfo): void {
    const { u } = this;
    const size = 1 << op.naturalAlign;
    let offset = 0;
    if (op.params.length === 1) offset = this.address(size);
    else this.withValue(op.params[1]!, () => (offset = this.address(size)));
    this.op(op);
    const align = u.chance(70) ? op.naturalAlign : u.int(0, op.naturalAlign);
    this.w.u32(align).u32(offset);
    if (op.lanes > 0) this.w.u8(u.below(op.lanes));
    this.popN(op.params.length);
    this.pushAll(op.results);
  }

  /** a call target: anything in may-loop mode, a lower-numbered function in terminating mode */
  callees(): number {
    return this.terminating ? this.func : this.plan.funcTypes.length;
  }

  funcrefTables(): number[] {
    const out: number[] = [];
    this.plan.tables.forEach((t, i) => {
      if (t.elemType === FUNCREF) out.push(i);
    });
    return out;
  }

  tablesOf(elemType: number): number[] {
    const out: number[] = [];
    this.plan.tables.forEach((t, i) => {
      if (t.elemType === elemType) out.push(i);
    });
    return out;
  }

  /** the effective length of an element segment for table.init (dropped at instantiation unless passive) */
  elemLength(e: number): number {
    const seg = this.plan.elems[e]!;
    return seg.mode === 'passive' ? seg.items.length : 0;
  }

  dataLength(d: number): number {
    const seg = this.plan.data[d]!;
    return seg.mode === 'passive' ? seg.bytes.length : 0;
  }
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const always = () => true;

/**
 * br, br_if, br_table and return: a label (any enclosing frame, the innermost loop favoured), its values
 * taken from the stack when they are there or pushed, and for br_if/br_table an i32 condition on top.
 * br_table's other targets are labels with exactly the same types.
 */
function branch(b: BodyBuilder, op: OpInfo, kind: 'br' | 'br_if' | 'br_table' | 'return'): void {
  const { u } = b;
  let depth = kind === 'return' ? b.frames.length - 1 : u.below(b.frames.length);
  // loops only loop when something branches back: favour the innermost loop's label
  if (kind !== 'return' && u.chance(b.terminating ? 30 : 50)) {
    const loop = b.innermostLoop();
    if (loop >= 0) depth = loop;
  }
  const types = b.labelTypes(depth);
  if (kind === 'br' || kind === 'return') {
    b.operands(types);
    b.op(op);
    if (kind === 'br') b.w.u32(depth);
    b.setUnreachable();
    return;
  }
  const withCond = [...types, I32];
  if (!b.canPop(withCond) || u.chance(10)) {
    b.operands(types);
    b.leaf(I32);
  }
  b.op(op);
  if (kind === 'br_if') {
    b.w.u32(depth);
    b.pop();
    b.popN(types.length);
    b.pushAll(types);
    return;
  }
  // br_table: targets with the same label types; when its operands come from a polymorphic stack (dead
  // code), any label of the same arity (the spec pops each label's types from the bottom-typed operands)
  let polymorphic = true;
  for (let j = 1; j <= types.length; j++) if (b.peek(j) !== UNKNOWN) polymorphic = false;
  const same: number[] = [];
  for (let d = 0; d < b.frames.length; d++) {
    const other = b.labelTypes(d);
    if (polymorphic ? other.length === types.length : sameTypes(other, types)) same.push(d);
  }
  const n = u.int(0, b.plan.config.maxBrTableTargets);
  b.w.u32(n);
  for (let i = 0; i < n; i++) b.w.u32(u.pick(same));
  b.w.u32(depth);
  b.setUnreachable();
}

function blockLike(b: BodyBuilder, op: OpInfo, kind: Kind): void {
  const bt = b.blockType();
  if (kind === Kind.If) {
    if (!b.canPop([...bt.params, I32])) {
      b.operands(bt.params);
      b.leaf(I32);
    }
    b.op(op);
    b.writeBlockType(bt);
    b.pop();
    b.popN(bt.params.length);
    b.frames.push({ kind, params: bt.params, results: bt.results, height: b.stack.length, unreachable: false, wrapped: false });
    b.pushAll(bt.params);
    return;
  }
  // half of the loops without parameters or results are tight (BodyBuilder.tightLoop)
  if (kind === Kind.Loop && b.terminating && bt.code === -1 && b.u.chance(50)) {
    b.tightLoop();
    return;
  }
  b.operands(bt.params);
  if (kind === Kind.Loop && b.terminating) b.boundedLoop(bt);
  else b.open(op, kind, bt);
}

/** select: untyped (numeric and vector values) or typed (any value type) */
function select(b: BodyBuilder, op: OpInfo, typed: boolean): void {
  const { u, plan } = b;
  const a = b.peek(1);
  const c = b.peek(2);
  const cond = b.peek(0);
  const allowed = typed ? plan.valTypes : plan.numTypes;
  let t: number;
  if (cond !== undefined && (cond === I32 || cond === UNKNOWN) && a !== undefined && c !== undefined && (a === c || a === UNKNOWN || c === UNKNOWN)) {
    t = a !== UNKNOWN ? a : c;
    if (t !== UNKNOWN && !allowed.includes(t)) t = -1;
    if (t === UNKNOWN && typed) t = u.pick(allowed);
  } else t = -1;
  if (t === -1) {
    t = u.pick(allowed);
    b.leaves([t, t, I32]);
  }
  b.op(op);
  if (typed) b.w.u32(1).u8(t);
  b.popN(3);
  b.push(t);
}

function localSet(b: BodyBuilder, op: OpInfo, tee: boolean): void {
  const { u } = b;
  const top = b.peek(0);
  let local: number;
  if (top !== undefined && top !== UNKNOWN && b.localsOf(top).length > 0) local = u.pick(b.localsOf(top));
  else if (top === UNKNOWN) local = u.below(b.userLocals);
  else {
    local = u.below(b.userLocals);
    b.leaf(b.locals[local]!);
  }
  b.op(op);
  b.w.u32(local);
  b.pop();
  if (tee) b.push(b.locals[local]!);
}

function anyTable(b: BodyBuilder): number {
  return b.u.below(b.plan.tables.length);
}

const hasTables = (b: BodyBuilder) => b.plan.tables.length > 0;
const hasMemory = (b: BodyBuilder) => b.plan.memory !== undefined;
const memBytes = (b: BodyBuilder) => b.plan.memory!.min * PAGE;

/** Handlers of the Special entries of the table, by encoding. */
const SPECIALS = new Map<number, Special>([
  // `unreachable` traps the whole call, so in straight-line code it would end most runs early: only offer
  // it where it is conditional (inside an if/else) or already dead
  [
    opKey(0, 0x00),
    {
      weight: 1,
      available: (b) => b.top.kind === Kind.If || b.top.kind === Kind.Else || b.top.unreachable,
      emit: (b, op) => (b.op(op), b.setUnreachable()),
    },
  ],
  [opKey(0, 0x02), { weight: 5, available: (b) => b.depth < b.plan.config.maxNesting, emit: (b, op) => blockLike(b, op, Kind.Block) }],
  [opKey(0, 0x03), { weight: 5, available: (b) => b.depth + 1 < b.plan.config.maxNesting, emit: (b, op) => blockLike(b, op, Kind.Loop) }],
  [opKey(0, 0x04), { weight: 5, available: (b) => b.depth < b.plan.config.maxNesting, emit: (b, op) => blockLike(b, op, Kind.If) }],
  // else and end are never drawn as instructions: "close" (see `step`) emits them, with the fix-up they need
  [opKey(0, 0x05), { weight: 0, available: () => false, emit: () => {} }],
  [opKey(0, 0x0b), { weight: 0, available: () => false, emit: () => {} }],
  [opKey(0, 0x0c), { weight: 2, available: always, emit: (b, op) => branch(b, op, 'br') }],
  [opKey(0, 0x0d), { weight: 4, available: always, emit: (b, op) => branch(b, op, 'br_if') }],
  [opKey(0, 0x0e), { weight: 2, available: always, emit: (b, op) => branch(b, op, 'br_table') }],
  [opKey(0, 0x0f), { weight: 1, available: always, emit: (b, op) => branch(b, op, 'return') }],
  [
    opKey(0, 0x10),
    {
      weight: 4,
      available: (b) => b.callees() > 0,
      emit: (b, op) => {
        const f = b.u.below(b.callees());
        const t = b.plan.types[b.plan.funcTypes[f]!]!;
        b.operands(t.params);
        b.op(op);
        b.w.u32(f);
        b.popN(t.params.length);
        b.pushAll(t.results);
      },
    },
  ],
  [
    opKey(0, 0x11),
    {
      weight: 3,
      available: (b) => b.plan.types.length > 0 && b.funcrefTables().length > 0,
      emit: (b, op) => {
        const { u, plan } = b;
        const ti = u.below(plan.types.length);
        const t = plan.types[ti]!;
        const table = u.pick(b.funcrefTables());
        b.operands(t.params);
        b.i32(b.index(plan.tables[table]!.min));
        b.op(op);
        b.w.u32(ti).u32(table);
        b.pop();
        b.popN(t.params.length);
        b.pushAll(t.results);
      },
    },
  ],
  [
    opKey(0, 0x1a),
    {
      weight: 3,
      available: (b) => b.peek(0) !== undefined,
      emit: (b, op) => (b.op(op), b.pop()),
    },
  ],
  [opKey(0, 0x1b), { weight: 3, available: always, emit: (b, op) => select(b, op, false) }],
  [opKey(0, 0x1c), { weight: 2, available: always, emit: (b, op) => select(b, op, true) }],
  [
    opKey(0, 0x20),
    {
      weight: 6,
      available: (b) => b.userLocals > 0,
      emit: (b, op) => {
        const l = b.u.below(b.userLocals);
        b.op(op);
        b.w.u32(l);
        b.push(b.locals[l]!);
      },
    },
  ],
  [opKey(0, 0x21), { weight: 4, available: (b) => b.userLocals > 0, emit: (b, op) => localSet(b, op, false) }],
  [opKey(0, 0x22), { weight: 3, available: (b) => b.userLocals > 0, emit: (b, op) => localSet(b, op, true) }],
  [
    opKey(0, 0x23),
    {
      weight: 3,
      available: (b) => b.plan.globals.length > (b.plan.fuelGlobal >= 0 ? 1 : 0),
      emit: (b, op) => {
        const { u, plan } = b;
        let g = u.below(plan.globals.length);
        if (g === plan.fuelGlobal) g = (g + 1) % plan.globals.length;
        b.op(op);
        b.w.u32(g);
        b.push(plan.globals[g]!.type);
      },
    },
  ],
  [
    opKey(0, 0x24),
    {
      weight: 3,
      available: (b) => b.plan.globals.some((g, i) => g.mutable && i !== b.plan.fuelGlobal),
      emit: (b, op) => {
        const { u, plan } = b;
        const top = b.peek(0);
        const mutable: number[] = [];
        plan.globals.forEach((g, i) => {
          if (g.mutable && i !== plan.fuelGlobal && (top === undefined || top === UNKNOWN || g.type === top)) mutable.push(i);
        });
        let g: number;
        if (mutable.length > 0 && top !== undefined) g = u.pick(mutable);
        else {
          const all: number[] = [];
          plan.globals.forEach((gl, i) => {
            if (gl.mutable && i !== plan.fuelGlobal) all.push(i);
          });
          g = u.pick(all);
          b.leaf(plan.globals[g]!.type);
        }
        b.op(op);
        b.w.u32(g);
        b.pop();
      },
    },
  ],
  [
    opKey(0, 0x25),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        const t = anyTable(b);
        b.i32(b.index(b.plan.tables[t]!.min));
        b.op(op);
        b.w.u32(t);
        b.pop();
        b.push(b.plan.tables[t]!.elemType);
      },
    },
  ],
  [
    opKey(0, 0x26),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        const t = anyTable(b);
        const table = b.plan.tables[t]!;
        b.withValue(table.elemType, () => b.i32(b.index(table.min)));
        b.op(op);
        b.w.u32(t);
        b.popN(2);
      },
    },
  ],
  [
    opKey(0, 0x3f),
    { weight: 2, available: hasMemory, emit: (b, op) => (b.op(op), b.w.u8(0), b.pushAll(op.results)) },
  ],
  [
    opKey(0, 0x40),
    {
      weight: 2,
      available: hasMemory,
      emit: (b, op) => {
        const { u } = b;
        const r = u.below(10);
        if (r < 8 || b.peek(0) !== I32) b.i32(r < 8 ? u.int(0, 2) : u.pick([0x10000, -1, 0x7fffffff, u.int(0, 8)]));
        b.op(op);
        b.w.u8(0);
        b.popN(op.params.length);
        b.pushAll(op.results);
      },
    },
  ],
  [
    opKey(0, 0xd0),
    {
      weight: 2,
      available: (b) => b.plan.refTypes.length > 0,
      emit: (b, op) => {
        const t = b.u.pick(b.plan.refTypes);
        b.op(op);
        b.w.u8(t);
        b.push(t);
      },
    },
  ],
  [
    opKey(0, 0xd1),
    {
      weight: 2,
      available: (b) => b.plan.refTypes.length > 0,
      emit: (b, op) => {
        const top = b.peek(0);
        if (top === undefined || (top !== UNKNOWN && top !== FUNCREF && top !== EXTERNREF)) b.leaf(b.u.pick(b.plan.refTypes));
        b.op(op);
        b.pop();
        b.push(I32);
      },
    },
  ],
  [
    opKey(0, 0xd2),
    {
      weight: 2,
      available: (b) => b.plan.declared.length > 0,
      emit: (b, op) => {
        b.op(op);
        b.w.u32(b.u.pick(b.plan.declared));
        b.push(FUNCREF);
      },
    },
  ],
  // ── 0xFC bulk memory and tables ──
  [
    opKey(0xfc, 0x08),
    {
      weight: 2,
      available: (b) => hasMemory(b) && b.plan.dataCount && b.plan.data.length > 0,
      emit: (b, op) => {
        const { u } = b;
        const d = u.below(b.plan.data.length);
        const [dst, n] = b.range(memBytes(b));
        const [src, m] = b.range(b.dataLength(d));
        b.i32(dst);
        b.i32(src);
        b.i32(Math.min(n, m));
        b.op(op);
        b.w.u32(d).u8(0);
        b.popN(3);
      },
    },
  ],
  [
    opKey(0xfc, 0x09),
    {
      weight: 1,
      available: (b) => b.plan.dataCount && b.plan.data.length > 0,
      emit: (b, op) => (b.op(op), b.w.u32(b.u.below(b.plan.data.length))),
    },
  ],
  [
    opKey(0xfc, 0x0a),
    {
      weight: 2,
      available: hasMemory,
      emit: (b, op) => {
        const [dst, n] = b.range(memBytes(b));
        const [src, m] = b.range(memBytes(b));
        b.i32(dst);
        b.i32(src);
        b.i32(b.u.chance(90) ? Math.min(n, m) : n);
        b.op(op);
        b.w.u8(0).u8(0);
        b.popN(3);
      },
    },
  ],
  [
    opKey(0xfc, 0x0b),
    {
      weight: 2,
      available: hasMemory,
      emit: (b, op) => {
        const [dst, n] = b.range(memBytes(b));
        b.withValue(I32, () => b.i32(dst), () => b.i32(n));
        b.op(op);
        b.w.u8(0);
        b.popN(3);
      },
    },
  ],
  [
    opKey(0xfc, 0x0c),
    {
      weight: 2,
      available: (b) => b.plan.elems.some((e) => b.tablesOf(e.elemType).length > 0),
      emit: (b, op) => {
        const { u, plan } = b;
        const segs: number[] = [];
        plan.elems.forEach((e, i) => {
          if (b.tablesOf(e.elemType).length > 0) segs.push(i);
        });
        const e = u.pick(segs);
        const t = u.pick(b.tablesOf(plan.elems[e]!.elemType));
        const [dst, n] = b.range(plan.tables[t]!.min);
        const [src, m] = b.range(b.elemLength(e));
        b.i32(dst);
        b.i32(src);
        b.i32(Math.min(n, m));
        b.op(op);
        b.w.u32(e).u32(t);
        b.popN(3);
      },
    },
  ],
  [
    opKey(0xfc, 0x0d),
    { weight: 1, available: (b) => b.plan.elems.length > 0, emit: (b, op) => (b.op(op), b.w.u32(b.u.below(b.plan.elems.length))) },
  ],
  [
    opKey(0xfc, 0x0e),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        const { u, plan } = b;
        const dstT = anyTable(b);
        const srcT = u.pick(b.tablesOf(plan.tables[dstT]!.elemType));
        const [dst, n] = b.range(plan.tables[dstT]!.min);
        const [src, m] = b.range(plan.tables[srcT]!.min);
        b.i32(dst);
        b.i32(src);
        b.i32(Math.min(n, m));
        b.op(op);
        b.w.u32(dstT).u32(srcT);
        b.popN(3);
      },
    },
  ],
  [
    opKey(0xfc, 0x0f),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        const { u } = b;
        const t = anyTable(b);
        b.withValue(b.plan.tables[t]!.elemType, () => {}, () => b.i32(u.below(10) < 9 ? u.int(0, 3) : u.pick([-1, 0x10000000, 100_000_000])));
        b.op(op);
        b.w.u32(t);
        b.popN(2);
        b.push(I32);
      },
    },
  ],
  [
    opKey(0xfc, 0x10),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        b.op(op);
        b.w.u32(anyTable(b));
        b.push(I32);
      },
    },
  ],
  [
    opKey(0xfc, 0x11),
    {
      weight: 2,
      available: hasTables,
      emit: (b, op) => {
        const t = anyTable(b);
        const table = b.plan.tables[t]!;
        const [dst, n] = b.range(table.min);
        b.withValue(table.elemType, () => b.i32(dst), () => b.i32(n));
        b.op(op);
        b.w.u32(t);
        b.popN(3);
      },
    },
  ],
]);

/** Whether the generator has a handler for a Special entry (for the table-completeness test). */
export function hasSpecialHandler(op: OpInfo): boolean {
  return SPECIALS.has(opKey(op.prefix, op.code));
}
