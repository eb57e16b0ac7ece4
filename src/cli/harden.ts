/**
 * `wasm-harden harden <in.wasm> -o <out.wasm> [--policy p.json] [--preset strict|spec] [--fuel N] [--binaryen-check] [--json]`
 *
 * Validates and hardens one module and writes the result. The base policy is the same as `check`'s
 * (strict features and limits, imports unchecked), so the output can replace the original under its
 * existing loader; `--fuel` sets the budget embedded in the module. Exit 0: hardened and written. Exit 1:
 * rejected (the same issue lines, or JSON, as `check`). Exit 2: usage, I/O or policy error.
 * The output is written to a temporary file and renamed, so a failure never leaves a half-written file.
 */

import { rename, writeFile } from 'node:fs/promises';
import { tryHarden } from '../instrument/harden.js';
import { HUGE_FUNCTION_FLAG, TUNED_MAX_BODY_BYTES } from '../runtime/engine.js';
import { normalizePolicy, parseFuel } from '../policy.js';
import { loadModule, loadPolicy, describeError, reportRejected, POLICY_OPTIONS, reportModuleFailure, reportPolicyFailure } from './check.js';
import { EXIT, UsageError, type Command, type Io, type ParsedArgs } from './command.js';
import { formatPolicyIssue, toJSON } from './format.js';

export const hardenCommand: Command = {
  name: 'harden',
  summary: 'Validate and instrument a module (fuel, memory/table caps, stack limit) and write it out.',
  usage: '<in.wasm> -o <out.wasm> [--policy <policy.json>] [--preset strict|spec] [--fuel N] [--binaryen-check] [--json]',
  positionals: { min: 1, max: 1 },
  options: [
    { name: 'output', short: 'o', type: 'string', valueName: '<out.wasm>', description: 'where to write the hardened module (required)' },
    ...POLICY_OPTIONS,
    { name: 'fuel', type: 'string', valueName: '<N>', description: 'the fuel budget embedded in the module (a decimal integer)' },
    { name: 'binaryen-check', type: 'flag', description: "also run binaryen's validator on the output (ours and V8's always run)" },
    { name: 'json', short: 'j', type: 'flag', description: 'print the result (the report, or the issues) as one JSON object' },
    { name: 'help', short: 'h', type: 'flag', description: 'show this help' },
  ],
  run: runHarden,
};

async function runHarden(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positionals[0]!;
  const output = args.values.get('output');
  const json = args.flags.has('json');
  if (output === undefined) throw new UsageError('harden: -o <out.wasm> is required');
  const fuelText = args.values.get('fuel');
  const fuel = fuelText === undefined ? undefined : parseFuel(fuelText);
  if (fuelText !== undefined && fuel === undefined) throw new UsageError(`harden: --fuel must be a non-negative integer, got "${fuelText}"`);

  const loaded = await loadPolicy(args.values.get('policy'), args.values.get('preset'));
  if (!loaded.ok) {
    reportPolicyFailure(loaded, json, io, args.values.get('policy'));
    return EXIT.usage;
  }
  const mod = await loadModule(file);
  if (!mod.ok) {
    reportModuleFailure(file, mod, json, io);
    return EXIT.usage;
  }

  // --fuel overrides the budget only: merged over the loaded policy, which keeps every other option
  const result = await tryHarden(mod.bytes, fuel === undefined ? loaded.policy : normalizePolicy({ fuel }, loaded.policy), {
    binaryenCheck: args.flags.has('binaryen-check'),
  });
  if (!result.ok) return reportRejected(file, result.issues, json, io);

  const tmp = `${output}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, result.module.bytes);
    await rename(tmp, output);
  } catch (e) {
    const message = `cannot write ${output}: ${describeError(e)}`;
    if (json) io.out(toJSON({ ok: false, error: 'io', message }));
    io.err(`wasm-harden: ${message}`);
    return EXIT.usage;
  }
  const r = result.module.report;
  if (json) io.out(toJSON({ ok: true, file, output, report: r }));
  else
    io.out(
      `${file} → ${output}: ${r.outputBytes.toLocaleString('en-US')} bytes (+${r.addedBytes.toLocaleString('en-US')}), ` +
        `${r.meteringPoints.toLocaleString('en-US')} metering points, fuel ${r.fuel.budget}, ` +
        `${r.caps.memories.length} memor${r.caps.memories.length === 1 ? 'y' : 'ies'} and ${r.caps.tables.length} table(s) capped, ` +
        `${r.timings.total.toFixed(0)} ms`,
    );
  if (!json && r.largeFunctions.length > 0)
    io.out(
      `note: ${r.largeFunctions.map((f) => `function ${f.index} (${f.inputBytes.toLocaleString('en-US')} → ${f.outputBytes.toLocaleString('en-US')} bytes)`).join(', ')}: ` +
        `V8 may compile bodies this large with its mid-tier register allocator, markedly slower; ` +
        `run node with ${HUGE_FUNCTION_FLAG}, or call tuneEngine() before instantiating (README, "Performance"); ` +
        `either makes wasm-harden refuse bodies above ${TUNED_MAX_BODY_BYTES.toLocaleString('en-US')} bytes, whose compile time would grow faster than linearly`,
    );
  return EXIT.ok;
}

