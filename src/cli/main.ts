#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCheck } from './check-command.js';
import { registerDemo, demoCommand } from './demo-command.js';
import { EXIT_BAD_INPUT, EXIT_OK, oneLine, reportError } from './errors.js';
import { registerRun } from './run-command.js';
import { registerSize } from './size-command.js';
import { registerSweep } from './sweep-command.js';
import { registerWorker } from './worker-command.js';
import { registerInspect } from './inspect-command.js';
import { registerReport } from './report-command.js';

const UNKNOWN_COMMAND = 'damflow.unknownCommand';
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function buildProgram(setExit: (code: number) => void): Command {
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
  registerRun(program, setExit);
  registerCheck(program, setExit);
  registerDemo(program, setExit);
  registerSweep(program, setExit);
  registerWorker(program, setExit);
  registerSize(program, setExit);
  registerInspect(program, setExit);
  registerReport(program, setExit);
  const unknownCommand = (name: string): never => {
    const commands = program.commands.map((c) => c.name()).join(', ');
    throw new CommanderError(EXIT_BAD_INPUT, UNKNOWN_COMMAND, `unknown command '${name}' (commands: ${commands})`);
  };
  program
    .command('help')
    .argument('[command]')
    .description('display help for command')
    .action((name?: string) => {
      if (name === undefined) return program.help();
      (program.commands.find((c) => c.name() === name) ?? unknownCommand(name)).help();
    });
  // A mistyped command must not pass as something else (before, it ran the demo and exited 0).
  program.on('command:*', (operands: string[]) => unknownCommand(operands[0]!));
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  try {
    // No arguments at all, or only the end of options (where commander prints its help as an error): the default job.
    if (argv.length === 0 || (argv.length === 1 && argv[0] === '--')) return await demoCommand();
    await buildProgram((c) => (code = c)).parseAsync(argv, { from: 'user' });
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

// A reader that stops early (`damflow check FILE | head -1`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? EXIT_OK);
});

process.exitCode = await main(process.argv.slice(2));
