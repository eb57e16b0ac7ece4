/**
 * Property "generator-valid" (fuzz/properties/generator-valid.ts) with a fixed seed, as CI runs it. A failure is shrunk, written to
 * corpus/regressions/ and printed with its replay line; see fuzz/properties/harness.ts.
 */

import { expect, test } from 'vitest';
import { formatStats, runProperty } from '../../../fuzz/properties/harness.js';
import { generatorValid } from '../../../fuzz/properties/generator-valid.js';

const SEED = 0x5eed0003;
const RUNS = 3000;

test(`${generatorValid.name}: ${generatorValid.title}`, async () => {
  const stats = await runProperty(generatorValid, { seed: SEED, numRuns: RUNS });
  console.log(formatStats(stats));
  expect(stats.cases).toBe(RUNS);
}, 170_000);
