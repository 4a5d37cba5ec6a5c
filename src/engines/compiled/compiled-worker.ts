import { move, transferableSymbol, valueSymbol } from 'piscina';
import { threadId } from 'node:worker_threads';
import { importWorkerModules } from '../../kernel/registry.js';
import { programFailure } from '../worker-failure.js';
import { runJob } from './jobs.js';
import type { Program } from '../../kernel/program.js';
import type { Job, JobOutcome } from './jobs.js';

/** One job of a compiled run, as a piscina task. */
export interface CompiledTask {
  readonly program: Program;
  readonly job: Job;
  /** Work done per job (Int32Array over it), read by the main thread for progress. */
  readonly progress: SharedArrayBuffer;
  readonly slot: number;
}

/**
 * A piscina worker of the compiled engine: runs one job, publishing its progress, and hands
 * the output rows back by transfer, not by copy.
 */
export default async function runCompiledTask(task: CompiledTask): Promise<JobOutcome & { thread: number }> {
  try {
    // The order's schedule kind, registered by the program's modules; no unit kind is run here.
    await importWorkerModules(task.program.modules, []);
  } catch (error) {
    return { timings: [], values: [], stuck: null, failure: programFailure(error), thread: threadId };
  }
  const progress = new Int32Array(task.progress);
  const steps = runJob(task.program, task.job);
  for (;;) {
    const step = steps.next();
    if (step.done) return transferred({ ...step.value, thread: threadId });
    Atomics.store(progress, task.slot, step.value);
  }
}

/** The outcome, with its output rows' buffers moved to the receiving thread. */
function transferred<T extends JobOutcome>(outcome: T): T {
  const buffers = [
    ...outcome.values.map((v) => v.output.buffer),
    ...outcome.timings.flatMap((t) => (t.output === null ? [] : [t.output.buffer])),
  ];
  if (buffers.length === 0) return outcome;
  return move({ [transferableSymbol]: buffers, [valueSymbol]: outcome } as never) as unknown as T;
}
