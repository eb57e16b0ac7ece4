/**
 * Charge sinking: a segment's charge moves into its successors when each of them can only be reached from
 * it, so that a path pays with one subtraction what it paid with two.
 *
 * Why: an interpreter's dispatch loop pays for the fetch and decode (the loop's header segment) and then for
 * the handler the `br_table` picks (a segment of its own): two subtractions an iteration. Every handler is
 * reached from the dispatch only, so the header's cost can be added to each handler's charge instead. The
 * same holds for the segment before an `if` with an `else` (both arms), and for a `block` that no branch
 * targets (the code after its `end` has one way in).
 *
 *   before                                  after
 *   loop $next                              loop $next
 *     $s -= 9        ;; fetch, decode         ;; (the header compares with $lm only)
 *     br_table $a $b                          br_table $a $b
 *   $a: $s -= 4 ...  br $next               $a: $s -= 13 ... br $next
 *   $b: $s -= 6 ...  br $next               $b: $s -= 15 ... br $next
 *
 * Soundness. Test placement (test-placement.ts) runs first, on the charges where they were: its bound on the
 * slack is unchanged on every path, since each path still pays the same amounts in the same order of tests.
 * Between a moved charge's old place and its new one the real slack is higher than the bound by the moved
 * amount, which the instructions run meanwhile have not paid: `$fuel + $s` still covers them, so a trap
 * there finds `$fuel` no higher than the truth. A path that reaches a successor has passed through the
 * segment (it is the only way in), so every path still pays exactly its cost.
 *
 * What may move: the charge of a segment that only subtracts, or of a wrapped loop's header (its test, a
 * comparison with `$lm`, stays and comes first), with no call and no variable charge in it (a call must see
 * the slack it was planned with; a hand-over must make `$fuel` exact). Where to: successors that only subtract
 * or that test (the test then comes after the whole charge), never the function's exit, never a loop header
 * (reached from outside and from the back edge). Nothing moves in the direct convention, whose `$fuel` has
 * no slack to cover a deferred charge.
 *
 * Then the mirror (`hoistJoins`): a join whose every way in goes nowhere else (both arms of an `if`/`else`,
 * handlers that all `br` to the code after the switch, a `while` loop's header reached from the code before
 * the loop and from the end of its body) is paid by those ways in, on top of their own charges. A join
 * with a `br_if` among its ways in keeps its charge: paying it there would charge the path that falls
 * through for code it never runs, and the budget must hold at exactly a path's cost.
 */

import { Control, SegmentKind, type FuelRecord } from './test-placement.js';

const EXIT = -1;

/**
 * The charge each segment emits once every movable charge has sunk as far as it can (in body order, so a
 * charge can travel down a chain of single-entry segments). `kinds`: the segment kinds after placement.
 */
export function sinkCharges(rec: FuelRecord, kinds: Uint8Array): Float64Array {
  const { segments } = rec;
  const count = segments.length / 5;
  const emitted = new Float64Array(count);
  for (let i = 0; i < count; i++) emitted[i] = segments[i * 5 + 1]!;
  const { first, to, loopHeader } = successors(rec);
  // the segments control can reach (what follows a `br` up to the next `end` cannot: it has no way in, and
  // it must not count as a second way into what follows that `end`)
  const reached = new Uint8Array(count);
  const work = new Int32Array(count);
  let top = 0;
  work[top++] = 0;
  reached[0] = 1;
  while (top > 0) {
    const i = work[--top]!;
    for (let e = first[i]!; e < first[i + 1]!; e++) {
      const j = to[e]!;
      if (j !== EXIT && reached[j] === 0) {
        reached[j] = 1;
        work[top++] = j;
      }
    }
  }
  // the only predecessor of each segment, or -2 when it has several (or the entry, for segment 0)
  const onlyPred = new Int32Array(count).fill(-1);
  onlyPred[0] = -2;
  for (let i = 0; i < count; i++)
    if (reached[i] === 1)
      for (let e = first[i]!; e < first[i + 1]!; e++) {
        const j = to[e]!;
        if (j !== EXIT) onlyPred[j] = onlyPred[j] === -1 || onlyPred[j] === i ? i : -2;
      }
  for (let i = 0; i < count; i++) {
    const kind = kinds[i]!;
    if (emitted[i] === 0 || reached[i] === 0 || (kind !== SegmentKind.Subtract && kind !== SegmentKind.WrappedHeader)) continue;
    const eventsStart = i === 0 ? 0 : segments[(i - 1) * 5 + 3]!;
    if (segments[i * 5 + 3] !== eventsStart || first[i] === first[i + 1]) continue;
    let movable = true;
    for (let e = first[i]!; e < first[i + 1]! && movable; e++) {
      const j = to[e]!;
      if (j === EXIT || onlyPred[j] !== i || (kinds[j] !== SegmentKind.Subtract && kinds[j] !== SegmentKind.Test)) movable = false;
    }
    if (!movable) continue;
    // a successor may be listed twice (a br_table naming one label twice): it takes the charge once
    const charge = emitted[i]!;
    for (let e = first[i]!; e < first[i + 1]!; e++) {
      const j = to[e]!;
      if (onlyPred[j] === i) {
        emitted[j] = emitted[j]! + charge;
        onlyPred[j] = -3; // done: its only predecessor gave
      }
    }
    emitted[i] = 0;
  }
  hoistJoins(rec, kinds, emitted, first, to, reached, loopHeader);
  return emitted;
}

/**
 * The mirror of sinking, after it: a join (a segment with several ways in) whose every predecessor goes
 * nowhere else has its charge paid by each predecessor instead, on top of the charge that predecessor pays
 * anyway; so a path pays once where it paid twice (an interpreter's handlers that all `br` to the code
 * after the switch, both arms of an `if` before the code after its `end`, and a `while` loop's header,
 * paid by the code before the loop and by the body's `br` back: the loop then pays one subtraction an
 * iteration where it paid two).
 *
 * Soundness: every path from a predecessor's charge reaches the join, or traps on the way (a predecessor
 * holds no call and no variable charge, so nothing the host sees comes in between): the charge is paid
 * earlier, never skipped, and each path still pays exactly its cost. Paying earlier only lowers the slack
 * against what test placement planned with, so `$fuel` stays a lower bound; a test in a predecessor may
 * find the guest out of fuel by the join's cost before the join runs (a trap overcharges, as a trap in
 * mid-segment does). A trap in a predecessor, after its charge, finds the slack lower than planned by the
 * join's cost, but that cost was charged for code that has not run: what the guest took from `$fuel` still
 * covers what it ran, and the overcharge is the one the plan had at that point. A wrapped loop's header
 * keeps its comparison with `$lm`, which now finds the header already paid (a `$retry` re-enters it without
 * paying again). In body order from the end, so a chain of joins hoists all the way up.
 */
function hoistJoins(
  rec: FuelRecord,
  kinds: Uint8Array,
  emitted: Float64Array,
  first: Int32Array,
  to: Int32Array,
  reached: Uint8Array,
  loopHeader: Uint8Array,
): void {
  const { segments } = rec;
  const count = emitted.length;
  // per segment: its predecessors (reached ones only), as a compact graph
  const predFirst = new Int32Array(count + 1);
  for (let i = 0; i < count; i++)
    if (reached[i] === 1) for (let e = first[i]!; e < first[i + 1]!; e++) if (to[e] !== EXIT) predFirst[to[e]! + 1]!++;
  for (let i = 0; i < count; i++) predFirst[i + 1] = predFirst[i + 1]! + predFirst[i]!;
  const fill = predFirst.slice(0, count);
  const from = new Int32Array(predFirst[count]!);
  for (let i = 0; i < count; i++)
    if (reached[i] === 1) for (let e = first[i]!; e < first[i + 1]!; e++) if (to[e] !== EXIT) from[fill[to[e]!]!++] = i;
  /** whether segment p can pay for `j`: it goes only to `j`, only subtracts or tests, and has no events */
  const pays = (p: number, j: number) => {
    const kind = kinds[p]!;
    if (emitted[p] === 0 || (kind !== SegmentKind.Subtract && kind !== SegmentKind.Test) || loopHeader[p] === 1) return false;
    const eventsStart = p === 0 ? 0 : segments[(p - 1) * 5 + 3]!;
    if (segments[p * 5 + 3] !== eventsStart) return false;
    for (let e = first[p]!; e < first[p + 1]!; e++) if (to[e] !== j) return false;
    return first[p] !== first[p + 1];
  };
  for (let j = count - 1; j > 0; j--) {
    const kind = kinds[j]!;
    if (emitted[j] === 0 || reached[j] === 0) continue;
    // a loop header hoists when it tests (a loop with calls) or is a wrapped loop's (its comparison with
    // `$lm` stays): the way in pays for the first iteration's header, the back edges for the next one's.
    // A tight loop's header is its only charge, tested against 0 right after it: it stays.
    const header = loopHeader[j] === 1;
    const hoistable = header
      ? kind === SegmentKind.Test || kind === SegmentKind.WrappedHeader
      : kind === SegmentKind.Subtract || kind === SegmentKind.Test;
    if (!hoistable) continue;
    // distinct predecessors (a br_table may name the join twice from one segment)
    let distinct = 0;
    let ok = true;
    for (let e = predFirst[j]!; e < predFirst[j + 1]! && ok; e++) {
      const p = from[e]!;
      if (e > predFirst[j]! && from[e - 1] === p) continue;
      distinct++;
      ok = (p < j || header) && pays(p, j);
    }
    if (!ok || distinct < 2) continue;
    const charge = emitted[j]!;
    for (let e = predFirst[j]!; e < predFirst[j + 1]!; e++) {
      const p = from[e]!;
      if (e > predFirst[j]! && from[e - 1] === p) continue;
      emitted[p] = emitted[p]! + charge;
    }
    emitted[j] = 0;
  }
}

/**
 * The segments control can go to when each segment ends (`EXIT`: the function returns), replayed from the
 * recorded controls: a branch to a block or an `if` goes to the segment after its `end`, a branch to a loop
 * to its header segment (the one right after `loop`). As a compact graph: the successors of segment i are
 * `to[first[i] .. first[i + 1])`.
 */
function successors(rec: FuelRecord): { first: Int32Array; to: Int32Array; loopHeader: Uint8Array } {
  const { segments, controls, labels } = rec;
  const count = segments.length / 5;
  // (from, to) pairs, to (a block id, through `afterEnd`) when `to` is marked pending (negative: -2 - id)
  const edges: number[] = [];
  // open constructs, innermost last, four numbers each: kind (BLOCK, LOOP, IF), id (a loop: its header
  // segment; a block or an if: its index in `afterEnd`, filled at its end), and for an if the segment its
  // condition ends and whether an `else` was seen
  const open: number[] = [];
  const afterEnd: number[] = [];
  const loopHeader = new Uint8Array(count + 1);
  const target = (i: number, d: number) => {
    const k = open.length - 4 * (d + 1);
    if (k < 0) edges.push(i, EXIT);
    else if (open[k] === LOOP) edges.push(i, open[k + 1]!);
    else edges.push(i, -2 - open[k + 1]!);
  };
  let c = 0;
  let lb = 0;
  for (let i = 0; i < count; i++) {
    const controlsEnd = segments[i * 5 + 4]!;
    for (; c < controlsEnd; c += 2) {
      const arg = controls[c + 1]!;
      switch (controls[c] as Control) {
        case Control.Block:
          open.push(BLOCK, afterEnd.push(-1) - 1, -1, 0);
          break;
        case Control.Loop:
          edges.push(i, i + 1);
          loopHeader[i + 1] = 1;
          open.push(LOOP, i + 1, -1, 0);
          break;
        case Control.If:
          edges.push(i, i + 1);
          open.push(IF, afterEnd.push(-1) - 1, i, 0);
          break;
        case Control.Else: {
          // the then arm ends: to after the `end`; the condition's segment goes to the else arm too
          const k = open.length - 4;
          edges.push(i, -2 - open[k + 1]!, open[k + 2]!, i + 1);
          open[k + 3] = 1;
          break;
        }
        case Control.End: {
          if (open.length === 0) {
            edges.push(i, EXIT);
            break;
          }
          const k = open.length - 4;
          edges.push(i, i + 1);
          if (open[k] !== LOOP) afterEnd[open[k + 1]!] = i + 1;
          // an `if` without an `else`: the condition's segment also goes straight to after the `end`
          if (open[k] === IF && open[k + 3] === 0) edges.push(open[k + 2]!, i + 1);
          open.length = k;
          break;
        }
        case Control.Br:
          target(i, arg);
          break;
        case Control.BrIf:
          target(i, arg);
          edges.push(i, i + 1);
          break;
        case Control.BrTable:
          for (const end = lb + arg; lb < end; lb++) target(i, labels[lb]!);
          break;
        case Control.Return:
          edges.push(i, EXIT);
          break;
        case Control.Unreachable:
          break;
      }
    }
  }
  // by source (a counting sort), with pending block targets resolved
  const first = new Int32Array(count + 1);
  for (let e = 0; e < edges.length; e += 2) first[edges[e]! + 1]!++;
  for (let i = 0; i < count; i++) first[i + 1] = first[i + 1]! + first[i]!;
  const fill = first.slice(0, count);
  const to = new Int32Array(edges.length / 2);
  for (let e = 0; e < edges.length; e += 2) {
    const t = edges[e + 1]!;
    to[fill[edges[e]!]!++] = t <= -2 ? afterEnd[-2 - t]! : t;
  }
  return { first, to, loopHeader };
}

const BLOCK = 0;
const LOOP = 1;
const IF = 2;
