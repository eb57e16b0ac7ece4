/**
 * Runs a property with fast-check: a fixed seed and case count, shrinking on failure, and on failure a
 * regression file (fuzz/regressions.ts) plus an error that says how to replay it.
 *
 *   const stats = await runProperty(neverCrash, { seed: 42, numRuns: 500 });
 *   stats.tags   how many cases ended with each tag ("checked", "void: ...", "discard: ...")
 *
 * Tags are counted over the first `numRuns` cases only (not over shrinking runs).
 */

import fc from 'fast-check';
import { toHex } from '../mutators.js';
import { writeRegression } from '../regressions.js';
import type { Property, PropertyCase } from './property.js';

export interface RunOptions {
  seed: number;
  numRuns: number;
  /** replay one counterexample path (with the seed that found it) */
  path?: string;
  /** write the shrunk counterexample to corpus/regressions/ (default true) */
  writeRegressions?: boolean;
  /** ... or to this directory instead */
  regressionsDir?: string;
  /** fast-check's per-case timeout in ms for async checks (default none) */
  timeout?: number;
  /**
   * Time allowed for shrinking, from the first failure (default 20 s). Past it, the next candidate
   * interrupts the run (a `PreconditionFailure` that interrupts), and fast-check reports the smallest
   * failure found so far: a failing property costs CI a bounded time (some failures make every candidate
   * slow, e.g. a binaryen instance retired and reloaded per case, or a hang that waits for the worker kill).
   */
  shrinkBudgetMs?: number;
}

export interface PropertyStats {
  property: string;
  cases: number;
  ms: number;
  casesPerSecond: number;
  tags: Record<string, number>;
}

export class PropertyCheckFailed extends Error {
  constructor(
    message: string,
    readonly regressionFile: string | undefined,
  ) {
    super(message);
    this.name = 'PropertyCheckFailed';
  }
}

export async function runProperty<C extends PropertyCase>(property: Property<C>, options: RunOptions): Promise<PropertyStats> {
  const tags: Record<string, number> = {};
  let counted = 0;
  let firstFailure: number | undefined;
  const shrinkBudget = options.shrinkBudgetMs ?? 20_000;
  const t0 = performance.now();
  const details = await fc.check(
    fc.asyncProperty(property.arbitrary(), async (c) => {
      // out of shrinking time: interrupt the run, which keeps the smallest failure found so far
      if (firstFailure !== undefined && performance.now() - firstFailure > shrinkBudget) throw new fc.PreconditionFailure(true);
      let tag: string;
      try {
        tag = await property.check(c);
      } catch (e) {
        firstFailure ??= performance.now();
        throw e;
      }
      if (counted < options.numRuns && firstFailure === undefined) {
        counted++;
        tags[tag] = (tags[tag] ?? 0) + 1;
      }
    }),
    {
      seed: options.seed,
      numRuns: options.numRuns,
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    },
  );
  const ms = performance.now() - t0;
  if (details.failed) {
    const c = details.counterexample?.[0] as C | undefined;
    const error = details.errorInstance;
    const note = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    let file: string | undefined;
    if (c !== undefined && options.writeRegressions !== false) {
      file = writeRegression(
        { property: property.name, seed: details.seed, path: details.counterexamplePath, note, case: property.replayData(c) },
        c.bytes,
        options.regressionsDir,
      );
    }
    const lines = [
      `property "${property.name}" failed after ${details.numRuns} cases and ${details.numShrinks} shrinks: ${note}`,
      c !== undefined ? `case: ${property.describe(c)}` : 'no counterexample',
      c !== undefined ? `bytes (${c.bytes.length}): ${toHex(c.bytes, 4096)}` : '',
      `replay: runProperty(${property.name}, { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)}, numRuns: 1 })`,
      file !== undefined ? `regression written to ${file}` : '',
    ];
    throw new PropertyCheckFailed(lines.filter(Boolean).join('\n'), file);
  }
  return {
    property: property.name,
    cases: counted,
    ms,
    casesPerSecond: (counted / ms) * 1000,
    tags,
  };
}

/** One line for a test log: name, cases, time, rate, and the tags. */
export function formatStats(s: PropertyStats): string {
  const tags = Object.entries(s.tags)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${t}: ${n}`)
    .join(', ');
  return `${s.property}: ${s.cases} cases in ${(s.ms / 1000).toFixed(1)} s (${s.casesPerSecond.toFixed(0)}/s) — ${tags}`;
}
