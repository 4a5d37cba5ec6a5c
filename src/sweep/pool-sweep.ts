import { setMaxListeners } from 'node:events';
import { SharedChecks, sharedKey } from './shared-checks.js';
import { memoryBudget } from '../engines/worker-pool.js';
import type { JobPool } from './job-pool.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

/**
 * Runs jobs on the local pool, handing each record over as its job finishes. The longest jobs
 * go first (an N^2 estimate), so that the last job to finish is a short one and no worker idles
 * at the end while another finishes a long job it took late.
 *
 * Jobs whose outputs are the same share one check of them (shared-checks.ts): each runs its
 * timing alone. The outputs and their check were about 45% of the 64-job sweep benchmark's
 * work, done 48 times for 8 different outputs. A shape of one job runs in full.
 */
export async function runOnPool(
  pool: JobPool,
  jobs: readonly SweepJob[],
  onRecord: (record: JobRecord) => void,
  signal?: AbortSignal,
): Promise<void> {
  const keys = sharedOutputs(jobs);
  // The lanes listen once on the signal for all their waiting tasks, a running task once more (piscina): not a leak.
  if (signal !== undefined) setMaxListeners(jobs.length + new Set(keys.values()).size * pool.workers + 16, signal);
  const checks = new SharedChecks(pool);
  await Promise.all(longestFirst(jobs).map((job) => checks.run(job, keys.get(job), signal).then(onRecord)));
}

/** The shared key of every job that shares its outputs with another. */
function sharedOutputs(jobs: readonly SweepJob[]): Map<SweepJob, string> {
  const byKey = new Map<string, SweepJob[]>();
  // Read once: the free memory read for each of 40,000 jobs had taken 0.7 s.
  const budget = memoryBudget();
  for (const job of jobs) {
    const key = sharedKey(job, budget);
    if (key === undefined) continue;
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, [job]);
    else group.push(job);
  }
  return new Map([...byKey].filter(([, group]) => group.length > 1).flatMap(([key, group]) => group.map((job) => [job, key] as const)));
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
