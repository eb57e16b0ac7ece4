/**
 * Property "valid-in-valid-out" (fuzz/properties/valid-in-valid-out.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { validInValidOut } from '../../../fuzz/properties/valid-in-valid-out.js';

const SEED = 0x5eed0004;
const RUNS = 400;

test(`${validInValidOut.name}: ${validInValidOut.title}`, async () => {
  const stats = await runProperty(validInValidOut, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
