#!/usr/bin/env node
import './interrupt-fallback.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, oneLine, reportError } from './errors.js';

const UNKNOWN_COMMAND = 'damflow.unknownCommand';

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Each command's module, in the order help lists them, loaded only for the command that runs:
 * the modules of all of them (the engines, the sweep's, the session's, the reports') took
 * about 150 ms of every start, a third of a small run's wall time.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  run: async () => (await import('./run-command.js')).registerRun,
  check: async () => (await import('./check-command.js')).registerCheck,
  demo: async () => (await import('./demo-command.js')).registerDemo,
  sweep: async () => (await import('./sweep-command.js')).registerSweep,
  worker: async () => (await import('./worker-command.js')).registerWorker,
  size: async () => (await import('./size-command.js')).registerSize,
  inspect: async () => (await import('./inspect-command.js')).registerInspect,
  report: async () => (await import('./report-command.js')).registerReport,
};
const VERSION_FLAGS = new Set(['-V', '--version']);
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The program with the command `argv` names, or with every command (help, version, a mistyped name). */
async function buildProgram(argv: readonly string[], setExit: (code: number) => void): Promise<Command> {
  const program = new Command('damflow')
    .description('Cycle-accurate simulator of streaming dataflow hardware, with the SDPA designs')
    .version(VERSION, '-V, --version')
    .exitOverride()
    // A stray word (`run --design naive --n 4 extra`, or options after `--`) must not pass unread.
    .allowExcessArguments(false)
    .configureOutput({ outputError: (text, write) => write(`damflow: ${oneLine(text.replace(/^error: /, ''))}\n`) })
    .showSuggestionAfterError(false)
    // Commander's own answers `help NAME` for an unknown NAME with the whole help on stderr.
    .helpCommand(false);
  // The version alone needs no command: it printed after loading all of them, 0.26-0.34 s where a small run takes 0.2 s.
  const named = Object.hasOwn(COMMANDS, argv[0] ?? '') ? [argv[0]!] : VERSION_FLAGS.has(argv[0] ?? '') ? [] : Object.keys(COMMANDS);
  for (const register of await Promise.all(named.map((name) => COMMANDS[name]!()))) register(program, setExit);
  const unknownCommand = (name: string): never => {
    const commands = program.commands.map((c) => c.name()).join(', ');
    throw new CommanderError(EXIT_BAD_INPUT, UNKNOWN_COMMAND, `unknown command '${name}' (commands: ${commands})`);
  };
  program
    .command('help')
    .argument('[command...]', 'a command, and a subcommand of it (help sweep merge)')
    .description('display help for command')
    .action((names: string[]) => {
      let command = program;
      for (const name of names) {
        const sub = command.commands.find((c) => c.name() === name);
        if (sub === undefined) {
          if (command === program) unknownCommand(name);
          throw new CommanderError(EXIT_BAD_INPUT, UNKNOWN_COMMAND, `'${command.name()}' has no subcommand '${name}'`);
        }
        command = sub;
      }
      command.help();
    });
  // A mistyped command must not pass as something else (before, it ran the demo and exited 0),
  // nor, with --help after it, as a request for the whole help (exit 0).
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !Object.hasOwn(COMMANDS, first)) unknownCommand(first);
  program.on('command:*', (operands: string[]) => unknownCommand(operands[0]!));
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  try {
    // No arguments at all, or only the end of options (where commander prints its help as an error): the default job.
    if (argv.length === 0 || (argv.length === 1 && argv[0] === '--')) return await (await import('./demo-command.js')).demoCommand();
    await (await buildProgram(argv, (c) => (code = c))).parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === UNKNOWN_COMMAND) console.error(`damflow: ${error.message}`);
      // Help and version are requests, not errors.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    return reportError(error);
  }
  return code;
}

// A reader that stops early (`damflow check FILE | head -1`) is not an error of ours; any other
// failure of standard output (`> /dev/full`, a full disk) is the user's to fix, as an output
// file's is: one line and exit 2, where it had been a stack trace. console.log never throws: its
// stream's failures come here.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.exit(process.exitCode ?? EXIT_OK);
  } else {
    console.error(`damflow: cannot write standard output: ${oneLine(error.message)}`);
    process.exit(EXIT_BAD_INPUT);
  }
});

process.exitCode = await main(process.argv.slice(2));
