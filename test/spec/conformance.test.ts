/**
 * Conformance with the official Wasm 2.0 spec testsuite, under `policies.spec`.
 *
 *   - every valid module is accepted (1,595 `module`s, plus the 117 valid modules of
 *     `assert_unlinkable` / `assert_uninstantiable`);
 *   - every `assert_invalid` (2,144) and binary `assert_malformed` (736) module is rejected;
 *   - at least 95% of rejections, per category, have a first issue whose message starts with the
 *     spec's expected `text`;
 *   - `validate` never throws, and every issue is well formed with an offset inside the input.
 *
 * The suite prints a small table of counts and the message mismatches, grouped by expected text (at most
 * ~60 lines); the full list goes to `$TMPDIR/wasm-harden-conformance.json`.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { policies, validate, type Issue } from '../../src/index.js';
import {
  EXPECTED_MODULE_COUNTS,
  MODULE_CATEGORIES,
  countByCategory,
  loadSpecModules,
  mustValidate,
  type ModuleCategory,
  type SpecModule,
} from './spec-suite.js';

const REPORT_PATH = path.join(os.tmpdir(), 'wasm-harden-conformance.json');
const MIN_PREFIX_MATCH = 0.95;
const MAX_PRINTED_MISMATCH_LINES = 60;
const PHASES = new Set(['malformed', 'invalid', 'forbidden', 'policy']);

interface Outcome {
  m: SpecModule;
  length: number;
  /** the exception, when validate threw */
  threw: string | undefined;
  ok: boolean | undefined;
  issues: Issue[];
  /** problems with the result's shape (offsets out of range, unknown phase, ...) */
  shape: string[];
}

/** Problems with a result's shape: never throws, whatever `result` is. */
function shapeProblems(result: unknown, length: number): string[] {
  const problems: string[] = [];
  if (typeof result !== 'object' || result === null) return [`result is ${String(result)}`];
  const r = result as { ok?: unknown; issues?: unknown; module?: unknown };
  if (r.ok === true) {
    if (typeof r.module !== 'object' || r.module === null) problems.push('ok result without module');
    return problems;
  }
  if (r.ok !== false) return [`result.ok is ${String(r.ok)}`];
  if (!Array.isArray(r.issues) || r.issues.length === 0) return ['rejection without issues'];
  r.issues.forEach((issue: unknown, i) => {
    const is = issue as Partial<Issue> | null;
    if (typeof is !== 'object' || is === null) return void problems.push(`issue ${i} is not an object`);
    if (typeof is.code !== 'string' || !PHASES.has(is.code.slice(0, is.code.indexOf('.'))))
      problems.push(`issue ${i}: code ${JSON.stringify(is.code)} has no known phase`);
    if (typeof is.message !== 'string' || is.message.length === 0) problems.push(`issue ${i}: empty message`);
    if (typeof is.offset !== 'number' || !Number.isInteger(is.offset) || is.offset < 0 || is.offset > length)
      problems.push(`issue ${i} (${String(is.code)}): offset ${String(is.offset)} outside [0, ${length}]`);
  });
  return problems;
}

function run(m: SpecModule & { bytes: Uint8Array }): Outcome {
  const base = { m: { ...m, bytes: undefined } as SpecModule, length: m.bytes.length };
  try {
    const result = validate(m.bytes, policies.spec);
    const shape = shapeProblems(result, m.bytes.length);
    return { ...base, threw: undefined, ok: result.ok, issues: result.ok ? [] : result.issues, shape };
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { ...base, threw: msg, ok: undefined, issues: [], shape: [] };
  }
}

function describeIssue(i: Issue | undefined): string {
  return i === undefined ? '(no issue)' : `${i.code} @${i.offset}: ${i.message}`;
}

function firstMatches(o: Outcome): boolean {
  const first = o.issues[0];
  return o.ok === false && first !== undefined && typeof first.message === 'string' && first.message.startsWith(o.m.text ?? '');
}

function anyMatches(o: Outcome): boolean {
  return o.ok === false && o.issues.some((i) => typeof i.message === 'string' && i.message.startsWith(o.m.text ?? ''));
}

/** A percentage rounded *down* to 0.1, so that 2143/2144 shows as 99.9%, not 100.0%. */
function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${(Math.floor((1000 * n) / d) / 10).toFixed(1)}%`;
}

let outcomes: Outcome[] = [];
const byCategory = (c: ModuleCategory) => outcomes.filter((o) => o.m.category === c);

/** One line per failing module, capped, for assertion messages. */
function listFailures(list: Outcome[], cap = 40): string {
  const lines = list
    .slice(0, cap)
    .map((o) => `  ${o.m.id} (line ${o.m.line}${o.m.text ? `, expected "${o.m.text}"` : ''}): ` +
      (o.threw ?? (o.ok ? 'accepted' : describeIssue(o.issues[0]))));
  if (list.length > cap) lines.push(`  ... and ${list.length - cap} more (see ${REPORT_PATH})`);
  return lines.join('\n');
}

function report(elapsedMs: number): void {
  const rows = MODULE_CATEGORIES.map((c) => {
    const list = byCategory(c);
    const threw = list.filter((o) => o.threw !== undefined).length;
    const accepted = list.filter((o) => o.ok === true).length;
    const rejected = list.filter((o) => o.ok === false).length;
    const rejecting = !mustValidate(c);
    const first = rejecting ? list.filter(firstMatches).length : undefined;
    const any = rejecting ? list.filter(anyMatches).length : undefined;
    const phase = rejecting
      ? list.filter((o) => o.ok === false && o.issues[0]?.code.startsWith(`${c}.`)).length
      : undefined;
    return {
      category: c,
      modules: list.length,
      expect: rejecting ? 'reject' : 'accept',
      accepted,
      rejected,
      threw,
      correct: pct(rejecting ? rejected : accepted, list.length),
      'first msg matches': first === undefined ? '' : `${first} (${pct(first, rejected)})`,
      'any msg matches': any === undefined ? '' : `${any} (${pct(any, rejected)})`,
      'first code phase = category': phase === undefined ? '' : `${phase} (${pct(phase, rejected)})`,
    };
  });

  const failures = outcomes.filter(
    (o) => o.threw !== undefined || o.ok !== mustValidate(o.m.category) || o.shape.length > 0,
  );
  const mismatches = outcomes.filter((o) => o.ok === false && !mustValidate(o.m.category) && !firstMatches(o));

  const entry = (o: Outcome) => ({
    file: o.m.id,
    line: o.m.line,
    category: o.m.category,
    expected: o.m.text,
    threw: o.threw,
    ok: o.ok,
    first: o.issues[0],
    anyIssueMatches: anyMatches(o),
    issues: o.issues.slice(0, 5),
    shape: o.shape,
  });
  fs.writeFileSync(
    REPORT_PATH,
    JSON.stringify({ elapsedMs, table: rows, failures: failures.map(entry), mismatches: mismatches.map(entry) }, null, 1),
  );

  const lines: string[] = [];
  lines.push(`spec conformance under policies.spec: ${outcomes.length} modules validated in ${elapsedMs.toFixed(0)} ms`);
  console.log(lines.join('\n'));
  console.table(rows);

  // Mismatches grouped by expected text, largest groups first, two examples each.
  const groups = new Map<string, Outcome[]>();
  for (const o of mismatches) {
    const key = `${o.m.category}: "${o.m.text ?? ''}"`;
    const g = groups.get(key) ?? [];
    g.push(o);
    groups.set(key, g);
  }
  const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const out: string[] = [`message mismatches (first issue does not start with the expected text): ${mismatches.length}` +
    ` in ${groups.size} groups; full list in ${REPORT_PATH}`];
  for (const [key, list] of sorted) {
    if (out.length >= MAX_PRINTED_MISMATCH_LINES) {
      out.push(`  ... ${sorted.length - sorted.findIndex(([k]) => k === key)} more groups`);
      break;
    }
    out.push(`  ${key} ×${list.length}`);
    for (const o of list.slice(0, 2)) out.push(`      ${o.m.id}:${o.m.line}  → ${describeIssue(o.issues[0])}`);
  }
  if (mismatches.length > 0) console.log(out.join('\n'));
  if (failures.length > 0) console.log(`wrong verdicts, throws or malformed results: ${failures.length}\n${listFailures(failures, 60)}`);
}

describe('Wasm 2.0 spec testsuite under policies.spec', () => {
  beforeAll(() => {
    const modules = loadSpecModules();
    const t0 = performance.now();
    outcomes = modules.map(run);
    report(performance.now() - t0);
  }, 120_000);

  test("the suite holds the README's module counts", () => {
    expect(countByCategory()).toEqual(EXPECTED_MODULE_COUNTS);
    expect(outcomes.length).toBe(Object.values(EXPECTED_MODULE_COUNTS).reduce((a, b) => a + b, 0));
  });

  test('validate never throws', () => {
    const threw = outcomes.filter((o) => o.threw !== undefined);
    expect(threw.length, `validate threw on ${threw.length} modules:\n${listFailures(threw)}`).toBe(0);
  });

  test.each([
    ['valid', 'accepts every valid module (`module`)'],
    ['link-fail', 'accepts every valid module of assert_unlinkable / assert_uninstantiable'],
    ['invalid', 'rejects every assert_invalid module'],
    ['malformed', 'rejects every binary assert_malformed module'],
  ] as const)('%s: %s', (category, _title) => {
    const list = byCategory(category);
    expect(list.length).toBe(EXPECTED_MODULE_COUNTS[category]);
    const wrong = list.filter((o) => o.ok !== mustValidate(category));
    const verb = mustValidate(category) ? 'not accepted' : 'not rejected';
    expect(wrong.length, `${wrong.length} of ${list.length} ${category} modules ${verb}:\n${listFailures(wrong)}`).toBe(0);
  });

  test.each(['invalid', 'malformed'] as const)(
    `%s: at least ${MIN_PREFIX_MATCH * 100}% of first issue messages start with the expected text`,
    (category) => {
      const rejected = byCategory(category).filter((o) => o.ok === false);
      const bad = rejected.filter((o) => !firstMatches(o));
      const rate = rejected.length === 0 ? 0 : (rejected.length - bad.length) / rejected.length;
      expect(
        rate,
        `${category}: ${rejected.length - bad.length}/${rejected.length} (${pct(rejected.length - bad.length, rejected.length)}) ` +
          `messages match; mismatches:\n${listFailures(bad)}`,
      ).toBeGreaterThanOrEqual(MIN_PREFIX_MATCH);
    },
  );

  test('every result is well formed and every issue offset is within [0, bytes.length]', () => {
    const bad = outcomes.filter((o) => o.shape.length > 0);
    const detail = bad
      .slice(0, 40)
      .map((o) => `  ${o.m.id} (${o.length} bytes): ${o.shape.slice(0, 3).join('; ')}`)
      .join('\n');
    expect(bad.length, `${bad.length} results are malformed:\n${detail}`).toBe(0);
  });
});
