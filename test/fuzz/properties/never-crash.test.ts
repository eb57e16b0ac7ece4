/**
 * Property "never-crash" (fuzz/properties/never-crash.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { neverCrash } from '../../../fuzz/properties/never-crash.js';

const SEED = 0x5eed0001;
const RUNS = 4000;

test(`${neverCrash.name}: ${neverCrash.title}`, async () => {
  const stats = await runProperty(neverCrash, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
