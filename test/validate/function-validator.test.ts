/**
 * The function validator's fast paths (typed in place) and its general path (`step`) must agree exactly:
 * the same acceptance, the same first issue (code and offset), the same `maxStackHeight`. These bodies put
 * each fast-path instruction in the plain case and in the cases that fall through to the general path
 * (a type error, polymorphic code after `unreachable`, a block type that needs a check, a long LEB128).
 * Also: the decoder's lazily materialised local declarations.
 */

import { describe, expect, it } from 'vitest';
import { policies, validate } from '../../src/index.js';
import { encodeU32Leb as leb } from '../../fuzz/mutators.js';

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;

interface Func {
  type: number;
  locals?: [number, number][];
  code: number[];
}

/** types: [params, results]; one memory; functions in order */
function moduleOf(types: [number[], number[]][], funcs: Func[]): { bytes: Uint8Array; codeStarts: number[] } {
  const typeSec = section(1, [...leb(types.length), ...types.flatMap(([p, r]) => [0x60, ...leb(p.length), ...p, ...leb(r.length), ...r])]);
  const funcSec = section(3, [...leb(funcs.length), ...funcs.flatMap((f) => leb(f.type))]);
  const memSec = section(5, [1, 0x00, 1]);
  const head = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...typeSec, ...funcSec, ...memSec];
  const bodies = funcs.map((f) => {
    const locals = f.locals ?? [];
    return [...leb(locals.length), ...locals.flatMap(([n, t]) => [...leb(n), t]), ...f.code];
  });
  const codePayload = [...leb(funcs.length), ...bodies.flatMap((b) => [...leb(b.length), ...b])];
  const codeSec = [10, ...leb(codePayload.length), ...codePayload];
  // absolute offset of each body's first instruction
  const codeStarts: number[] = [];
  let at = head.length + 1 + leb(codePayload.length).length + leb(funcs.length).length;
  funcs.forEach((f, i) => {
    const body = bodies[i]!;
    at += leb(body.length).length;
    const locals = f.locals ?? [];
    codeStarts.push(at + leb(locals.length).length + locals.reduce((n, [c]) => n + leb(c).length + 1, 0));
    at += body.length;
  });
  return { bytes: Uint8Array.from([...head, ...codeSec]), codeStarts };
}

function heights(funcs: Func[], types: [number[], number[]][] = [[[], []]]): number[] {
  const r = validate(moduleOf(types, funcs).bytes, policies.spec);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.module.codes.map((c) => c.maxStackHeight);
}

/** the first issue's code and its offset relative to the body's first instruction */
function firstIssue(func: Func, types: [number[], number[]][] = [[[], []]]): [string, number] | 'ok' {
  const { bytes, codeStarts } = moduleOf(types, [func]);
  const r = validate(bytes, policies.spec);
  if (r.ok) return 'ok';
  return [r.issues[0]!.code, r.issues[0]!.offset - codeStarts[0]!];
}

describe('maxStackHeight', () => {
  it('counts locals, constants, loads, calls, block results and br_if like push does', () => {
    const types: [number[], number[]][] = [
      [[], []],
      [[I32, I32], [I32]],
    ];
    expect(
      heights(
        [
          // i32.const i32.const i32.add drop
          { type: 0, code: [0x41, 1, 0x41, 2, 0x6a, 0x1a, 0x0b] },
          // (block (result i32) i32.const 1 i32.const 2 i32.const 3 drop drop) drop
          { type: 0, code: [0x02, I32, 0x41, 1, 0x41, 2, 0x41, 3, 0x1a, 0x1a, 0x0b, 0x1a, 0x0b] },
          // local.get 0 local.get 1 call 2 (itself: i32 i32 -> i32) i64.const f64.const drop drop
          { type: 1, code: [0x20, 0, 0x20, 1, 0x10, 2, 0x42, 0x80, 0x01, 0x44, ...new Array(8).fill(0), 0x1a, 0x1a, 0x0b] },
          // loop: local.get 0, br_if 0 with i32 on the stack, then i32.load
          { type: 1, code: [0x03, 0x40, 0x20, 0, 0x0d, 0, 0x0b, 0x20, 0, 0x28, 2, 0, 0x0b] },
          // select with three operands
          { type: 1, code: [0x20, 0, 0x20, 1, 0x41, 0, 0x1b, 0x0b] },
        ],
        types,
      ),
    ).toEqual([2, 3, 3, 1, 3]);
  });

  it('counts prefixed instructions without operands (v128.const) like push does', () => {
    // v128.const 0 drop; v128.const 0 v128.const 0 i8x16.eq drop (0xfd 35)
    const v128 = [0xfd, 0x0c, ...new Array(16).fill(0)];
    expect(heights([{ type: 0, code: [...v128, 0x1a, 0x0b] }, { type: 0, code: [...v128, ...v128, 0xfd, 35, 0x1a, 0x0b] }])).toEqual([1, 2]);
  });

  it('is the same when code is polymorphic after unreachable', () => {
    // unreachable i32.add (pops unknowns) drop; (block (result i32) unreachable end) drop
    expect(heights([{ type: 0, code: [0x00, 0x6a, 0x1a, 0x02, I32, 0x00, 0x0b, 0x1a, 0x0b] }])).toEqual([1]);
  });
});

describe('fast and general paths report the same first issue', () => {
  const cases: [string, Func, [string, number] | 'ok', [number[], number[]][]?][] = [
    ['local.set of the wrong type', { type: 0, locals: [[1, I64]], code: [0x41, 0, 0x21, 0, 0x0b] }, ['invalid.type-mismatch', 2]],
    ['local.get of an unknown local (two-byte index)', { type: 0, code: [0x20, 0x80, 0x01, 0x1a, 0x0b] }, ['invalid.unknown-local', 0]],
    ['local.get with an over-long index', { type: 0, code: [0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b] }, ['malformed.leb-too-long', 5]],
    ['i32.add on an i64', { type: 0, code: [0x42, 0, 0x41, 0, 0x6a, 0x1a, 0x0b] }, ['invalid.type-mismatch', 4]],
    ['i32.load without an address', { type: 0, code: [0x28, 2, 0, 0x1a, 0x0b] }, ['invalid.type-mismatch', 0]],
    ['i32.load over-aligned', { type: 0, code: [0x41, 0, 0x28, 3, 0, 0x1a, 0x0b] }, ['invalid.alignment', 2]],
    ['if without a condition', { type: 0, code: [0x04, 0x40, 0x0b, 0x0b] }, ['invalid.type-mismatch', 0]],
    ['if with a result and no else', { type: 0, code: [0x41, 1, 0x04, I32, 0x41, 0, 0x0b, 0x1a, 0x0b] }, ['invalid.type-mismatch', 6]],
    ['block missing its result', { type: 0, code: [0x02, I32, 0x0b, 0x1a, 0x0b] }, ['invalid.type-mismatch', 2]],
    ['extra value at end', { type: 0, code: [0x41, 0, 0x0b] }, ['invalid.type-mismatch', 2]],
    ['br to an unknown label', { type: 0, code: [0x0c, 1, 0x0b] }, ['invalid.unknown-label', 0]],
    ['br_if without a condition', { type: 0, code: [0x02, 0x40, 0x0d, 0, 0x0b, 0x0b] }, ['invalid.type-mismatch', 2]],
    ['br_if after unreachable', { type: 0, code: [0x00, 0x0d, 0, 0x0b] }, 'ok'],
    ['call with a wrong argument', { type: 1, code: [0x42, 0, 0x41, 0, 0x10, 0, 0x0b] }, ['invalid.type-mismatch', 4]],
    ['call of an unknown function (two-byte index)', { type: 0, code: [0x10, 0x80, 0x01, 0x0b] }, ['invalid.unknown-function', 0]],
    ['drop on an empty stack', { type: 0, code: [0x1a, 0x0b] }, ['invalid.type-mismatch', 0]],
    ['select of a reference-free mismatch', { type: 0, code: [0x41, 0, 0x42, 0, 0x41, 0, 0x1b, 0x1a, 0x0b] }, ['invalid.type-mismatch', 6]],
    ['global.get of an unknown global', { type: 0, code: [0x23, 0, 0x1a, 0x0b] }, ['invalid.unknown-global', 0]],
    ['return of the wrong type', { type: 1, code: [0x42, 0, 0x0f, 0x0b] }, ['invalid.type-mismatch', 2]],
    ['return after unreachable', { type: 1, code: [0x00, 0x0f, 0x0b] }, 'ok'],
    ['else with a missing result', { type: 0, code: [0x41, 1, 0x04, I32, 0x05, 0x41, 0, 0x0b, 0x1a, 0x0b] }, ['invalid.type-mismatch', 4]],
    ['else without an if', { type: 0, code: [0x02, 0x40, 0x05, 0x0b, 0x0b] }, ['malformed.illegal-opcode', 2]],
    ['call_indirect without a table', { type: 0, code: [0x41, 0, 0x11, 0, 0, 0x0b] }, ['invalid.unknown-table', 2]],
    ['a body without its final end', { type: 0, code: [0x01] }, ['malformed.unexpected-end-of-section', 1]],
    ['bytes after the final end', { type: 0, code: [0x0b, 0x01] }, ['malformed.section-size', 1]],
    ['i32.const with a five-byte encoding', { type: 0, code: [0x41, 0x80, 0x80, 0x80, 0x80, 0x07, 0x1a, 0x0b] }, 'ok'],
    ['i32.const too large', { type: 0, code: [0x41, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, 0x0b] }, ['malformed.leb-too-large', 5]],
  ];
  for (const [name, func, expected, types] of cases) {
    it(name, () => {
      const t: [number[], number[]][] = types ?? [
        [[], []],
        [[I32, I32], [I32]],
      ];
      expect(firstIssue(func, t)).toEqual(expected);
    });
  }
});

describe('local declarations', () => {
  it('are decoded on demand from the body, and empty when there are none', () => {
    const { bytes } = moduleOf(
      [[[], []]],
      [
        { type: 0, locals: [[2, I32], [200, I64], [1, F64]], code: [0x0b] },
        { type: 0, code: [0x0b] },
      ],
    );
    const r = validate(bytes, policies.spec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [a, b] = r.module.codes;
    expect(a!.localCount).toBe(203);
    expect([...a!.localCounts]).toEqual([2, 200, 1]);
    expect([...a!.localTypes]).toEqual([I32, I64, F64]);
    expect(a!.localCounts).toBe(a!.localCounts); // materialised once
    expect(b!.localCount).toBe(0);
    expect(b!.localCounts.length).toBe(0);
    expect(b!.localTypes.length).toBe(0);
  });
});
