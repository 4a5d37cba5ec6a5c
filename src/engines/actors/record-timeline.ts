import { loadUnitModules } from '../../kernel/registry.js';
import { SingleThreadExecutor } from './single-thread-executor.js';
import { settledBefore } from './stall.js';
import { TimelineRecorder } from './timeline-recorder.js';
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
 * end: a window near the start of a huge run is quick. A recording that reaches `maxEvents`
 * stops there, and its timeline ends where every earlier event is known (`cut`).
 */
export async function recordTimeline(program: Program, bounds: TimelineBounds = {}, signal?: AbortSignal): Promise<Timeline> {
  const start = bounds.start ?? 0;
  const end = bounds.end ?? Infinity;
  await loadUnitModules(program.modules);
  const recorder = new TimelineRecorder(program.units.length, start, end, bounds.maxEvents ?? DEFAULT_MAX_EVENTS, () =>
    executor.holdAt(-Infinity),
  );
  const executor = new SingleThreadExecutor(program, { tracer: recorder });
  try {
    const state = await executor.runTo(end, signal);
    const contexts = executor.instance.contexts;
    let reached = state === 'paused' ? settledBefore(contexts.filter((ctx) => !ctx.finished)) : executor.result.cycles;
    // Every live context waits on another: none acts again below the latest clock.
    if (reached === Infinity) reached = contexts.reduce((most, ctx) => Math.max(most, ctx.time), 0);
    return recorder.timeline(program, executor.instance, Math.max(start, Math.min(end, reached)), state);
  } finally {
    executor.close();
  }
}
