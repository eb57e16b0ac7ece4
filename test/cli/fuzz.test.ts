/**
 * `wasm-harden fuzz`: a short campaign through the command (in this process, which spawns the campaign with
 * `node --import tsx`, see src/cli/fuzz.ts) exits 0 and reports per-property counts and opcode coverage;
 * `--property` selects properties; the summary has the trap-kind histogram; bad options exit 2 before anything
 * starts; batch seeds are reproducible. The campaign's machinery itself: fuzz-campaign.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FUZZ_PROPERTIES } from '../../src/cli/fuzz.js';
import { batchSeed } from '../../fuzz/campaign/protocol.js';
import { PROPERTIES } from '../../fuzz/properties/index.js';

async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(['fuzz', ...args], { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  return { status, stdout, stderr };
}

interface Summary {
  seed: number;
  cases: number;
  casesPerSecondPerCore: number;
  properties: { property: string; cases: number; failed: boolean; tags: Record<string, number> }[];
  coverage: { percent: number; covered: number; total: number; missing: string[] };
  trapKinds: { runs: number; returned: number; traps: Record<string, number> };
  failures: unknown[];
  regressions: string[];
}

describe('wasm-harden fuzz', () => {
  it('knows every property of fuzz/properties/', () => {
    expect([...FUZZ_PROPERTIES].sort()).toEqual(PROPERTIES.map((p) => p.name).sort());
  });

  it('a short campaign over the fast properties exits 0 and reports counts, coverage and no failures (--json)', async () => {
    const r = await cli('--runs', '60', '--workers', '2', '--seed', '7', '--batch', '30', '--json',
      '--property', 'agrees-with-v8,generator-valid,same-behaviour,fuel-exact,memory-caps');
    expect(r.stderr).not.toContain('campaign error');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.seed).toBe(7);
    expect(s.properties.map((p) => p.property)).toEqual(['agrees-with-v8', 'generator-valid', 'same-behaviour', 'fuel-exact', 'memory-caps']);
    for (const p of s.properties) {
      expect(p.cases).toBe(60);
      expect(p.failed).toBe(false);
      expect(Object.values(p.tags).reduce((a, b) => a + b, 0)).toBe(60);
    }
    expect(s.cases).toBe(300);
    expect(s.casesPerSecondPerCore).toBeGreaterThan(0);
    expect(s.coverage.total).toBeGreaterThan(400);
    expect(s.coverage.covered).toBeGreaterThan(100);
    expect(s.coverage.missing.length).toBe(s.coverage.total - s.coverage.covered);
    // same-behaviour, fuel-exact and memory-caps run hardened modules: the histogram has them
    expect(s.trapKinds.runs).toBeGreaterThan(180);
    expect(s.trapKinds.returned + Object.values(s.trapKinds.traps).reduce((a, b) => a + b, 0)).toBe(s.trapKinds.runs);
    expect(Object.keys(s.trapKinds.traps).length).toBeGreaterThan(0);
    expect(s.failures).toEqual([]);
    expect(s.regressions).toEqual([]);
  }, 30_000);

  it('--property selects one property; the text summary names counts, throughput and coverage', async () => {
    const r = await cli('--runs', '40', '--workers', '1', '--seed', '3', '--property', 'generator-valid');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/generator-valid\s+40\b/);
    expect(r.stdout).not.toContain('never-crash');
    expect(r.stdout).toMatch(/cases\/s per core/);
    expect(r.stdout).toMatch(/opcode coverage: \d+\.\d% \(\d+\/\d+ Wasm 2\.0 opcodes generated\)/);
    expect(r.stdout).toContain('trap kinds: no hardened module ran');
    expect(r.stdout).toContain('failures: none');
  }, 20_000);

  it('the text summary has the trap-kind histogram of the execution properties', async () => {
    const r = await cli('--runs', '60', '--workers', '1', '--seed', '5', '--property', 'same-behaviour', '--case-timeout', '30');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/trap kinds: [\d,]+ runs of hardened modules/);
    expect(r.stdout).toMatch(/^  returned +[\d,]+ +\d+\.\d%$/m);
    expect(r.stdout).toMatch(/^  (unreachable|memory-out-of-bounds|indirect-call|table-out-of-bounds) +[\d,]+ +\d+\.\d%$/m);
  }, 20_000);

  it.each([
    [['--bogus']],
    [['--runs', '0']],
    [['--runs', '10', '--seconds', '5']],
    [['--workers', 'two']],
    [['--property', 'no-such-property']],
    [['--shard', '2/2']],
    [['--seed', 'x']],
    [['--case-timeout', '0']],
    [['extra']],
  ])('bad usage %j exits 2', async (args) => {
    const r = await cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/wasm-harden: /);
    expect(r.stdout).toBe('');
  });

  it('batch seeds depend on seed, shard, property and batch, and on nothing else', () => {
    const a = batchSeed(1, 0, 'never-crash', 0);
    expect(batchSeed(1, 0, 'never-crash', 0)).toBe(a);
    const others = [batchSeed(2, 0, 'never-crash', 0), batchSeed(1, 1, 'never-crash', 0), batchSeed(1, 0, 'termination', 0), batchSeed(1, 0, 'never-crash', 1)];
    expect(new Set([a, ...others]).size).toBe(5);
  });
});
