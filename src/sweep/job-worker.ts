/**
 * Piscina's entry for sweep jobs, a module of its own: piscina loads it by file name in each
 * worker thread (compiled, from dist/), and it must pull in nothing but what a job needs.
 */
import { runJob } from './run-job.js';
import type { JobRecord, RanOn, SweepJob } from './sweep-job.js';

export interface JobTask {
  readonly job: SweepJob;
  readonly via: RanOn['via'];
}

export default function runJobTask({ job, via }: JobTask): Promise<JobRecord> {
  return runJob(job, via);
}
