/**
 * The policy and malformed/invalid corpus: every `corpus/<dir>/<name>.expect.json` names a sibling
 * `<name>.wasm` or `<name>.wat` and says `{ code, offset, policy? }`. The module must be rejected under
 * `normalizePolicy(policy)` with an issue of exactly that code at exactly that offset.
 *
 * The offsets were decided when the files were built (corpus/generate.ts marks the construct; the .wat files
 * carry their hand-computed layout), not copied from the validator's output. V8 serves as an independent
 * check that each file is what it claims: a Wasm 2.0 module that only the policy forbids must be valid for
 * `WebAssembly.validate`, and a malformed or invalid one must not be.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ISSUE_CODES, phaseOf, type IssueCode } from '../../src/issues.js';
import { LATER_FEATURES, normalizePolicy, policies, type PolicyInput } from '../../src/policy.js';
import { validate } from '../../src/validate/validate.js';
import { WAT_FEATURES, wabt } from '../runtime/helpers.js';

const CORPUS = join(import.meta.dirname, '..', '..', 'corpus');
const DIRS = ['policy', 'malformed', 'invalid'] as const;

interface Expectation {
  code: IssueCode;
  offset: number;
  policy?: PolicyInput;
  note?: string;
}

interface CorpusCase {
  /** e.g. `policy/limit-types.wasm` */
  file: string;
  path: string;
  expect: Expectation;
}

function loadCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const dir of DIRS) {
    const full = join(CORPUS, dir);
    if (!existsSync(full)) continue;
    for (const name of readdirSync(full).filter((f) => f.endsWith('.expect.json')).sort()) {
      const stem = name.slice(0, -'.expect.json'.length);
      const candidates = ['.wasm', '.wat'].map((ext) => `${stem}${ext}`).filter((f) => existsSync(join(full, f)));
      if (candidates.length !== 1) throw new Error(`corpus/${dir}/${name}: expected exactly one of ${stem}.wasm / ${stem}.wat`);
      const file = candidates[0]!;
      out.push({ file: `${dir}/${file}`, path: join(full, file), expect: JSON.parse(readFileSync(join(full, name), 'utf8')) as Expectation });
    }
  }
  return out;
}

const cases = loadCases();
const bytesOf = new Map<string, Uint8Array>();

beforeAll(async () => {
  for (const c of cases) {
    if (c.path.endsWith('.wasm')) bytesOf.set(c.file, new Uint8Array(readFileSync(c.path)));
    else {
      const m = wabt.parseWat(c.file, readFileSync(c.path, 'utf8'), WAT_FEATURES);
      try {
        bytesOf.set(c.file, new Uint8Array(m.toBinary({ canonicalize_lebs: true }).buffer));
      } finally {
        m.destroy();
      }
    }
  }
});

const bytes = (c: CorpusCase): Uint8Array => {
  const b = bytesOf.get(c.file);
  if (b === undefined) throw new Error(`${c.file} was not loaded`);
  return b;
};

/** V8's validator (typed here: the project's lib settings do not include the WebAssembly namespace). */
const v8Validate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

const LATER_FEATURE_CODES = new Set<string>(LATER_FEATURES.map((f) => `forbidden.feature.${f}`));
/** The reserved namespace is part of every preset, `policies.spec` included. */
const REJECTED_EVEN_BY_SPEC = new Set<string>([...LATER_FEATURE_CODES, 'forbidden.reserved-name']);

describe('corpus files are well formed', () => {
  it('there is a corpus', () => {
    expect(cases.length).toBeGreaterThan(50);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s: expectation names a known code, an offset within the input, a valid policy', (_f, c) => {
    expect(Object.keys(ISSUE_CODES)).toContain(c.expect.code);
    const dir = c.file.slice(0, c.file.indexOf('/'));
    const phase = phaseOf(c.expect.code);
    expect(dir === 'policy' ? phase === 'forbidden' : phase === dir, `${c.file} holds a ${phase} code`).toBe(true);
    expect(Number.isInteger(c.expect.offset)).toBe(true);
    expect(c.expect.offset).toBeGreaterThanOrEqual(0);
    expect(c.expect.offset).toBeLessThanOrEqual(bytes(c).length);
    expect(bytes(c).length).toBeLessThan(100_000);
    expect(() => normalizePolicy(c.expect.policy)).not.toThrow();
  });

  // Independent of our validator: V8 must agree that the file is what the expectation says it is.
  it.each(cases.filter((c) => !LATER_FEATURE_CODES.has(c.expect.code) && c.expect.code !== 'forbidden.feature.extended-const').map((c) => [c.file, c] as const))(
    '%s: WebAssembly.validate agrees on the phase',
    (_f, c) => {
      expect(v8Validate(bytes(c))).toBe(phaseOf(c.expect.code) === 'forbidden');
    },
  );
});

describe('every corpus module is rejected with the expected code at the expected offset', () => {
  it.each(cases.map((c) => [c.file, c.expect.code, c.expect.offset, c] as const))('%s → %s at %i', (_f, code, offset, c) => {
    const result = validate(bytes(c), normalizePolicy(c.expect.policy));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const found = result.issues.some((i) => i.code === code && i.offset === offset);
    const seen = result.issues.map((i) => `${i.code} @${i.offset}: ${i.message}`).join('\n  ');
    expect(found, `expected ${code} at ${offset}; got:\n  ${seen}`).toBe(true);
    for (const issue of result.issues) {
      expect(issue.offset).toBeGreaterThanOrEqual(0);
      expect(issue.offset).toBeLessThanOrEqual(bytes(c).length);
      // A message starts with its code's wording; a later proposal's bytes that Wasm 2.0 itself has a word
      // for ("integer too large", "constant expression required", ...) lead with that word instead, so spec
      // assertions still match, and then name the proposal.
      const leadsWithCodeText = issue.message.startsWith(ISSUE_CODES[issue.code][0]);
      const namesProposal = issue.code.startsWith('forbidden.feature.') && /proposal/.test(issue.message);
      expect(leadsWithCodeText || namesProposal, `${issue.code}: "${issue.message}"`).toBe(true);
    }
  });
});

describe('policy cases are rejected by the policy alone', () => {
  // Each forbidden.* module (other than later proposals and reserved names) is valid Wasm 2.0 within V8's
  // limits, so policies.spec, which enables every Wasm 2.0 feature, every import and V8's limits, accepts it.
  it.each(cases.filter((c) => phaseOf(c.expect.code) === 'forbidden' && !REJECTED_EVEN_BY_SPEC.has(c.expect.code)).map((c) => [c.file, c] as const))(
    '%s is accepted under policies.spec',
    (_f, c) => {
      const result = validate(bytes(c), policies.spec);
      expect(result.ok, result.ok ? '' : result.issues.map((i) => `${i.code} @${i.offset}: ${i.message}`).join('\n')).toBe(true);
    },
  );
});

describe('coverage', () => {
  /** Codes that no corpus file can trigger, and why. */
  const EXCEPTIONS: Partial<Record<IssueCode, string>> = {
    'malformed.custom-name': 'reported only by a strict `name` section check, which validate does not run by default',
    'invalid.table-size': 'a Wasm 2.0 table limit is a u32 LEB, so it cannot exceed 2^32-1 in a binary module',
  };
  const covered = new Set(cases.map((c) => c.expect.code));

  it('every forbidden.* code has at least one corpus file', () => {
    const missing = (Object.keys(ISSUE_CODES) as IssueCode[]).filter((c) => phaseOf(c) === 'forbidden' && !covered.has(c) && !(c in EXCEPTIONS));
    expect(missing).toEqual([]);
  });

  it('every malformed.* and invalid.* code has a corpus file, except the listed ones', () => {
    const missing = (Object.keys(ISSUE_CODES) as IssueCode[]).filter(
      (c) => (phaseOf(c) === 'malformed' || phaseOf(c) === 'invalid') && !covered.has(c) && !(c in EXCEPTIONS),
    );
    expect(missing).toEqual([]);
    for (const code of Object.keys(EXCEPTIONS)) expect(covered.has(code as IssueCode), `${code} is listed as an exception but is covered`).toBe(false);
  });

  it('the required cases are present', () => {
    const files = new Set(cases.map((c) => c.file));
    for (const f of [
      'policy/limit-nesting-depth-10000.wasm',
      'policy/limit-total-locals-bomb.wasm',
      'policy/feature-threads-atomic.wasm',
      'policy/limit-memory-pages.wasm',
      'policy/import-not-allowed.wat',
      'policy/reserved-name-export.wat',
    ])
      expect(files.has(f), f).toBe(true);
  });
});

describe('the locals bomb', () => {
  it('1000 functions × 50,000 locals is rejected under strict in < 50 ms (warm median of 7)', () => {
    const bomb = new Uint8Array(readFileSync(join(CORPUS, 'policy', 'limit-total-locals-bomb.wasm')));
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      const result = validate(bomb);
      const dt = performance.now() - t0;
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues.map((x) => x.code)).toContain('forbidden.limit.total-locals');
      if (i >= 2) times.push(dt); // two warm-up runs
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(`locals bomb: median ${median.toFixed(2)} ms over ${times.length} warm runs (min ${times[0]!.toFixed(2)}, max ${times.at(-1)!.toFixed(2)})`);
    expect(median).toBeLessThan(50);
  });
});
