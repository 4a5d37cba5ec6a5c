import { threadId } from 'node:worker_threads';
import { runJob } from './jobs.js';
import type { Program } from '../../kernel/program.js';
import type { Job, JobOutcome } from './jobs.js';

/** A job's outcome, with the job's place in the run's list and the thread that ran it. */
export type BoardOutcome = JobOutcome & { readonly slot: number; readonly thread: number };

/** Words of the board before the jobs' progress: the next job to take, and the stop flag. */
const NEXT = 0;
const STOPPED = 1;
const HEADER = 2;

/**
 * The jobs of a compiled run, in shared memory, taken in order by whichever thread is free: the
 * calling thread and the pool's alike. A thread that ends a job takes the next one itself, with
 * no message to the calling thread, which may be busy with a job of its own for a while (it
 * lets signals in between stretches of work, not between every job). A thread whose job gets
 * stuck or fails stops the board: the others end at their next step, and take nothing more.
 */
export class JobBoard {
  private readonly words: Int32Array;

  /** A board of `jobs` jobs, in shared memory when other threads take jobs from it. */
  static create(jobs: number, shared: boolean): JobBoard {
    const bytes = Int32Array.BYTES_PER_ELEMENT * (HEADER + jobs);
    return new JobBoard(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  }

  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  /** The next job's slot, or -1 when all are taken or the board is stopped. */
  take(): number {
    if (this.stopped) return -1;
    const slot = Atomics.add(this.words, NEXT, 1);
    return slot < this.words.length - HEADER ? slot : -1;
  }

  stop(): void {
    Atomics.store(this.words, STOPPED, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.words, STOPPED) === 1;
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
        if (step.value.stuck !== null || step.value.failure !== null) board.stop();
        break;
      }
      board.report(slot, step.value);
      // Another thread's job got stuck or failed: the run is over.
      if (board.stopped) return outcomes;
      yield;
    }
  }
  return outcomes;
}
