/**
 * Property "memory-caps" (fuzz/properties/memory-caps.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { memoryCaps } from '../../../fuzz/properties/memory-caps.js';

const SEED = 0x5eed0008;
const RUNS = 3000;

test(`${memoryCaps.name}: ${memoryCaps.title}`, async () => {
  const stats = await runProperty(memoryCaps, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
