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
  /** Each group's whole output (Float64Array over it), by group: a values job writes its rows there. */
  readonly outputs: Readonly<Record<string, SharedArrayBuffer>>;
}

/**
 * A piscina worker of the compiled engine: runs one job, publishing its progress, and writes
 * its output rows into the run's shared outputs. Nothing comes back by transfer: the first
 * ArrayBuffer a thread detaches invalidates V8's detaching protector, which deoptimises every
 * function of that thread that reads a typed array (the rows, the reference, exp), and 4
 * heads at N = 4096 took 10% longer and 0.4 s more CPU that way (bench/PROFILE.md).
 */
export default async function runCompiledTask(task: CompiledTask): Promise<JobOutcome & { thread: number }> {
  try {
    // The order's schedule kind, registered by the program's modules; no unit kind is run here.
    await importWorkerModules(task.program.modules, []);
  } catch (error) {
    return { timings: [], values: [], stuck: null, failure: programFailure(error), thread: threadId };
  }
  const progress = new Int32Array(task.progress);
  const outputs = new Map(Object.entries(task.outputs).map(([group, buffer]) => [group, new Float64Array(buffer)]));
  const steps = runJob(task.program, task.job, (group) => outputs.get(group)!);
  for (;;) {
    const step = steps.next();
    if (step.done) return { ...step.value, thread: threadId };
    Atomics.store(progress, task.slot, step.value);
  }
}
