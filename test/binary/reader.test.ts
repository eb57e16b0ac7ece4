import { describe, expect, it } from 'vitest';
import { DecodeError, Reader, decodeUtf8 } from '../../src/binary/reader.js';

const reader = (...bytes: number[]) => new Reader(Uint8Array.from(bytes));
function failure(fn: () => unknown): { code: string; offset: number } {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return { code: e.code, offset: e.offset };
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('u32 LEB128', () => {
  it('reads one- to five-byte encodings', () => {
    expect(reader(0x00).u32()).toBe(0);
    expect(reader(0x7f).u32()).toBe(127);
    expect(reader(0x80, 0x01).u32()).toBe(128);
    expect(reader(0xe5, 0x8e, 0x26).u32()).toBe(624485);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).u32()).toBe(0xffff_ffff);
  });
  it('accepts overlong padding within five bytes', () => {
    const r = reader(0x80, 0x80, 0x80, 0x80, 0x00, 0x2a);
    expect(r.u32()).toBe(0);
    expect(r.pos).toBe(5);
    expect(reader(0x83, 0x80, 0x00).u32()).toBe(3);
  });
  it('rejects a sixth byte as too long, at the fifth byte', () => {
    expect(failure(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).u32())).toEqual({ code: 'malformed.leb-too-long', offset: 4 });
  });
  it('rejects unused bits of the fifth byte as too large', () => {
    expect(failure(() => reader(0xff, 0xff, 0xff, 0xff, 0x1f).u32())).toEqual({ code: 'malformed.leb-too-large', offset: 4 });
    expect(failure(() => reader(0x80, 0x80, 0x80, 0x80, 0x10).u32()).code).toBe('malformed.leb-too-large');
  });
  it('reports running off the input', () => {
    const top = new Reader(Uint8Array.of(0x80, 0x80), 0, 2, true);
    expect(failure(() => top.u32()).code).toBe('malformed.unexpected-end');
    const inSection = new Reader(Uint8Array.of(0x80, 0x80), 0, 2);
    expect(failure(() => inSection.u32()).code).toBe('malformed.unexpected-end-of-section');
  });
  it('classifies an encoding that runs past its window by the bytes beyond, as the reference interpreter does', () => {
    const r = new Reader(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0, 2);
    expect(failure(() => r.u32()).code).toBe('malformed.leb-too-long');
  });
});

describe('s32 / s33 / s64 LEB128', () => {
  it('sign-extends', () => {
    expect(reader(0x7f).s32()).toBe(-1);
    expect(reader(0x40).s32()).toBe(-64);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x7f).s32()).toBe(-1);
    expect(reader(0x80, 0x80, 0x80, 0x80, 0x78).s32()).toBe(-(2 ** 31));
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x07).s32()).toBe(2 ** 31 - 1);
  });
  it('requires the unused bits of the last byte to be the sign', () => {
    expect(failure(() => reader(0x80, 0x80, 0x80, 0x80, 0x70).s32()).code).toBe('malformed.leb-too-large');
    expect(failure(() => reader(0xff, 0xff, 0xff, 0xff, 0x0f).s32()).code).toBe('malformed.leb-too-large');
    expect(failure(() => reader(0xff, 0xff, 0xff, 0xff, 0x4f).s32()).code).toBe('malformed.leb-too-large');
  });
  it('reads s33 block types', () => {
    expect(reader(0x40).s33()).toBe(-64);
    expect(reader(0x7f).s33()).toBe(-1);
    expect(reader(0x05).s33()).toBe(5);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).s33()).toBe(0xffff_ffff);
    expect(failure(() => reader(0xff, 0xff, 0xff, 0xff, 0x2f).s33()).code).toBe('malformed.leb-too-large');
  });
  it('reads s64 as a bigint and checks the tenth byte', () => {
    expect(reader(0x7f).s64()).toBe(-1n);
    expect(reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f).s64()).toBe(-(2n ** 63n));
    expect(reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00).s64()).toBe(2n ** 63n - 1n);
    expect(failure(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e).s64()).code).toBe('malformed.leb-too-large');
    expect(failure(() => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).s64()).code).toBe('malformed.leb-too-large');
    expect(failure(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00).s64()).code).toBe('malformed.leb-too-long');
  });
});

describe('names', () => {
  it('decodes ASCII and UTF-8, and rejects ill-formed sequences at the name', () => {
    expect(reader(0x02, 0x68, 0x69).name()).toBe('hi');
    expect(reader(0x03, 0xe2, 0x82, 0xac).name()).toBe('€');
    expect(failure(() => reader(0x01, 0xff).name())).toEqual({ code: 'malformed.utf8', offset: 1 });
    // an overlong encoding of "/" and a lone surrogate are not UTF-8
    expect(failure(() => decodeUtf8(Uint8Array.of(0xc0, 0xaf), 0, 2)).code).toBe('malformed.utf8');
    expect(failure(() => decodeUtf8(Uint8Array.of(0xed, 0xa0, 0x80), 0, 3)).code).toBe('malformed.utf8');
  });
  it('rejects a length beyond the window', () => {
    expect(failure(() => new Reader(Uint8Array.of(0x05, 0x61, 0x62), 0, 3).name()).code).toBe('malformed.unexpected-end-of-section');
  });
});
