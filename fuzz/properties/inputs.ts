/**
 * The inputs the properties draw from, as fast-check arbitraries of `BytesCase`:
 *
 *   generatedCase(config?)         a valid module from the wasm-smith-style generator (fuzz/generator/)
 *   mutatedGeneratedCase(config?)  a generated module with 1-4 mutations (byte-level and structural,
 *                                  fuzz/mutators.ts)
 *   specCase()                     a spec-testsuite module as it is
 *   mutatedSpecCase()              a spec-testsuite module (valid, invalid or malformed) with 0-4 mutations,
 *                                  the other spec modules as transplant donors
 *   randomBytesCase()              raw bytes, the header plus random bytes, or well-framed random sections
 *   anyBytesCase()                 all of the above, mixed
 *
 * The spec seeds are the binary modules of ../shared/spec-testsuite/json of at most 2 KiB, sorted by path,
 * loaded once. When the testsuite is not there (it sits beside the repository in CI), that source is
 * simply left out.
 */

import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validModule, swarmConfig, type SwarmConfig } from '../generator/index.js';
import { applyMutations, headeredBytes, mutationArb, randomSections, type Mutation } from '../mutators.js';
import type { BytesCase } from './property.js';

export const SPEC_SUITE_DIR = fileURLToPath(new URL('../../../shared/spec-testsuite/json', import.meta.url));

let specSeedsCache: { paths: string[]; bytes: Uint8Array[] } | undefined;

/** The spec testsuite's binary modules of at most `maxBytes` (sorted by path), or none when it is absent. */
export function specSeeds(maxBytes = 2048): { paths: string[]; bytes: Uint8Array[] } {
  if (specSeedsCache !== undefined) return specSeedsCache;
  const paths: string[] = [];
  const bytes: Uint8Array[] = [];
  if (existsSync(SPEC_SUITE_DIR)) {
    for (const dir of readdirSync(SPEC_SUITE_DIR).sort()) {
      const full = join(SPEC_SUITE_DIR, dir);
      let files: string[];
      try {
        files = readdirSync(full).filter((f) => f.endsWith('.wasm')).sort();
      } catch {
        continue;
      }
      for (const f of files) {
        const b = readFileSync(join(full, f));
        if (b.length > maxBytes) continue;
        paths.push(`${dir}/${f}`);
        bytes.push(new Uint8Array(b.buffer, b.byteOffset, b.length));
      }
    }
  }
  specSeedsCache = { paths, bytes };
  return specSeedsCache;
}

function configArb(config?: Partial<SwarmConfig> | fc.Arbitrary<SwarmConfig>): fc.Arbitrary<SwarmConfig> {
  return config instanceof fc.Arbitrary ? config : swarmConfig(config ?? {});
}

function describeConfig(c: SwarmConfig): string {
  return JSON.stringify(c);
}

export function generatedCase(config?: Partial<SwarmConfig> | fc.Arbitrary<SwarmConfig>): fc.Arbitrary<BytesCase> {
  return validModule(configArb(config)).map((m) => ({ bytes: m.bytes, source: `generated, config ${describeConfig(m.config)}` }));
}

function mutationsText(ms: readonly Mutation[]): string {
  return JSON.stringify(ms);
}

export function mutatedGeneratedCase(config?: Partial<SwarmConfig> | fc.Arbitrary<SwarmConfig>): fc.Arbitrary<BytesCase> {
  return fc
    .tuple(validModule(configArb(config)), fc.array(mutationArb(0), { minLength: 1, maxLength: 4 }))
    .map(([m, ms]) => ({
      bytes: applyMutations(m.bytes, ms),
      source: `generated then mutated ${mutationsText(ms)}, config ${describeConfig(m.config)}`,
    }));
}

export function mutatedSpecCase(): fc.Arbitrary<BytesCase> | undefined {
  const seeds = specSeeds();
  if (seeds.bytes.length === 0) return undefined;
  return fc
    .record({
      seed: fc.nat({ max: seeds.bytes.length - 1 }),
      mutations: fc.array(mutationArb(seeds.bytes.length), { maxLength: 4 }),
    })
    .map(({ seed, mutations }) => ({
      bytes: applyMutations(seeds.bytes[seed]!, mutations, seeds.bytes),
      source: `spec ${seeds.paths[seed]} mutated ${mutationsText(mutations)}`,
    }));
}

/** A spec-testsuite module as it is (valid, invalid or malformed: the suite has all three). */
export function specCase(): fc.Arbitrary<BytesCase> | undefined {
  const seeds = specSeeds();
  if (seeds.bytes.length === 0) return undefined;
  return fc.nat({ max: seeds.bytes.length - 1 }).map((i) => ({ bytes: seeds.bytes[i]!, source: `spec ${seeds.paths[i]}` }));
}

export function randomBytesCase(): fc.Arbitrary<BytesCase> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 96 }).map((bytes) => ({ bytes, source: 'random bytes' })),
    headeredBytes({ maxLength: 96 }).map((bytes) => ({ bytes, source: 'header + random bytes' })),
    randomSections().map((bytes) => ({ bytes, source: 'random sections' })),
  );
}

/** Everything: random, generated, mutated generated, mutated spec modules. */
export function anyBytesCase(): fc.Arbitrary<BytesCase> {
  const spec = mutatedSpecCase();
  const arbs: fc.WeightedArbitrary<BytesCase>[] = [
    { arbitrary: randomBytesCase(), weight: 2 },
    { arbitrary: generatedCase(), weight: 1 },
    { arbitrary: mutatedGeneratedCase(), weight: 4 },
  ];
  if (spec !== undefined) arbs.push({ arbitrary: spec, weight: 3 });
  return fc.oneof(...arbs);
}
