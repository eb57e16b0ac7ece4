/**
 * Property "fuel-exact" (fuzz/properties/fuel-exact.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { fuelExact } from '../../../fuzz/properties/fuel-exact.js';

const SEED = 0x5eed0006;
const RUNS = 4000;

test(`${fuelExact.name}: ${fuelExact.title}`, async () => {
  const stats = await runProperty(fuelExact, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
