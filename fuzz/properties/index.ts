/**
 * The properties (one per file), by name. Each mirrors a wasm-tools fuzz target (DESIGN.md convention 8)
 * and runs in CI with a fixed seed (test/fuzz/properties/).
 */

import type { Property, PropertyCase } from './property.js';
import { neverCrash } from './never-crash.js';
import { agreesWithV8 } from './agrees-with-v8.js';
import { generatorValid } from './generator-valid.js';
import { validInValidOut } from './valid-in-valid-out.js';
import { sameBehaviour } from './same-behaviour.js';
import { fuelExact } from './fuel-exact.js';
import { termination } from './termination.js';
import { memoryCaps } from './memory-caps.js';
import { binaryenHealthy } from './binaryen-healthy.js';

export const PROPERTIES: readonly Property<PropertyCase>[] = [
  neverCrash,
  agreesWithV8,
  generatorValid,
  validInValidOut,
  sameBehaviour,
  fuelExact,
  termination,
  memoryCaps,
  binaryenHealthy,
] as unknown as readonly Property<PropertyCase>[];

export function propertyByName(name: string): Property<PropertyCase> | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

export { neverCrash, agreesWithV8, generatorValid, validInValidOut, sameBehaviour, fuelExact, termination, memoryCaps, binaryenHealthy };
export { runProperty, formatStats, type RunOptions, type PropertyStats } from './harness.js';
export type { Property, PropertyCase } from './property.js';
