import { notNonNegativeInteger, notPositiveInteger, ProgramError, show, unknownNames } from '../../kernel/errors.js';
import { checkProgram } from '../../kernel/program.js';
import { inSlices, runAborted } from '../interruption.js';
import { SingleThreadExecutor } from './single-thread-executor.js';
import { settledBefore } from './stall.js';
import { TimelineRecorder } from './timeline-recorder.js';
import { fitTimeline } from '../timeline-cap.js';
import type { RunState } from './single-thread-executor.js';
import type { Program } from '../../kernel/program.js';
import type { Time } from '../../kernel/time.js';
import type { Timeline } from '../timeline.js';

/** Where a timeline starts and ends (cycles; Infinity: the run's end), and how many events it may hold. */
export interface TimelineBounds {
  readonly start?: Time;
  readonly end?: Time;
  readonly maxEvents?: number;
}

/** About 170 MB of trace file (85 bytes an event), recorded in about 6 s and 250 MB of memory. */
export const DEFAULT_MAX_EVENTS = 2_000_000;

/**
 * Records a program's timeline on the actors engine in the calling thread (the engines are
 * exact and equal, so any engine's run has this timeline), running only as far as the window's
 * end: a window near the start of a huge run is quick. A timeline holds at most `maxEvents`
 * events (spans and counter samples): one that would hold more ends at the latest cycle at
 * which it holds no more, every earlier event in it (`cut`).
 */
export async function recordTimeline(program: Program, bounds: TimelineBounds = {}, signal?: AbortSignal): Promise<Timeline> {
  const { start, end, maxEvents } = checkedBounds(bounds);
  await checkProgram(program);
  if (maxEvents < program.channels.length)
    throw new ProgramError(
      `recordTimeline: maxEvents ${maxEvents} is below the program's ${program.channels.length} channels: a timeline holds each channel's occupancy at its start`,
    );
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new ProgramError(`recordTimeline's signal must be an AbortSignal, got ${show(signal)}`);
  // Aborted already: nothing runs (a run short enough to end in its first slice had run to the end).
  if (signal?.aborted) throw runAborted(signal);
  const recorder = new TimelineRecorder(program.units.length, program.channels.length, start, end, () => executor.holdAt(-Infinity));
  recorder.capAt(maxEvents);
  const executor = new SingleThreadExecutor(program, { tracer: recorder });
  try {
    for (;;) {
      const state = await executor.runTo(end, signal);
      const timeline = await inSlices(timelineSoFar(program, executor, recorder, state), signal);
      if (timeline.events > maxEvents) return fitTimeline(timeline, maxEvents);
      // Held to count what it holds, it has room for more: on, to count again.
      if (state !== 'paused' || executor.horizon === end) return timeline;
      recorder.capAt(maxEvents, timeline.events);
    }
  } finally {
    executor.close();
  }
}

/** The timeline as far as every event is known: the run's end, the window's, or where a held run has settled. */
function* timelineSoFar(
  program: Program,
  executor: SingleThreadExecutor,
  recorder: TimelineRecorder,
  state: RunState,
): Generator<void, Timeline> {
  const { start, end } = recorder;
  const contexts = executor.instance.contexts;
  let reached = state === 'paused' ? settledBefore(contexts.filter((ctx) => !ctx.finished)) : executor.result.cycles;
  // Every live context waits on another: none acts again below the latest clock.
  if (reached === Infinity) reached = contexts.reduce((most, ctx) => Math.max(most, ctx.time), 0);
  // A run can end past the window (its units run on to their next wait): its last events are then outside it.
  const ended = state !== 'paused' && executor.result.cycles < end;
  return yield* recorder.timeline(program, executor.instance, Math.max(start, Math.min(end, reached)), ended ? state : 'paused');
}

/**
 * The bounds with their defaults, or a ProgramError: a NaN end had run for ever, a negative
 * start or an end before the start had given a timeline outside the run, a string start had
 * passed through, and a cap of 0 or 1.5 had given an empty timeline said to be cut.
 */
function checkedBounds(bounds: TimelineBounds): Required<TimelineBounds> {
  if (typeof bounds !== 'object' || bounds === null)
    throw new ProgramError(`recordTimeline's bounds must be an object, got ${show(bounds)}`);
  const unknown = unknownNames(bounds, ['start', 'end', 'maxEvents'], 'bound');
  if (unknown !== null) throw new ProgramError(`recordTimeline: ${unknown}`);
  const { start = 0, end = Infinity, maxEvents = DEFAULT_MAX_EVENTS } = bounds;
  if (!Number.isSafeInteger(start) || start < 0) throw new ProgramError(`recordTimeline: ${notNonNegativeInteger('start', start)}`);
  if (end !== Infinity && (!Number.isSafeInteger(end) || end < 1))
    throw new ProgramError(`recordTimeline: ${notPositiveInteger('end, when not Infinity,', end)}`);
  if (end <= start) throw new ProgramError(`recordTimeline: end must be after start, got start ${start} and end ${end}`);
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1)
    throw new ProgramError(`recordTimeline: ${notPositiveInteger('maxEvents', maxEvents)}`);
  return { start, end, maxEvents };
}
