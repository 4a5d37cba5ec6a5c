/**
 * Piscina's entry for sweep jobs, a module of its own: piscina loads it by file name in each
 * worker thread (compiled, from dist/), and it must pull in nothing but what a job needs.
 */
import { sdpaMaxError } from '../designs/sdpa/outputs.js';
import { messageOf } from '../kernel/errors.js';
import { runJob } from './run-job.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { JobRecord, RanOn, SweepJob } from './sweep-job.js';

/** A job to run (its timing alone when its outputs are shared), or the outputs of a configuration to check. */
export type JobTask =
  | { readonly kind: 'job'; readonly job: SweepJob; readonly via: RanOn['via']; readonly timingOnly: boolean }
  | { readonly kind: 'outputs'; readonly config: SdpaRunConfig; readonly from: number; readonly to: number };

/** The check of a configuration's outputs: its largest error, or why it failed (plain data, to cross threads). */
/** A check's largest error, or why it failed: the outputs' fault, or (`workerFailed`) its thread's, which says nothing of them. */
export type OutputsCheck =
  { readonly maxError: number; readonly error: null } | { readonly maxError: null; readonly error: string; readonly workerFailed?: true };

export default async function runJobTask(task: JobTask): Promise<JobRecord | OutputsCheck> {
  if (task.kind === 'job') return runJob(task.job, task.via, task.timingOnly);
  try {
    return { maxError: await sdpaMaxError(task.config, task), error: null };
  } catch (error) {
    return { maxError: null, error: messageOf(error) };
  }
}
