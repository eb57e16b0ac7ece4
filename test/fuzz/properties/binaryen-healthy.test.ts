/**
 * Property "binaryen-healthy" (fuzz/properties/binaryen-healthy.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { binaryenHealthy } from '../../../fuzz/properties/binaryen-healthy.js';

const SEED = 0x5eed0009;
const RUNS = 300;

test(`${binaryenHealthy.name}: ${binaryenHealthy.title}`, async () => {
  const stats = await runProperty(binaryenHealthy, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
