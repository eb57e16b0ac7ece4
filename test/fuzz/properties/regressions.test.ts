/**
 * Replays every regression under corpus/regressions/ against its property (fuzz/regressions.ts). Each file
 * is a shrunk failure some property found; it must pass once its bug is fixed, and keep passing.
 */

import { afterAll, describe, expect, test } from 'vitest';
import { REGRESSIONS_DIR, readRegressions, replayRegression } from '../../../fuzz/regressions.js';
import { closeTerminationRunner } from '../../../fuzz/properties/termination.js';

const regressions = readRegressions();

afterAll(closeTerminationRunner);

describe(`regressions in ${REGRESSIONS_DIR}`, () => {
  test('every file pair is complete and names its property', () => {
    for (const r of regressions) {
      expect(r.property, r.id).toMatch(/^[a-z0-9-]+$/);
      expect(r.id.startsWith(`${r.property}-`), r.id).toBe(true);
      expect(typeof r.note, r.id).toBe('string');
    }
  });

  for (const r of regressions) {
    test(`${r.id}: ${r.note.split('\n')[0]!.slice(0, 140)}`, async () => {
      await replayRegression(r);
    }, 60_000);
  }
});
