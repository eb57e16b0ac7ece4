/**
 * The `wasm-harden` command line: dispatches to one command per file.
 *
 *   wasm-harden <command> [args]     run a command (today: check; later harden, run, fuzz)
 *   wasm-harden --help | -h          usage
 *   wasm-harden --version | -V       the package version
 *
 * To add a command, write `src/cli/<name>.ts` exporting a `Command` and list it in `COMMANDS`.
 * Exit codes: 0 success, 1 module rejected, 2 usage/I/O/policy error. Nothing here prints a stack trace:
 * every failure becomes one line on stderr (set WASM_HARDEN_DEBUG=1 to see stacks of internal errors).
 */

import { version } from '../version.js';
import { check } from './check.js';
import { hardenCommand } from './harden.js';
import { runCommand } from './run.js';
import { fuzzCommand } from './fuzz.js';
import { EXIT, UsageError, commandHelp, parseArgs, type Command, type Io } from './command.js';

export const COMMANDS: readonly Command[] = [check, hardenCommand, runCommand, fuzzCommand];

/**
 * stdout/stderr as an `Io`. A closed pipe (`wasm-harden check x.wasm | head`) is not an error worth a
 * stack trace: once a stream reports EPIPE, further output to it is dropped.
 */
function streamWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
    else throw e;
  });
  return (line) => {
    if (!closed) stream.write(line + '\n');
  };
}

let processIo: Io | undefined;
function defaultIo(): Io {
  processIo ??= { out: streamWriter(process.stdout), err: streamWriter(process.stderr) };
  return processIo;
}

export { version } from '../version.js';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: wasm-harden <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'options:',
    '  -h, --help       show this help (or `wasm-harden <command> --help`)',
    '  -V, --version    print the version',
    '',
    'exit codes: 0 accepted, 1 rejected, 2 usage or I/O error',
  ].join('\n');
}

/** Runs the CLI on `argv` (without `node` and the script path) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(usage());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? commandHelp(topic) : usage());
    return EXIT.ok;
  }
  if (first === '--version' || first === '-V') {
    io.out(version());
    return EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (cmd === undefined) {
    io.err(`wasm-harden: ${first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`}`);
    io.err(usage());
    return EXIT.usage;
  }
  try {
    const args = parseArgs(rest, cmd.options);
    if (args.flags.has('help')) {
      io.out(commandHelp(cmd));
      return EXIT.ok;
    }
    const n = args.positionals.length;
    if (n < cmd.positionals.min) throw new UsageError(`${cmd.name}: missing argument`);
    if (n > cmd.positionals.max) throw new UsageError(`${cmd.name}: unexpected argument "${args.positionals[cmd.positionals.max]}"`);
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`wasm-harden: ${e.message}`);
      io.err(`usage: wasm-harden ${cmd.name} ${cmd.usage}  (see wasm-harden ${cmd.name} --help)`);
      return EXIT.usage;
    }
    io.err(`wasm-harden: internal error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.WASM_HARDEN_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return EXIT.usage;
  }
}
