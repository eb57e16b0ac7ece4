/**
 * Property "same-behaviour" (fuzz/properties/same-behaviour.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { sameBehaviour } from '../../../fuzz/properties/same-behaviour.js';

const SEED = 0x5eed0005;
const RUNS = 4000;

test(`${sameBehaviour.name}: ${sameBehaviour.title}`, async () => {
  const stats = await runProperty(sameBehaviour, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
