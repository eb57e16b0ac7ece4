/**
 * Function bodies are rewritten as a list of edits against the original bytes: insert a snippet at an
 * offset, or replace a few bytes (e.g. `return` → `br k`). Each pass plans its edits by walking the body
 * with the decoder; `applyEdits` then copies the body once, splicing the edits in. Nothing shifts any index
 * (new locals go after the existing ones, new globals after the existing globals), so edits compose.
 *
 * Edits at the same offset: insertions before a replacement (which consumes the original bytes), then by
 * `order`, then in the order they were added.
 *
 * Index shifts: the params calling convention (calling-convention.ts) adds two parameters, so every declared
 * local moves up by two. Those rewrites are many (a third of all instructions are local accesses) and all of
 * one kind, so they are kept apart from the edits, as flat triples (LEB start, LEB end, new index) in body
 * order, and merged while copying: they never coincide with an edit, which is always at an opcode.
 */

import type { ByteWriter } from './byte-writer.js';

export interface Edit {
  at: number;
  /** bytes of the original removed at `at` (0 for a pure insertion) */
  remove: number;
  insert: ArrayLike<number>;
  order: number;
}

export class BodyEdits {
  readonly list: Edit[] = [];
  /** (start, end, new index) triples of LEB-encoded local indices to rewrite, in increasing order */
  readonly shifts: number[] = [];

  shift(start: number, end: number, index: number): void {
    this.shifts.push(start, end, index);
  }

  insert(at: number, insert: ArrayLike<number>, order = 0): void {
    this.list.push({ at, remove: 0, insert, order });
  }

  replace(at: number, remove: number, insert: ArrayLike<number>, order = 0): void {
    this.list.push({ at, remove, insert, order });
  }
}

/** Writes `bytes[start, end)` with `edits` applied to `out`. */
export function applyEdits(bytes: Uint8Array, start: number, end: number, edits: BodyEdits, out: ByteWriter): void {
  // Array.prototype.sort is stable: ties keep the order the edits were added in
  const list = edits.list.slice().sort((a, b) => a.at - b.at || Number(a.remove > 0) - Number(b.remove > 0) || a.order - b.order);
  const shifts = edits.shifts;
  let k = 0;
  let pos = start;
  /** copies the original up to `to`, rewriting the shifted indices on the way */
  const copyTo = (to: number) => {
    while (k < shifts.length && shifts[k]! < to) {
      out.range(bytes, pos, shifts[k]!);
      out.u32(shifts[k + 2]!);
      pos = shifts[k + 1]!;
      k += 3;
    }
    out.range(bytes, pos, to);
    pos = to;
  };
  for (const e of list) {
    if (e.at < pos) throw new Error(`wasm-harden internal error: overlapping edits at ${e.at}`);
    copyTo(e.at);
    out.bytes(e.insert);
    pos = e.at + e.remove;
    // index shifts inside the bytes a replacement removed are void (its insert is written as it must be)
    while (k < shifts.length && shifts[k]! < pos) k += 3;
  }
  copyTo(end);
}
