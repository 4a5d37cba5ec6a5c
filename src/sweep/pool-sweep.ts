import { setMaxListeners } from 'node:events';
import { estimateCost, refuseWhatCannotFit } from '../designs/sdpa/cost.js';
import { outputsKey } from '../designs/sdpa/outputs-key.js';
import { failedRecord } from './sweep-job.js';
import type { JobPool } from './job-pool.js';
import type { OutputsCheck } from './job-worker.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

/**
 * Runs jobs on the local pool, handing each record over as its job finishes. The longest jobs
 * go first (an N^2 estimate), so that the last job to finish is a short one and no worker idles
 * at the end while another finishes a long job it took late.
 *
 * Jobs whose outputs are the same (outputsKey: a sweep over capacities, latencies or IIs keeps
 * them) share one check of those outputs: each runs its timing alone, and one task per key
 * computes and checks the outputs, on the pool beside them. A record is what a single run
 * gives, maxError included: a check that fails makes every job of its key that finished 'ok'
 * failed, with the check's reason, as a single run would be. The outputs and their check were
 * about 45% of the 64-job sweep benchmark's work, done 48 times for 8 different outputs.
 */
export async function runOnPool(
  pool: JobPool,
  jobs: readonly SweepJob[],
  onRecord: (record: JobRecord) => void,
  signal?: AbortSignal,
): Promise<void> {
  const keys = sharedOutputs(jobs);
  // Every queued task listens on the signal (each job, and up to one check block per worker for each shared shape): not a leak.
  if (signal !== undefined) setMaxListeners(jobs.length + new Set(keys.values()).size * pool.workers + 16, signal);
  const checks = new Map<string, Promise<OutputsCheck>>();
  await Promise.all(
    longestFirst(jobs).map((job) => {
      const key = keys.get(job);
      if (key === undefined) return pool.run(job, signal).then(onRecord);
      let check = checks.get(key);
      // Queued before the key's first job: together as long as that job's own outputs would be.
      if (check === undefined) checks.set(key, (check = checkOutputs(pool, job, signal)));
      return Promise.all([pool.run(job, signal, true), check]).then(([record, outputs]) => onRecord(withOutputs(job, record, outputs)));
    }),
  );
}

/** Least score elements (over the heads) worth a check task of their own: a task costs a few milliseconds to send and set up. */
const LEAST_CHECK_ELEMENTS = 1 << 22;

/**
 * The check of a shape's outputs, in blocks of rows across the pool (one, for a small shape):
 * a sweep over the capacities of one long sequence would otherwise wait on one thread. Its
 * largest error, or the first failing block's reason: the blocks follow the heads' rows one
 * after another, the order in which a single run checks them.
 */
async function checkOutputs(pool: JobPool, job: SweepJob, signal?: AbortSignal): Promise<OutputsCheck> {
  const { n, heads } = job.resolved;
  const blocks = Math.max(1, Math.min(pool.workers, Math.floor((n * n * heads) / LEAST_CHECK_ELEMENTS)));
  const rows = Math.ceil((n * heads) / blocks);
  const parts = await Promise.all(
    Array.from({ length: blocks }, (_, b) => pool.checkOutputs(job.config, b * rows, Math.min(n * heads, (b + 1) * rows), signal)),
  );
  const failed = parts.find((p) => p.error !== null);
  if (failed !== undefined) return failed;
  return { maxError: Math.max(...parts.map((p) => p.maxError!)), error: null };
}

/**
 * The outputs key of every job that shares its outputs with another: not the actors engine's
 * (a sweep may compare the engines, outputs included), not one a full run would refuse before
 * it starts (the refusal is that job's record).
 */
function sharedOutputs(jobs: readonly SweepJob[]): Map<SweepJob, string> {
  const byKey = new Map<string, SweepJob[]>();
  for (const job of jobs) {
    if (job.config.engine === 'actors' || !fits(job)) continue;
    const key = outputsKey(job.resolved);
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, [job]);
    else group.push(job);
  }
  return new Map([...byKey].filter(([, group]) => group.length > 1).flatMap(([key, group]) => group.map((job) => [job, key] as const)));
}

function fits(job: SweepJob): boolean {
  try {
    refuseWhatCannotFit(estimateCost(job.resolved, { ...job.config, workers: 1 }));
    return true;
  } catch {
    return false;
  }
}

/** A job's record from its timing alone and its outputs' check. */
function withOutputs(job: SweepJob, record: JobRecord, outputs: OutputsCheck): JobRecord {
  if (record.status !== 'ok') return record;
  if (outputs.error !== null) return failedRecord(job, outputs.error, record.wallSeconds, record.ranOn.via);
  return { ...record, maxError: outputs.maxError, check: 'shared' };
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
