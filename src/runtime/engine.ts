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
 */

import v8 from 'node:v8';

export interface EngineTuning {
  /** whether the flag was set (false on an engine this build does not know to have it) */
  applied: boolean;
  /** the V8 flag, for a command line: `node --no-turbo-use-mid-tier-regalloc-for-huge-functions app.js` */
  flag: string;
  v8: string;
}

export const HUGE_FUNCTION_FLAG = '--no-turbo-use-mid-tier-regalloc-for-huge-functions';

/**
 * Gives huge wasm functions V8's optimising register allocator for the rest of this process (see the
 * design comment). Idempotent. Applied only on V8 11 and 12, the versions known to have the flag (an
 * unknown flag makes V8 print an error).
 */
export function tuneEngine(): EngineTuning {
  const version = process.versions.v8;
  const major = Number(version.split('.')[0]);
  const applied = major === 11 || major === 12;
  if (applied) v8.setFlagsFromString(HUGE_FUNCTION_FLAG);
  return { applied, flag: HUGE_FUNCTION_FLAG, v8: version };
}
