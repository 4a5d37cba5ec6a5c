import { ClockOverflow, clocksPassed, ScheduleStuck, UnitError } from '../../kernel/errors.js';
import { groupTiming, SharedTimings } from './group-timing.js';
import { groupValues, valuesWork } from './group-values.js';
import { scheduleGroups, scheduleKind } from './row-order.js';
import { programFailure, unitFailure } from '../worker-failure.js';
import type { Program } from '../../kernel/program.js';
import type { WorkerFailure } from '../worker-failure.js';
import type { GroupTiming } from './group-timing.js';
import type { GroupValues } from './group-values.js';

/**
 * A piece of a compiled run, done in one go by one thread: the timing of some groups (with
 * fast-forward or without), or blocks of output rows. Jobs are plain data: a worker takes
 * them from the run's JobBoard.
 */
export type Job =
  | { readonly kind: 'timing'; readonly groups: readonly string[]; readonly fastForward: boolean }
  | { readonly kind: 'values'; readonly blocks: readonly ValuesBlock[]; readonly check: boolean };

export interface ValuesBlock {
  readonly group: string;
  readonly from: number;
  readonly to: number;
}

/** What a job gave: timings and rows, or why it could not finish (plain data, to cross threads). */
export interface JobOutcome {
  readonly timings: readonly GroupTiming[];
  readonly values: readonly GroupValues[];
  /** The order does not fit the configuration (ScheduleStuck): the run goes to the actors engine. */
  readonly stuck: string | null;
  /** A unit failed (an output beyond tolerance), or the worker could not set up: as plain data. */
  readonly failure: WorkerFailure | null;
}

/** Units of work a job yields in all (rows, for progress). */
export function jobWork(job: Job, rowsOf: (group: string) => number): number {
  if (job.kind === 'timing') return job.groups.reduce((sum, g) => sum + rowsOf(g), 0);
  return job.blocks.reduce((sum, b) => sum + valuesWork(b.from, b.to, job.check), 0);
}

/**
 * Runs a job, yielding the work done so far now and then (jobWork counts it). Values go into
 * `outputOf(group)`, each group's whole output; without it, they are checked and dropped.
 */
export function* runJob(program: Program, job: Job, outputOf?: (group: string) => Float64Array): Generator<number, JobOutcome> {
  const kind = scheduleKind(program.schedule!);
  const groups = scheduleGroups(program);
  const timings: GroupTiming[] = [];
  const values: GroupValues[] = [];
  let before = 0;
  try {
    if (job.kind === 'timing') {
      const options = { fastForward: job.fastForward, shared: new SharedTimings() };
      for (const group of job.groups) {
        const order = kind.order(program, group);
        timings.push(yield* progress(groupTiming(groups.get(group)!, group, order, options), before));
        before += order.rows;
      }
    } else {
      for (const block of job.blocks) {
        const order = kind.order(program, block.group);
        values.push(
          yield* progress(groupValues(block.group, order, block.from, block.to, job.check, outputOf?.(block.group) ?? null), before),
        );
        before += valuesWork(block.from, block.to, job.check);
      }
    }
  } catch (error) {
    if (error instanceof ScheduleStuck) return { timings, values, stuck: error.message, failure: null };
    if (error instanceof UnitError) return { timings, values, stuck: null, failure: unitFailure(error) };
    // A ring channel of the order (the naive design's long) refuses a time past 2^53 where it is
    // made; refused as simulate refuses rounded clocks, not thrown out of the run as a crash.
    if (error instanceof ClockOverflow)
      return { timings, values, stuck: null, failure: programFailure(clocksPassed(error.message, error)) };
    throw error;
  }
  return { timings, values, stuck: null, failure: null };
}

/** Passes on a part's progress, counted after the work of the parts before it. */
function* progress<T>(part: Generator<number, T>, before: number): Generator<number, T> {
  for (;;) {
    const step = part.next();
    if (step.done) return step.value;
    yield before + step.value;
  }
}
