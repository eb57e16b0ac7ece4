/**
 * The runtime's structured errors: misuse of the sandbox API (unknown export, bad arguments, a memory
 * helper outside memory) and instantiation refusals (missing or incompatible imports, link errors, a trap
 * while instantiating). They are `WasmHardenError`s carrying one `Issue` each, like every other refusal in
 * wasm-harden; a *trap* during `sandbox.call` is never an error: it is a `RunResult` with `ok: false`.
 *
 * Their codes are the `sandbox.*` entries of ISSUE_CODES (src/issues.ts).
 */

import { ISSUE_CODES, WasmHardenError, specText, type Issue, type IssueCode } from '../issues.js';
import type { RunResult } from './types.js';

export type SandboxIssueCode = Extract<IssueCode, `sandbox.${string}`>;

/** The sandbox codes and their wording (the `sandbox.*` entries of ISSUE_CODES). */
export const SANDBOX_ISSUE_CODES = Object.fromEntries(
  Object.entries(ISSUE_CODES).filter(([code]) => code.startsWith('sandbox.')),
) as { readonly [K in SandboxIssueCode]: (typeof ISSUE_CODES)[K] };

export function sandboxIssue(code: IssueCode, detail: string, path?: string): Issue {
  const message = code.startsWith('sandbox.') ? `${specText(code)}: ${detail}` : detail;
  const issue: Issue = { code, message, offset: 0 };
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
