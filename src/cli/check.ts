/**
 * `wasm-harden check <file.wasm> [--policy policy.json] [--preset strict|spec] [--json]`
 *
 * Validates one module against a policy (by default `CHECK_DEFAULT_POLICY`: strict, imports unchecked;
 * a policy file merges over it). Exit 0: accepted. Exit 1: rejected (one line per issue). Exit 2:
 * usage error, unreadable file, or a bad policy file (its `policy.invalid-option` issues are printed).
 *
 * With `--json`, stdout carries exactly one JSON object whatever happens after argument parsing:
 *   accepted      { "ok": true, "file", "module": <ModuleSummary> }
 *   rejected      { "ok": false, "issues": [...] }
 *   bad policy    { "ok": false, "error": "policy", "issues": [...] }      (exit 2)
 *   I/O error     { "ok": false, "error": "io", "message": "..." }         (exit 2)
 */

import { readFile, stat } from 'node:fs/promises';
import { WasmHardenError, type Issue } from '../issues.js';
import { V8_LIMITS } from '../limits.js';
import { normalizePolicy, policies, type Policy, type PolicyInput } from '../policy.js';
import { validate, type ValidationResult } from '../validate/validate.js';
import { EXIT, type Command, type Io, type ParsedArgs } from './command.js';
import { formatIssue, formatPolicyIssue, formatRejected, formatValid, summarizeModule, toJSON } from './format.js';

/**
 * The base policy of `check` when no `--preset` is given: strict features and limits, but imports are not
 * checked. Which imports a module may have is the host's decision, not the module's, so without a policy
 * that lists them, `check` reports them in its summary instead of rejecting every module that has any.
 * A policy file with an `imports` list (or `--preset strict`, which denies all imports) checks them.
 */
export const CHECK_DEFAULT_POLICY: Policy = normalizePolicy({ imports: 'any' }, policies.strict);

const PRESETS: Readonly<Record<string, Policy>> = { strict: policies.strict, spec: policies.spec };

/** The `--policy` and `--preset` options, shared by every command that takes a policy. */
export const POLICY_OPTIONS = [
  { name: 'policy', short: 'p', type: 'string', valueName: '<policy.json>', description: 'a partial policy (JSON), merged over the preset' },
  { name: 'preset', type: 'string', valueName: '<strict|spec>', description: 'the base policy, as for check' },
] as const;

export const check: Command = {
  name: 'check',
  summary: 'Validate a WebAssembly module against a hardening policy (exit 0 accepted, 1 rejected, 2 error).',
  usage: '<file.wasm> [--policy <policy.json>] [--preset strict|spec] [--json]',
  positionals: { min: 1, max: 1 },
  options: [
    POLICY_OPTIONS[0],
    {
      ...POLICY_OPTIONS[1],
      description: 'the base policy; default: strict limits and features with imports unchecked; strict: also deny every import; spec: Wasm 2.0 + V8 limits (testing only)',
    },
    { name: 'json', short: 'j', type: 'flag', description: 'print the result as one JSON object' },
    { name: 'help', short: 'h', type: 'flag', description: 'show this help' },
  ],
  run: runCheck,
};

/** Why a policy could not be loaded: an I/O or JSON problem (a message), or bad options (issues). */
export type PolicyLoad = { ok: true; policy: Policy } | { ok: false; message: string } | { ok: false; issues: readonly Issue[] };

export async function loadPolicy(file: string | undefined, presetName: string | undefined): Promise<PolicyLoad> {
  let base = CHECK_DEFAULT_POLICY;
  if (presetName !== undefined) {
    const preset = PRESETS[presetName];
    if (preset === undefined) return { ok: false, message: `unknown preset "${presetName}" (expected strict or spec)` };
    base = preset;
  }
  if (file === undefined) return { ok: true, policy: base };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, message: `cannot read policy file ${file}: ${describeError(e)}` };
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `policy file ${file} is not valid JSON: ${describeError(e)}` };
  }
  try {
    return { ok: true, policy: normalizePolicy(input as PolicyInput, base) };
  } catch (e) {
    if (e instanceof WasmHardenError) return { ok: false, issues: e.issues };
    throw e;
  }
}


/** Prints why a policy could not be loaded (JSON or lines); the caller exits with `EXIT.usage`. */
export function reportPolicyFailure(loaded: Exclude<PolicyLoad, { ok: true }>, json: boolean, io: Io, file?: string): void {
  if ('issues' in loaded) {
    if (json) io.out(toJSON({ ok: false, error: 'policy', issues: loaded.issues }));
    else {
      io.err(`wasm-harden: invalid policy${file !== undefined ? ` in ${file}` : ''}:`);
      for (const issue of loaded.issues) io.err(`  ${formatPolicyIssue(issue)}`);
    }
  } else {
    if (json) io.out(toJSON({ ok: false, error: 'io', message: loaded.message }));
    io.err(`wasm-harden: ${loaded.message}`);
  }
}

/** Prints why a module could not be read (a file larger than any policy allows is `check`'s own case). */
export function reportModuleFailure(file: string, mod: Exclude<ModuleLoad, { ok: true }>, json: boolean, io: Io): void {
  const message = 'message' in mod ? mod.message : `cannot read ${file}: it is larger than any policy allows`;
  if (json) io.out(toJSON({ ok: false, error: 'io', message }));
  io.err(`wasm-harden: ${message}`);
}

export type ModuleLoad = { ok: true; bytes: Uint8Array } | { ok: false; message: string } | { ok: false; tooLarge: number };

export async function loadModule(file: string): Promise<ModuleLoad> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { ok: false, message: `cannot read ${file}: not a regular file` };
    // Never read more than any policy could accept; the validator reports the policy's own (lower) limit.
    if (info.size > V8_LIMITS.moduleBytes) return { ok: false, tooLarge: info.size };
    return { ok: true, bytes: new Uint8Array(await readFile(file)) };
  } catch (e) {
    return { ok: false, message: `cannot read ${file}: ${describeError(e)}` };
  }
}

/** `ENOENT: no such file or directory` rather than the full Node message with the path repeated. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') {
      const m = /^[A-Z]+: ([^,]+)/.exec(e.message);
      return m ? `${code}: ${m[1]}` : code;
    }
    return e.message;
  }
  return String(e);
}

async function runCheck(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positionals[0]!;
  const json = args.flags.has('json');

  const loaded = await loadPolicy(args.values.get('policy'), args.values.get('preset'));
  if (!loaded.ok) {
    reportPolicyFailure(loaded, json, io, args.values.get('policy'));
    return EXIT.usage;
  }

  const mod = await loadModule(file);
  if (!mod.ok) {
    if ('tooLarge' in mod) {
      const issues: Issue[] = [
        {
          code: 'forbidden.limit.module-bytes',
          message: `limit exceeded: module bytes (${mod.tooLarge} > ${loaded.policy.limits.moduleBytes})`,
          offset: 0,
        },
      ];
      return reportRejected(file, issues, json, io);
    }
    if (json) io.out(toJSON({ ok: false, error: 'io', message: mod.message }));
    io.err(`wasm-harden: ${mod.message}`);
    return EXIT.usage;
  }

  let result: ValidationResult;
  try {
    result = validate(mod.bytes, loaded.policy);
  } catch (e) {
    // validate promises never to throw; if it does, that is our bug, not the input's. No stack trace
    // unless asked for, so that a hostile file cannot make us print pages of internals.
    const message = `internal error while validating ${file}: ${e instanceof Error ? e.message : String(e)}`;
    if (json) io.out(toJSON({ ok: false, error: 'internal', message }));
    io.err(`wasm-harden: ${message}`);
    if (process.env.WASM_HARDEN_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return EXIT.usage;
  }

  if (!result.ok) return reportRejected(file, result.issues, json, io);
  const summary = summarizeModule(result.module);
  if (json) io.out(toJSON({ ok: true, file, module: summary }));
  else io.out(formatValid(file, summary));
  return EXIT.ok;
}

export function reportRejected(file: string, issues: readonly Issue[], json: boolean, io: Io): number {
  if (json) io.out(toJSON({ ok: false, issues }));
  else {
    for (const issue of issues) io.out(formatIssue(issue));
    io.out(formatRejected(file, issues));
  }
  return EXIT.rejected;
}
