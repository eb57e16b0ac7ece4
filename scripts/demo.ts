/**
 * `npm run demo`: hardens and runs every program of corpus/programs (the seed's tools and the hostile set)
 * in sandboxes, prints one row per program (outcome, trap kind, fuel used, time), and exits non-zero if any
 * outcome differs from its expectation file. See corpus/programs/README.md for the expectation format.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { HardenCache } from '../src/runtime/cache.js';
import { InstantiationTrapError } from '../src/runtime/errors.js';
import { instantiate, type Sandbox } from '../src/runtime/sandbox.js';
import type { HostImports, RunResult } from '../src/runtime/types.js';
import { WasmHardenError } from '../src/issues.js';
import { normalizePolicy, type PolicyInput } from '../src/policy.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus', 'programs');

interface Expectation {
  description: string;
  policy?: PolicyInput;
  fuel?: string;
  host?: 'weather';
  wasi?: boolean;
  input?: string;
  invoke: string;
  args?: unknown[];
  expect:
    | { outcome: 'ok'; values: unknown[]; output?: string }
    | { outcome: 'trap' | 'instantiation-trap'; trap: string }
    | { outcome: 'rejected'; code: string };
}

interface Row {
  program: string;
  kind: 'benign' | 'hostile';
  outcome: string;
  detail: string;
  fuelUsed: string;
  ms: string;
  pass: boolean;
  why?: string;
}

const TEMPERATURES: Record<string, number> = { Paris: 215, Oslo: 42, Cairo: 331 };

/** The weather tool's host side: reads the city name from the guest's memory. */
function weatherHost(sandbox: () => Sandbox | undefined): HostImports {
  return {
    weather: {
      temperature(ptr: number, len: number): number {
        const city = sandbox()?.memory?.readString(ptr, len) ?? '';
        return TEMPERATURES[city] ?? -999;
      },
    },
  };
}

const sameValue = (a: unknown, b: unknown) => (typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a as never) === BigInt(b as never) : Object.is(a, b));

async function runOne(wabt: Awaited<ReturnType<typeof wabtInit>>, cache: HardenCache, kind: 'benign' | 'hostile', name: string): Promise<Row> {
  const dir = join(ROOT, kind);
  const exp = JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expectation;
  const parsed = wabt.parseWat(`${name}.wat`, readFileSync(join(dir, `${name}.wat`), 'utf8'), {
    bulk_memory: true,
    reference_types: true,
    multi_value: true,
    mutable_globals: true,
  });
  const bytes = new Uint8Array(parsed.toBinary({}).buffer);
  parsed.destroy();
  const policy = normalizePolicy({ ...(exp.policy ?? {}), ...(exp.fuel !== undefined ? { fuel: exp.fuel } : {}) });

  const t0 = performance.now();
  let outcome: string;
  let detail = '';
  let result: RunResult | undefined;
  let output: string | undefined;
  try {
    const hardened = await cache.harden(bytes, policy);
    let sandbox: Sandbox | undefined;
    const imports = exp.host === 'weather' ? weatherHost(() => sandbox) : undefined;
    sandbox = await instantiate(hardened, { ...(imports ? { imports } : {}), ...(exp.wasi ? { wasi: true } : {}) });
    let args = exp.args ?? [];
    if (exp.input !== undefined) {
      const ptr = (sandbox.call('input_buffer') as { values: number[] }).values[0]!;
      const len = sandbox.memory!.writeString(ptr, exp.input);
      args = [ptr, len];
    }
    result = sandbox.call(exp.invoke, ...args);
    if (result.ok) {
      outcome = 'ok';
      detail = result.values.map((v) => String(v)).join(', ');
      if (exp.input !== undefined) {
        const out = (sandbox.call('output_buffer') as { values: number[] }).values[0]!;
        output = sandbox.memory!.readString(out, Number(result.values[0]));
        detail = JSON.stringify(output);
      }
    } else {
      outcome = 'trap';
      detail = result.trap;
    }
  } catch (e) {
    if (e instanceof InstantiationTrapError) {
      outcome = 'instantiation-trap';
      detail = e.trap.trap;
      result = e.trap;
    } else if (e instanceof WasmHardenError) {
      outcome = 'rejected';
      detail = e.issues[0]?.code ?? '?';
    } else throw e;
  }
  const ms = performance.now() - t0;

  let pass = outcome === exp.expect.outcome;
  let why: string | undefined;
  if (pass && exp.expect.outcome === 'ok' && result?.ok) {
    const want = exp.expect.values;
    pass = want.length === result.values.length && want.every((v, i) => sameValue(v, result!.ok ? result!.values[i] : undefined));
    if (pass && exp.expect.output !== undefined) pass = output === exp.expect.output;
    if (!pass) why = `expected ${JSON.stringify(exp.expect.output ?? want)}`;
  } else if (pass && (exp.expect.outcome === 'trap' || exp.expect.outcome === 'instantiation-trap')) {
    pass = detail === exp.expect.trap;
    if (!pass) why = `expected ${exp.expect.trap}`;
  } else if (pass && exp.expect.outcome === 'rejected') {
    pass = detail === exp.expect.code;
    if (!pass) why = `expected ${exp.expect.code}`;
  } else if (!pass) why = `expected ${exp.expect.outcome}`;

  return {
    program: name,
    kind,
    outcome,
    detail,
    fuelUsed: result === undefined ? '-' : result.fuelUsed.toLocaleString('en-US'),
    ms: ms.toFixed(1),
    pass,
    ...(why !== undefined ? { why } : {}),
  };
}

export async function runDemo(): Promise<Row[]> {
  const wabt = await wabtInit();
  const cache = new HardenCache();
  const rows: Row[] = [];
  for (const kind of ['benign', 'hostile'] as const) {
    const names = readdirSync(join(ROOT, kind))
      .filter((f) => f.endsWith('.wat'))
      .map((f) => f.slice(0, -4))
      .sort();
    for (const name of names) rows.push(await runOne(wabt, cache, kind, name));
  }
  return rows;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runDemo();
  const cols = ['program', 'kind', 'outcome', 'detail', 'fuelUsed', 'ms', 'pass'] as const;
  const cell = (r: Row, c: (typeof cols)[number]) => (c === 'pass' ? (r.pass ? 'ok' : `FAIL ${r.why ?? ''}`) : String(r[c]));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line([...cols]));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => cell(r, c))));
  const failed = rows.filter((r) => !r.pass).length;
  const hostile = rows.filter((r) => r.kind === 'hostile');
  console.log(
    `\n${rows.length} programs: ${rows.length - failed} as expected, ${failed} not; ${hostile.filter((r) => r.pass).length}/${hostile.length} hostile programs neutralised.`,
  );
  process.exit(failed === 0 ? 0 : 1);
}
