import { Option } from 'commander';
import { runSdpa } from '../designs/sdpa/run.js';
import { resolveSdpaConfig } from '../designs/sdpa/design.js';
import { LONG_RUN_SECONDS, duration, estimateCost, timelineCost } from '../designs/sdpa/cost.js';
import { ENGINES } from '../designs/sdpa/config.js';
import { describeDeadlock } from '../engines/run-result.js';
import { formatSummary } from '../reports/summary.js';
import { arg, parseWorkers, refuseRepeatedOptions } from './args.js';
import { EXIT_DEADLOCK, EXIT_OK, UsageError } from './errors.js';
import { writeFileAtomicallyInStretches } from '../files/atomic-write.js';
import { checkPageWritable, checkWritable, refuseSharedFiles } from './output-file.js';
import { interruption } from '../engines/interruption.js';
import { progressDisplay } from './progress.js';
import { REPEATABLE_SDPA_OPTIONS, addSdpaOptions, sdpaConfig } from './sdpa-options.js';
import { writeTimelineOutputs } from './timeline-outputs.js';
import { addTraceOptions, refuseTimelineOf, refuseTraceBoundsWithoutTimeline } from './trace-options.js';
import type { Command } from 'commander';
import type { SdpaRunResult } from '../designs/sdpa/run.js';
import type { SdpaEngine, SdpaRunConfig } from '../designs/sdpa/config.js';
import type { SdpaOptions } from './sdpa-options.js';
import type { TimelineOutputs } from './timeline-outputs.js';
import { sdpaMatrix } from '../designs/sdpa/data.js';
import type { Matrix } from '../designs/sdpa/data.js';

export interface RunOptions extends SdpaOptions, TimelineOutputs {
  workers: number | 'auto';
  engine: SdpaEngine;
  fastForward: boolean;
  timingOnly?: boolean;
  json?: boolean;
  dump?: string;
  progress: boolean;
  quiet?: boolean;
}

export function registerRun(program: Command, setExit: (code: number) => void): void {
  const command = addSdpaOptions(program.command('run').description('simulate one SDPA design'))
    .option(
      '--workers <W>',
      "worker threads, or 'auto' (at most the cores, as many as the run can use; 1 runs in this thread)",
      arg(parseWorkers),
      'auto',
    )
    .addOption(
      new Option(
        '--engine <engine>',
        "'compiled' (each head's units in one fixed order compiled to JavaScript, with exact fast-forward), 'actors' (every unit a context scheduled as it becomes ready), or 'auto' (the fastest exact path)",
      )
        .choices(ENGINES)
        .default('auto'),
    )
    .option('--timing-only', 'cycles and statistics only: no outputs, no reference check')
    .option('--no-fast-forward', 'simulate every row, even where the timing repeats')
    .option('--json', 'print one JSON object to stdout')
    .option('--dump <FILE>', 'write Q, K, V and the output as JSON, indexed [head][row][column]')
    .option('--trace <FILE>', "write a timeline (units' busy and stall spans, channels' occupancy) for Perfetto or chrome://tracing")
    .option('--report <FILE>', 'write a self-contained HTML report (results, occupancy over time, the deadlock graph)');
  addTraceOptions(command)
    .option('--no-progress', 'no progress bar on a terminal')
    .option('--quiet', 'no progress bar and no notes on stderr')
    .exitOverride()
    .action(async (options: RunOptions) => setExit(await runCommand(options)));
  refuseRepeatedOptions(command, REPEATABLE_SDPA_OPTIONS);
}

/** Says, before a run that will be long starts, about how long and what to do instead. */
function noteLongRun(config: SdpaRunConfig): void {
  const cost = estimateCost(resolveSdpaConfig(config), config);
  if (cost.seconds < LONG_RUN_SECONDS) return;
  const instead = config.timingOnly ? '' : ' --timing-only gives the cycles and statistics without the outputs, much sooner;';
  console.error(`damflow: this run will take about ${duration(cost.seconds)} (an estimate);${instead} Ctrl-C stops it cleanly.`);
}

export async function runCommand(options: RunOptions): Promise<number> {
  const config = runConfig(options);
  if (process.stderr.isTTY && !options.quiet) noteLongRun(config);
  if (options.dump !== undefined) checkWritable(options.dump, '--dump');
  if (options.trace !== undefined) checkWritable(options.trace, '--trace');
  refuseSharedFiles(
    (['dump', 'trace', 'report'] as const).map((option) => {
      const path = options[option];
      return path === undefined ? null : { path, what: `--${option}`, writes: true };
    }),
  );
  if (options.report !== undefined) checkPageWritable(options.report, '--report');
  if (options.dump !== undefined && options.timingOnly)
    throw new UsageError('--dump writes the outputs, which --timing-only does not compute');
  if (options.trace !== undefined || options.report !== undefined)
    refuseTimelineOf(resolveSdpaConfig(config), options, 'run without --trace and --report, then `damflow report RESULT --no-timeline`');
  else refuseTraceBoundsWithoutTimeline(options, 'give --trace or --report');
  const display = options.progress && !options.quiet ? progressDisplay(expectedCycles(config)) : { stop() {} };
  let result: SdpaRunResult;
  try {
    result = await runSdpa(config, { onProgress: display.onProgress, interruptible: true });
  } finally {
    display.stop();
  }

  if (typeof options.workers === 'number' && result.workers < options.workers && !options.quiet) {
    const why =
      result.engine === 'actors'
        ? ': the actors engine could not spread the units further (an unbounded channel, or one too deep for a shared ring, keeps its two units together)'
        : '';
    console.error(`damflow: ran on ${result.workers} of the ${options.workers} workers asked for${why}`);
  }
  // Asked for by name, the compiled engine must not be left without a word (the JSON's `engine` says it too).
  if (options.engine === 'compiled' && result.engine === 'actors' && !options.quiet) {
    console.error(
      'damflow: ran on the actors engine: the compiled order does not fit this configuration (it deadlocks), and the actors engine reports how',
    );
  }
  if (options.dump !== undefined) {
    // A deadlocked run has no outputs; its report (below) is what it gives.
    if (result.deadlock === null) await writeDump(options.dump, result);
    else if (!options.quiet) console.error(`damflow: no dump written to '${options.dump}': the run deadlocked, so it has no outputs`);
  }
  if (options.json) console.log(JSON.stringify({ ...resultJson(result), estimate: estimateOf(config, options) }, null, 2));
  else console.log(formatSummary(result));
  await writeTimelineOutputs(resultJson(result), options);
  // Where the files went, as sweep says of its chart and page; --json keeps stdout one object.
  if (!options.json)
    for (const what of ['trace', 'report'] as const) if (options[what] !== undefined) console.log(`${what}: ${options[what]}`);
  if (result.deadlock !== null) {
    console.error(describeDeadlock(result.deadlock));
    return EXIT_DEADLOCK;
  }
  return EXIT_OK;
}

function runConfig(options: RunOptions): SdpaRunConfig {
  return {
    ...sdpaConfig(options),
    workers: options.workers,
    engine: options.engine,
    fastForward: options.fastForward,
    timingOnly: options.timingOnly,
  };
}

/**
 * What damflow estimated before the run (cost.ts): the memory it refuses a run on, and the time
 * it says of a long one; with a timeline, the larger memory of the run's and the timeline's, which
 * is recorded after it, and the time of both.
 */
function estimateOf(config: SdpaRunConfig, options: RunOptions): { memoryBytes: number; seconds: number } {
  const resolved = resolveSdpaConfig(config);
  const run = estimateCost(resolved, config);
  if (options.trace === undefined && options.report === undefined) return { memoryBytes: run.bytes, seconds: run.seconds };
  const timeline = timelineCost(resolved, options.traceMaxEvents);
  return { memoryBytes: Math.max(run.bytes, timeline.bytes), seconds: run.seconds + timeline.seconds };
}

/** The slowest unit of any head sees N*N elements, one per II cycles: a good enough ETA basis. */
function expectedCycles(config: SdpaRunConfig): number {
  const slowest = Math.max(...Object.values(resolveSdpaConfig(config).ii));
  return slowest * config.n * config.n;
}

/** The result as JSON: everything but the outputs, which go to --dump. */
export function resultJson(
  result: SdpaRunResult,
): Omit<SdpaRunResult, 'outputs' | 'deadlock' | 'placement' | 'execution'> & Record<string, unknown> {
  const { outputs: _outputs, deadlock, placement, execution, ...rest } = result;
  return {
    ...rest,
    ...(deadlock === null ? {} : { deadlock }),
    ...(placement === null ? {} : { placement }),
    ...(execution === null ? {} : { execution }),
  };
}

/** Numbers of a --dump written between two chances for a signal to come in. */
const NUMBERS_PER_STRETCH = 1 << 16;

/**
 * Q, K and V (made again from the seed) and the output as JSON, each indexed
 * [head][row][column], written row by row: as one string (and arrays of arrays before it), a
 * dump of many heads outgrew the heap or the longest string V8 makes, after the whole run.
 * SIGINT or SIGTERM while it is written (seconds, for many heads) stops it, leaving no file.
 */
async function writeDump(path: string, result: SdpaRunResult): Promise<void> {
  const { n, d, heads, config } = result;
  const stopping = interruption({ interruptible: true });
  try {
    await writeFileAtomicallyInStretches(
      path,
      async (append, breathe) => {
        // One head at N = 32768, d = 64 is 2M numbers a matrix, seconds of writing.
        const rowsPerStretch = Math.max(1, Math.floor(NUMBERS_PER_STRETCH / d));
        const matrix = async (name: string, of: (head: number) => Matrix): Promise<void> => {
          append(`"${name}":[`);
          for (let h = 0; h < heads; h++) {
            const m = of(h);
            append(h === 0 ? '[' : ',[');
            for (let r = 0; r < n; r++) {
              append(`${r === 0 ? '' : ','}${JSON.stringify(Array.from(m.subarray(r * d, (r + 1) * d)))}`);
              if ((r + 1) % rowsPerStretch === 0) await breathe();
            }
            append(']');
            await breathe();
          }
          append(']');
        };
        append('{');
        for (const name of ['q', 'k', 'v'] as const) {
          await matrix(name, (h) => sdpaMatrix(config.seed, h, name, n, d));
          append(',');
        }
        await matrix('o', (h) => result.outputs[h]!);
        append('}');
      },
      stopping.signal,
    );
  } finally {
    stopping.release();
  }
}
