/**
 * The shape every CLI command shares, and the small option parser they use.
 *
 * One command per file (`check.ts`, later `harden.ts`, `run.ts`, `fuzz.ts`); `main.ts` only dispatches. A
 * command declares its options once, and the same declaration drives parsing and its `--help` text.
 * Commands never call `process.exit` and never write to `process.stdout` directly: they get an `Io` and
 * return an exit code, so tests can run them in-process as well as through the binary.
 */

/** Exit codes shared by every command. */
export const EXIT = {
  /** the module was accepted (or the command succeeded) */
  ok: 0,
  /** the module was rejected */
  rejected: 1,
  /** bad usage, unreadable file, bad policy file, or an internal error */
  usage: 2,
} as const;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface OptionSpec {
  /** `--name`; `short` is the one-letter alias (`-j`) */
  readonly name: string;
  readonly short?: string;
  /** a flag takes no value; a string option takes the next argument or `--name=value` */
  readonly type: 'flag' | 'string';
  /** shown in `--help`, e.g. `<file.json>` */
  readonly valueName?: string;
  readonly description: string;
}

export interface Command {
  readonly name: string;
  /** one line, shown in the top-level usage */
  readonly summary: string;
  /** the argument part of the usage line, e.g. `<file.wasm> [options]` */
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  /** positional argument count accepted */
  readonly positionals: { readonly min: number; readonly max: number };
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
}

/** A usage error: `main` prints its message and the command's usage, and exits with `EXIT.usage`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `argv` (the arguments after the command name) against `options`. Accepts `--name value`,
 * `--name=value`, `-x value`, and `--` to end options. Unknown options, missing values, values given to
 * flags and repeated options are usage errors.
 */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map(options.map((o) => [o.name, o]));
  const byShort = new Map(options.filter((o) => o.short !== undefined).map((o) => [o.short!, o]));
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = byLong.get(name);
    } else if (arg.length === 2) {
      spec = byShort.get(arg.slice(1));
    }
    if (spec === undefined) throw new UsageError(`unknown option ${arg.split('=')[0]}`);
    if (seen.has(spec.name)) throw new UsageError(`option --${spec.name} given more than once`);
    seen.add(spec.name);
    if (spec.type === 'flag') {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      flags.add(spec.name);
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-'))
        throw new UsageError(`option --${spec.name} needs a value${spec.valueName ? ` ${spec.valueName}` : ''}`);
      values.set(spec.name, value);
    }
  }
  return { positionals, flags, values };
}

/** The `--help` text of one command. */
export function commandHelp(cmd: Command): string {
  const lines = [`usage: wasm-harden ${cmd.name} ${cmd.usage}`, '', cmd.summary];
  if (cmd.options.length > 0) {
    lines.push('', 'options:');
    const left = cmd.options.map(
      (o) => `  ${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.valueName ? ` ${o.valueName}` : ''}`,
    );
    const width = Math.max(...left.map((l) => l.length)) + 2;
    cmd.options.forEach((o, i) => lines.push(left[i]!.padEnd(width) + o.description));
  }
  return lines.join('\n');
}
