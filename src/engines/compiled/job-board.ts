import { threadId } from 'node:worker_threads';
import { runJob } from './jobs.js';
import type { Program } from '../../kernel/program.js';
import type { Job, JobOutcome } from './jobs.js';

/** A job's outcome, with the job's place in the run's list and the thread that ran it. */
export type BoardOutcome = JobOutcome & { readonly slot: number; readonly thread: number };

/**
 * Words of the board before the jobs' progress: the next job to take, and the first job that
 * ended the run (NONE while none has; -1 when the run was stopped from outside).
 */
const NEXT = 0;
const ENDED_AT = 1;
const HEADER = 2;
const NONE = 0x7fffffff;

/**
 * The jobs of a compiled run, in shared memory, taken in order by whichever thread is free: the
 * calling thread and the pool's alike. A thread that ends a job takes the next one itself, with
 * no message to the calling thread, which may be busy with a job of its own for a while (it
 * lets signals in between stretches of work, not between every job). A job that gets stuck or
 * fails ends the run at its place in the list: the jobs after it stop at their next step and
 * none is taken, while the jobs before it run on, since one of them may end the run first. So
 * the run ends at the first such job of the list, whichever thread got there first, as it
 * does in one thread, where the jobs run in order.
 */
export class JobBoard {
  private readonly words: Int32Array;

  /** A board of `jobs` jobs, in shared memory when other threads take jobs from it. */
  static create(jobs: number, shared: boolean): JobBoard {
    const bytes = Int32Array.BYTES_PER_ELEMENT * (HEADER + jobs);
    const board = new JobBoard(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    board.words[ENDED_AT] = NONE;
    return board;
  }

  /** Over the buffer of a board made by create (in another thread). */
  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  /** The next job's slot, or -1 when all are taken or the run has ended before it. */
  take(): number {
    const slot = Atomics.add(this.words, NEXT, 1);
    return slot < this.words.length - HEADER && !this.endedBefore(slot) ? slot : -1;
  }

  /** Job `slot` got stuck or failed: the run ends there, unless a job before it ended it already. */
  endAt(slot: number): void {
    for (let at = Atomics.load(this.words, ENDED_AT); slot < at;) {
      const seen = Atomics.compareExchange(this.words, ENDED_AT, at, slot);
      if (seen === at) return;
      at = seen;
    }
  }

  /** Stops every job at its next step (an abort, a thread that died). */
  stop(): void {
    this.endAt(-1);
  }

  /** Whether the run has ended at a job before `slot`, so that job `slot` is moot. */
  endedBefore(slot: number): boolean {
    return Atomics.load(this.words, ENDED_AT) < slot;
  }

  /** Job `slot` has done `work` (jobWork's units) so far. */
  report(slot: number, work: number): void {
    Atomics.store(this.words, HEADER + slot, work);
  }

  /** The work done so far, over all jobs. */
  done(): number {
    let sum = 0;
    for (let k = HEADER; k < this.words.length; k++) sum += Atomics.load(this.words, k);
    return sum;
  }
}

/**
 * Takes jobs from `board` and runs them until none is left or the board stops, yielding after
 * every step of a job (each thread drives it: a worker straight through, the calling thread in
 * stretches between which it lets signals and timers in).
 */
export function* boardJobs(
  program: Program,
  jobs: readonly Job[],
  board: JobBoard,
  outputOf?: (group: string) => Float64Array,
): Generator<void, BoardOutcome[]> {
  const outcomes: BoardOutcome[] = [];
  for (let slot = board.take(); slot >= 0; slot = board.take()) {
    const steps = runJob(program, jobs[slot]!, outputOf);
    for (;;) {
      const step = steps.next();
      if (step.done) {
        outcomes.push({ ...step.value, slot, thread: threadId });
        if (step.value.stuck !== null || step.value.failure !== null) board.endAt(slot);
        break;
      }
      board.report(slot, step.value);
      // A job before this one ended the run: this one's outcome would never be read.
      if (board.endedBefore(slot)) return outcomes;
      yield;
    }
  }
  return outcomes;
}
