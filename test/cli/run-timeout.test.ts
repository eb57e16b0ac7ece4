/**
 * `wasm-harden run --timeout-ms N`: the module runs in a worker that is terminated past N ms; the result is
 * the trap `timeout` and the exit code 4. Once as a process, spawned from the TypeScript sources (`node
 * --import tsx`, calling `main` of src/cli/main.ts: this file builds nothing and never races on dist/), which
 * also shows the process ends once the worker is killed; the other cases call `main` in this process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { wat } from '../runtime/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RUNNER = `import { main } from ${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}; process.exitCode = await main(process.argv.slice(1));`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', RUNNER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

let tmp: string;
let file: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'wasm-harden-run-timeout-'));
  file = join(tmp, 'spin.wasm');
  writeFileSync(
    file,
    wat(`(module
      (func (export "spin") (loop $l (br $l)))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI in this process, its output captured. */
async function inProcess(...args: string[]): Promise<Omit<Run, 'ms'>> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  return { status, stdout, stderr };
}

const HUGE = '1000000000000000000';

describe('wasm-harden run --timeout-ms', () => {
  it('as a process: exits 4 with the trap timeout when the call passes the limit with fuel to spare', async () => {
    const r = await cli('run', file, '--invoke', 'spin', '--fuel', HUGE, '--timeout-ms', '300', '--no-cache');
    expect(r.status, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/^trap: timeout: .*wall-clock limit of 300 ms/m);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  }, 60_000);

  it('--json prints the timeout RunResult; a call within the limit exits 0, a trap 3, a bad value 2', async () => {
    const json = await inProcess('run', file, '--invoke', 'spin', '--fuel', HUGE, '--timeout-ms', '200', '--no-cache', '--json');
    expect(json.status, json.stderr).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, trap: 'timeout', fuelUsed: '0' });
    const ok = await inProcess('run', file, '--invoke', 'add', '--args', '2,3', '--timeout-ms', '10000', '--no-cache');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^5 {2}\(fuel used: \d+\)$/m);
    const outOfFuel = await inProcess('run', file, '--invoke', 'spin', '--fuel', '1000', '--timeout-ms', '10000', '--no-cache');
    expect(outOfFuel.status).toBe(3);
    expect(outOfFuel.stdout).toMatch(/^trap: out-of-fuel/m);
    for (const bad of ['0', '-5', 'abc', '1.5']) {
      const r = await inProcess('run', file, '--invoke', 'add', '--timeout-ms', bad, '--no-cache');
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toMatch(/--timeout-ms (must be an integer|needs a value)/);
    }
    expect((await inProcess('run', '--help')).stdout).toMatch(/--timeout-ms <N>/);
  }, 30_000);
});
