/**
 * Property 7, termination: with a fuel budget F, every run of a hardened *may-loop-forever* module ends
 * (returns, runs out of fuel, or traps otherwise) within a wall-time bound derived from F:
 *
 *   bound(F) = BASE_MS + F × NS_PER_FUEL / 10^6  ms   (per call, and for instantiation)
 *
 * NS_PER_FUEL is far above what a unit of fuel costs in practice (a few ns for plain instructions; the
 * costliest things a guest can do per unit, host calls and traps, are well under 1 µs), so a run that
 * exceeds the bound is one that executes without being charged, and BASE_MS covers compilation, the first
 * call's lazy compile and a loaded CI machine.
 *
 * Also: a call that returns normally has not overdrawn by more than a leaf's one path (fuel ≥ -1 would be
 * too tight for a path cost above 1, so: the drop of the fuel is at most F + the module's largest static
 * body cost, harden's `staticCost`).
 *
 * How: the hardened module runs in a worker thread (`TerminationRunner`), which instantiates it with fresh
 * host imports and calls every export (all of the generated module's entities are exported) with the fuel
 * refilled to F and the depth reset before each call, timing each. The main thread kills the worker if it
 * has not answered within `HARD_KILL_MS`, which is reported as a hang: a failure cannot hang the test.
 *
 * Inputs: may-loop generated modules (loops and recursion unrestricted).
 */

import { Worker } from 'node:worker_threads';
import { ValType } from '../../src/binary/module-info.js';
import { normalizePolicy, tryHarden } from '../../src/index.js';
import { HOST_ALLOWLIST } from '../generator/host.js';
import { exportEverything } from '../oracle/module-edit.js';
import { classifyErrorText, exportedFunctionsOf, recordHardenedOutcome, type ExportedFunctionSig } from './execute.js';
import { generatedCase } from './inputs.js';
import { bytesFromReplay, bytesReplay, describeBytesCase, fail, type BytesCase, type Property } from './property.js';
import { ORIGINAL_MAXIMA, decodeValid } from './same-behaviour.js';

export const TERMINATION_FUEL = 100_000n;
export const BASE_MS = 1000;
export const NS_PER_FUEL = 2000;
export const HARD_KILL_MS = 10_000;

export function boundMs(fuel: bigint): number {
  return BASE_MS + (Number(fuel) * NS_PER_FUEL) / 1e6;
}

interface CallReport {
  name: string;
  ms: number;
  ok: boolean;
  errorName?: string;
  message?: string;
  fuelAfter: bigint;
  depthAfter: number;
}

interface RunReport {
  instantiate: { ms: number; ok: boolean; errorName?: string; message?: string };
  calls: CallReport[];
}

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { tsImport } = await import('tsx/esm/api');
  const host = await tsImport(workerData.hostUrl, workerData.parentUrl);
  parentPort.on('message', ({ id, bytes, exports, fuel, fuelExport, depthExport }) => {
    const report = { instantiate: { ms: 0, ok: true }, calls: [] };
    let instance;
    const t0 = performance.now();
    try {
      instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), host.createHostImports());
    } catch (e) {
      report.instantiate = { ms: performance.now() - t0, ok: false, errorName: e && e.name, message: e && e.message };
      parentPort.postMessage({ id, report });
      return;
    }
    report.instantiate.ms = performance.now() - t0;
    const f = instance.exports[fuelExport];
    const d = instance.exports[depthExport];
    for (const fn of exports) {
      const args = host.defaultArguments(fn.params);
      if (args === undefined) continue;
      f.value = fuel;
      d.value = 0;
      const t = performance.now();
      let ok = true, errorName, message;
      try { instance.exports[fn.name](...args); }
      catch (e) { ok = false; errorName = e && e.name; message = e && e.message; }
      report.calls.push({ name: fn.name, ms: performance.now() - t, ok, errorName, message, fuelAfter: f.value, depthAfter: d.value });
    }
    parentPort.postMessage({ id, report });
  });
  parentPort.postMessage({ ready: true });
})();
`;

/** A worker that runs hardened modules, replaced when it has to be killed. */
export class TerminationRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private next = 0;

  private start(): Promise<void> {
    const worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { hostUrl: new URL('../generator/host.ts', import.meta.url).href, parentUrl: import.meta.url },
    });
    worker.unref();
    this.worker = worker;
    return new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** Runs `bytes` (a hardened module); 'hang' when the worker had to be killed. */
  async run(bytes: Uint8Array, exports: readonly ExportedFunctionSig[], fuel: bigint, fuelExport: string, depthExport: string): Promise<RunReport | 'hang' | { crashed: string }> {
    this.ready ??= this.start();
    await this.ready;
    const worker = this.worker!;
    const id = this.next++;
    return new Promise((resolve) => {
      const done = (r: RunReport | 'hang' | { crashed: string }) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(r);
      };
      const timer = setTimeout(() => {
        void this.kill();
        done('hang');
      }, HARD_KILL_MS);
      const onMessage = (m: { id?: number; report?: RunReport }) => {
        if (m.id === id && m.report !== undefined) done(m.report);
      };
      const onError = (e: Error) => {
        this.forget();
        done({ crashed: `${e.name}: ${e.message}` });
      };
      const onExit = (code: number) => {
        this.forget();
        done({ crashed: `the worker exited with code ${code}` });
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, bytes, exports: exports.map((f) => ({ name: f.name, params: f.params })), fuel, fuelExport, depthExport });
    });
  }

  private forget(): void {
    this.worker = undefined;
    this.ready = undefined;
  }

  async kill(): Promise<void> {
    const w = this.worker;
    this.forget();
    if (w !== undefined) await w.terminate();
  }
}

let shared: TerminationRunner | undefined;

/** Stops the shared worker (tests call it in afterAll). */
export async function closeTerminationRunner(): Promise<void> {
  const r = shared;
  shared = undefined;
  await r?.kill();
}

export async function checkTermination(c: BytesCase): Promise<string> {
  const bytes = exportEverything(decodeValid(c.bytes), ORIGINAL_MAXIMA);
  const info = decodeValid(bytes);
  const policy = normalizePolicy({ imports: HOST_ALLOWLIST, fuel: TERMINATION_FUEL, limits: ORIGINAL_MAXIMA });
  const h = await tryHarden(bytes, policy, { binaryenCheck: false });
  if (!h.ok) fail(`harden rejects a valid module within the policy: ${JSON.stringify(h.issues.slice(0, 3))}`);
  const { fuel, stack } = h.module.report;
  const maxStatic = BigInt(Math.max(0, ...h.module.report.staticCost));
  shared ??= new TerminationRunner();
  // a v128 result cannot cross into JS (a TypeError before anything runs): such exports are not called
  const callable = exportedFunctionsOf(info).filter((f) => !f.results.includes(ValType.V128));
  const report = await shared.run(h.module.bytes, callable, TERMINATION_FUEL, fuel.export, stack.export);
  const bound = boundMs(TERMINATION_FUEL);
  if (report === 'hang') fail(`no answer within ${HARD_KILL_MS} ms with a budget of ${TERMINATION_FUEL}: the worker was killed`);
  if ('crashed' in report) fail(`the worker crashed: ${report.crashed}`);
  recordHardenedOutcome(
    report.instantiate.ok ? { kind: 'ok', values: [] } : { kind: 'trap', ...classifyErrorText(report.instantiate.errorName ?? 'Error', report.instantiate.message ?? '') },
  );
  for (const call of report.calls) {
    if (call.ok) recordHardenedOutcome({ kind: 'ok', values: [] });
    else if (call.fuelAfter < 0n) recordHardenedOutcome({ kind: 'trap', trap: 'out-of-fuel', message: call.message ?? '' });
    else if (call.depthAfter > stack.limit) recordHardenedOutcome({ kind: 'trap', trap: 'stack-overflow', message: call.message ?? '' });
    else recordHardenedOutcome({ kind: 'trap', ...classifyErrorText(call.errorName ?? 'Error', call.message ?? '') });
  }
  if (report.instantiate.ms > bound) fail(`instantiation took ${report.instantiate.ms.toFixed(0)} ms, above the bound of ${bound} ms`);
  let outOfFuel = 0;
  for (const call of report.calls) {
    if (call.ms > bound) fail(`call "${call.name}" took ${call.ms.toFixed(0)} ms, above the bound of ${bound} ms for ${TERMINATION_FUEL} fuel`);
    const spent = TERMINATION_FUEL - call.fuelAfter;
    if (call.ok && spent > TERMINATION_FUEL + maxStatic)
      fail(`call "${call.name}" returned normally after spending ${spent} fuel of ${TERMINATION_FUEL} (more than one body's static cost ${maxStatic} over)`);
    if (!call.ok) {
      const t = classifyErrorText(call.errorName ?? 'Error', call.message ?? '');
      if (call.fuelAfter < 0n) outOfFuel++;
      else if (t.trap === 'other') fail(`call "${call.name}" ended with an unexpected error: ${t.message}`);
    }
  }
  return report.calls.length === 0 ? 'no call' : outOfFuel > 0 ? 'ended, some out of fuel' : 'ended';
}

export const termination: Property<BytesCase> = {
  name: 'termination',
  title: 'with budget F, every run of a may-loop module ends within a wall-time bound derived from F',
  arbitrary: () => generatedCase({ mode: 'mayLoop' }),
  check: checkTermination,
  replayData: bytesReplay,
  fromReplay: bytesFromReplay,
  describe: describeBytesCase,
};
