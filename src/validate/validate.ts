/**
 * validate(bytes, policy?): the front door. Synchronous; returns a tagged union, never throws for any bytes.
 *
 *   decode (malformed) → spec validation (invalid) → policy gates (forbidden)
 *
 * A malformed module is reported with its first decode error alone. Otherwise every invalid construct
 * (the first per function body) and every policy issue is reported, up to a cap, sorted by offset.
 * Only a bad *policy* throws (a `WasmHardenError` with `policy.invalid-option` issues), before any byte is read.
 */

import { decodeModule, type DecodeSink } from '../binary/decode.js';
import type { ModuleInfo } from '../binary/module-info.js';
import { DecodeError } from '../binary/reader.js';
import { specText, type Issue, type IssueCode } from '../issues.js';
import type { LimitName } from '../limits.js';
import { normalizePolicy, type FeatureName, type Policy, type PolicyInput } from '../policy.js';
import { IssueCollector } from './issue-collector.js';
import { validateModuleStructure } from './module-validator.js';
import { checkPolicy } from './policy-gate.js';
import { PROPOSAL_NAMES } from '../binary/opcodes.js';

/** shared by modules with nothing to mark (an empty typed array cannot change; a new one costs an ArrayBuffer) */
const NO_BYTES = new Uint8Array(0);

export type ValidationResult = { ok: true; module: ModuleInfo } | { ok: false; issues: Issue[] };

const LIMIT_CODES: Record<LimitName, IssueCode> = {
  moduleBytes: 'forbidden.limit.module-bytes',
  types: 'forbidden.limit.types',
  functions: 'forbidden.limit.functions',
  imports: 'forbidden.limit.imports',
  exports: 'forbidden.limit.exports',
  globals: 'forbidden.limit.globals',
  tables: 'forbidden.limit.tables',
  dataSegments: 'forbidden.limit.data-segments',
  elemSegments: 'forbidden.limit.elem-segments',
  params: 'forbidden.limit.params',
  results: 'forbidden.limit.results',
  localsPerFunction: 'forbidden.limit.locals',
  totalLocals: 'forbidden.limit.total-locals',
  bodyBytes: 'forbidden.limit.body-bytes',
  totalBodyBytes: 'forbidden.limit.total-body-bytes',
  nestingDepth: 'forbidden.limit.nesting-depth',
  brTableSize: 'forbidden.limit.br-table-size',
  memoryPages: 'forbidden.limit.memory-pages',
  tableElements: 'forbidden.limit.table-elements',
  dataBytes: 'forbidden.limit.data-bytes',
  customSections: 'forbidden.limit.custom-sections',
  nameBytes: 'forbidden.limit.name-bytes',
};

export function limitCode(name: LimitName): IssueCode {
  return LIMIT_CODES[name];
}

function asBytes(input: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

function featureMessage(f: FeatureName, what: string): string {
  const proposal = PROPOSAL_NAMES[f];
  return proposal === undefined
    ? `${specText(`forbidden.feature.${f}`)}: ${what} (the policy does not enable "${f}")`
    : `${specText(`forbidden.feature.${f}`)}: ${what} needs the ${proposal}`;
}

export function validate(input: Uint8Array | ArrayBuffer | ArrayBufferView, policyInput?: PolicyInput | Policy): ValidationResult {
  return validateWith(asBytes(input), normalizePolicy(policyInput), true);
}

/**
 * `validate` with the policy gates (imports, reserved names, caps, start) optional: harden re-validates its
 * own output, which exports into the reserved namespace by design, with the gates off.
 */
export function validateWith(bytes: Uint8Array, policy: Policy, policyGates: boolean): ValidationResult {
  try {
    return validateBytes(bytes, policy, policyGates);
  } catch (e) {
    // A bug in wasm-harden must not become the caller's crash: reject conservatively, with its own code.
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { ok: false, issues: [{ code: 'internal.error', message: `internal error: ${message}`, offset: 0 }] };
  }
}

/** feature name → enabled, per (frozen) feature list: normalised policies are reused across calls */
const enabledCache = new WeakMap<readonly FeatureName[], Readonly<Record<string, boolean>>>();

function enabledFeatures(features: readonly FeatureName[]): Readonly<Record<string, boolean>> {
  let enabled = enabledCache.get(features);
  if (enabled !== undefined) return enabled;
  const map: Record<string, boolean> = {};
  for (const f of features) map[f] = true;
  enabled = Object.freeze(map);
  // only a list that cannot change may be remembered
  if (Object.isFrozen(features)) enabledCache.set(features, enabled);
  return enabled;
}

function validateBytes(bytes: Uint8Array, policy: Policy, policyGates: boolean): ValidationResult {
  const limits = policy.limits;
  const c = new IssueCollector();
  if (bytes.length > limits.moduleBytes) {
    c.add('forbidden.limit.module-bytes', `${specText('forbidden.limit.module-bytes')}: ${bytes.length} bytes, the limit is ${limits.moduleBytes}`, 0);
    return { ok: false, issues: c.issues };
  }
  const enabled = enabledFeatures(policy.features);

  const onFeature = (f: FeatureName, offset: number, what: string) => {
    if (!enabled[f]) c.add(`forbidden.feature.${f}`, featureMessage(f, what), offset);
  };
  const sink: DecodeSink = {
    limits,
    feature: onFeature,
    limit(name, value, offset, path, override) {
      const code = override ?? LIMIT_CODES[name];
      c.add(code, `${specText(code)}: ${value} is above the limit of ${limits[name]}`, offset, path);
    },
  };

  let info: ModuleInfo;
  try {
    info = decodeModule(bytes, sink);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (e.code.startsWith('malformed.')) return { ok: false, issues: [{ code: e.code, message: e.message, offset: e.offset }] };
    c.addError(e);
    return { ok: false, issues: sortByOffset(c.issues) };
  }

  // bodies whose locals are over a limit are not validated (their locals are never expanded)
  const skip = info.funcTypeIndices.length === 0 ? NO_BYTES : new Uint8Array(info.funcTypeIndices.length);
  let total = 0;
  info.codes.forEach((body, i) => {
    const funcIndex = info.importedFunctions + i;
    const t = info.types[info.funcTypeIndices[funcIndex]!];
    const n = body.localCount + (t?.params.length ?? 0);
    total += n;
    if (n > limits.localsPerFunction || total > limits.totalLocals) skip[funcIndex] = 1;
  });

  validateModuleStructure(info, c, {
    enabled,
    onFeature,
    nestingLimit: limits.nestingDepth,
    brTableLimit: limits.brTableSize,
    skipBodies: (i) => skip[i] === 1,
  });
  const malformed = c.issues.find((i) => i.code.startsWith('malformed.'));
  if (malformed !== undefined) return { ok: false, issues: [malformed] };
  if (policyGates) checkPolicy(info, policy, c);
  if (c.issues.length > 0) return { ok: false, issues: sortByOffset(c.issues) };
  return { ok: true, module: info };
}

function sortByOffset(issues: Issue[]): Issue[] {
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) => a.issue.offset - b.issue.offset || a.i - b.i).map((x) => x.issue);
}
