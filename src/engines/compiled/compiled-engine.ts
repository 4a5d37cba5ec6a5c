import { checkWorkerModules } from '../../kernel/registry.js';
import { failureError } from '../worker-failure.js';
import { inSlices, interrupted, interruption, runAborted } from '../interruption.js';
import { poolOptions } from '../worker-pool.js';
import { boardJobs, JobBoard } from './job-board.js';
import { jobWork, runJob } from './jobs.js';
import { scheduleGroups, scheduleKind } from './row-order.js';
import type { Program } from '../../kernel/program.js';
import type { ChannelStats, ContextStats, Progress, RunResult } from '../run-result.js';
import type { CompiledTask } from './compiled-worker.js';
import type { GroupTiming } from './group-timing.js';
import type { BoardOutcome } from './job-board.js';
import type { Job, ValuesBlock } from './jobs.js';

export interface CompiledOptions {
  /** Threads: 1 runs every job in the calling thread; W > 1 the calling thread and a piscina pool of W - 1. */
  readonly workers: number;
  readonly fastForward: boolean;
  /** Cycles and statistics only: no values, no check. */
  readonly timingOnly: boolean;
  /** Check the output rows against the order's reference, on the threads that compute them. */
  readonly check: boolean;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressEveryMs?: number;
  readonly signal?: AbortSignal;
  /** SIGINT and SIGTERM stop the run (it rejects with RunAborted) instead of the process. */
  readonly interruptible?: boolean;
}

/** What a compiled run did, group by group and job by job. */
export interface CompiledExecution {
  readonly groups: readonly {
    readonly group: string;
    readonly rowsSimulated: number;
    readonly rowsExtrapolated: number;
    readonly period: number | null;
    readonly shift: number | null;
    /** The group whose timing this one shares (the same code and numbers: computed once), or null. */
    readonly timingOf: string | null;
  }[];
  /** Jobs of each kind, and the values blocks (row ranges) each thread computed. */
  readonly timingJobs: number;
  readonly valuesJobs: number;
  readonly blocksPerWorker: readonly number[];
}

export interface CompiledRun extends RunResult {
  readonly workers: number;
  readonly execution: CompiledExecution;
  /** Largest error of the outputs against the reference, when checked. */
  readonly maxError: number | null;
}

/** The pool runs compiled JavaScript: the worker module sits next to this one in dist/. */
const WORKER_MODULE = new URL('./compiled-worker.js', import.meta.url).href;
/** Timing jobs per thread's share of the work, at most: groups' timings go together up to that. */
const JOBS_PER_WORKER = 8;
/** Least work (score elements) worth a job of its own: each job builds its group's order and finds its compiled rows. */
const LEAST_JOB_ELEMENTS = 1 << 18;
/** The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days); one past it fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The compiled engine: each group (attention head) of a program runs its compiled order.
 * The timing of a group is one sequential job, fast-forwarded where it repeats; its output
 * rows are independent of each other and of the timing, so they are split into blocks, each
 * computed and checked against the reference on whichever thread is free. With one worker
 * every job runs in the calling thread. Results are identical at any worker count. Returns
 * null when the order does not fit the configuration (ScheduleStuck: it deadlocks), for the
 * actors engine to report how.
 */
export async function runCompiled(program: Program, options: CompiledOptions): Promise<CompiledRun | null> {
  const kind = scheduleKind(program.schedule!);
  const groups = [...scheduleGroups(program).keys()];
  const orders = new Map(groups.map((g) => [g, kind.order(program, g)]));
  const rowsOf = (g: string): number => orders.get(g)!.rows;
  const jobs = planJobs(groups, rowsOf, options);
  const total = jobs.reduce((sum, job) => sum + jobWork(job, rowsOf), 0);
  const board = JobBoard.create(jobs.length, options.workers > 1);
  // A callback that throws stops the run, which rejects with its error: thrown from the timer, it
  // had ended the process, out of the caller's reach.
  const callback: { failed: boolean; error?: unknown } = { failed: false };
  const callbackStop = new AbortController();
  const report = (): void => {
    try {
      options.onProgress?.({ done: board.done(), total, unit: 'rows' });
    } catch (error) {
      if (!callback.failed) Object.assign(callback, { failed: true, error });
      callbackStop.abort();
    }
  };
  // A timer's delay is a 32-bit count of milliseconds: Node runs one past 2^31 - 1 every 1 ms
  // (with a TimeoutOverflowWarning), so that `progressEveryMs: 3e9` had called back every ms.
  const every = Math.min(options.progressEveryMs ?? 250, MAX_TIMER_MS);
  const timer = options.onProgress === undefined ? null : setInterval(report, every);

  // Each group's output, written in place by whichever thread computes its rows.
  const outputs = new Map<string, Float64Array>();
  if (!options.timingOnly) {
    for (const g of groups) {
      const length = rowsOf(g) * orders.get(g)!.output.width;
      outputs.set(
        g,
        options.workers === 1 ? new Float64Array(length) : new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT)),
      );
    }
  }

  const signal = options.signal === undefined ? callbackStop.signal : AbortSignal.any([options.signal, callbackStop.signal]);
  const stopping = interruption({ ...options, signal });
  let outcomes: BoardOutcome[];
  try {
    outcomes = await runBoard(program, jobs, board, options.workers, outputs, stopping.signal);
    // A signal heard after the last job (a pool is destroyed then, the signal still listened
    // for) aborted what nothing looked at any more: the run ended 0 with its result and no word
    // (6 of 6 SIGINTs sent as the pool was destroyed). It is the run's, as during its jobs.
    if (stopping.signal.aborted) throw runAborted(stopping.signal);
  } catch (error) {
    throw callback.failed ? callback.error : error;
  } finally {
    if (timer !== null) clearInterval(timer);
    stopping.release();
  }
  report();
  if (callback.failed) throw callback.error;
  // The run ends at the first job of the list that got stuck or failed (job-board.ts), as in one thread.
  outcomes.sort((a, b) => a.slot - b.slot);
  const end = outcomes.find((o) => o.stuck !== null || o.failure !== null);
  if (end?.failure) throw failureError(end.failure);
  if (end !== undefined) return null;
  return assemble(program, groups, orders, outputs, outcomes, options);
}

/**
 * Output rows alone, checked against the order's reference, in this thread: a configuration's
 * values without its timing (no value depends on a time: the RowOrder contract). `part` counts
 * the rows of the groups one after another, in the program's order (all of them by default),
 * so that parts in order check the rows in the order a whole run does. Returns the largest
 * error; throws the unit's error at the first row off.
 */
export function checkedValues(program: Program, part?: { readonly from: number; readonly to: number }): number {
  const kind = scheduleKind(program.schedule!);
  const blocks: ValuesBlock[] = [];
  let before = 0;
  for (const group of scheduleGroups(program).keys()) {
    const rows = kind.order(program, group).rows;
    const from = Math.max(0, (part?.from ?? 0) - before);
    const to = Math.min(rows, (part?.to ?? Infinity) - before);
    if (from < to) blocks.push({ group, from, to });
    before += rows;
  }
  const steps = runJob(program, { kind: 'values', blocks, check: true });
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  if (step.value.failure !== null) throw failureError(step.value.failure);
  return step.value.values.reduce((most, v) => Math.max(most, v.maxError ?? 0), 0);
}

/**
 * Timing jobs first (a group's timing is the one part that cannot be split, and may be the
 * longest), groups together up to about 1 / JOBS_PER_WORKER of a thread's share; then the
 * values in blocks of rows, in jobs that shrink with the work left, whole groups together when
 * groups are small.
 */
function planJobs(groups: readonly string[], rowsOf: (g: string) => number, options: CompiledOptions): Job[] {
  const elements = (g: string): number => rowsOf(g) * rowsOf(g);
  const all = groups.reduce((sum, g) => sum + elements(g), 0);
  const target = Math.max(LEAST_JOB_ELEMENTS, Math.ceil(all / (options.workers * JOBS_PER_WORKER)));
  const jobs: Job[] = [];
  // Timing: with fast-forward a group costs a few rows, so groups go together up to the target.
  let batch: string[] = [];
  let size = 0;
  for (const g of groups) {
    batch.push(g);
    size += options.fastForward ? rowsOf(g) * 64 : elements(g);
    if (size >= target) {
      jobs.push({ kind: 'timing', groups: batch, fastForward: options.fastForward });
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) jobs.push({ kind: 'timing', groups: batch, fastForward: options.fastForward });
  if (options.timingOnly) return jobs;

  // Values: jobs that shrink with the work left (guided self-scheduling: each about
  // 1 / (2 x threads) of it, down to LEAST_JOB_ELEMENTS), so that the threads end together.
  // With equal jobs the last one left the other thread idle for up to a job's time (4 heads at
  // N = 4096 on 2 threads: 20-254 ms; now 2-18 ms, instrumented).
  let left = all;
  const share = (): number => Math.max(LEAST_JOB_ELEMENTS, Math.ceil(left / (2 * options.workers)));
  let goal = share();
  let blocks: ValuesBlock[] = [];
  size = 0;
  for (const g of groups) {
    const rows = rowsOf(g);
    for (let from = 0; from < rows;) {
      const to = Math.min(rows, from + Math.max(1, Math.ceil((goal - size) / rows)));
      blocks.push({ group: g, from, to });
      size += (to - from) * rows;
      from = to;
      if (size >= goal) {
        jobs.push({ kind: 'values', blocks, check: options.check });
        left -= size;
        goal = share();
        blocks = [];
        size = 0;
      }
    }
  }
  if (blocks.length > 0) jobs.push({ kind: 'values', blocks, check: options.check });
  return jobs;
}

/**
 * Runs the jobs on `workers` threads: this one and a pool of the others, each taking the next
 * job from the board when it ends one. This thread takes the first jobs while the pool's threads
 * start (about 50 ms each), and a run on W workers starts W - 1 threads.
 */
async function runBoard(
  program: Program,
  jobs: readonly Job[],
  board: JobBoard,
  workers: number,
  outputs: ReadonlyMap<string, Float64Array>,
  signal: AbortSignal,
): Promise<BoardOutcome[]> {
  // This thread's share of the jobs, in slices between which signals and timers get in.
  const here = (): Promise<BoardOutcome[]> =>
    inSlices(
      boardJobs(program, jobs, board, (group) => outputs.get(group)!),
      signal,
    );
  if (workers === 1) return here();
  checkWorkerModules(program.modules);
  // Loaded with the first pool: a run in one thread (every sweep job) spares its 40-50 ms.
  const { Piscina } = await import('piscina');
  const pool = new Piscina<CompiledTask, BoardOutcome[]>(poolOptions(WORKER_MODULE, workers - 1));
  const shared: Record<string, SharedArrayBuffer> = {};
  for (const [group, output] of outputs) shared[group] = output.buffer as SharedArrayBuffer;
  const task: CompiledTask = { program, jobs, board: board.buffer as SharedArrayBuffer, outputs: shared };
  const stopped = interrupted(signal, 'run interrupted');
  try {
    const parts = Array.from({ length: workers - 1 }, () => pool.run(task));
    parts.push(here());
    return (await Promise.race([Promise.all(parts), stopped])).flat();
  } finally {
    // Over, or ended early by an interrupt or a thread that died: every thread stops at its next step.
    board.stop();
    await pool.destroy();
  }
}

function assemble(
  program: Program,
  groups: readonly string[],
  orders: ReadonlyMap<string, { readonly output: { readonly unit: string } }>,
  outputs: ReadonlyMap<string, Float64Array>,
  outcomes: readonly BoardOutcome[],
  options: CompiledOptions,
): CompiledRun {
  const timings = new Map<string, GroupTiming>();
  for (const o of outcomes) for (const t of o.timings) timings.set(t.group, t);
  const contexts = new Map<string, ContextStats>();
  const channels = new Map<string, ChannelStats>();
  for (const t of timings.values()) {
    for (const c of t.contexts) contexts.set(c.name, c);
    for (const c of t.channels) channels.set(c.name, c);
  }

  const reports: Record<string, unknown> = {};
  let maxError: number | null = null;
  for (const [g, output] of outputs) reports[orders.get(g)!.output.unit] = output;
  for (const o of outcomes) for (const v of o.values) if (v.maxError !== null) maxError = Math.max(maxError ?? 0, v.maxError);

  const threads = [...new Set(outcomes.map((o) => o.thread))];
  const contextList = program.units.map((u) => contexts.get(u.name)!);
  return {
    status: 'ok',
    cycles: contextList.reduce((max, c) => Math.max(max, c.finalClock), 0),
    contexts: contextList,
    channels: program.channels.map((c) => channels.get(c.name)!),
    reports,
    deadlock: null,
    workers: options.workers,
    maxError,
    execution: {
      groups: groups.map((g) => {
        const { rowsSimulated, rowsExtrapolated, period, shift, timingOf } = timings.get(g)!;
        return { group: g, rowsSimulated, rowsExtrapolated, period, shift, timingOf };
      }),
      timingJobs: outcomes.filter((o) => o.timings.length > 0).length,
      valuesJobs: outcomes.filter((o) => o.values.length > 0).length,
      blocksPerWorker: threads.map((t) => outcomes.filter((o) => o.thread === t).reduce((n, o) => n + o.values.length, 0)),
    },
  };
}
