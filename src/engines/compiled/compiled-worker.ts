import { threadId } from 'node:worker_threads';
import { importWorkerModules } from '../../kernel/registry.js';
import { programFailure } from '../worker-failure.js';
import { boardJobs, JobBoard } from './job-board.js';
import { refuseUnlistedScheduleKind } from './row-order.js';
import type { Program } from '../../kernel/program.js';
import type { BoardOutcome } from './job-board.js';
import type { Job } from './jobs.js';

/** A thread's part of a compiled run, as a piscina task: the run's jobs, taken from a shared board. */
export interface CompiledTask {
  readonly program: Program;
  readonly jobs: readonly Job[];
  /** The run's JobBoard. */
  readonly board: SharedArrayBuffer;
  /** Each group's whole output (Float64Array over it), by group: a values job writes its rows there. */
  readonly outputs: Readonly<Record<string, SharedArrayBuffer>>;
}

/**
 * A piscina worker of the compiled engine: runs jobs from the board until none is left, and
 * writes their output rows into the run's shared outputs. Nothing comes back by transfer: the
 * first ArrayBuffer a thread detaches invalidates V8's detaching protector, which deoptimises
 * every function of that thread that reads a typed array (the rows, the reference, exp), and 4
 * heads at N = 4096 took 10% longer and 0.4 s more CPU that way (bench/PROFILE.md).
 */
export default async function runCompiledTask(task: CompiledTask): Promise<BoardOutcome[]> {
  const board = new JobBoard(task.board);
  try {
    // The order's schedule kind, registered by the program's modules; no unit kind is run here.
    await importWorkerModules(task.program.modules, []);
    refuseUnlistedScheduleKind(task.program.schedule!, task.program.modules);
  } catch (error) {
    // Before every job: the run ends with this failure whatever the jobs would have given.
    board.endAt(-1);
    return [{ timings: [], values: [], stuck: null, failure: programFailure(error), slot: -1, thread: threadId }];
  }
  const outputs = new Map(Object.entries(task.outputs).map(([group, buffer]) => [group, new Float64Array(buffer)]));
  const steps = boardJobs(task.program, task.jobs, board, (group) => outputs.get(group)!);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
