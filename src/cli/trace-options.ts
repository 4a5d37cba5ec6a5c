import { refuseWhatCannotFit, timelineCost } from '../designs/sdpa/cost.js';
import { DESIGN_DEFS, sdpaProgram } from '../designs/sdpa/design.js';
import { DEFAULT_MAX_EVENTS, recordTimeline } from '../engines/actors/record-timeline.js';
import { sinkRowCycles } from '../engines/actors/sink-watch.js';
import { interruption } from '../engines/interruption.js';
import { formatCount } from '../reports/table.js';
import { arg, parsePositiveInt } from './args.js';
import { UsageError } from './errors.js';
import type { Command } from 'commander';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { TimelineBounds } from '../engines/actors/record-timeline.js';
import type { Timeline } from '../engines/timeline.js';
import type { Program } from '../kernel/program.js';

/** A trace's window: cycles [start, end) (end Infinity: to the run's end), or output rows. */
export type TraceWindow = { readonly cycles: readonly [number, number] } | { readonly rows: readonly [number, number] };

export interface TraceOptions {
  traceWindow?: TraceWindow;
  traceMaxEvents: number;
}

/**
 * 'START:END' in cycles (END may be left out: to the run's end), or 'rows:A:B': from the cycle
 * the sink takes its A-th output row (A = 0: cycle 0) to the cycle it takes its B-th, included.
 */
export function parseTraceWindow(given: string): TraceWindow {
  // Spaces around it are taken as the numeric options take them.
  const value = given.trim();
  const past = (x: number): boolean => x !== Infinity && !Number.isSafeInteger(x);
  const rows = /^rows:(\d+):(\d+)$/.exec(value);
  if (rows !== null) {
    const [a, b] = [Number(rows[1]), Number(rows[2])];
    if (past(b)) throw new UsageError(`--trace-window rows:A:B needs B below 2^53, got '${value}'`);
    if (!(a < b)) throw new UsageError(`--trace-window rows:A:B needs A < B, got '${value}'`);
    return { rows: [a, b] };
  }
  const cycles = /^(\d+):(\d*)$/.exec(value);
  if (cycles === null) throw new UsageError(`--trace-window must be START:END in cycles, START: or rows:A:B, got '${value}'`);
  const start = Number(cycles[1]);
  const end = cycles[2] === '' ? Infinity : Number(cycles[2]);
  // Clocks are exact integers below 2^53: a bound past it is said to be, not to be out of order.
  if (past(start) || past(end)) throw new UsageError(`--trace-window START:END needs cycles below 2^53, got '${value}'`);
  if (!(start < end)) throw new UsageError(`--trace-window START:END needs START < END, got '${value}'`);
  return { cycles: [start, end] };
}

/** Adds --trace-window and --trace-max-events, which bound every trace a command records. */
export function addTraceOptions(command: Command): Command {
  return command
    .option(
      '--trace-window <W>',
      'cycles START:END (or START:), or output rows rows:A:B, of the trace (default: the whole run)',
      arg(parseTraceWindow),
    )
    .option(
      '--trace-max-events <M>',
      'most events (spans and occupancy samples) a trace holds, at least one a channel; a longer one ends at the last cycle that fits, with a note',
      arg((v) => parsePositiveInt(v, 'trace max events')),
      DEFAULT_MAX_EVENTS,
    );
}

/** Refuses --trace-window or --trace-max-events where no timeline is recorded: they would bound nothing. */
export function refuseTraceBoundsWithoutTimeline(options: TraceOptions, why: string): void {
  for (const [option, given] of [
    ['--trace-window', options.traceWindow !== undefined],
    ['--trace-max-events', options.traceMaxEvents !== DEFAULT_MAX_EVENTS],
  ] as const)
    if (given) throw new UsageError(`${option} bounds a timeline: ${why}`);
}

/**
 * Heads whose occupancy over time a trace or a report records at most: each of a head's
 * channels is a chart of the page (64 heads at N = 16: 15 s and an 11 MB page; 10,000 heads
 * would be hours and gigabytes), and the recording runs every head on the actors engine.
 */
const MOST_TIMELINE_HEADS = 64;

/**
 * Refuses, before anything runs, a timeline that cannot be recorded: too many heads to draw,
 * or more memory than the actors engine (in this thread) can have. `remedy` says what to do.
 */
export function refuseTimelineOf(config: ResolvedSdpaConfig, options: TraceOptions, remedy: string): void {
  const window = options.traceWindow;
  // Every head's sink takes N rows: a window past them would be found out after the whole run.
  if (window !== undefined && 'rows' in window && window.rows[1] > config.n)
    throw new UsageError(`--trace-window rows:${window.rows.join(':')}: the sinks take ${config.n} rows in all, not ${window.rows[1]}`);
  // Known before the run: recordTimeline would refuse it only after the run's figures are out.
  const channels = config.heads * DESIGN_DEFS[config.design].channels.length;
  if (options.traceMaxEvents < channels)
    throw new UsageError(
      `--trace-max-events ${options.traceMaxEvents} is below the ${channels} channels: a timeline holds each channel's occupancy at its start`,
    );
  if (config.heads > MOST_TIMELINE_HEADS)
    throw new UsageError(
      `the occupancy over time of ${config.heads} heads is more than a page or a trace can hold (at most ${MOST_TIMELINE_HEADS} heads): ${remedy}`,
    );
  refuseWhatCannotFit(timelineCost(config, options.traceMaxEvents));
}

/**
 * Records the timeline of a configuration on the actors engine in this thread (the engines
 * are exact and equal: it is the run's), as far as the window's end. A trace cut by the event
 * cap says so on stderr.
 */
export async function recordSdpaTimeline(config: ResolvedSdpaConfig, options: TraceOptions): Promise<Timeline> {
  const program = sdpaProgram(config);
  const stopping = interruption({ interruptible: true });
  try {
    const bounds = await windowBounds(options, program, stopping.signal);
    const timeline = await recordTimeline(program, bounds, stopping.signal);
    if (timeline.cut !== null) {
      console.error(
        `damflow: the timeline (of --trace, --report) stops at cycle ${formatCount(timeline.end)}, with ${formatCount(timeline.events)} events: the next cycle's would take it past --trace-max-events ${formatCount(timeline.cut.maxEvents)}; ` +
          'give a later window (--trace-window START:END) for later cycles, or raise the cap',
      );
    }
    return timeline;
  } finally {
    stopping.release();
  }
}

/** The window in cycles: a window of rows is found by running the program as far as its last row. */
async function windowBounds(options: TraceOptions, program: Program, signal: AbortSignal): Promise<TimelineBounds> {
  const window = options.traceWindow;
  const maxEvents = options.traceMaxEvents;
  if (window === undefined) return { maxEvents };
  if ('cycles' in window) return { start: window.cycles[0], end: window.cycles[1], maxEvents };
  const [a, b] = window.rows;
  const rows = a === 0 ? [b] : [a, b];
  const cycles = await sinkRowCycles(program, rows, signal);
  if (cycles.length === rows.length) return { start: a === 0 ? 0 : cycles[0]!, end: cycles[cycles.length - 1]! + 1, maxEvents };
  // The sinks take every row of a run that ends (refuseTimelineOf): one that stops short deadlocked, and its end is what to see.
  const reached = a === 0 || cycles.length === 0 ? null : cycles[0]!;
  console.error(
    `damflow: the run deadlocks before the sinks take row ${rows[cycles.length]}: the timeline runs ${reached === null ? 'from cycle 0' : `from row ${a}`} to the deadlock`,
  );
  return { start: reached ?? 0, maxEvents };
}
