/**
 * `wasm-harden run <file.wasm> [--invoke NAME] [--args a,b,...] [--fuel N] [--max-memory-pages N]
 *   [--timeout-ms N] [--wasi] [--policy p.json] [--preset strict|spec] [--cache-dir DIR | --no-cache] [--json]`
 *
 * Hardens the module (through the content-addressed disk cache, so a second run of the same file and
 * policy skips validation and rewriting), instantiates it in a sandbox, calls one export and prints the values, or the
 * trap kind, and the fuel used. The base policy is `check`'s (strict, imports unchecked); `--wasi` also
 * allows `wasi_snapshot_preview1` and provides the minimal WASI (stdout/stderr are printed after the run).
 * No other host function is provided, so a module that imports anything else fails to instantiate.
 * `--timeout-ms N` runs the module in a worker thread (instantiateInWorker) that is terminated when the
 * call (or the instantiation) passes N ms of wall-clock time: the result is the trap `timeout`, exit code 4.
 *
 * Exit codes: 0 ok, 1 rejected (the same output as `check`), 2 usage or I/O error, 3 trap, 4 timeout.
 * With `--json`: the `RunResult` (bigints as decimal strings), or `{ ok: false, issues }` when rejected.
 */

import { homedir } from 'node:os';
import { join } from 'node:path';
import { WasmHardenError } from '../issues.js';
import { normalizePolicy, parseFuel, type Policy } from '../policy.js';
import { HardenCache } from '../runtime/cache.js';
import { InstantiationTrapError } from '../runtime/errors.js';
import { instantiate } from '../runtime/sandbox.js';
import { instantiateInWorker } from '../runtime/worker-sandbox.js';
import type { RunResult } from '../runtime/types.js';
import { describeError, loadModule, loadPolicy, reportRejected, POLICY_OPTIONS, reportModuleFailure, reportPolicyFailure } from './check.js';
import { EXIT, UsageError, type Command, type Io, type ParsedArgs } from './command.js';
import { formatPolicyIssue, toJSON } from './format.js';

export const EXIT_TRAP = 3;
export const EXIT_TIMEOUT = 4;

export const runCommand: Command = {
  name: 'run',
  summary: 'Harden (cached), instantiate and call one export; print the values or the trap kind and the fuel used.',
  usage: '<file.wasm> [--invoke NAME] [--args a,b,...] [--fuel N] [--max-memory-pages N] [--timeout-ms N] [--wasi] [--policy p.json] [--json]',
  positionals: { min: 1, max: 1 },
  options: [
    { name: 'invoke', short: 'i', type: 'string', valueName: '<NAME>', description: 'the export to call (default: _start if exported, else main)' },
    { name: 'args', short: 'a', type: 'string', valueName: '<a,b,...>', description: 'comma-separated arguments (integers, decimals; i64 beyond 2^53 as integers)' },
    { name: 'fuel', type: 'string', valueName: '<N>', description: 'the fuel budget of the call' },
    { name: 'max-memory-pages', type: 'string', valueName: '<N>', description: 'the memory cap in 64 KiB pages (policy limits.memoryPages)' },
    { name: 'timeout-ms', type: 'string', valueName: '<N>', description: 'wall-clock limit in ms: run in a worker, terminated past it (trap timeout, exit 4)' },
    { name: 'wasi', type: 'flag', description: 'provide the minimal WASI preview1 (stdout/stderr captured and printed)' },
    ...POLICY_OPTIONS,
    { name: 'cache-dir', type: 'string', valueName: '<DIR>', description: 'the hardened-module cache (default: $XDG_CACHE_HOME/wasm-harden or ~/.cache/wasm-harden)' },
    { name: 'no-cache', type: 'flag', description: 'harden without the disk cache' },
    { name: 'json', short: 'j', type: 'flag', description: 'print the RunResult (or the issues) as one JSON object' },
    { name: 'help', short: 'h', type: 'flag', description: 'show this help' },
  ],
  run: runRun,
};

function defaultCacheDir(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'wasm-harden');
}

/** "1,-2,3.5,9007199254740993" → [1, -2, 3.5, 9007199254740993n] */
export function parseArgsList(text: string | undefined): unknown[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const s = raw.trim();
    if (/^-?\d+$/.test(s)) {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : BigInt(s);
    }
    const f = Number(s);
    if (s === '' || Number.isNaN(f) && s.toLowerCase() !== 'nan') throw new UsageError(`run: "${s}" is not a number`);
    return f;
  });
}

function formatValue(v: unknown): string {
  return typeof v === 'bigint' ? `${v}` : typeof v === 'number' ? `${v}` : v === null ? 'null' : typeof v === 'function' ? '<funcref>' : String(v);
}

async function runRun(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positionals[0]!;
  const json = args.flags.has('json');
  const fuelText = args.values.get('fuel');
  const fuel = fuelText === undefined ? undefined : parseFuel(fuelText);
  if (fuelText !== undefined && fuel === undefined) throw new UsageError(`run: --fuel must be an integer from 0 to 2^63 - 1, got "${fuelText}"`);
  const pagesText = args.values.get('max-memory-pages');
  const pages = pagesText === undefined ? undefined : Number(pagesText);
  if (pages !== undefined && (!Number.isInteger(pages) || pages < 0)) throw new UsageError(`run: --max-memory-pages must be a non-negative integer`);
  const callArgs = parseArgsList(args.values.get('args'));
  const timeoutText = args.values.get('timeout-ms');
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutText !== undefined && (!/^\s*\d+\s*$/.test(timeoutText) || !(timeoutMs! >= 1 && timeoutMs! <= 2_147_483_647)))
    throw new UsageError(`run: --timeout-ms must be an integer from 1 to 2147483647, got "${timeoutText}"`);

  const loaded = await loadPolicy(args.values.get('policy'), args.values.get('preset'));
  if (!loaded.ok) {
    reportPolicyFailure(loaded, json, io, args.values.get('policy'));
    return EXIT.usage;
  }
  let policy: Policy;
  try {
    policy = normalizePolicy(
      {
        ...(fuel !== undefined ? { fuel } : {}),
        ...(pages !== undefined ? { limits: { memoryPages: pages } } : {}),
        ...(args.flags.has('wasi') && loaded.policy.imports !== 'any'
          ? { imports: [...loaded.policy.imports, { module: 'wasi_snapshot_preview1', name: '*' }] }
          : {}),
      },
      loaded.policy,
    );
  } catch (e) {
    if (e instanceof WasmHardenError) {
      for (const issue of e.issues) io.err(`  ${formatPolicyIssue(issue)}`);
      return EXIT.usage;
    }
    throw e;
  }
  const mod = await loadModule(file);
  if (!mod.ok) {
    reportModuleFailure(file, mod, json, io);
    return EXIT.usage;
  }

  const cache = new HardenCache(args.flags.has('no-cache') ? {} : { cacheDir: args.values.get('cache-dir') ?? defaultCacheDir() });
  let result: RunResult;
  let stdout = '';
  let stderr = '';
  try {
    const hardened = await cache.harden(mod.bytes, policy);
    const pick = (exported: readonly string[]): string => {
      const name = args.values.get('invoke') ?? (exported.includes('_start') ? '_start' : exported.includes('main') ? 'main' : undefined);
      if (name === undefined) throw new UsageError(`run: which export? --invoke one of: ${exported.join(', ') || '(none)'}`);
      return name;
    };
    if (timeoutMs !== undefined) {
      const sandbox = await instantiateInWorker(hardened, { timeoutMs, ...(args.flags.has('wasi') ? { wasi: true } : {}) });
      try {
        result = await sandbox.call(pick(sandbox.functions), ...callArgs);
        if (sandbox.wasi !== undefined) {
          stdout = sandbox.wasi.stdoutText();
          stderr = sandbox.wasi.stderrText();
        }
      } finally {
        await sandbox.close();
      }
    } else {
      const sandbox = await instantiate(hardened, args.flags.has('wasi') ? { wasi: true } : {});
      result = sandbox.call(pick(Object.keys(sandbox.exports)), ...callArgs);
      if (sandbox.wasi !== undefined) {
        stdout = sandbox.wasi.stdoutText();
        stderr = sandbox.wasi.stderrText();
      }
    }
  } catch (e) {
    if (e instanceof InstantiationTrapError) result = e.trap;
    else if (e instanceof WasmHardenError) {
      const phase = e.issues[0]?.code.split('.')[0];
      if (phase === 'malformed' || phase === 'invalid' || phase === 'forbidden') return reportRejected(file, e.issues, json, io);
      for (const issue of e.issues) io.err(`wasm-harden: ${issue.code}: ${issue.message}`);
      if (json) io.out(toJSON({ ok: false, issues: e.issues }));
      return EXIT.usage;
    } else if (e instanceof UsageError) throw e;
    else {
      io.err(`wasm-harden: cannot run ${file}: ${describeError(e)}`);
      return EXIT.usage;
    }
  }

  if (stdout !== '') process.stdout.write(stdout);
  if (stderr !== '') process.stderr.write(stderr);
  if (json) io.out(toJSON(result));
  else if (result.ok)
    io.out(
      `${result.values.map(formatValue).join(' ')}${result.values.length > 0 ? '  ' : ''}(fuel used: ${result.fuelUsed.toLocaleString('en-US')}` +
        `${result.exitCode !== undefined ? `, exit code ${result.exitCode}` : ''})`,
    );
  else io.out(`trap: ${result.trap}: ${result.message} (fuel used: ${result.fuelUsed.toLocaleString('en-US')})`);
  if (result.ok) return EXIT.ok;
  return result.trap === 'timeout' ? EXIT_TIMEOUT : EXIT_TRAP;
}
