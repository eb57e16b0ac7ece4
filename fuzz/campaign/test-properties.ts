/**
 * Properties that exist only to test the campaign's own failure handling (test/cli/fuzz-campaign.test.ts).
 * A worker accepts them only when the campaign runs with `testProperties` (never from the CLI), and they
 * are not in the registry of fuzz/properties/index.ts, so CI's property tests and the regression replay
 * never see them.
 *
 *   test-hang    a case is a digit 0-9; the check spins forever (synchronously, so the worker cannot
 *                answer anything) on 7, and passes otherwise
 *   test-crash   the same, but the worker process exits with code 3 on 7
 */

import fc from 'fast-check';
import type { Property, PropertyCase } from '../properties/property.js';

function digitProperty(name: string, onSeven: () => never): Property<PropertyCase> {
  return {
    name,
    title: `test only: ${name} on the digit 7`,
    arbitrary: () => fc.integer({ min: 0, max: 9 }).map((d) => ({ bytes: Uint8Array.of(d) })),
    check: (c) => {
      if (c.bytes[0] === 7) onSeven();
      return 'passed';
    },
    replayData: () => null,
    fromReplay: (bytes) => ({ bytes }),
    describe: (c) => `digit ${c.bytes[0]}`,
  };
}

export const TEST_PROPERTIES: readonly Property<PropertyCase>[] = [
  digitProperty('test-hang', () => {
    for (;;) {
      // spin: a case that never ends
    }
  }),
  digitProperty('test-crash', () => process.exit(3)),
];

export function testPropertyByName(name: string): Property<PropertyCase> | undefined {
  return TEST_PROPERTIES.find((p) => p.name === name);
}
