/**
 * Writes `bench/RESULTS.md` (tables, the machine, the geometric mean, the acceptance targets of issue 6)
 * and `bench/results.json` (the same, plus every bench's raw JSON) from the JSON files the benches write
 * with `--json`:
 *
 *   npx tsx bench/results.ts --json-dir DIR [--out-dir bench]      reads DIR/{validate,harden,execution,execution-tuned}.json
 *   npx tsx bench/results.ts --execution a.json [--validate b.json] [--harden c.json] [--out-dir bench]
 *
 * or `writeResults({ validate, harden, execution }, outDir)` from a script. Any of the three may be missing;
 * its section then says so. Nothing here imports wasm-harden or measures anything.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);

export interface ResultsInput {
  /** bench/validate.bench.ts --json */
  validate?: unknown;
  /** bench/harden.bench.ts --json */
  harden?: unknown;
  /** bench/execution.bench.ts --json */
  execution?: unknown;
  /** bench/execution.bench.ts --engine-tuned --json (src/runtime/engine.ts) */
  executionTuned?: unknown;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const rowsOf = (x: unknown): Json[] => (isObject(x) && Array.isArray(x['rows']) ? x['rows'].filter(isObject) : []);

const times = (r: number) => `${r.toFixed(3)}×`;
function fixed(n: number): string {
  const a = Math.abs(n);
  if (Number.isInteger(n) && a >= 100) return n.toLocaleString('en-US');
  return n.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}
const geomean = (xs: readonly number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const cell = (s: string) => s.replace(/\|/g, '\\|');

function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

/** A table of whatever scalar columns the rows carry (bench outputs evolve; nothing is dropped silently). */
function genericTable(rows: Json[], labels: Record<string, string> = {}): string {
  const keys: string[] = [];
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (!keys.includes(k) && (typeof v === 'number' || typeof v === 'string')) keys.push(k);
  const render = (k: string, v: unknown): string => {
    if (typeof v === 'number') return /ratio/i.test(k) ? times(v) : fixed(v);
    return v === undefined ? '' : String(v);
  };
  return table(
    keys.map((k) => labels[k] ?? k),
    rows.map((r) => keys.map((k) => render(k, r[k]))),
    keys.map((k) => (rows.some((r) => typeof r[k] === 'number') ? 'r' : 'l')),
  );
}

interface Check {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? head : `${head} (with uncommitted changes)`;
  } catch {
    return undefined;
  }
}

/** An execution bench's rows with a ratio, their geometric mean (all, kernels alone) and the worst row. */
function summarize(exec: Json | undefined): { rows: Json[]; geomean: number | undefined; kernelRatios: number[]; worst: Json | undefined } {
  const rows = rowsOf(exec).filter((r) => num(r['ratio']) !== undefined);
  const ratios = rows.map((r) => num(r['ratio'])!);
  return {
    rows,
    geomean: ratios.length > 0 ? geomean(ratios) : undefined,
    kernelRatios: rows.filter((r) => r['group'] === 'kernel').map((r) => num(r['ratio'])!),
    worst: rows.reduce<Json | undefined>((w, r) => (w === undefined || num(r['ratio'])! > num(w['ratio'])! ? r : w), undefined),
  };
}

/** The markdown of one execution bench: its table and its geometric mean. */
function executionSection(e: ReturnType<typeof summarize>): string[] {
  if (e.rows.length === 0) return ['Not measured (no execution JSON).', ''];
  return [
    table(
      ['workload', 'what', 'plain ms', 'hardened ms', 'ratio', 'per-round p25–p75', 'ratio of medians', 'ratio of minima', 'fuel / run'],
      e.rows.map((r) => {
        const rr = isObject(r['roundRatio']) ? r['roundRatio'] : {};
        const ofMedians = num(r['ratioOfMedians']);
        return [
          str(r['workload']) ?? '?',
          str(r['what']) ?? '',
          fixed(num(r['plainMs']) ?? NaN),
          fixed(num(r['hardenedMs']) ?? NaN),
          `**${times(num(r['ratio'])!)}**`,
          num(rr['p25']) === undefined ? '' : `${times(num(rr['p25'])!)}–${times(num(rr['p75'])!)}`,
          // a ratio of medians far from the paired ratio means the machine's load shifted during the rounds
          ofMedians === undefined ? '' : `${times(ofMedians)}${Math.abs(ofMedians / num(r['ratio'])! - 1) > 0.05 ? ' (noisy)' : ''}`,
          num(r['ratioOfMinima']) === undefined ? '' : times(num(r['ratioOfMinima'])!),
          num(r['fuel']) === undefined ? '' : num(r['fuel'])!.toLocaleString('en-US'),
        ];
      }),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `**Geometric mean: ${times(e.geomean!)}** over ${e.rows.length} workloads` +
      (e.kernelRatios.length > 0 && e.kernelRatios.length < e.rows.length ? ` (the ${e.kernelRatios.length} kernels alone: ${times(geomean(e.kernelRatios))})` : '') +
      `; worst: ${str(e.worst!['workload'])} at ${times(num(e.worst!['ratio'])!)}` +
      (e.rows.every((r) => num(r['ratioOfMinima']) !== undefined) ? ` (ratios of minima: geometric mean ${times(geomean(e.rows.map((r) => num(r['ratioOfMinima'])!)))}).` : '.'),
    '',
  ];
}

export function renderResults(input: ResultsInput, generated = new Date()): { markdown: string; json: Json } {
  const exec = isObject(input.execution) ? input.execution : undefined;
  const val = isObject(input.validate) ? input.validate : undefined;
  const hard = isObject(input.harden) ? input.harden : undefined;

  const machineInfo = isObject(exec?.['machineInfo']) ? exec['machineInfo'] : undefined;
  const machine = {
    cpu: str(machineInfo?.['cpu']) ?? os.cpus()[0]?.model ?? 'unknown cpu',
    cores: num(machineInfo?.['cores']) ?? os.cpus().length,
    memoryGiB: num(machineInfo?.['memoryGiB']) ?? Math.round(os.totalmem() / 2 ** 30),
    os: str(machineInfo?.['os']) ?? `${os.type()} ${os.release()} ${os.arch()}`,
  };
  const node = str(exec?.['node']) ?? str(val?.['node']) ?? str(hard?.['node']) ?? process.version;
  const binaryen = str(exec?.['binaryen']) ?? (require('binaryen/package.json') as { version: string }).version;
  const commit = str(exec?.['commit']) ?? gitCommit();
  const quick = [exec, val, hard].some((b) => b?.['quick'] === true);

  // ── execution ─────────────────────────────────────────────────────────────────────────────────────────
  const { rows: execRows, geomean: execGeomean, kernelRatios, worst } = summarize(exec);
  const tuned = summarize(isObject(input.executionTuned) ? input.executionTuned : undefined);

  // ── validate: the sql-wasm.wasm throughput ────────────────────────────────────────────────────────────
  const valRows = rowsOf(val);
  const sqlRow = valRows.find((r) => /sql/i.test(str(r['subject']) ?? str(r['module']) ?? ''));
  const sqlMBps = num(sqlRow?.['oursMBps']);

  // ── harden vs binaryen read+emit ──────────────────────────────────────────────────────────────────────
  const hardRows = rowsOf(hard);
  const hardenRatios = hardRows
    .map((r) => ({ module: str(r['module']) ?? str(r['subject']) ?? '?', ratio: num(r['ratio']), withCheck: num(r['ratioWithCheck']) }))
    .filter((r): r is { module: string; ratio: number; withCheck: number | undefined } => r.ratio !== undefined);
  const cacheHit = isObject(hard?.['cacheHit']) ? num(hard['cacheHit']['medianMs']) : num(hard?.['cacheHitMs']);

  const executionChecks = (e: ReturnType<typeof summarize>, how: string): Check[] => [
    {
      target: `execution overhead${how}: geometric mean ≤ 1.10× (goal ≤ 1.05×)`,
      measured: e.geomean === undefined ? 'not measured' : `${times(e.geomean)} over ${e.rows.length} workloads`,
      pass: e.geomean === undefined ? undefined : e.geomean <= 1.1,
    },
    {
      target: `execution overhead${how}: no workload above 1.25×`,
      measured:
        e.worst === undefined
          ? 'not measured'
          : `worst: ${str(e.worst['workload'])} ${times(num(e.worst['ratio'])!)}; above 1.25×: ${e.rows.filter((r) => num(r['ratio'])! > 1.25).length} of ${e.rows.length}`,
      pass: e.worst === undefined ? undefined : num(e.worst['ratio'])! <= 1.25,
    },
  ];
  const checks: Check[] = [
    ...executionChecks({ rows: execRows, geomean: execGeomean, kernelRatios, worst }, ''),
    ...(tuned.rows.length > 0 ? executionChecks(tuned, ', with `tuneEngine()`') : []),
    {
      target: 'harden ≤ 1.5× of binaryen read+emit (sql.js, QuickJS)',
      measured:
        hardenRatios.length === 0
          ? 'not measured'
          : hardenRatios.map((r) => `${r.module} ${times(r.ratio)}`).join(', ') +
            (hardenRatios.some((r) => r.withCheck !== undefined)
              ? ` (with the opt-in binaryen check: ${hardenRatios.map((r) => (r.withCheck === undefined ? '?' : times(r.withCheck))).join(', ')})`
              : ''),
      pass: hardenRatios.length === 0 ? undefined : hardenRatios.every((r) => r.ratio <= 1.5),
    },
    {
      target: 'harden cache hit < 1 ms',
      measured: cacheHit === undefined ? 'not measured by the benches yet' : `${fixed(cacheHit)} ms`,
      pass: cacheHit === undefined ? undefined : cacheHit < 1,
    },
    {
      target: 'validate ≥ 100 MB/s on sql-wasm.wasm',
      measured: sqlMBps === undefined ? 'not measured' : `${fixed(sqlMBps)} MB/s`,
      pass: sqlMBps === undefined ? undefined : sqlMBps >= 100,
    },
  ];

  // ── markdown ──────────────────────────────────────────────────────────────────────────────────────────
  const md: string[] = [];
  md.push('# Benchmark results', '');
  md.push(
    `Generated ${generated.toISOString()}${commit === undefined ? '' : ` at commit ${commit}`} by \`npm run bench\`` +
      ` (bench/results.ts). Machine: ${machine.cpu} × ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; ` +
      `Node ${node}; binaryen ${binaryen}.`,
    '',
  );
  if (quick) md.push('**Quick run** (`--quick`): few rounds, a smoke test; these figures are not results.', '');
  md.push(
    'Every benchmark runs its baseline in the same process, interleaved with the measured side (ABBA order for execution), after ' +
      'warm-up rounds, and reports medians of rounds; ratios are what to compare across machines. The machine was shared ' +
      '(other processes on its cores), so expect a few percent of noise; the per-round interquartile range shows how much.',
    '',
  );
  md.push('## Summary (issue 6 acceptance)', '');
  md.push(table(['target', 'measured', ''], checks.map((c) => [c.target, c.measured, c.pass === undefined ? '—' : c.pass ? 'met' : '**not met**'])), '');

  md.push('## Execution overhead: hardened (default costs) vs plain', '');
  md.push(...executionSection({ rows: execRows, geomean: execGeomean, kernelRatios, worst }));
  md.push(
    'Each round runs both sides back to back (ABBA order); the ratio is the median over rounds of hardened ÷ plain ' +
      'within a round, which cancels slow phases of a shared machine that outlast a round. The times are each side\'s ' +
      'median; their ratio (ratio of medians) is marked noisy when it differs from the paired ratio by more than 5%. ' +
      'The ratio of minima (each side\'s fastest round) is what the code costs when nothing interferes: slow phases of a ' +
      'shared machine hit hardened code harder (it touches more stack), and when they last half the rounds they move the ' +
      'median (fib has measured 0.98× on quiet runs and up to 1.44× on noisy ones, with a per-round range to match). ' +
      'Fuel per run counts the cost model\'s units (1 per instruction, 1 per byte of memory.fill/copy, …), not instructions.',
    '',
  );
  if (tuned.rows.length > 0) {
    md.push('## Execution overhead with `tuneEngine()` (opt-in)', '');
    md.push(
      'The same bench in a process that called `tuneEngine()` first (src/runtime/engine.ts): V8 then compiles ' +
        'functions above 8,192 virtual registers with its optimising register allocator instead of its mid-tier ' +
        'one. Of these workloads only sql.js\'s interpreter function is affected: about 6,400 virtual registers plain ' +
        '(below the threshold) and about 10,400 hardened (above it). Both sides run under the same flag.',
      '',
    );
    md.push(...executionSection(tuned));
  }
  md.push('## validate throughput: ours vs `WebAssembly.validate`', '');
  md.push(
    valRows.length === 0
      ? 'Not measured (no validate JSON).'
      : genericTable(valRows, { subject: 'module', bytes: 'bytes', oursMs: 'ours ms', v8Ms: 'V8 ms', oursMBps: 'ours MB/s', v8MBps: 'V8 MB/s', ratio: 'ours/V8 time' }),
    '',
  );

  md.push('## harden vs binaryen read + emit', '');
  if (hardRows.length === 0) md.push('Not measured (no harden JSON).', '');
  else {
    md.push(genericTable(hardRows, { ratio: 'harden / read+emit', ratioWithCheck: 'with check / read+emit' }), '');
    md.push(
      '`harden` verifies its output with our validator and V8\'s; `binaryenCheck: true` (off by default) adds ' +
        'binaryen\'s validator too, and the columns with "check" measure that. The phase columns are the default run.',
      '',
    );
    const small = isObject(hard?.['smallModule']) ? hard['smallModule'] : undefined;
    if (num(small?.['medianMs']) !== undefined)
      md.push(`A ${num(small!['bytes'])?.toLocaleString('en-US') ?? '?'}-byte module, warm: median ${fixed(num(small!['medianMs'])!)} ms per harden.`, '');
  }

  md.push('## Reproduce', '');
  md.push(
    '```sh',
    'npm ci',
    'npm run bench              # every benchmark, each in its own process; writes bench/RESULTS.md and bench/results.json',
    'npm run bench -- --quick   # a smoke run (under a minute)',
    'npx tsx bench/execution.bench.ts --only fib,sqlite   # one bench, some workloads (after npm run build)',
    '```',
    '',
  );

  const json: Json = {
    generated: generated.toISOString(),
    commit,
    machine,
    node,
    binaryen,
    quick,
    summary: {
      executionGeomean: execGeomean,
      executionGeomeanKernels: kernelRatios.length > 0 ? geomean(kernelRatios) : undefined,
      executionWorst: worst === undefined ? undefined : { workload: worst['workload'], ratio: worst['ratio'] },
      executionRatios: Object.fromEntries(execRows.map((r) => [str(r['workload']) ?? '?', num(r['ratio'])])),
      executionTunedGeomean: tuned.geomean,
      executionTunedRatios: Object.fromEntries(tuned.rows.map((r) => [str(r['workload']) ?? '?', num(r['ratio'])])),
      hardenRatios: Object.fromEntries(hardenRatios.map((r) => [r.module, r.ratio])),
      validateSqlMBps: sqlMBps,
      checks,
    },
    validate: input.validate,
    harden: input.harden,
    execution: input.execution,
    executionTuned: input.executionTuned,
  };
  return { markdown: md.join('\n'), json };
}

/** Writes RESULTS.md and results.json into `outDir` (each through a temporary file, then renamed). */
export function writeResults(input: ResultsInput, outDir = import.meta.dirname): { markdown: string; json: string } {
  const { markdown, json } = renderResults(input);
  const paths = { markdown: join(outDir, 'RESULTS.md'), json: join(outDir, 'results.json') };
  const put = (path: string, text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  put(paths.markdown, markdown);
  put(paths.json, JSON.stringify(json, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  return paths;
}

// ── CLI ─────────────────────────────────────────────────────────────────────────────────────────────────
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const dir = opt('--json-dir');
  const read = (name: 'validate' | 'harden' | 'execution' | 'execution-tuned'): unknown => {
    const path = opt(`--${name}`) ?? (dir === undefined ? undefined : join(dir, `${name}.json`));
    return path !== undefined && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as unknown) : undefined;
  };
  const input: ResultsInput = { validate: read('validate'), harden: read('harden'), execution: read('execution'), executionTuned: read('execution-tuned') };
  if (input.validate === undefined && input.harden === undefined && input.execution === undefined) {
    console.error('usage: tsx bench/results.ts --json-dir DIR | --execution F [--validate F] [--harden F] [--out-dir DIR]');
    process.exit(2);
  }
  const paths = writeResults(input, opt('--out-dir') ?? import.meta.dirname);
  console.log(`wrote ${paths.markdown} and ${paths.json}`);
}
