import { describe, expect, it } from 'vitest';
import { readInstructions, skipConstExpr } from '../../src/binary/instructions.js';
import { DecodeError, Reader } from '../../src/binary/reader.js';
import { validate, policies } from '../../src/index.js';

describe('readInstructions', () => {
  it('decodes a function body lazily, with offsets into the input', () => {
    // (func (result i32) (block (result i32) i32.const 1 br_table 0 0) v128.const ... drop)
    const code = Uint8Array.of(0x02, 0x7f, 0x41, 0x01, 0x0e, 0x01, 0x00, 0x00, 0x0b, 0xfd, 0x0c, ...new Array(16).fill(0), 0x1a, 0x0b);
    const ops = [...readInstructions(code, 0, code.length)];
    expect(ops.map((i) => i.op.name)).toEqual(['block', 'i32.const', 'br_table', 'end', 'v128.const', 'drop', 'end']);
    expect(ops.map((i) => i.offset)).toEqual([0, 2, 4, 8, 9, 27, 28]);
    expect(ops[4]!.end).toBe(27);
  });
  it('throws the decode error of the first malformed instruction', () => {
    const bad = Uint8Array.of(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    expect(() => [...readInstructions(bad, 0, bad.length)]).toThrow(DecodeError);
    const illegal = Uint8Array.of(0x01, 0xff);
    try {
      [...readInstructions(illegal, 0, illegal.length)];
    } catch (e) {
      expect(e).toMatchObject({ code: 'malformed.illegal-opcode', offset: 1 });
    }
  });
  it('names a later proposal instead of calling it illegal', () => {
    const tail = Uint8Array.of(0x12, 0x00);
    expect(() => [...readInstructions(tail, 0, tail.length)]).toThrow(/tail-call/);
  });
});

describe('skipConstExpr', () => {
  it('returns the window of one expression, end included, across nesting', () => {
    const bytes = Uint8Array.of(0x02, 0x40, 0x0b, 0x41, 0x05, 0x0b, 0xaa);
    const r = new Reader(bytes, 0, bytes.length);
    expect(skipConstExpr(r)).toEqual({ start: 0, end: 6 });
    expect(r.pos).toBe(6);
  });
});

describe('validate on a real module', () => {
  it('returns windows into the caller bytes, without copying', () => {
    // (module (memory 1) (func (export "f") (result i32) i32.const 7) (data (i32.const 0) "hi"))
    const bytes = Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
      0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07,
      0x0b, 0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x68, 0x69,
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const r = validate(bytes, policies.spec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.module.bytes).toBe(bytes);
    const seg = r.module.data[0]!;
    expect(new TextDecoder().decode(bytes.subarray(seg.data.start, seg.data.end))).toBe('hi');
    expect(r.module.exports[0]).toMatchObject({ name: 'f', kind: 0, index: 0 });
    const body = r.module.codes[0]!;
    expect([...readInstructions(bytes, body.codeStart, body.end)].map((i) => i.op.name)).toEqual(['i32.const', 'end']);
  });
});
