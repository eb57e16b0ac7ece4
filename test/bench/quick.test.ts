/**
 * `npm run bench -- --quick` as a CI smoke test: every benchmark runs (one round each, against the built
 * dist/ that `npm ci` makes), the results files are written into a scratch directory (never over the
 * committed bench/RESULTS.md), and they carry every workload with a plausible ratio. Speed targets are not
 * asserted here (issue 6: they are checked by the benchmarks themselves, not by timed tests).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../../bench/kernels.js';

interface QuickResults {
  quick: boolean;
  summary: {
    executionGeomean: number;
    executionRatios: Record<string, number>;
    executionTunedRatios: Record<string, number>;
    hardenRatios: Record<string, number>;
    validateSqlMBps: number;
  };
}

describe('npm run bench -- --quick', () => {
  it('runs every benchmark and writes RESULTS.md and results.json into its JSON directory', { timeout: 120_000 }, () => {
    expect(existsSync('dist/index.js'), 'dist/ is built by npm ci (prepare)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'wasm-harden-quick-'));
    try {
      const committed = readFileSync('bench/RESULTS.md', 'utf8');
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json-dir', dir], { encoding: 'utf8' });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      expect(readFileSync('bench/RESULTS.md', 'utf8')).toBe(committed);
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as QuickResults;
      expect(results.quick).toBe(true);
      const workloads = Object.keys(results.summary.executionRatios);
      for (const k of KERNELS) expect(workloads).toContain(k.name);
      for (const w of ['quickjs-fib', 'quickjs-json', 'quickjs-strings', 'sqlite']) expect(workloads).toContain(w);
      for (const ratio of Object.values(results.summary.executionRatios)) expect(ratio).toBeGreaterThan(0.5);
      expect(results.summary.executionGeomean).toBeGreaterThan(0.5);
      // the opt-in engine tuning runs too (sqlite only, in a quick run)
      expect(Object.keys(results.summary.executionTunedRatios)).toEqual(['sqlite']);
      expect(results.summary.executionTunedRatios['sqlite']).toBeGreaterThan(0.5);
      expect(Object.keys(results.summary.hardenRatios).sort()).toEqual(['QuickJS', 'sql-wasm.wasm']);
      expect(results.summary.validateSqlMBps).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'RESULTS.md'), 'utf8')).toContain('Geometric mean');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
