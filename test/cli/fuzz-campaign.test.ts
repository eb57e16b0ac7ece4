/**
 * The campaign's machinery (fuzz/campaign/): the scheduling rule (equal worker time per property), a case
 * that hangs or kills its worker (the test-only properties of fuzz/campaign/test-properties.ts) becomes a
 * failure with its batch seed while the other properties go on in a fresh worker, and the trap-kind
 * histogram adds up. Campaigns run in this process (`runCampaign`), with worker processes as in the CLI.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign, type CampaignIo } from '../../fuzz/campaign/main.js';
import { batchSeed, type CampaignOptions } from '../../fuzz/campaign/protocol.js';
import { PRIOR_MS_PER_CASE, Scheduler, type ScheduledBatch } from '../../fuzz/campaign/schedule.js';

const regressionsDir = mkdtempSync(join(tmpdir(), 'wasm-harden-campaign-test-'));
afterAll(() => rmSync(regressionsDir, { recursive: true, force: true }));

function quietIo(): CampaignIo & { errText: () => string; outText: () => string } {
  let err = '';
  let out = '';
  return { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), progress: () => {}, errText: () => err, outText: () => out };
}

function options(o: Partial<CampaignOptions>): CampaignOptions {
  return { seed: 11, workers: 1, properties: [], shard: { index: 0, count: 1 }, json: true, regressionsDir, testProperties: true, ...o };
}

/** Runs the scheduler against properties of the given ms per case until `totalMs` of simulated worker time. */
function simulate(costs: Record<string, number>, totalMs: number, opts: { batchSize: number; runs?: number }, inFlight = 1) {
  const s = new Scheduler(Object.keys(costs), opts);
  const cases: Record<string, number> = Object.fromEntries(Object.keys(costs).map((k) => [k, 0]));
  const order: string[] = [];
  let used = 0;
  const flying: ScheduledBatch[] = [];
  for (;;) {
    while (flying.length < inFlight) {
      const b = s.next();
      if (b === undefined) break;
      order.push(b.property);
      flying.push(b);
    }
    const b = flying.shift();
    if (b === undefined || used >= totalMs) break;
    const ms = b.numRuns * costs[b.property]!;
    s.done(b, b.numRuns, ms);
    cases[b.property]! += b.numRuns;
    used += ms;
  }
  return { scheduler: s, cases, order };
}

describe('scheduling rule: equal worker time per property', () => {
  it('a 40× slower property gets the same time and 1/40 of the cases', () => {
    const { scheduler, cases } = simulate({ fast: 0.5, slow: 20, mid: 2 }, 600_000, { batchSize: 100 }, 2);
    const t = scheduler.timeByProperty();
    const total = t.fast! + t.slow! + t.mid!;
    for (const p of ['fast', 'slow', 'mid']) expect(t[p]! / total).toBeGreaterThan(0.3);
    expect(cases.fast! / cases.slow!).toBeGreaterThan(35);
    expect(cases.fast! / cases.slow!).toBeLessThan(45);
    expect(scheduler.msPerCase('slow')).toBe(20);
  });

  it('before any batch is back, every property gets one batch (at the prior cost) in the listed order', () => {
    const s = new Scheduler(['a', 'b', 'c'], { batchSize: 50 });
    const first = [s.next()!, s.next()!, s.next()!];
    expect(first.map((b) => b.property)).toEqual(['a', 'b', 'c']);
    expect(first.map((b) => b.index)).toEqual([0, 0, 0]);
    expect(first[0]!.estimateMs).toBe(50 * PRIOR_MS_PER_CASE);
    // a's batch came back cheap: a is behind the ones still in flight, so it goes next, with batch index 1
    s.done(first[0]!, 50, 5);
    const next = s.next()!;
    expect(next.property).toBe('a');
    expect(next.index).toBe(1);
    expect(next.estimateMs).toBeCloseTo(5);
  });

  it('with runs, every property gets exactly runs cases, in batches no bigger than the batch size', () => {
    const { cases, order } = simulate({ a: 1, b: 30 }, Infinity, { batchSize: 40, runs: 130 });
    expect(cases).toEqual({ a: 130, b: 130 });
    expect(order.filter((p) => p === 'a').length).toBe(4);
  });

  it('a failed property gets no more batches', () => {
    const s = new Scheduler(['a', 'b'], { batchSize: 10 });
    s.fail('a');
    for (let i = 0; i < 5; i++) {
      const b = s.next()!;
      expect(b.property).toBe('b');
      s.done(b, 10, 10);
    }
    s.fail('b');
    expect(s.next()).toBeUndefined();
  });
});

describe('a campaign with the test-only properties', () => {
  it('a hung case: the worker is killed after the case timeout, the property fails with its batch seed, the others go on', async () => {
    const io = quietIo();
    const t0 = performance.now();
    const { code, summary } = await runCampaign(
      options({ properties: ['test-hang', 'generator-valid'], runs: 300, batchSize: 100, caseTimeoutMs: 1500 }),
      io,
    );
    expect(code).toBe(1);
    expect(performance.now() - t0).toBeLessThan(25_000);
    expect(summary.failures).toHaveLength(1);
    const f = summary.failures[0]!;
    expect(f).toMatchObject({ property: 'test-hang', kind: 'hang', seed: batchSeed(11, 0, 'test-hang', 0), numRuns: 100, path: null, file: null });
    expect(f.note).toMatch(/no answer from the worker for 2 s/);
    expect(io.errText()).toContain(`replay: runProperty(test-hang, { seed: ${f.seed}, numRuns: 100 })`);
    const byName = Object.fromEntries(summary.properties.map((p) => [p.property, p]));
    expect(byName['test-hang']!.failed).toBe(true);
    expect(byName['generator-valid']).toMatchObject({ cases: 300, failed: false });
    // the hung worker was replaced, and the replacement finished generator-valid
    expect(summary.workerRestarts).toBeGreaterThanOrEqual(1);
    expect(readdirSync(regressionsDir)).toEqual([]);
  }, 40_000);

  it('a case that kills its worker process is a crash of its property; the campaign goes on', async () => {
    const io = quietIo();
    const { code, summary } = await runCampaign(options({ properties: ['generator-valid', 'test-crash'], runs: 200, batchSize: 100 }), io);
    expect(code).toBe(1);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ property: 'test-crash', kind: 'crash', seed: batchSeed(11, 0, 'test-crash', 0) });
    expect(summary.failures[0]!.note).toMatch(/died \(code 3\)/);
    expect(summary.properties.find((p) => p.property === 'generator-valid')).toMatchObject({ cases: 200, failed: false });
  }, 40_000);

  it('without testProperties, a worker does not know them: a campaign error (exit 2)', async () => {
    const io = quietIo();
    const { code } = await runCampaign(options({ properties: ['test-hang'], runs: 10, testProperties: false }), io);
    expect(code).toBe(2);
    expect(io.errText()).toMatch(/campaign error: .*no property named "test-hang"/);
  }, 30_000);
});

describe('the trap-kind histogram', () => {
  it('counts the hardened runs of the execution properties, and adds up', async () => {
    const io = quietIo();
    const { code, summary } = await runCampaign(
      options({ properties: ['same-behaviour', 'termination', 'generator-valid'], runs: 150, batchSize: 50, workers: 2 }),
      io,
    );
    expect(code).toBe(0);
    const json = JSON.parse(io.outText()) as typeof summary;
    expect(json.trapKinds).toEqual(summary.trapKinds);
    const t = summary.trapKinds;
    const trapped = Object.values(t.traps).reduce((a, b) => a + b, 0);
    expect(t.returned + trapped).toBe(t.runs);
    // every generated module is instantiated and its exports called: more runs than cases
    expect(t.runs).toBeGreaterThan(300);
    expect(t.returned).toBeGreaterThan(0);
    expect(trapped).toBeGreaterThan(0);
    // may-loop modules run out of fuel in termination; generated code traps in many ways
    expect(t.traps['out-of-fuel']).toBeGreaterThan(0);
    expect(Object.keys(t.traps).length).toBeGreaterThanOrEqual(4);
    const known = ['unreachable', 'memory-out-of-bounds', 'table-out-of-bounds', 'indirect-call', 'integer-division-by-zero', 'integer-overflow',
      'bad-conversion-to-integer', 'stack-overflow', 'out-of-fuel', 'type-error', 'link-error', 'other'];
    for (const k of Object.keys(t.traps)) expect(known).toContain(k);
    const byName = Object.fromEntries(summary.properties.map((p) => [p.property, p]));
    expect(byName['generator-valid']!.outcomes).toEqual({ runs: 0, traps: {} });
    expect(byName['same-behaviour']!.outcomes.runs + byName['termination']!.outcomes.runs).toBe(t.runs);
    expect(summary.cpuSeconds).toBeGreaterThan(0);
  }, 60_000);
});
