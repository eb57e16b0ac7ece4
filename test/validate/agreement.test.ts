/**
 * Differential test: `validate(bytes, policies.spec).ok` agrees with Node's `WebAssembly.validate(bytes)`.
 *
 *   (a) on every binary module of the spec testsuite (valid, link-fail, invalid, malformed);
 *   (b) on fast-check inputs with fixed seeds (80,000 cases): random bytes after a valid header, random
 *       well-framed sections, and mutated spec modules (fuzz/mutators.ts).
 *
 * Every case also checks that `validate` never throws and that every issue offset is an integer within
 * [0, bytes.length].
 *
 * The one allowed disagreement: Node 20's V8 ships some post-2.0 proposals (threads, legacy exceptions,
 * tail calls, ...). When V8 accepts and we reject, that is fine only if our first issue is
 * `forbidden.feature.<later proposal>` and its message names that proposal. Such cases are counted and
 * printed. A failure prints the input as hex (and writes it to $TMPDIR when large).
 *
 * The seeds are fixed, so CI runs are reproducible. For a deeper local run, scale the case counts and/or
 * change the seeds: `WASM_HARDEN_FUZZ_SCALE=20 WASM_HARDEN_FUZZ_SEED=123 npx vitest run test/validate/agreement.test.ts`
 * (a failure then prints the seed and path that replay it).
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { LATER_FEATURES, policies, validate, type Issue } from '../../src/index.js';
import type { LaterFeature as LaterFeatureName } from '../../src/policy.js';
import { headeredBytes, mutatedModuleCase, randomSections, toHex, type Mutation } from '../../fuzz/mutators.js';
import { loadSpecModules } from '../spec/spec-suite.js';

/** Words that may name each later proposal in a `forbidden.feature.*` message. */
const PROPOSAL_WORDS: Record<LaterFeatureName, readonly string[]> = {
  threads: ['threads'],
  memory64: ['memory64'],
  'multi-memory': ['multi-memory', 'multiple memories'],
  exceptions: ['exceptions', 'exception'],
  'tail-call': ['tail-call', 'tail call'],
  gc: ['gc'],
  'relaxed-simd': ['relaxed-simd'],
  'extended-const': ['extended-const'],
};

const HEX_INLINE_BYTES = 2048;

/** Case-count multiplier and seed offset for local deep runs; CI uses the defaults (1 and 0). */
const SCALE = Math.max(0.01, Number(process.env['WASM_HARDEN_FUZZ_SCALE'] ?? 1) || 1);
const SEED_OFFSET = Number(process.env['WASM_HARDEN_FUZZ_SEED'] ?? 0) | 0;
const RUNS = {
  randomBytes: Math.round(10_000 * SCALE),
  randomSections: Math.round(10_000 * SCALE),
  mutated: Math.round(60_000 * SCALE),
};
const fmt = (n: number) => n.toLocaleString('en-US');

/** Node's `WebAssembly.validate` (the project's `lib` has no WebAssembly declarations). */
const v8Validate: (bytes: Uint8Array) => boolean = (() => {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  return (bytes) => wasm.validate(bytes);
})();

/** Allowed disagreements seen so far, by test and proposal, with a few small examples. */
const allowed = new Map<string, { count: number; examples: string[] }>();
const verdicts = new Map<string, { bothValid: number; bothInvalid: number }>();

function record(source: string, feature: string, bytes: Uint8Array, where: string): void {
  const key = `${source}: ${feature}`;
  const entry = allowed.get(key) ?? { count: 0, examples: [] };
  entry.count++;
  const example = `${where} ${toHex(bytes)}`;
  if (entry.examples.length < 3 && bytes.length <= 64 && !entry.examples.includes(example)) entry.examples.push(example);
  allowed.set(key, entry);
}

/**
 * The input as hex. A large one is also written to $TMPDIR, to one file per source that each failure
 * overwrites: fast-check's last failing call is the shrunk counterexample it reports. `dump` is false for
 * spec modules, which are files already.
 */
function describeBytes(bytes: Uint8Array, source: string, dump = true): string {
  if (bytes.length <= HEX_INLINE_BYTES) return `${bytes.length} bytes: ${toHex(bytes)}`;
  if (!dump) return `${bytes.length} bytes: ${toHex(bytes, 64)}`;
  const file = path.join(os.tmpdir(), `wasm-harden-agreement-${source.replace(/\W+/g, '-')}.wasm`);
  fs.writeFileSync(file, bytes);
  return `${bytes.length} bytes (full input in ${file}): ${toHex(bytes, HEX_INLINE_BYTES)}`;
}

function describeIssue(i: Issue | undefined): string {
  return i === undefined ? '(no issue)' : `${i.code} @${i.offset}: ${i.message}`;
}

/**
 * Checks one input; returns normally when fine, throws an Error naming the input (hex) otherwise.
 * `source` groups the statistics; `where` names the input (e.g. the spec file it came from).
 */
function checkAgreement(bytes: Uint8Array, source: string, where: string, dump = true): void {
  const fail = (why: string): never => {
    throw new Error(`${why}\n  input: ${where}\n  ${describeBytes(bytes, source, dump)}`);
  };
  let result: ReturnType<typeof validate>;
  try {
    result = validate(bytes, policies.spec);
  } catch (e) {
    return fail(`validate threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  if (typeof result !== 'object' || result === null || (result.ok !== true && result.ok !== false))
    return fail(`validate returned ${String(result)}`);
  if (!result.ok) {
    if (!Array.isArray(result.issues) || result.issues.length === 0) return fail('rejection without issues');
    for (const issue of result.issues) {
      const o = issue.offset;
      if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > bytes.length)
        fail(`issue offset ${String(o)} outside [0, ${bytes.length}]: ${describeIssue(issue)}`);
    }
  }

  const v8 = v8Validate(bytes);
  const stats = verdicts.get(source) ?? { bothValid: 0, bothInvalid: 0 };
  verdicts.set(source, stats);
  if (result.ok === v8) {
    if (v8) stats.bothValid++;
    else stats.bothInvalid++;
    return;
  }
  if (result.ok) return fail('validate accepts, WebAssembly.validate rejects');

  const first = result.issues[0];
  const feature = first?.code.startsWith('forbidden.feature.') ? first.code.slice('forbidden.feature.'.length) : undefined;
  if (feature !== undefined && (LATER_FEATURES as readonly string[]).includes(feature)) {
    const words = PROPOSAL_WORDS[feature as LaterFeatureName];
    if (words.some((w) => first!.message.toLowerCase().includes(w))) {
      record(source, feature, bytes, where);
      return;
    }
    return fail(`forbidden.feature.${feature} message does not name the proposal: ${describeIssue(first)}`);
  }
  return fail(`validate rejects, WebAssembly.validate accepts; first issue ${describeIssue(first)}` +
    (result.issues.length > 1 ? ` (+${result.issues.length - 1} more)` : ''));
}

function describeMutations(ms: readonly Mutation[]): string {
  return JSON.stringify(ms);
}

const specModules = loadSpecModules();
/** Mutation seeds: every spec module, smallest first, so that shrinking moves towards small inputs. */
const seedModules = [...specModules].sort((a, b) => a.bytes.length - b.bytes.length);
const seeds = seedModules.map((m) => m.bytes);
const timings: string[] = [];

afterAll(() => {
  const lines = ['agreement with WebAssembly.validate (Node ' + process.version + '):'];
  for (const [source, v] of verdicts) lines.push(`  ${source}: both valid ${v.bothValid}, both invalid ${v.bothInvalid}`);
  const total = [...allowed.values()].reduce((a, e) => a + e.count, 0);
  lines.push(`allowed differences (V8 accepts a later proposal that policies.spec forbids): ${total}`);
  for (const [key, e] of allowed) {
    lines.push(`  ${key}: ${e.count}`);
    for (const ex of e.examples) lines.push(`      e.g. ${ex}`);
  }
  lines.push(...timings);
  console.log(lines.join('\n'));
});

function timed(name: string, fn: () => void): void {
  const t0 = performance.now();
  try {
    fn();
  } finally {
    timings.push(`  ${name}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
}

describe('validate(x, policies.spec).ok === WebAssembly.validate(x)', () => {
  test('(a) on every binary module of the spec testsuite', () => {
    expect(specModules.length).toBe(1_595 + 117 + 2_144 + 736);
    const failures: string[] = [];
    timed(`spec modules (${specModules.length})`, () => {
      for (const m of specModules) {
        try {
          checkAgreement(m.bytes, 'spec modules', `${m.id} (${m.category}, line ${m.line})`, false);
        } catch (e) {
          failures.push((e as Error).message.slice(0, 600));
        }
      }
    });
    expect(failures.length, `${failures.length} disagreements:\n${failures.slice(0, 30).join('\n')}`).toBe(0);
  }, 60_000);

  test(`(b1) random bytes after a valid header (${fmt(RUNS.randomBytes)} cases)`, () => {
    timed(`random headered bytes (${fmt(RUNS.randomBytes)})`, () =>
      fc.assert(
        fc.property(headeredBytes({ maxLength: 96 }), (bytes) => checkAgreement(bytes, 'random bytes', 'random bytes')),
        { seed: 0x5eed0001 + SEED_OFFSET, numRuns: RUNS.randomBytes },
      ),
    );
  }, 600_000);

  test(`(b2) random well-framed sections (${fmt(RUNS.randomSections)} cases)`, () => {
    timed(`random sections (${fmt(RUNS.randomSections)})`, () =>
      fc.assert(
        fc.property(randomSections(), (bytes) => checkAgreement(bytes, 'random sections', 'random sections')),
        { seed: 0x5eed0002 + SEED_OFFSET, numRuns: RUNS.randomSections },
      ),
    );
  }, 600_000);

  test(`(b3) mutated spec modules (${fmt(RUNS.mutated)} cases)`, () => {
    timed(`mutated spec modules (${fmt(RUNS.mutated)})`, () =>
      fc.assert(
        fc.property(mutatedModuleCase(seeds, { maxMutations: 3 }), (c) => {
          const m = seedModules[c.seed]!;
          checkAgreement(c.bytes, 'mutated spec modules', `${m.id} (${m.category}) mutated by ${describeMutations(c.mutations)}`);
        }),
        { seed: 0x5eed0003 + SEED_OFFSET, numRuns: RUNS.mutated },
      ),
    );
  }, 600_000);
});
