/**
 * A campaign worker *process* (forked by fuzz/campaign/main.ts with tsx, talking over the IPC channel):
 * runs the batches the campaign sends (`runProperty`: fast-check with the batch's seed, shrinking, a
 * regression file on failure) and reports each batch's counts, tags, hardened-run outcomes, opcode coverage
 * and failure. While a batch runs it sends a heartbeat when a case starts, at most about once a second, so
 * the campaign can tell a hung case from a long batch.
 *
 * Why processes, and why they retire: V8 (11.3, Node 20) slows down every WebAssembly compile and validate
 * as the *process* accumulates distinct function signatures (its type canonicalizer is per process, shared
 * by all isolates): same-behaviour falls from ~550 to ~180 cases/s over 20,000 generated modules, and a
 * fresh worker *thread* in the same process does not recover. So workers are processes, and one retires
 * (says so, and exits) after `restartEvery` cases or `restartAfterMs` of batch time, whichever comes first;
 * the campaign starts another (~0.6 s to start with tsx).
 *
 * Opcode coverage: the cases only carry bytes, so the worker decodes the cases that came straight from the
 * valid-module generator (source "generated, config ..." or a generator-valid case) and counts the opcode
 * table entries of their function bodies (`readInstructions`).
 */

import { readFileSync } from 'node:fs';
import { readInstructions } from '../../src/binary/instructions.js';
import { policies } from '../../src/index.js';
import { validateWith } from '../../src/validate/validate.js';
import { takeOutcomeCounts } from '../properties/execute.js';
import { PropertyCheckFailed, runProperty } from '../properties/harness.js';
import { propertyByName } from '../properties/index.js';
import type { Property, PropertyCase } from '../properties/property.js';
import type { BatchFailure, FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { testPropertyByName } from './test-properties.js';

if (process.send === undefined) throw new Error('fuzz/campaign/worker.ts runs as a process forked by fuzz/campaign/main.ts');
const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
let casesRun = 0;
let batchMs = 0;

function post(m: FromWorker, then?: () => void): void {
  process.send!(m, undefined, {}, then);
}

function isGenerated(c: PropertyCase): boolean {
  const x = c as { source?: unknown; config?: unknown; features?: unknown };
  if (typeof x.source === 'string') return x.source.startsWith('generated, config');
  return typeof x.config === 'string' && Array.isArray(x.features);
}

function opsOf(bytes: Uint8Array, into: Set<number>): void {
  const r = validateWith(bytes, policies.spec, false);
  if (!r.ok) return;
  for (const body of r.module.codes) {
    try {
      for (const ins of readInstructions(bytes, body.codeStart, body.end)) into.add(ins.op.index);
    } catch {
      // a valid module decodes; nothing to count otherwise
    }
  }
}

const HEARTBEAT_MS = 1000;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The property, with its check also collecting the opcode coverage of generated cases and sending a
 * heartbeat (at most every `HEARTBEAT_MS`) when a case starts.
 */
function instrumented(p: Property<PropertyCase>, m: Extract<ToWorker, { type: 'batch' }>, ops: Set<number>): Property<PropertyCase> {
  let index = 0;
  let last = performance.now();
  return {
    ...p,
    check: (c) => {
      const now = performance.now();
      if (now - last >= HEARTBEAT_MS) {
        last = now;
        post({ type: 'progress', property: m.property, seed: m.seed, index });
      }
      index++;
      if (isGenerated(c)) opsOf(c.bytes, ops);
      return p.check(c);
    },
  };
}

function regressionInfo(file: string): { path: string | null; note: string } {
  try {
    const j = JSON.parse(readFileSync(file.replace(/\.wasm$/, '.json'), 'utf8')) as { path?: string | null; note?: string };
    return { path: j.path ?? null, note: j.note ?? '' };
  } catch {
    return { path: null, note: '' };
  }
}

function propertyNamed(name: string): Property<PropertyCase> | undefined {
  return propertyByName(name) ?? (config.testProperties ? testPropertyByName(name) : undefined);
}

async function runBatch(m: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
  const p = propertyNamed(m.property);
  if (p === undefined) throw new Error(`no property named "${m.property}"`);
  const ops = new Set<number>();
  const t0 = performance.now();
  takeOutcomeCounts();
  let failure: BatchFailure | undefined;
  let cases = m.numRuns;
  let tags: Record<string, number> = {};
  try {
    const s = await runProperty(instrumented(p, m, ops), {
      seed: m.seed,
      numRuns: m.numRuns,
      ...(config.regressionsDir !== undefined ? { regressionsDir: config.regressionsDir } : {}),
    });
    tags = s.tags;
    cases = s.cases;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const file = e instanceof PropertyCheckFailed ? (e.regressionFile ?? null) : null;
    const info = file !== null ? regressionInfo(file) : { path: /path: ("[^"]*")/.exec(message)?.[1] ?? null, note: '' };
    const ran = /failed after (\d+) cases/.exec(message);
    cases = ran ? Number(ran[1]) : m.numRuns;
    failure = {
      property: m.property,
      kind: 'failed',
      seed: m.seed,
      numRuns: m.numRuns,
      path: info.path !== null && info.path.startsWith('"') ? (JSON.parse(info.path) as string) : info.path,
      note: info.note || (message.split('\n')[0] ?? ''),
      file,
      message,
    };
  }
  const ms = performance.now() - t0;
  casesRun += cases;
  batchMs += ms;
  const retiring = casesRun >= config.restartEvery || batchMs >= config.restartAfterMs;
  post(
    {
      type: 'done',
      property: m.property,
      seed: m.seed,
      cases,
      ms,
      tags,
      outcomes: takeOutcomeCounts(),
      ops: [...ops],
      ...(failure !== undefined ? { failure } : {}),
      retiring,
      cpuMs: cpuMs(),
    },
    retiring ? () => process.exit(0) : undefined,
  );
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    process.exit(0);
  }
  runBatch(m).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.exit(2));
  });
});
// the campaign going away (killed, or crashed) takes its workers with it
process.on('disconnect', () => process.exit(0));
post({ type: 'ready' });
