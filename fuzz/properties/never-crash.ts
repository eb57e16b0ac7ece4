/**
 * Property 1, never-crash: for any bytes, `validate` and `harden` only ever return a result or throw our
 * structured error (`WasmHardenError`); they never hang; every issue they report has a known code, a
 * message that starts with that code's spec wording (or, for a later proposal's `forbidden.feature.*`, with
 * what Wasm 2.0 calls those bytes), and an offset within the input (0 ≤ offset ≤ length);
 * and no issue is ever `internal.error` (that code means a bug of ours).
 *
 * Inputs: random bytes, header + random bytes, random well-framed sections, generated modules, mutated
 * generated modules and mutated spec-testsuite modules (fuzz/properties/inputs.ts).
 *
 * Policies: `validate` under strict (the default), spec (V8's limits, any import), strict + the host
 * allowlist, and "tight" (tiny limits, three features, three imports, no start: every `forbidden.*` path);
 * `harden` under spec, strict + host allowlist (the two that let the most inputs through to
 * instrumentation) and tight, with binaryen's check on.
 *
 * "Never hangs" is checked after the fact (a synchronous call cannot be pre-empted in-thread): each call
 * must finish within `HANG_MS` (generous: these inputs are a few KiB, and validate runs at ~100 MB/s).
 */

import { ISSUE_CODES, WasmHardenError, harden, normalizePolicy, phaseOf, policies, specText, validate, type Issue, type IssueCode, type Policy } from '../../src/index.js';
import { HOST_ALLOWLIST } from '../generator/host.js';
import { anyBytesCase } from './inputs.js';
import { bytesFromReplay, bytesReplay, describeBytesCase, fail, type BytesCase, type Property } from './property.js';

const HANG_MS = 5000;

const HOST_POLICY = normalizePolicy({ imports: HOST_ALLOWLIST });
/** Tiny limits and half the features: every `forbidden.*` path gets exercised on small inputs. */
const TIGHT_POLICY = normalizePolicy({
  features: ['sign-ext', 'multi-value', 'bulk-memory'],
  imports: HOST_ALLOWLIST.slice(0, 3),
  allowStart: false,
  limits: {
    moduleBytes: 4096,
    types: 3,
    functions: 3,
    imports: 2,
    exports: 3,
    globals: 2,
    tables: 1,
    dataSegments: 2,
    elemSegments: 2,
    params: 2,
    results: 2,
    localsPerFunction: 4,
    totalLocals: 8,
    bodyBytes: 64,
    totalBodyBytes: 256,
    nestingDepth: 3,
    brTableSize: 2,
    memoryPages: 1,
    tableElements: 8,
    dataBytes: 16,
    customSections: 1,
    nameBytes: 4,
  },
});
const VALIDATE_POLICIES: readonly [string, Policy][] = [
  ['strict', policies.strict],
  ['spec', policies.spec],
  ['host', HOST_POLICY],
  ['tight', TIGHT_POLICY],
];
const HARDEN_POLICIES: readonly [string, Policy][] = [
  ['spec', policies.spec],
  ['host', HOST_POLICY],
  ['tight', TIGHT_POLICY],
];

const ALL_LEADS = Object.keys(ISSUE_CODES).map((code) => specText(code as IssueCode));

/**
 * The wordings a message for `code` may start with: its own; a later proposal's `forbidden.feature.*` may
 * also lead with what Wasm 2.0 calls those bytes ("malformed section id", "integer too large", ...; see
 * src/binary/proposals.ts).
 */
function leadsOf(code: IssueCode): readonly string[] {
  return code.startsWith('forbidden.feature.') ? ALL_LEADS : [specText(code)];
}

function checkIssues(what: string, issues: readonly Issue[], length: number): void {
  if (!Array.isArray(issues) || issues.length === 0) fail(`${what}: rejected with no issues`);
  for (const issue of issues) {
    const text = JSON.stringify(issue);
    if (!(issue.code in ISSUE_CODES)) fail(`${what}: unknown issue code ${text}`);
    if (issue.code === 'internal.error') fail(`${what}: internal error ${text}`);
    if (!Number.isInteger(issue.offset) || issue.offset < 0 || issue.offset > length)
      fail(`${what}: offset ${issue.offset} outside the input (0..${length}) ${text}`);
    if (typeof issue.message !== 'string' || !leadsOf(issue.code).some((lead) => issue.message.startsWith(lead)))
      fail(`${what}: message does not start with "${specText(issue.code)}": ${text}`);
  }
}

export async function checkNeverCrash(c: BytesCase): Promise<string> {
  const { bytes } = c;
  let specPhase = 'valid';
  for (const [name, policy] of VALIDATE_POLICIES) {
    const what = `validate(${name})`;
    const t0 = performance.now();
    let result: ReturnType<typeof validate>;
    try {
      result = validate(bytes, policy);
    } catch (e) {
      fail(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    const ms = performance.now() - t0;
    if (ms > HANG_MS) fail(`${what} took ${ms.toFixed(0)} ms`);
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') fail(`${what} returned ${String(result)}`);
    if (!result.ok) {
      checkIssues(what, result.issues, bytes.length);
      if (name === 'spec') specPhase = phaseOf(result.issues[0]!.code);
    }
  }
  let hardened = 0;
  for (const [name, policy] of HARDEN_POLICIES) {
    const what = `harden(${name})`;
    const t0 = performance.now();
    try {
      await harden(bytes, policy);
      hardened++;
    } catch (e) {
      if (!(e instanceof WasmHardenError)) fail(`${what} threw a non-WasmHardenError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      checkIssues(what, e.issues, bytes.length);
    }
    const ms = performance.now() - t0;
    if (ms > HANG_MS) fail(`${what} took ${ms.toFixed(0)} ms`);
  }
  return `${specPhase}, hardened under ${hardened}/${HARDEN_POLICIES.length}`;
}

export const neverCrash: Property<BytesCase> = {
  name: 'never-crash',
  title: 'validate and harden never throw anything but WasmHardenError, never hang, offsets within the input, never internal.error',
  arbitrary: anyBytesCase,
  check: checkNeverCrash,
  replayData: bytesReplay,
  fromReplay: bytesFromReplay,
  describe: describeBytesCase,
};
