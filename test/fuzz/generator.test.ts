/**
 * The valid-module generator (fuzz/generator/), checked on itself with fixed seeds:
 *   - every Wasm 2.0 entry of the opcode table has a generator;
 *   - every generated module is valid for V8 and for our validator (`policies.spec`), and uses only its
 *     config's features and the documented host imports (our validator, strict policy, exactly those);
 *   - terminating-mode modules terminate (run in a worker with a wall-clock guard);
 *   - opcode coverage over 3,000 swarm modules;
 *   - determinism and shrinking.
 */

import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, test } from 'vitest';
import { Check, WASM2_OPS } from '../../src/binary/opcodes.js';
import { normalizePolicy, policies, validate } from '../../src/index.js';
import { parseSectionHeaders, toHex } from '../../fuzz/mutators.js';
import {
  HOST_ALLOWLIST,
  OpcodeCoverage,
  generateModule,
  instrKindOf,
  normalizeConfig,
  opClassOf,
  seededWords,
  swarmConfig,
  validModule,
  type GeneratedModule,
} from '../../fuzz/generator/index.js';
import { hasSpecialHandler } from '../../fuzz/generator/body.js';
import { opAt } from '../../fuzz/generator/ops.js';
import { readInstructions } from '../../src/binary/instructions.js';
import { countedLoop, CountedForm, type CountedLoop } from '../../src/instrument/counted-loop.js';
import { validateWith } from '../../src/validate/validate.js';

const SEED = 0x5eed_2025;

function describeModule(m: GeneratedModule): string {
  return `config ${JSON.stringify(m.config)}\nbytes ${toHex(m.bytes)}`;
}

/** Throws (with the module's hex) unless V8, our spec validator and the config-restricted policy accept it. */
function assertValid(m: GeneratedModule): void {
  const v8 = WebAssembly.validate(m.bytes);
  const ours = validate(m.bytes, policies.spec);
  if (v8 !== ours.ok || !v8) {
    let v8Message = '';
    try {
      new WebAssembly.Module(m.bytes);
    } catch (e) {
      v8Message = String(e);
    }
    const issues = ours.ok ? 'ok' : JSON.stringify(ours.issues.slice(0, 3));
    throw new Error(`generated module rejected: V8 ${v8} ${v8Message}; ours ${issues}\n${describeModule(m)}`);
  }
  // only the config's features, only the host allowlist (strict limits are far above generated sizes)
  const restricted = validate(m.bytes, normalizePolicy({ features: m.config.features, imports: HOST_ALLOWLIST }));
  if (!restricted.ok)
    throw new Error(`module outside its config: ${JSON.stringify(restricted.issues.slice(0, 3))}\n${describeModule(m)}`);
}

describe('generator ← opcode table', () => {
  test('every Wasm 2.0 entry has a generator (simple, memory or a special handler) and a kind', () => {
    for (const op of WASM2_OPS) {
      const cls = opClassOf(op);
      expect(cls, op.name).toBeDefined();
      if (cls === 'special') expect(hasSpecialHandler(op), op.name).toBe(true);
      if (cls === 'memory') expect(op.check === Check.Memory || op.check === Check.MemoryLane).toBe(true);
      expect(instrKindOf(op)).toBeTypeOf('string');
    }
  });
});

describe('every generated module is valid', () => {
  test('1,600 terminating + 600 may-loop swarm modules: V8 and validate(policies.spec) accept them, within their features and the host allowlist', () => {
    let n = 0;
    const count = (m: GeneratedModule) => {
      assertValid(m);
      n++;
    };
    fc.assert(fc.property(validModule(swarmConfig({ mode: 'terminating' })), count), { seed: SEED, numRuns: 1600 });
    fc.assert(fc.property(validModule(swarmConfig({ mode: 'mayLoop' })), count), { seed: SEED + 1, numRuns: 600 });
    expect(n).toBe(2200);
  });

  test('large bodies (deep nesting, long br_tables, many locals) stay valid', () => {
    const big = swarmConfig({ maxInstructions: 600, maxNesting: 16, maxFunctions: 8, maxTypes: 12, maxParams: 8, maxLocals: 16, maxBrTableTargets: 16 });
    fc.assert(fc.property(validModule(big, { maxWords: 16_000, size: 'max' }), assertValid), { seed: SEED + 2, numRuns: 150 });
  });

  test('a module decoded from the empty stream is valid (the simplest module of its config)', () => {
    fc.assert(fc.property(swarmConfig(), (config) => assertValid(generateModule(config, []))), { seed: SEED + 3, numRuns: 100 });
  });
});

// ── termination: run exports in a worker, with a wall-clock guard ────────────────────────────────────

/**
 * A worker that instantiates a module with the host imports (fuzz/generator/host.ts, loaded through tsx)
 * and calls every export with default arguments. A run that exceeds its time limit gets the worker
 * terminated (which stops wasm code too) and replaced.
 */
class ExportRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private next = 0;

  private start(): Promise<void> {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { tsImport } = await import('tsx/esm/api');
        const host = await tsImport(workerData.hostUrl, workerData.parentUrl);
        parentPort.on('message', ({ id, bytes, exports }) => {
          const outcomes = [];
          let instance;
          try {
            instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), host.createHostImports());
          } catch (e) {
            parentPort.postMessage({ id, outcomes: ['instantiate: ' + e.name + ': ' + e.message] });
            return;
          }
          for (const f of exports) {
            const args = host.defaultArguments(f.params);
            if (args === undefined) { outcomes.push('v128 signature'); continue; }
            try { instance.exports[f.name](...args); outcomes.push('ok'); }
            catch (e) { outcomes.push(e.name + ': ' + e.message); }
          }
          parentPort.postMessage({ id, outcomes });
        });
        parentPort.postMessage({ ready: true });
      })();
    `;
    const worker = new Worker(code, {
      eval: true,
      workerData: { hostUrl: new URL('../../fuzz/generator/host.ts', import.meta.url).href, parentUrl: import.meta.url },
    });
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

  /** the outcome of every export call, or 'timeout' */
  async run(m: GeneratedModule, timeoutMs: number): Promise<string[] | 'timeout'> {
    this.ready ??= this.start();
    await this.ready;
    const worker = this.worker!;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        this.ready = undefined;
        void worker.terminate();
        resolve('timeout');
      }, timeoutMs);
      const onMessage = (msg: { id?: number; outcomes?: string[] }) => {
        if (msg.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(msg.outcomes!);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ id, bytes: m.bytes, exports: m.exportedFunctions });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

describe('terminating mode terminates', () => {
  const runner = new ExportRunner();
  afterAll(() => runner.close());

  test('400 terminating modules: instantiation and every export call end within 2 s each (a trap is fine)', async () => {
    const modules = fc.sample(validModule(swarmConfig({ mode: 'terminating' })), { seed: SEED + 4, numRuns: 400 });
    const histogram = new Map<string, number>();
    for (const m of modules) {
      const outcomes = await runner.run(m, 2000);
      if (outcomes === 'timeout') throw new Error(`terminating-mode module did not terminate within 2 s\n${describeModule(m)}`);
      for (const o of outcomes) {
        const key = o.replace(/\d+/g, 'N').slice(0, 70);
        histogram.set(key, (histogram.get(key) ?? 0) + 1);
      }
    }
    console.log('terminating-mode outcomes:', Object.fromEntries([...histogram].sort((a, b) => b[1] - a[1])));
    // most calls return normally: traps (out-of-bounds, fuel, unreachable) are the minority
    const ok = histogram.get('ok') ?? 0;
    const total = [...histogram.values()].reduce((a, b) => a + b, 0);
    expect(ok).toBeGreaterThan(total / 2);
  }, 60_000);

  test('may-loop mode does produce runs that do not end (at least 2 of 300 modules)', async () => {
    const modules = fc.sample(validModule(swarmConfig({ mode: 'mayLoop' })), { seed: SEED + 5, numRuns: 300 });
    let timeouts = 0;
    for (const m of modules) {
      if (timeouts >= 2) break;
      if ((await runner.run(m, 150)) === 'timeout') timeouts++;
    }
    expect(timeouts).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

// ── coverage ─────────────────────────────────────────────────────────────────────────────────────────

describe('coverage', () => {
  test('3,000 swarm modules emit at least 95% of the Wasm 2.0 opcodes of the table', () => {
    const coverage = new OpcodeCoverage();
    const t0 = performance.now();
    for (const m of fc.sample(validModule(), { seed: SEED + 6, numRuns: 3000 })) coverage.add(m.stats.ops);
    const ms = performance.now() - t0;
    const r = coverage.report();
    console.log(
      `opcode coverage: ${r.covered}/${r.total} = ${r.percent.toFixed(1)}% over 3000 modules ` +
        `(${((3000 / ms) * 1000).toFixed(0)} modules/s); missing: ${r.missing.join(', ') || 'none'}`,
    );
    expect(r.percent).toBeGreaterThanOrEqual(95);
  });

  test('memory accesses: about 90% in bounds, some near the end, a few far out', () => {
    // i32.load with a constant address, in modules with a non-empty memory and only memory instructions
    const config = normalizeConfig({ kinds: ['memory'], features: [], maxMemoryPages: 2, maxInstructions: 60 });
    const load = opAt(0, 0x28).code;
    let inBounds = 0,
      near = 0,
      far = 0;
    for (let seed = 0; seed < 300; seed++) {
      const m = generateModule(config, seededWords(seed, 3000));
      const memory = parseSectionHeaders(m.bytes).find((s) => s.id === 5);
      if (memory === undefined) continue;
      const pages = m.bytes[memory.start + 2]!; // count, flags, min (one byte: at most 2)
      if (pages === 0) continue;
      scanConstLoads(m.bytes, load, (ea) => {
        if (ea + 4 <= pages * 65536) inBounds++;
        else if (ea < pages * 65536 + 16) near++;
        else far++;
      });
    }
    const total = inBounds + near + far;
    console.log(`i32.load effective addresses: ${inBounds} in bounds, ${near} at the end, ${far} far out (of ${total})`);
    expect(total).toBeGreaterThan(300);
    expect(inBounds / total).toBeGreaterThan(0.85);
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(0);
  });
});

/** Finds `i32.const a; i32.load align offset` sequences (single-byte LEBs only, enough for a census). */
function scanConstLoads(bytes: Uint8Array, loadCode: number, onAccess: (ea: number) => void): void {
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] !== 0x41) continue;
    // read an s32 LEB
    let value = 0,
      shift = 0,
      j = i + 1,
      b = 0;
    do {
      b = bytes[j++] ?? 0;
      value |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (shift < 32 && b & 0x40) value |= -1 << shift;
    if (bytes[j] !== loadCode) continue;
    const align = bytes[j + 1]!;
    if (align > 2) continue;
    let offset = 0;
    shift = 0;
    let k = j + 2;
    do {
      b = bytes[k++] ?? 0;
      offset += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    onAccess((value >>> 0) + offset);
  }
}

// ── determinism and shrinking ────────────────────────────────────────────────────────────────────────

describe('determinism and shrinking', () => {
  test('the same seed gives the same bytes; the same (config, words) gives the same bytes', () => {
    const a = fc.sample(validModule(), { seed: SEED + 7, numRuns: 200 });
    const b = fc.sample(validModule(), { seed: SEED + 7, numRuns: 200 });
    expect(a.map((m) => toHex(m.bytes))).toEqual(b.map((m) => toHex(m.bytes)));
    for (let i = 0; i < 50; i++) {
      const words = seededWords(i, 1500);
      const config = a[i]!.config;
      expect(toHex(generateModule(config, words).bytes)).toBe(toHex(generateModule(config, words).bytes));
    }
  });

  test('a failure shrinks to a small valid module and replays from { seed, path }', () => {
    const brTable = opAt(0, 0x0e).index;
    const property = fc.property(validModule(), (m) => !m.stats.ops.includes(brTable));
    const r = fc.check(property, { seed: SEED + 8, numRuns: 2000 });
    expect(r.failed).toBe(true);
    const shrunk = r.counterexample![0];
    assertValid(shrunk);
    expect(shrunk.bytes.length).toBeLessThan(120);
    const replay = fc.check(property, { seed: r.seed, path: r.counterexamplePath!, numRuns: 2000 });
    expect(toHex(replay.counterexample![0].bytes)).toBe(toHex(shrunk.bytes));
  });
});

describe('tight loops', () => {
  /** the counted loops (src/instrument/counted-loop.ts) harden finds in a module's bodies */
  function countedLoops(bytes: Uint8Array): CountedLoop[] {
    const r = validateWith(bytes, policies.spec, true);
    if (!r.ok) throw new Error(r.issues[0]?.message);
    const found: CountedLoop[] = [];
    for (const body of r.module.codes) {
      const open: number[] = []; // per open construct: its body's start if a loop of empty type, else -1
      for (const ins of readInstructions(bytes, body.codeStart, body.end)) {
        const code = ins.op.prefix === 0 ? ins.op.code : -1;
        if (code === 0x02 || code === 0x04) open.push(-1);
        else if (code === 0x03) open.push(bytes[ins.offset + 1] === 0x40 ? ins.end : -1);
        else if (code === 0x0b && open.length > 0) {
          const start = open.pop()!;
          const c = start >= 0 ? countedLoop(bytes, start, ins.offset) : undefined;
          if (c !== undefined) found.push(c);
        }
      }
    }
    return found;
  }

  test('terminating modules carry every counted shape harden chunks: down, and up to a constant or a local by lt_u, lt_s and ne', () => {
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const m = generateModule(normalizeConfig({}), seededWords(SEED + seed, 2000));
      for (const c of countedLoops(m.bytes)) {
        const key = c.form === CountedForm.Down ? 'down' : `up ${c.boundLocal >= 0 ? 'local' : 'const'} 0x${c.compare.toString(16)}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    for (const key of ['down', 'up local 0x49', 'up local 0x48', 'up local 0x47', 'up const 0x49', 'up const 0x48', 'up const 0x47'])
      expect(seen.get(key) ?? 0, `${key} in ${JSON.stringify([...seen])}`).toBeGreaterThan(3);
  });
});
