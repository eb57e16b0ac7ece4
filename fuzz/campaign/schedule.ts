/**
 * Which property a campaign worker runs next: the scheduling rule of `wasm-harden fuzz`.
 *
 * Rule: **equal worker time per property.** The next batch goes to the selected property that has used
 * the least worker time so far, counting the batches still in flight at their estimated time (cases ×
 * the property's measured ms per case; `PRIOR_MS_PER_CASE` before its first batch is back); ties go to
 * the property listed first. A property that failed gets no more batches; with `runs`, neither does one
 * that has had `runs` cases handed out.
 *
 * Why time and not cases: the properties' costs differ by ~40× (agrees-with-v8 runs ~1,700 cases/s in a
 * worker, valid-in-valid-out and binaryen-healthy ~40/s, because binaryen reads and validates every
 * module). Balancing cases (the old rule) made a campaign over all nine run at about the slowest
 * property's pace: ~145 cases/s per worker, most of the time inside binaryen. Balancing time gives every
 * property a ninth of the workers' time, so the campaign runs at the *mean* of the rates (~500 cases/s per
 * worker), and the slow properties still get thousands of cases over a long campaign (~15,000 each in a
 * 30-minute, 2-worker run) instead of each fast property being held to their count.
 *
 * With `runs`, the rule only orders the batches (every property ends with `runs` cases); batch seeds do not
 * depend on the order (protocol.ts), so the cases run are the same whatever the timing.
 */

/** The cost assumed for a property until one of its batches has come back (ms per case). */
export const PRIOR_MS_PER_CASE = 10;

export interface ScheduledBatch {
  property: string;
  /** k: this property's batch number (for `batchSeed`) */
  index: number;
  numRuns: number;
  /** the time this batch is expected to take, ms (for the in-flight part of the rule) */
  estimateMs: number;
}

interface Entry {
  property: string;
  handedOut: number;
  nextBatch: number;
  cases: number;
  ms: number;
  inFlightMs: number;
  failed: boolean;
}

export class Scheduler {
  private readonly entries: Entry[];

  constructor(
    properties: readonly string[],
    private readonly options: { batchSize: number; runs?: number },
  ) {
    this.entries = properties.map((property) => ({ property, handedOut: 0, nextBatch: 0, cases: 0, ms: 0, inFlightMs: 0, failed: false }));
  }

  private entry(property: string): Entry {
    const e = this.entries.find((x) => x.property === property);
    if (e === undefined) throw new Error(`no scheduled property named "${property}"`);
    return e;
  }

  /** ms per case measured so far (the prior before any batch is back). */
  msPerCase(property: string): number {
    const e = this.entry(property);
    return e.cases > 0 ? e.ms / e.cases : PRIOR_MS_PER_CASE;
  }

  /** The next batch, or undefined when no property can have one. */
  next(): ScheduledBatch | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.failed) continue;
      if (this.options.runs !== undefined && e.handedOut >= this.options.runs) continue;
      if (best === undefined || e.ms + e.inFlightMs < best.ms + best.inFlightMs) best = e;
    }
    if (best === undefined) return undefined;
    const numRuns = this.options.runs !== undefined ? Math.min(this.options.batchSize, this.options.runs - best.handedOut) : this.options.batchSize;
    const estimateMs = numRuns * this.msPerCase(best.property);
    best.handedOut += numRuns;
    best.inFlightMs += estimateMs;
    return { property: best.property, index: best.nextBatch++, numRuns, estimateMs };
  }

  /** A batch came back: `cases` run in `ms` of worker time. */
  done(batch: ScheduledBatch, cases: number, ms: number): void {
    const e = this.entry(batch.property);
    e.inFlightMs = Math.max(0, e.inFlightMs - batch.estimateMs);
    e.cases += cases;
    e.ms += ms;
  }

  /** The property failed (a failing batch, a hang, a crash): no more batches for it. */
  fail(property: string): void {
    this.entry(property).failed = true;
  }

  /** Worker time used per property so far (ms), batches in flight not counted. */
  timeByProperty(): Record<string, number> {
    return Object.fromEntries(this.entries.map((e) => [e.property, e.ms]));
  }
}
