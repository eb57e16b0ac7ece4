/**
 * V8's huge-function fallback, and the opt-in that avoids it.
 *
 * V8 (11.3, Node 20) gives a wasm function its optimising register allocator only while the function's
 * machine code needs at most 8,192 virtual registers; above that it switches to the "mid-tier" allocator
 * (`--turbo-use-mid-tier-regalloc-for-huge-functions`, on by default), which is much faster to run and
 * produces code that keeps values in stack slots: at the back edge of sql.js's bytecode interpreter it
 * stores about ten loop values to the stack on every iteration. Instrumentation adds instructions, so it
 * can push a function that was below the threshold above it. Measured here (virtual registers, read from
 * V8's `--trace-turbo` output; about 0.18 per byte of body, between 0.165 and 0.26 on the largest
 * functions of sql.js and QuickJS):
 *
 *   function                          plain                 hardened
 *   sql.js 1540 (sqlite3VdbeExec)     6,382  (34,706 B)     ~10,400  (~57,500 B)   over: mid-tier
 *   QuickJS 221 (JS_CallInternal)     5,069  (28,973 B)     ~8,040   (~44,800 B)   just under
 *
 * sql.js's interpreter then runs 1.69× slower than plain (its whole workload 1.37×); with the top-tier
 * allocator (the flag off), the same hardened module runs the workload at 1.18×, and leaving out every
 * charge of that function (an unsound build, for attribution only) measures the same 1.18×: the whole
 * difference is the allocator. No exact instrumentation of that function fits under the threshold: its
 * calls, charges and joins add more virtual registers than the 1,810 left.
 *
 * `tuneEngine()` turns the fallback off for this process, through `v8.setFlagsFromString`, before any
 * hardened code is compiled (it applies to compilations that start afterwards, V8's background tier-ups
 * included). The cost is compile time: the top-tier allocator on sql.js's hardened module takes about 90 ms
 * more (of about 1.1 s to compile every function with TurboFan, on one thread). It changes nothing else,
 * and nothing for JavaScript, but it is process-wide: that is why it is an opt-in, never a side effect of
 * `harden` or `instantiate`. The harden report lists the functions it matters for (`report.largeFunctions`).
 *
 * The fallback exists because the top-tier allocator's time and memory grow faster than linearly with a
 * function's size, and an untrusted module chooses its sizes. Measured here (one generated interpreter-like
 * function, hardened, compiled by TurboFan on one thread; V8's default, then with the fallback off):
 *
 *   hardened body      56 KB     113 KB    226 KB    452 KB           1,017 KB
 *   default            0.14 s    0.63 s    0.93 s    2.7 s            5.7 s, 0.44 GB
 *   fallback off       0.44 s    1.7 s     5.7 s     22 s, 1.5 GB     151 s, 5.0 GB
 *
 * The strict policy allows bodies of 2 MiB. So in a process where the fallback is off (through
 * `tuneEngine()`, or the flag on Node's command line or in NODE_OPTIONS), `harden` and `instantiate` refuse
 * any function body above TUNED_MAX_BODY_BYTES (`forbidden.limit.body-bytes`), which bounds each compile to
 * about 2 s: sql.js's largest hardened body is 58 KB, QuickJS's 44 KB. Modules compiled in that process
 * without wasm-harden are not covered: the flag is V8's, for everything the process compiles.
 */

import v8 from 'node:v8';
import { Reader } from '../binary/reader.js';
import { specText, type Issue } from '../issues.js';

export interface EngineTuning {
  /** whether the flag was set (false on an engine this build does not know to have it) */
  applied: boolean;
  /** the V8 flag, for a command line: `node --no-turbo-use-mid-tier-regalloc-for-huge-functions app.js` */
  flag: string;
  v8: string;
  /** the largest function body `harden` and `instantiate` accept from now on (TUNED_MAX_BODY_BYTES) */
  maxBodyBytes: number;
}

export const HUGE_FUNCTION_FLAG = '--no-turbo-use-mid-tier-regalloc-for-huge-functions';

/** The largest function body wasm-harden compiles or produces while the fallback is off (see above). */
export const TUNED_MAX_BODY_BYTES = 128 * 1024;

let tunedHere = false;

/** whether a command-line flag list turns the fallback off (V8 accepts `_` for `-` in flag names) */
function hasFlag(args: readonly string[]): boolean {
  const wanted = HUGE_FUNCTION_FLAG.replace(/_/g, '-');
  return args.some((a) => a.replace(/_/g, '-') === wanted);
}

/**
 * Whether V8's huge-function fallback is off in this process, as far as Node shows it: `tuneEngine()` was
 * called, or the flag is on the command line or in NODE_OPTIONS. (A flag set by other code through
 * `v8.setFlagsFromString` cannot be read back.)
 */
export function engineTuned(): boolean {
  return tunedHere || hasFlag(process.execArgv) || hasFlag((process.env.NODE_OPTIONS ?? '').split(/\s+/));
}

/**
 * The refusals `harden` and `instantiate` make while the fallback is off: one issue per function body
 * above TUNED_MAX_BODY_BYTES. `bodies`: every function body, with its index among the defined functions,
 * its size and its offset (in the bytes the issues are about).
 */
export function tunedEngineIssues(bodies: readonly { index: number; size: number; offset: number }[]): Issue[] {
  if (!engineTuned()) return [];
  return bodies
    .filter((b) => b.size > TUNED_MAX_BODY_BYTES)
    .map((b) => ({
      code: 'forbidden.limit.body-bytes' as const,
      message:
        `${specText('forbidden.limit.body-bytes')}: code[${b.index}] is ${b.size} bytes once hardened; with V8's huge-function fallback off ` +
        `(tuneEngine(), or ${HUGE_FUNCTION_FLAG}) bodies above ${TUNED_MAX_BODY_BYTES} bytes are refused, because V8's optimising register ` +
        `allocator takes time and memory that grow faster than linearly with them (a 1 MB body: 151 s and 5 GB)`,
      offset: b.offset,
      path: `code[${b.index}]`,
    }));
}

/**
 * The function bodies of a module: index among the defined functions, size and offset, read from the code
 * section's size prefixes alone (none when the bytes are malformed).
 */
export function functionBodies(bytes: Uint8Array): { index: number; size: number; offset: number }[] {
  try {
    return readBodies(bytes);
  } catch {
    return []; // malformed: what compiles it next rejects it with its own issue
  }
}

function readBodies(bytes: Uint8Array): { index: number; size: number; offset: number }[] {
  const r = new Reader(bytes, 8, bytes.length);
  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 10) {
      const bodies: { index: number; size: number; offset: number }[] = [];
      const count = r.u32();
      for (let index = 0; index < count; index++) {
        const bodySize = r.u32();
        bodies.push({ index, size: bodySize, offset: r.pos });
        r.skip(bodySize);
      }
      return bodies;
    }
    r.skip(end - r.pos);
  }
  return [];
}

/**
 * Gives huge wasm functions V8's optimising register allocator for the rest of this process (see the
 * design comment). Idempotent. Applied only on V8 11 and 12, the versions known to have the flag (an
 * unknown flag makes V8 print an error). From then on `harden` and `instantiate` refuse function bodies
 * above TUNED_MAX_BODY_BYTES.
 */
export function tuneEngine(): EngineTuning {
  const version = process.versions.v8;
  const major = Number(version.split('.')[0]);
  const applied = major === 11 || major === 12;
  if (applied) {
    v8.setFlagsFromString(HUGE_FUNCTION_FLAG);
    tunedHere = true;
  }
  return { applied, flag: HUGE_FUNCTION_FLAG, v8: version, maxBodyBytes: TUNED_MAX_BODY_BYTES };
}
