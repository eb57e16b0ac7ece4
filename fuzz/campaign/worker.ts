/**
 * A campaign worker thread: runs the batches the campaign sends (`runProperty`: fast-check with the batch's
 * seed, shrinking, a regression file on failure) and reports each batch's counts, tags, opcode coverage and
 * failure. After `restartEvery` cases (workerData) it says it is retiring and exits: V8's
 * WebAssembly.validate slows down as a process sees many distinct signatures, so the campaign replaces a
 * worker every ~20,000 cases with a fresh one.
 *
 * Opcode coverage: the cases only carry bytes, so the worker decodes the cases that came straight from the
 * valid-module generator (source "generated, config ..." or a generator-valid case) and counts the opcode
 * table entries of their function bodies (`readInstructions`).
 */

import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { readInstructions } from '../../src/binary/instructions.js';
import { policies } from '../../src/index.js';
import { validateWith } from '../../src/validate/validate.js';
import { PropertyCheckFailed, runProperty } from '../properties/harness.js';
import { propertyByName } from '../properties/index.js';
import type { Property, PropertyCase } from '../properties/property.js';
import type { BatchFailure, FromWorker, ToWorker } from './protocol.js';

const port = parentPort!;
const restartEvery: number = (workerData as { restartEvery: number }).restartEvery;
let casesRun = 0;

function post(m: FromWorker): void {
  port.postMessage(m);
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

/** The property, with its check also collecting the opcode coverage of generated cases. */
function covering(p: Property<PropertyCase>, ops: Set<number>): Property<PropertyCase> {
  return {
    ...p,
    check: (c) => {
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

async function runBatch(m: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
  const p = propertyByName(m.property);
  if (p === undefined) throw new Error(`no property named "${m.property}"`);
  const ops = new Set<number>();
  const t0 = performance.now();
  let failure: BatchFailure | undefined;
  let cases = m.numRuns;
  let tags: Record<string, number> = {};
  try {
    const s = await runProperty(covering(p, ops), { seed: m.seed, numRuns: m.numRuns });
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
      seed: m.seed,
      path: info.path !== null && info.path.startsWith('"') ? (JSON.parse(info.path) as string) : info.path,
      note: info.note || (message.split('\n')[0] ?? ''),
      file,
      message,
    };
  }
  casesRun += cases;
  const retiring = casesRun >= restartEvery;
  post({
    type: 'done',
    property: m.property,
    seed: m.seed,
    cases,
    ms: performance.now() - t0,
    tags,
    ops: [...ops],
    ...(failure !== undefined ? { failure } : {}),
    retiring,
  });
  if (retiring) port.close();
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    port.close();
    return;
  }
  runBatch(m).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    port.close();
  });
});
post({ type: 'ready' });
