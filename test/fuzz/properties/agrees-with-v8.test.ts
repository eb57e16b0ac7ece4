/**
 * Property "agrees-with-v8" (fuzz/properties/agrees-with-v8.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { agreesWithV8 } from '../../../fuzz/properties/agrees-with-v8.js';

const SEED = 0x5eed0002;
const RUNS = 20000;

test(`${agreesWithV8.name}: ${agreesWithV8.title}`, async () => {
  const stats = await runProperty(agreesWithV8, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
