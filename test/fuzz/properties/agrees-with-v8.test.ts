/**
 * Property "agrees-with-v8" (fuzz/properties/agrees-with-v8.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { agreesWithV8, checkAgreesWithV8 } from '../../../fuzz/properties/agrees-with-v8.js';

const SEED = 0x5eed0002;
const RUNS = 20000;

test(`${agreesWithV8.name}: ${agreesWithV8.title}`, async () => {
  const stats = await runProperty(agreesWithV8, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);

test("V8's element-segment leniency is discarded, and only that", () => {
  const elems = (payload: number[]) => {
    const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9, payload.length, ...payload]);
    return { bytes, source: 'hand-built' } as Parameters<typeof checkAgreesWithV8>[0];
  };
  // V8 (Node 20) accepts a value type as the reference type of an element segment with expressions
  expect(WebAssembly.validate(elems([1, 5, 0x7f, 1, 0x41, 0, 0x0b]).bytes)).toBe(true);
  expect(checkAgreesWithV8(elems([1, 5, 0x7f, 1, 0x41, 0, 0x0b]))).toMatch(/^discard: V8 accepts a value type/);
  expect(checkAgreesWithV8(elems([1, 7, 0x7b, 0]))).toMatch(/^discard: V8 accepts a value type/);
  // a proper reference type agrees; a byte that is no value type is rejected by both
  expect(checkAgreesWithV8(elems([1, 5, 0x70, 0]))).toBe('both accept');
  expect(checkAgreesWithV8(elems([1, 5, 0x40, 0]))).toMatch(/^both reject/);
});
