/**
 * The `wasm-harden` binary, spawned as a user would run it: `node bin/wasm-harden.js ...` over a fresh
 * `npm run build` of dist/. Exit codes: 0 accepted, 1 rejected, 2 usage/I-O/policy error. No input may
 * make it print a stack trace.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'wasm-harden.js');
const SQL_WASM = join(ROOT, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let tmp: string;
const file = (name: string) => join(tmp, name);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace looks like `    at fn (file:line:col)`. */
function expectNoStack(r: Run): void {
  expect(r.stdout + r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

const ISSUE_LINE = /^(malformed|invalid|forbidden)\.[a-z0-9.-]+ at 0x[0-9a-f]+: \S.*$/;

beforeAll(() => {
  // The binary runs dist/, so build it from the current sources (npm install's `prepare` does the same).
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  tmp = mkdtempSync(join(tmpdir(), 'wasm-harden-cli-'));
  const sql = readFileSync(SQL_WASM);
  // corrupted copies: cut in the middle of the code section, and a broken magic number
  writeFileSync(file('truncated.wasm'), sql.subarray(0, Math.floor(sql.length / 2)));
  const badMagic = Buffer.from(sql);
  badMagic[1] = 0x62;
  writeFileSync(file('bad-magic.wasm'), badMagic);
  writeFileSync(file('empty.wasm'), new Uint8Array(0));
  let seed = 42;
  const random = new Uint8Array(4096).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
  writeFileSync(file('random.wasm'), random);
  writeFileSync(file('policy-bad.json'), JSON.stringify({ limits: { memoryPages: -1, nope: 3 }, features: ['threads'], extra: true }));
  writeFileSync(file('policy-not-json.json'), '{ "limits": ');
  writeFileSync(file('policy-few-functions.json'), JSON.stringify({ limits: { functions: 10 } }));
  writeFileSync(file('policy-deny-imports.json'), JSON.stringify({ imports: [] }));
  mkdirSync(file('a-directory'));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('top level', () => {
  it('--version prints the package version', () => {
    for (const flag of ['--version', '-V']) {
      const r = cli(flag);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(VERSION);
    }
  });

  it('--help prints usage with the commands, exit 0', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: wasm-harden <command>');
    expect(r.stdout).toMatch(/^\s+check\s/m);
  });

  it('no arguments: usage on stderr, exit 2', () => {
    const r = cli();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: wasm-harden');
  });

  it('an unknown command: exit 2, names it, no stack', () => {
    const r = cli('frobnicate', 'x.wasm');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expectNoStack(r);
  });

  it('an unknown top-level option: exit 2', () => {
    const r = cli('--frob');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option --frob');
  });
});

describe('check: usage errors exit 2', () => {
  it.each([
    [['check'], 'missing argument'],
    [['check', 'a.wasm', 'b.wasm'], 'unexpected argument "b.wasm"'],
    [['check', 'a.wasm', '--bogus'], 'unknown option --bogus'],
    [['check', 'a.wasm', '--policy'], '--policy needs a value'],
    [['check', 'a.wasm', '--json=yes'], '--json takes no value'],
    [['check', 'a.wasm', '--json', '--json'], 'more than once'],
    [['check', SQL_WASM, '--preset', 'lax'], 'unknown preset "lax"'],
  ])('%j', (args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expectNoStack(r);
  });

  it('check --help: exit 0, lists the options', () => {
    const r = cli('check', '--help');
    expect(r.status).toBe(0);
    for (const opt of ['--policy', '--preset', '--json']) expect(r.stdout).toContain(opt);
  });
});

describe('check: a valid module', () => {
  it('sql-wasm.wasm is accepted: exit 0, one summary line', () => {
    const r = cli('check', SQL_WASM);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/sql-wasm\.wasm: valid \([\d,]+ bytes; [\d,]+ functions \([\d,]+ imported\), [\d,]+ imports, [\d,]+ exports\)$/);
  });

  it('--json prints a JSON-safe summary, without the raw bytes', () => {
    const r = cli('check', SQL_WASM, '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      module: { size: number; functions: { imported: number; defined: number; total: number }; imports: { module: string; name: string; kind: string; type?: string }[]; exports: unknown[] };
    };
    expect(out.ok).toBe(true);
    expect(out.module.size).toBe(readFileSync(SQL_WASM).length);
    expect(out.module.functions.total).toBe(out.module.functions.imported + out.module.functions.defined);
    expect(out.module.functions.defined).toBeGreaterThan(100);
    expect(out.module.exports.length).toBeGreaterThan(0);
    expect(out.module.imports.every((i) => i.kind === 'func' && typeof i.type === 'string' && i.type.includes('->'))).toBe(true);
    expect(r.stdout).not.toContain('"bytes"');
  });

  it('--preset spec accepts it too', () => {
    expect(cli('check', SQL_WASM, '--preset', 'spec').status).toBe(0);
  });

  it('the imports printed by --json work as an allowlist under --preset strict', () => {
    const out = JSON.parse(cli('check', SQL_WASM, '--json').stdout) as { module: { imports: unknown[] } };
    writeFileSync(file('policy-allow.json'), JSON.stringify({ imports: out.module.imports }));
    const r = cli('check', SQL_WASM, '--preset', 'strict', '--policy', file('policy-allow.json'));
    expect(r.stdout + r.stderr).toMatch(/valid/);
    expect(r.status).toBe(0);
  });
});

describe('check: rejected modules exit 1', () => {
  it('a truncated copy of sql-wasm.wasm: one issue line per issue, then a summary line', () => {
    const r = cli('check', file('truncated.wasm'));
    expect(r.status).toBe(1);
    expectNoStack(r);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(ISSUE_LINE);
    expect(lines[0]).toMatch(/^malformed\.[a-z-]+ at 0x[0-9a-f]+: (unexpected end|length out of bounds)/);
    expect(lines.at(-1)).toMatch(/truncated\.wasm: rejected \(\d+ issues?\)$/);
  });

  it('a copy with a broken magic number: malformed.magic at 0x0', () => {
    const r = cli('check', file('bad-magic.wasm'));
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^malformed\.magic at 0x0: magic header not detected/);
  });

  it.each(['empty.wasm', 'random.wasm'])('%s: exit 1, no stack', (name) => {
    const r = cli('check', file(name));
    expect(r.status).toBe(1);
    expectNoStack(r);
    expect(r.stdout.split('\n')[0]).toMatch(ISSUE_LINE);
  });

  it('--json prints { ok: false, issues }', () => {
    const r = cli('check', file('bad-magic.wasm'), '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; issues: { code: string; offset: number; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.issues[0]).toMatchObject({ code: 'malformed.magic', offset: 0 });
    expect(out.issues[0]!.message).toMatch(/^magic header not detected/);
  });

  it('a policy file can make a valid module forbidden', () => {
    const r = cli('check', SQL_WASM, '--policy', file('policy-few-functions.json'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^forbidden\.limit\.functions at 0x[0-9a-f]+: limit exceeded: functions/m);
  });

  it('imports are checked once the policy lists them ([] denies all), and by --preset strict', () => {
    for (const args of [['--policy', file('policy-deny-imports.json')], ['--preset', 'strict']]) {
      const r = cli('check', SQL_WASM, ...args);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^forbidden\.import at 0x[0-9a-f]+: import not allowed.*\(import\[0\]/m);
    }
  });
});

describe('check: I/O and policy errors exit 2', () => {
  it('a missing file', () => {
    const r = cli('check', file('missing.wasm'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*missing\.wasm: ENOENT/);
    expectNoStack(r);
  });

  it('a directory', () => {
    const r = cli('check', file('a-directory'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not a regular file');
  });

  it('a bad policy file prints its policy.invalid-option issues with paths', () => {
    const r = cli('check', SQL_WASM, '--policy', file('policy-bad.json'));
    expect(r.status).toBe(2);
    expectNoStack(r);
    for (const path of ['limits.memoryPages', 'limits.nope', 'features', 'extra'])
      expect(r.stderr).toMatch(new RegExp(`policy\\.invalid-option \\(${path.replace('.', '\\.')}\\): invalid policy option`));
    expect(r.stdout).toBe('');
  });

  it('a bad policy file with --json: { ok: false, error: "policy", issues }', () => {
    const r = cli('check', SQL_WASM, '--policy', file('policy-bad.json'), '--json');
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: string; issues: { code: string; path: string }[] };
    expect(out).toMatchObject({ ok: false, error: 'policy' });
    expect(out.issues.every((i) => i.code === 'policy.invalid-option')).toBe(true);
    expect(out.issues.map((i) => i.path)).toContain('limits.memoryPages');
  });

  it('a policy file that is not JSON, or missing', () => {
    const a = cli('check', SQL_WASM, '--policy', file('policy-not-json.json'));
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('is not valid JSON');
    const b = cli('check', SQL_WASM, '--policy', file('no-such-policy.json'));
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/cannot read policy file .*ENOENT/);
    expectNoStack(a);
    expectNoStack(b);
  });
});

// `harden` shares this file's build of dist/ and its fixtures (the CLI tests must not race on dist/).
describe('wasm-harden harden', () => {
  it('hardens sql-wasm.wasm: exit 0, the output validates, carries the budget, and is what the API gives', async () => {
    const out = file('sql-hardened.wasm');
    const r = cli('harden', SQL_WASM, '-o', out, '--fuel', '123456789');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sql-wasm\.wasm → .*sql-hardened\.wasm: [\d,]+ bytes \(\+[\d,]+\), [\d,]+ metering points, fuel 123456789/);
    const bytes = readFileSync(out);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const { harden } = await import('../../src/instrument/harden.js');
    const { normalizePolicy } = await import('../../src/policy.js');
    const { CHECK_DEFAULT_POLICY } = await import('../../src/cli/check.js');
    const api = await harden(readFileSync(SQL_WASM), normalizePolicy({ fuel: 123456789 }, CHECK_DEFAULT_POLICY));
    expect(Buffer.from(api.bytes).equals(bytes)).toBe(true);
  }, 60_000);
  it('--json prints the report; --fuel keeps the policy file\'s other options', () => {
    writeFileSync(file('policy-stack.json'), JSON.stringify({ stackLimit: 65536, costs: { memoryByte: 2 } }));
    const r = cli('harden', SQL_WASM, '-o', file('sql-h2.wasm'), '--policy', file('policy-stack.json'), '--fuel', '5', '--json');
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { ok: boolean; report: { fuel: { budget: string }; stack: { limit: number } } };
    expect(json.ok).toBe(true);
    expect(json.report.fuel.budget).toBe('5');
    expect(json.report.stack.limit).toBe(65536);
    expect(json.report).toMatchObject({ binaryenCheck: 'skipped' }); // off by default
  }, 60_000);
  it('--binaryen-check also runs binaryen\'s validator on the output', () => {
    const r = cli('harden', SQL_WASM, '-o', file('sql-h3.wasm'), '--binaryen-check', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, report: { binaryenCheck: 'passed' } });
  }, 60_000);
  it('rejects as check does: exit 1, the same issue lines, and no output file', () => {
    const out = file('never.wasm');
    const r = cli('harden', file('truncated.wasm'), '-o', out);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(ISSUE_LINE);
    expect(r.stdout).toBe(cli('check', file('truncated.wasm')).stdout);
    expect(existsSync(out)).toBe(false);
    expectNoStack(r);
  });
  it('usage and I/O errors exit 2', () => {
    expect(cli('harden', SQL_WASM).status).toBe(2); // no -o
    expect(cli('harden', SQL_WASM, '-o', file('x.wasm'), '--fuel', '-3').status).toBe(2);
    expect(cli('harden', SQL_WASM, '-o', file('x.wasm'), '--fuel', '9223372036854775808').status).toBe(2);
    expect(cli('harden', file('missing.wasm'), '-o', file('x.wasm')).status).toBe(2);
    const unwritable = cli('harden', SQL_WASM, '-o', join(file('a-directory'), 'no', 'such', 'dir', 'x.wasm'));
    expect(unwritable.status).toBe(2);
    expectNoStack(unwritable);
  });
});

describe('wasm-harden run', () => {
  const ADD = `(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`;
  const LOOP = `(module (func (export "spin") (loop $l (br $l))))`;
  async function wasmFile(name: string, wat: string): Promise<string> {
    const wabt = await (await import('wabt')).default();
    const m = wabt.parseWat(name, wat, {});
    writeFileSync(file(name), new Uint8Array(m.toBinary({}).buffer));
    m.destroy();
    return file(name);
  }
  it('calls an export: exit 0, the values and the fuel used', async () => {
    const add = await wasmFile('add.wasm', ADD);
    const r = cli('run', add, '--invoke', 'add', '--args', '40,2', '--cache-dir', file('cache-a'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('42  (fuel used: 3)');
    const j = cli('run', add, '--invoke', 'add', '--args', '1,2', '--cache-dir', file('cache-a'), '--json');
    expect(JSON.parse(j.stdout)).toEqual({ ok: true, values: [3], fuelUsed: '3' });
  });
  it('a trap exits 3 with its kind; --json prints the RunResult', async () => {
    const loop = await wasmFile('loop.wasm', LOOP);
    const r = cli('run', loop, '--invoke', 'spin', '--fuel', '100000', '--no-cache');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^trap: out-of-fuel: .*\(fuel used: 100,000\)/);
    const j = cli('run', loop, '--invoke', 'spin', '--fuel', '100000', '--no-cache', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, trap: 'out-of-fuel', fuelUsed: '100000' });
  });
  it('a rejected module exits 1 with check\'s output; a usage error exits 2', async () => {
    const r = cli('run', file('truncated.wasm'), '--no-cache');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(cli('check', file('truncated.wasm')).stdout);
    expect(cli('run', file('add.wasm'), '--invoke', 'add', '--args', '1,x', '--no-cache').status).toBe(2);
    expect(cli('run', file('add.wasm'), '--invoke', 'nope', '--no-cache').status).toBe(2);
  });
  it('the second run of the same file and policy is served by the disk cache, without hardening again', async () => {
    const add = await wasmFile('add2.wasm', ADD);
    const dir = file('cache-b');
    expect(cli('run', add, '--invoke', 'add', '--args', '2,2', '--cache-dir', dir).stdout.trim()).toBe('4  (fuel used: 3)');
    const { readdirSync } = await import('node:fs');
    const entry = readdirSync(dir).find((f) => f.endsWith('.wasm'))!;
    // swap the cached hardened module for another valid hardened module (one that subtracts): if run
    // hardened again instead of using the cache, it would still add
    const { harden } = await import('../../src/instrument/harden.js');
    const { CHECK_DEFAULT_POLICY } = await import('../../src/cli/check.js');
    const sub = await harden(readFileSync(await wasmFile('sub.wasm', ADD.replace('i32.add', 'i32.sub'))), CHECK_DEFAULT_POLICY);
    const { readFileSync: read } = await import('node:fs');
    const meta = JSON.parse(read(join(dir, entry.replace('.wasm', '.json')), 'utf8')) as { report: { outputBytes: number }; sha256: string };
    meta.report.outputBytes = sub.bytes.length;
    meta.sha256 = (await import('node:crypto')).createHash('sha256').update(sub.bytes).digest('hex');
    writeFileSync(join(dir, entry), sub.bytes);
    writeFileSync(join(dir, entry.replace('.wasm', '.json')), JSON.stringify(meta));
    expect(cli('run', add, '--invoke', 'add', '--args', '2,2', '--cache-dir', dir).stdout.trim()).toBe('0  (fuel used: 3)');
  });
});
