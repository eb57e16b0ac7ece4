/**
 * The runtime's structured errors: misuse of the sandbox API (unknown export, bad arguments, a memory
 * helper outside memory) and instantiation refusals (missing or incompatible imports, link errors, a trap
 * while instantiating). They are `WasmHardenError`s carrying one `Issue` each, like every other refusal in
 * wasm-harden; a *trap* during `sandbox.call` is never an error: it is a `RunResult` with `ok: false`.
 *
 * The codes below are not in `src/issues.ts` yet (that file belongs to the lead). Until they are, each is
 * cast to `IssueCode` in `sandboxIssue`, the one place that does it.
 * TODO(issues.ts): add these entries to ISSUE_CODES and a `sandbox` phase to `Phase`, then drop the cast.
 */

import { WasmHardenError, type Issue, type IssueCode } from '../issues.js';
import type { RunResult } from './types.js';

/** code → [the wording each message starts with, a description] (proposed for ISSUE_CODES). */
export const SANDBOX_ISSUE_CODES = {
  'sandbox.invalid-option': ['invalid sandbox option', 'An option of `instantiate` (or a fuel amount) is malformed or out of range.'],
  'sandbox.missing-import': ['missing import', 'The module imports something the host did not provide (`imports`, `wasi` or `memory`).'],
  'sandbox.import-kind': ['incompatible import', 'A provided import is not the kind the module imports (function, memory, table, global), or a WASI import has another signature than preview1\'s.'],
  'sandbox.link-error': ['link error', 'The engine refused to link a provided import (its type or limits do not match the import).'],
  'sandbox.instantiation-trap': ['instantiation trapped', 'A data or element segment, or the start function, trapped while instantiating (the trap is attached).'],
  'sandbox.unknown-export': ['unknown export', '`sandbox.call` names no exported function.'],
  'sandbox.invalid-argument': ['invalid argument', 'Arguments that do not fit the export\'s signature, or a bad value passed to a sandbox method.'],
  'sandbox.memory-bounds': ['out of bounds memory access', 'A memory helper was asked to touch bytes outside the guest memory, or the sandbox has no memory it can reach.'],
} as const satisfies Record<string, readonly [string, string]>;

export type SandboxIssueCode = keyof typeof SANDBOX_ISSUE_CODES;

export function sandboxIssue(code: SandboxIssueCode | IssueCode, detail: string, path?: string): Issue {
  const known = (SANDBOX_ISSUE_CODES as Record<string, readonly [string, string]>)[code];
  const message = known === undefined ? detail : `${known[0]}: ${detail}`;
  const issue: Issue = { code: code as IssueCode, message, offset: 0 };
  if (path !== undefined) issue.path = path;
  return issue;
}

/** Throws a `WasmHardenError` with one sandbox issue. */
export function sandboxError(code: SandboxIssueCode, detail: string, path?: string): WasmHardenError {
  return new WasmHardenError([sandboxIssue(code, detail, path)]);
}

/** The failure variant of `RunResult`. */
export type TrapResult = Extract<RunResult, { ok: false }>;

/**
 * Instantiation trapped (a segment out of bounds, or the start function ran out of fuel, overflowed our
 * stack limit, trapped, or a host function it called threw). `trap` is classified exactly as a call's.
 */
export class InstantiationTrapError extends WasmHardenError {
  readonly trap: TrapResult;
  constructor(trap: TrapResult, where: 'segments' | 'start') {
    super([
      sandboxIssue(
        'sandbox.instantiation-trap',
        `${where === 'start' ? 'the start function' : 'initialising the data and element segments'} trapped: ${trap.trap} (${trap.message})`,
        where === 'start' ? 'start' : undefined,
      ),
    ]);
    this.name = 'InstantiationTrapError';
    this.trap = trap;
  }
}
