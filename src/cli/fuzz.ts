/**
 * `wasm-harden fuzz [--seconds N | --runs N] [--seed S] [--workers K] [--property NAME] [--shard i/n] [--case-timeout S] [--json]`
 *
 * Runs the fuzz properties (fuzz/properties/) as a campaign across worker processes and prints a summary:
 * cases per property, cases/s per core, opcode coverage, the trap-kind histogram of the hardened modules'
 * runs, failures (including hung and crashed batches) with their replay info and the regression files
 * written to corpus/regressions/. Exit codes: 0 no property failed, 1 a property failed, 2 usage error
 * (or the campaign could not run).
 *
 * Why a child process: the campaign (fuzz/campaign/) drives the generator and the properties, which live
 * outside src/ and are TypeScript only: they are not compiled into dist/ (tsconfig.build.json's rootDir is
 * src/) and not shipped in the package. The campaign is a developer tool for a source checkout, so this
 * command checks the options here (a bad option exits 2 without starting anything) and then runs
 * `node --import tsx fuzz/campaign/main.ts <options as JSON>` from the package root (tsx is a
 * devDependency); it works the same from src/ (tests, tsx) and from dist/ (the `wasm-harden` binary in a
 * checkout). The child's stdout (the summary) goes to this command's output line by line; its stderr (the
 * progress line, live on a TTY) is passed through, or forwarded line by line when stderr is not a TTY.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError, type Command, type Io, type ParsedArgs } from './command.js';

/** The property names (fuzz/properties/index.ts), for option checking without loading the properties. */
export const FUZZ_PROPERTIES = [
  'never-crash',
  'agrees-with-v8',
  'generator-valid',
  'valid-in-valid-out',
  'same-behaviour',
  'fuel-exact',
  'termination',
  'memory-caps',
  'binaryen-healthy',
] as const;

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'Run the fuzz properties as a campaign across worker processes (a source checkout with tsx); summary and regressions.',
  usage: '[--seconds N | --runs N] [--seed S] [--workers K] [--property NAME] [--shard i/n] [--case-timeout S] [--json]',
  positionals: { min: 0, max: 0 },
  options: [
    { name: 'seconds', short: 's', type: 'string', valueName: '<N>', description: 'run for N seconds of wall time (default 60 when --runs is not given)' },
    { name: 'runs', short: 'n', type: 'string', valueName: '<N>', description: 'run N cases of each selected property' },
    { name: 'seed', type: 'string', valueName: '<S>', description: 'the campaign seed, a 32-bit integer (default: random, printed in the summary)' },
    { name: 'workers', short: 'w', type: 'string', valueName: '<K>', description: 'worker processes (default 2)' },
    { name: 'property', short: 'p', type: 'string', valueName: '<NAME[,NAME]>', description: `the properties to run (default all): ${FUZZ_PROPERTIES.join(', ')}` },
    { name: 'shard', type: 'string', valueName: '<i/n>', description: 'run shard i (0-based) of n: its own seed stream, for several processes or machines' },
    { name: 'batch', type: 'string', valueName: '<N>', description: 'cases per batch handed to a worker (default 100)' },
    {
      name: 'case-timeout',
      type: 'string',
      valueName: '<S>',
      description: 'kill a worker that has not reported for S seconds while running a case: its property fails with a hang (default 60)',
    },
    { name: 'json', short: 'j', type: 'flag', description: 'print the summary as JSON' },
    { name: 'help', short: 'h', type: 'flag', description: 'show this help' },
  ],
  run: runFuzz,
};

function positiveInt(name: string, text: string | undefined, max = 2 ** 31 - 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !(n >= 1 && n <= max)) throw new UsageError(`fuzz: --${name} must be an integer from 1 to ${max}, got "${text}"`);
  return n;
}

export interface FuzzOptions {
  seconds?: number;
  runs?: number;
  seed: number;
  workers: number;
  properties: string[];
  shard: { index: number; count: number };
  json: boolean;
  batchSize?: number;
  caseTimeoutMs?: number;
}

export function fuzzOptions(args: ParsedArgs): FuzzOptions {
  const seconds = positiveInt('seconds', args.values.get('seconds'), 7 * 24 * 3600);
  const runs = positiveInt('runs', args.values.get('runs'));
  if (seconds !== undefined && runs !== undefined) throw new UsageError('fuzz: give --seconds or --runs, not both');
  const seedText = args.values.get('seed');
  let seed: number;
  if (seedText === undefined) seed = Math.floor(Math.random() * 2 ** 31);
  else {
    seed = Number(seedText);
    if (!/^\s*-?\d+\s*$/.test(seedText) || !Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32)
      throw new UsageError(`fuzz: --seed must be a 32-bit integer, got "${seedText}"`);
    seed |= 0;
  }
  const workers = positiveInt('workers', args.values.get('workers'), 256) ?? 2;
  const properties = (args.values.get('property') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const p of properties)
    if (!(FUZZ_PROPERTIES as readonly string[]).includes(p)) throw new UsageError(`fuzz: no property named "${p}" (one of: ${FUZZ_PROPERTIES.join(', ')})`);
  let shard = { index: 0, count: 1 };
  const shardText = args.values.get('shard');
  if (shardText !== undefined) {
    const m = /^\s*(\d+)\/(\d+)\s*$/.exec(shardText);
    const index = Number(m?.[1]);
    const count = Number(m?.[2]);
    if (m === null || !(count >= 1 && count <= 65536) || !(index < count)) throw new UsageError(`fuzz: --shard must be i/n with 0 <= i < n, got "${shardText}"`);
    shard = { index, count };
  }
  const batchSize = positiveInt('batch', args.values.get('batch'), 100_000);
  const caseTimeout = positiveInt('case-timeout', args.values.get('case-timeout'), 24 * 3600);
  return {
    ...(runs !== undefined ? { runs } : { seconds: seconds ?? 60 }),
    seed,
    workers,
    properties: [...new Set(properties)],
    shard,
    json: args.flags.has('json'),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(caseTimeout !== undefined ? { caseTimeoutMs: caseTimeout * 1000 } : {}),
  };
}

/** The package root: two levels up from src/cli/ or dist/cli/. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function lines(write: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString();
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const l of parts) write(l);
    },
    flush() {
      if (rest !== '') write(rest);
      rest = '';
    },
  };
}

async function runFuzz(args: ParsedArgs, io: Io): Promise<number> {
  const options = fuzzOptions(args);
  const script = join(ROOT, 'fuzz', 'campaign', 'main.ts');
  if (!existsSync(script)) {
    io.err(`wasm-harden: fuzz needs a source checkout (${script} is missing): the campaign is a developer tool, not shipped in the package`);
    return EXIT.usage;
  }
  try {
    createRequire(join(ROOT, 'package.json')).resolve('tsx');
  } catch {
    io.err('wasm-harden: fuzz needs tsx (a devDependency): run `npm install` in the checkout');
    return EXIT.usage;
  }
  const tty = process.stderr.isTTY === true;
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', tty ? 'inherit' : 'pipe'],
    });
    const out = lines(io.out);
    const err = lines(io.err);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      io.err(`wasm-harden: cannot start the fuzz campaign: ${e.message}`);
      resolve(EXIT.usage);
    });
    child.on('close', (code, signal) => {
      out.flush();
      err.flush();
      if (signal !== null) io.err(`wasm-harden: the fuzz campaign was killed by ${signal}`);
      resolve(code === 0 || code === 1 ? code : EXIT.usage);
    });
  });
}
