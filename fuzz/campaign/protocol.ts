/**
 * The campaign's shared pieces: its options, the messages between the campaign (fuzz/campaign/main.ts) and
 * its worker processes (fuzz/campaign/worker.ts, over the IPC channel), and how batch seeds are derived.
 *
 * Seeds: the campaign hands out *batches* — `numRuns` cases of one property, run by `runProperty` (fast-check,
 * shrinking, a regression file on failure) with the seed `batchSeed(seed, shard, property, k)`, where `k`
 * counts that property's batches within the shard. A batch's seed does not depend on which worker runs it
 * or on the number of workers, so a campaign with the same `--seed`, `--shard`, `--runs` and batch size
 * runs the same cases whatever `--workers` is; `--shard i/n` gives each shard its own seed stream (the
 * shard index is hashed in), so n processes or machines cover n disjoint-by-construction streams.
 */

import type { OutcomeCounts } from '../properties/execute.js';

export type { OutcomeCounts };

export interface CampaignOptions {
  /** stop handing out batches after this many seconds (wall time) */
  seconds?: number;
  /** cases per property (the campaign ends when every selected property has run this many) */
  runs?: number;
  seed: number;
  workers: number;
  /** property names (all when empty) */
  properties: string[];
  shard: { index: number; count: number };
  json: boolean;
  /** cases per batch (default 100) */
  batchSize?: number;
  /** a worker process is replaced after this many cases (default `RESTART_EVERY`) */
  restartEvery?: number;
  /** ... or after this much time spent running batches, in ms (default `RESTART_AFTER_MS`) */
  restartAfterMs?: number;
  /**
   * A worker that is running a batch and has not reported for this long (ms) is killed: the batch's
   * property fails with a hang (default `CASE_TIMEOUT_MS`). Workers report at least once a second while
   * cases start, so this bounds a single case (or a single shrinking step), not a batch.
   */
  caseTimeoutMs?: number;
  /** where failures' regression files go (default corpus/regressions/) */
  regressionsDir?: string;
  /** also accept the test-only properties of fuzz/campaign/test-properties.ts (tests only, not the CLI) */
  testProperties?: boolean;
}

export const RESTART_EVERY = 20_000;
export const RESTART_AFTER_MS = 15_000;
export const CASE_TIMEOUT_MS = 60_000;

/** What a worker process is started with (its one command-line argument, as JSON). */
export interface WorkerConfig {
  restartEvery: number;
  restartAfterMs: number;
  regressionsDir?: string;
  testProperties: boolean;
}

/** campaign → worker: run one batch, or stop */
export type ToWorker = { type: 'batch'; property: string; seed: number; numRuns: number } | { type: 'stop' };

export interface BatchFailure {
  property: string;
  /**
   * 'failed': the property did not hold (shrunk, regression file written); 'hang': the worker sent nothing
   * for `caseTimeoutMs` while running the batch and was killed; 'crash': the worker process died during
   * the batch. A hang or crash replays with `runProperty(property, { seed, numRuns })`.
   */
  kind: 'failed' | 'hang' | 'crash';
  seed: number;
  /** cases in the batch */
  numRuns: number;
  path: string | null;
  note: string;
  /** the .wasm regression file (its .json sits beside it), when one was written */
  file: string | null;
  /** runProperty's full message (case, bytes in hex, replay line) */
  message: string;
}

/** worker → campaign */
export type FromWorker =
  | { type: 'ready' }
  /** a heartbeat while a batch runs: sent when a case starts, at most about once a second */
  | { type: 'progress'; property: string; seed: number; index: number }
  | {
      type: 'done';
      property: string;
      seed: number;
      cases: number;
      ms: number;
      tags: Record<string, number>;
      /** how the hardened modules' runs of this batch ended (execution properties; fuzz/properties/execute.ts) */
      outcomes: OutcomeCounts;
      /** opcode-table indices seen in generated modules of this batch */
      ops: number[];
      failure?: BatchFailure;
      /** the worker has run its share of cases and exits after this message (the campaign starts another) */
      retiring: boolean;
      /** CPU time (user + system, all threads) the worker process has used since it started, ms */
      cpuMs: number;
    }
  | { type: 'error'; message: string };

/** A 32-bit mix (murmur3's finalizer) over the parts: the seed of batch `k` of `property` in shard `shard`. */
export function batchSeed(seed: number, shard: number, property: string, k: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  const mix = (x: number) => {
    h = Math.imul(h ^ x, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  };
  mix(shard);
  for (let i = 0; i < property.length; i++) mix(property.charCodeAt(i));
  mix(k);
  mix(k / 2 ** 32);
  return h | 0;
}
