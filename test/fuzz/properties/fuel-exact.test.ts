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

test('inputs that may not terminate get a cost model that charges every loop iteration', async () => {
  const fc = (await import('fast-check')).default;
  const { everyStepCosts } = await import('../../../fuzz/properties/fuel-exact.js');
  expect(everyStepCosts({ default: 0, local: 3, instructions: { br: 2, 'i8x16.le_s': 0 } })).toEqual({ default: 1, local: 3, instructions: { br: 2, 'i8x16.le_s': 1 } });
  expect(everyStepCosts({})).toMatchObject({ default: 1 });
  for (const c of fc.sample(fuelExact.arbitrary(), { numRuns: 300, seed: 7 })) {
    if (!c.finite || c.costs === null) continue;
    expect(c.costs.default).toBeGreaterThanOrEqual(1);
    for (const v of Object.values(c.costs.instructions ?? {})) expect(v).toBeGreaterThanOrEqual(1);
  }
});
