#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { collectAssignment, parseNonNegativeInt, parsePositiveInt, parseWorkers } from './args.js';
import { checkCommand } from './check-command.js';
import { demoCommand } from './demo-command.js';
import { EXIT_BAD_INPUT, EXIT_OK, oneLine, reportError } from './errors.js';
import { runCommand } from './run-command.js';
import type { RunOptions } from './run-command.js';

/** Commander calls parsers inside its own error handling: rethrow ours as its invalid-argument error. */
function arg<T>(parse: (value: string, previous: T) => T): (value: string, previous: T) => T {
  return (value, previous) => {
    try {
      return parse(value, previous);
    } catch (error) {
      throw new CommanderError(EXIT_BAD_INPUT, 'commander.invalidArgument', error instanceof Error ? error.message : String(error));
    }
  };
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('damflow')
    .description('Cycle-accurate simulator of streaming dataflow hardware, with the SDPA designs')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`damflow: ${oneLine(text.replace(/^error: /, ''))}\n`) })
    .showSuggestionAfterError(false);

  program
    .command('run')
    .description('simulate one SDPA design')
    .addOption(new Option('--design <design>', 'design to simulate').choices(['naive', 'modified']))
    .option(
      '--n <N>',
      'sequence length',
      arg((v) => parsePositiveInt(v, 'N')),
    )
    .option(
      '--d <d>',
      'head dimension',
      arg((v) => parsePositiveInt(v, 'd')),
      1,
    )
    .option(
      '--heads <H>',
      'independent heads',
      arg((v) => parsePositiveInt(v, 'heads')),
      1,
    )
    .option(
      '--workers <W>',
      "worker threads, or 'auto' (at most the cores; parts joined by few channels, such as heads, run apart; 1 runs in this thread)",
      arg(parseWorkers),
      'auto',
    )
    .addOption(
      new Option(
        '--engine <engine>',
        "'static' (a fixed order of operations per head, several times faster, one thread), 'actors' (every unit a context scheduled as it becomes ready, on any number of workers), or 'auto' (static when the run takes one thread)",
      )
        .choices(['auto', 'static', 'actors'])
        .default('auto'),
    )
    .option(
      '--seed <S>',
      'seed for Q, K and V',
      arg((v) => parseNonNegativeInt(v, 'seed')),
    )
    .option('--unbounded', 'make every channel unbounded')
    .option(
      '--uniform-depth <K>',
      'give every channel capacity K',
      arg((v) => parsePositiveInt(v, 'uniform depth')),
    )
    .option('--depth <CHANNEL=K>', 'capacity of one channel (repeatable)', arg(collectAssignment('depth')))
    .option('--latency <UNIT=L>', 'latency of one unit (repeatable)', arg(collectAssignment('latency')))
    .option('--ii <UNIT=II>', 'initiation interval of one unit (repeatable)', arg(collectAssignment('II')))
    .option('--json', 'print one JSON object to stdout')
    .option('--dump <FILE>', 'write Q, K, V and the output as JSON, indexed [head][row][column]')
    .exitOverride()
    .action(async (options: RunOptions) => setExit(await runCommand(options)));

  program
    .command('check')
    .description('run the cases of a JSON file and compare their cycle counts')
    .argument('<file>', 'JSON { "cases": [ { name?, design, n, ..., expectedCycles } ] }')
    .exitOverride()
    .action(async (file: string) => setExit(await checkCommand(file)));

  program
    .command('demo', { isDefault: true })
    .description('both designs next to the published cycle counts, and memory over N')
    .exitOverride()
    .action(async () => setExit(await demoCommand()));

  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are requests, not errors.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    return reportError(error);
  }
  return code;
}

process.exitCode = await main(process.argv.slice(2));
