import { createInterface } from 'node:readline/promises';
import { estimateCost, refuseWhatCannotFit } from '../designs/sdpa/cost.js';
import { resolveSdpaConfig, sdpaProgram } from '../designs/sdpa/design.js';
import { inexactClocks } from '../designs/sdpa/exact-clocks.js';
import { describeDeadlock } from '../engines/run-result.js';
import { formatInspection } from '../reports/inspection-text.js';
import { openSession } from '../session/open-session.js';
import { refusedClock } from '../kernel/errors.js';
import { interrupted, interruption } from '../engines/interruption.js';
import { arg, parseNonNegativeInt, parsePositiveInt, refuseRepeatedOptions } from './args.js';
import { EXIT_DEADLOCK, EXIT_OK, UsageError, oneLine } from './errors.js';
import { REPEATABLE_SDPA_OPTIONS, addSdpaOptions, sdpaConfig } from './sdpa-options.js';
import type { Command } from 'commander';
import type { Session } from '../session/open-session.js';
import type { Inspection } from '../session/inspection.js';
import type { SdpaOptions } from './sdpa-options.js';

interface InspectOptions extends SdpaOptions {
  at?: number[];
  json?: boolean;
  elements: number;
  /** Run to the end after the last --at inspection (--no-end: stop there). */
  end: boolean;
}

const PROMPT_HELP = 'commands: until CYCLE, step [ROWS], show [ELEMENTS], resume, quit';

export function registerInspect(program: Command, setExit: (code: number) => void): void {
  const command = addSdpaOptions(
    program.command('inspect').description('run an SDPA design step by step and look inside (a prompt, or --at)'),
  )
    .option(
      '--at <CYCLE>',
      'print the inspection once every unit has reached CYCLE (repeatable); without it, a prompt',
      arg((v, previous: number[] | undefined) => [...(previous ?? []), parseNonNegativeInt(v, 'cycle')]),
    )
    .option('--json', 'print the inspections and the end as one JSON object (with --at)')
    // The end of a long run can be hours away from the cycles someone wants to look at.
    .option('--no-end', 'stop after the last --at inspection instead of running to the end')
    .option(
      '--elements <K>',
      'elements of each channel an inspection lists',
      arg((v) => parsePositiveInt(v, 'elements')),
      8,
    )
    .exitOverride()
    .action(async (options: InspectOptions) => setExit(await inspectCommand(options)));
  refuseRepeatedOptions(command, [...REPEATABLE_SDPA_OPTIONS, '--at']);
}

async function inspectCommand(options: InspectOptions): Promise<number> {
  if (options.json && options.at === undefined) throw new UsageError('--json needs --at CYCLE: the prompt prints text');
  if (!options.end && options.at === undefined) throw new UsageError('--no-end needs --at CYCLE: at the prompt, quit stops');
  const config = sdpaConfig(options);
  const resolved = resolveSdpaConfig(config);
  refuseWhatCannotFit(estimateCost(resolved, config));
  // Cycles before 2^53 are exact wherever the end is: only a run to the end is refused.
  const inexact = inexactClocks(resolved);
  if (inexact !== null && options.at !== undefined && options.end) throw new UsageError(`${inexact}; or inspect with --no-end`);
  const session = await openSession(sdpaProgram(resolved));
  // With --at no prompt reads the terminal: SIGINT and SIGTERM stop the run (one line, exit 130).
  // A prompt on a terminal reads Ctrl-C as a key (the terminal is raw): it stops the session as
  // SIGINT does. It had been read as the end of the input, once the command under way was over:
  // an `until` of seconds ran to its end, and the process then waited at its prompt for ever.
  const ctrlC = new AbortController();
  const stopping = interruption({ interruptible: options.at !== undefined, signal: ctrlC.signal });
  const stopped = interrupted(stopping.signal, 'inspection interrupted');
  try {
    const end = await Promise.race([
      options.at === undefined ? prompt(session, options, inexact, () => ctrlC.abort('Ctrl-C')) : scripted(session, options.at, options),
      stopped,
    ]).catch((error: unknown) => {
      // The refusal before the session bounds the clocks from below (and --no-end lets a run
      // past it): one that passes 2^53 anyway ends as a run does, not as a unit's fault (exit 1).
      throw refusedClock(error);
    });
    if (end === null) return EXIT_OK;
    if (end.deadlock !== null) {
      console.error(describeDeadlock(end.deadlock));
      return EXIT_DEADLOCK;
    }
    return EXIT_OK;
  } finally {
    stopping.release();
    await session.close();
  }
}

/** What the session ended with: null when it stopped before the end (quit, or --no-end). */
type End = { readonly deadlock: Inspection['deadlock'] } | null;

async function scripted(session: Session, cycles: readonly number[], options: InspectOptions): Promise<End> {
  // Kept for --json's one object only: printed as text, each is let go once printed.
  const inspections: Inspection[] = [];
  let last: Inspection | undefined;
  // In time order, each cycle once: `--at 100 --at 100` is one inspection.
  for (const cycle of [...new Set(cycles)].sort((a, b) => a - b)) {
    await session.runUntil(cycle);
    last = await session.inspect(options.elements);
    if (options.json) inspections.push(last);
    else console.log(`${formatInspection(last)}\n`);
  }
  // A run already over at the last inspection has its end at hand, --no-end or not.
  if (!options.end && last!.status === 'paused') {
    if (options.json) console.log(JSON.stringify({ inspections, end: null }, null, 2));
    else console.log(`stopped after the inspection at cycle ${last!.cycle} (--no-end): the run was not finished`);
    return null;
  }
  const result = await session.resume();
  const end = { status: result.status, cycles: result.cycles, deadlock: result.deadlock };
  if (options.json) console.log(JSON.stringify({ inspections, end }, null, 2));
  else console.log(`run over: ${result.status}, ${result.cycles} cycles`);
  return end;
}

/**
 * Reads commands line by line: on a terminal with a prompt, and a mistyped command is said and
 * forgiven; from a pipe, a bad line is bad input (one line, exit 2). `onCtrlC`: Ctrl-C typed
 * on the terminal, at the prompt or during a command.
 */
async function prompt(session: Session, options: InspectOptions, inexact: string | null, onCtrlC: () => void): Promise<End> {
  const terminal = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: terminal ? process.stdout : undefined, terminal });
  // The session stops; so does the reading, or the process would wait on the terminal.
  lines.on('SIGINT', () => {
    onCtrlC();
    lines.close();
  });
  const say = (text: string): void => console.log(text);
  if (terminal) say(PROMPT_HELP);
  lines.setPrompt('damflow> ');
  if (terminal) lines.prompt();
  let end: End = null;
  try {
    for await (const line of lines) {
      const [word, value, extra] = line.trim().split(/\s+/);
      try {
        // `quit now` had quit, `resume extra` resumed: a command takes what it names, no more.
        const takesValue = word === 'until' || word === 'step' || word === 'show';
        if (extra !== undefined || (value !== undefined && !takesValue))
          throw new UsageError(`'${line.trim()}': too many words (${PROMPT_HELP})`);
        if (word === undefined || word === '') {
          // An empty line does nothing.
        } else if (word === 'quit' || word === 'exit') {
          break;
        } else if (word === 'until') {
          if (value === undefined) throw new UsageError('until needs a CYCLE');
          await session.runUntil(parseNonNegativeInt(value, 'cycle'));
          end = shown(await session.inspect(options.elements), say);
        } else if (word === 'step') {
          await session.step(value === undefined ? 1 : parsePositiveInt(value, 'rows'));
          end = shown(await session.inspect(options.elements), say);
        } else if (word === 'show') {
          const elements = value === undefined ? options.elements : parsePositiveInt(value, 'elements');
          end = shown(await session.inspect(elements), say);
        } else if (word === 'resume') {
          if (inexact !== null) throw new UsageError(inexact);
          const result = await session.resume();
          say(`run over: ${result.status}, ${result.cycles} cycles`);
          end = { deadlock: result.deadlock };
          break;
        } else if (word === 'help') {
          say(PROMPT_HELP);
        } else {
          throw new UsageError(`unknown command '${word}' (${PROMPT_HELP})`);
        }
      } catch (error) {
        if (!(error instanceof UsageError) || !terminal) throw error;
        console.error(`damflow: ${oneLine(error.message)}`);
      }
      if (terminal) lines.prompt();
    }
  } finally {
    lines.close();
  }
  return end;
}

/** Prints an inspection; a run that is over ends the session's story there. */
function shown(inspection: Inspection, say: (text: string) => void): End {
  say(formatInspection(inspection));
  return inspection.status === 'paused' ? null : { deadlock: inspection.deadlock };
}
