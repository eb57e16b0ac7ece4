/**
 * Property "termination" (fuzz/properties/termination.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { afterAll, expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { closeTerminationRunner, termination } from '../../../fuzz/properties/termination.js';

afterAll(closeTerminationRunner);

const SEED = 0x5eed0007;
const RUNS = 2000;

test(`${termination.name}: ${termination.title}`, async () => {
  const stats = await runProperty(termination, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
