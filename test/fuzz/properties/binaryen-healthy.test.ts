/**
 * Property "binaryen-healthy" (fuzz/properties/binaryen-healthy.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { binaryenHealthy, declaresImpossibleDataCount, nestedBlocks } from '../../../fuzz/properties/binaryen-healthy.js';

const SEED = 0x5eed0009;
const RUNS = 300;

test(`${binaryenHealthy.name}: ${binaryenHealthy.title}`, async () => {
  const stats = await runProperty(binaryenHealthy, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);

test('read-garbage does not give binaryen a DataCount larger than the input (binaryen spends a minute per read on 2^31)', () => {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  expect(declaresImpossibleDataCount(new Uint8Array([...header, 12, 5, 0x80, 0x80, 0x80, 0x80, 0x08]))).toBe(true); // 2^31
  expect(declaresImpossibleDataCount(new Uint8Array([...header, 12, 1, 9]))).toBe(false); // 9 ≤ 11 bytes
  expect(declaresImpossibleDataCount(new Uint8Array([...header, 12, 1, 12]))).toBe(true); // 12 > 11 bytes
  expect(declaresImpossibleDataCount(nestedBlocks(10))).toBe(false); // no DataCount
  expect(declaresImpossibleDataCount(new Uint8Array([...header, 12, 9]))).toBe(false); // truncated: binaryen may read it
});
