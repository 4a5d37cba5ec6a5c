import { setMaxListeners } from 'node:events';
import type { JobPool } from './job-pool.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

/**
 * Runs jobs on the local pool, handing each record over as its job finishes. The longest jobs
 * go first (an N^2 estimate), so that the last job to finish is a short one and no worker idles
 * at the end while another finishes a long job it took late.
 */
export async function runOnPool(
  pool: JobPool,
  jobs: readonly SweepJob[],
  onRecord: (record: JobRecord) => void,
  signal?: AbortSignal,
): Promise<void> {
  // Every queued task listens on the signal: as many listeners as jobs is expected, not a leak.
  if (signal !== undefined) setMaxListeners(jobs.length + 16, signal);
  await Promise.all(longestFirst(jobs).map((job) => pool.run(job, signal).then(onRecord)));
}

/** The jobs, the longest (by estimate) first; ties in sweep order. */
export function longestFirst(jobs: readonly SweepJob[]): SweepJob[] {
  return [...jobs].sort((a, b) => estimatedCost(b) - estimatedCost(a) || a.index - b.index);
}

/** Score elements over every head: what a run's time grows with. */
export function estimatedCost(job: SweepJob): number {
  const { n, heads, d } = job.resolved;
  return n * n * heads * Math.sqrt(d);
}
