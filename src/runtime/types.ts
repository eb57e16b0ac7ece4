/**
 * The runtime's public shapes: what a host gets back from running hardened code.
 *
 * `TrapKind` is a closed union aligned with Wasmtime's trap codes. Every failure of a call is exactly one
 * of these; no V8 error text is ever returned unclassified (the message is ours, the original is kept only
 * for diagnostics).
 */

export const TRAP_KINDS = [
  'out-of-fuel',
  'stack-overflow',
  'memory-out-of-bounds',
  'table-out-of-bounds',
  'indirect-call-to-null',
  'bad-signature',
  'integer-overflow',
  'integer-division-by-zero',
  'bad-conversion-to-integer',
  'unreachable',
  'timeout',
  'host-error',
] as const;

export type TrapKind = (typeof TRAP_KINDS)[number];

/** The result of one call. `fuelUsed` is per call and deterministic. */
export type RunResult =
  | {
      ok: true;
      /** results per the JS API conventions: i64 as bigint, f32/f64 as numbers, references as they are */
      values: unknown[];
      fuelUsed: bigint;
      /** set when a WASI guest called proc_exit: a clean end with this code */
      exitCode?: number;
    }
  | {
      ok: false;
      trap: TrapKind;
      /** our own wording for the trap (never V8's raw text) */
      message: string;
      fuelUsed: bigint;
      /**
       * What was thrown (V8's RuntimeError, or the host function's exception), for diagnostics only. Set by
       * the sandbox as a *non-enumerable* property, so it stays out of JSON output and deep equality.
       */
      cause?: unknown;
    };

/** A host function or value offered to the guest, by module and name. */
export type HostImports = Record<string, Record<string, unknown>>;

export interface WasiOptions {
  /** argv as the guest sees it (default: []) */
  args?: readonly string[];
  /** environment as the guest sees it (default: {}) */
  env?: Readonly<Record<string, string>>;
  /** byte caps for captured stdout / stderr (default 1 MiB each); output past the cap is dropped and counted */
  stdoutLimit?: number;
  stderrLimit?: number;
  /** clock_time_get: real time (default), or off (returns ENOTCAPABLE) for determinism */
  clock?: boolean;
  /** random_get: crypto randomness (default), or off (ENOTCAPABLE), or a fixed seed for determinism */
  random?: boolean | { seed: number };
}

export interface SandboxOptions {
  /** host functions (and globals/tables) the guest imports; each must be allowed by the policy */
  imports?: HostImports;
  /** the fuel budget of this sandbox (default: the policy's) */
  fuel?: bigint | number;
  /** a minimal WASI preview1 (see src/runtime/wasi.ts): `true` for the defaults */
  wasi?: boolean | WasiOptions;
  /** the memory to provide for an imported memory */
  memory?: WebAssembly.Memory;
  /** wall-clock backstop: the call runs in a worker that is terminated past this many ms (→ `timeout`) */
  timeoutMs?: number;
}
