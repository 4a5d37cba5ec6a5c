import { estimateCost, refuseWhatCannotFit } from '../designs/sdpa/cost.js';
import { outputsKey } from '../designs/sdpa/outputs-key.js';
import { failedRecord } from './sweep-job.js';
import type { JobPool } from './job-pool.js';
import type { OutputsCheck } from './job-worker.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

/**
 * One check of the outputs per shape, for the jobs a pool runs. A configuration's outputs
 * depend on its design, N, d, heads and seed alone (outputsKey): capacities, latencies and IIs
 * only move times. So a job whose shape another job shares runs its timing alone, and one task
 * per shape computes and checks the outputs, on the pool, once a job of the shape has finished.
 * A record is what a single run gives, maxError included: a check that fails makes every job of
 * its shape that finished 'ok' failed, with the check's reason, as a single run would be.
 *
 * A sweep on the local pool shares the shapes of two jobs or more (pool-sweep.ts); a queue
 * worker, which cannot know which jobs will come to it, shares every shape it meets, over its
 * lifetime (the `kept` most recent): a machine then checks each shape of a sweep once.
 */
export class SharedChecks {
  private readonly checks = new Map<string, Promise<OutputsCheck>>();

  constructor(
    private readonly pool: JobPool,
    /** Shapes whose check is kept, the oldest dropped first. */
    private readonly kept = Infinity,
  ) {}

  /**
   * The job's record: its own full run without a key, else its timing and its shape's one check.
   * The check starts when a job of the shape has finished: one that deadlocked or failed reads
   * no outputs. Queued before the timings, it had held the pool's threads while they waited (two
   * deadlocking jobs at N = 32768 took 0.03 s each and were recorded 22 s later).
   */
  async run(job: SweepJob, key: string | undefined, signal?: AbortSignal): Promise<JobRecord> {
    if (key === undefined) return this.pool.run(job, signal);
    const record = await this.pool.run(job, signal, true);
    if (record.status !== 'ok') return record;
    return withOutputs(job, record, await (this.checks.get(key) ?? this.start(key, job, signal)));
  }

  private start(key: string, job: SweepJob, signal?: AbortSignal): Promise<OutputsCheck> {
    const check = checkOutputs(this.pool, job, signal);
    this.checks.set(key, check);
    if (this.checks.size > this.kept) this.checks.delete(this.checks.keys().next().value!);
    // A check that did not finish (a worker that died, an abort) is no verdict on the shape: the
    // next job of it checks again. One that found the outputs wrong is: each job had run it again.
    void check.then(
      (outputs) => outputs.error !== null && outputs.workerFailed === true && this.forget(key, check),
      () => this.forget(key, check),
    );
    return check;
  }

  private forget(key: string, check: Promise<OutputsCheck>): void {
    if (this.checks.get(key) === check) this.checks.delete(key);
  }
}

/**
 * The key under which a job may share its shape's check: not for the actors engine (a sweep
 * may compare the engines, outputs included), nor for a timing-only job (no outputs to check),
 * nor for a job a full run would refuse before it starts (the refusal is that job's record).
 */
export function sharedKey(job: SweepJob, budget?: number): string | undefined {
  if (job.config.engine === 'actors' || job.config.timingOnly === true) return undefined;
  try {
    refuseWhatCannotFit(estimateCost(job.resolved, { ...job.config, workers: 1 }), budget);
  } catch {
    return undefined;
  }
  return outputsKey(job.resolved);
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

/** A finished job's record from its timing alone and its outputs' check. */
function withOutputs(job: SweepJob, record: JobRecord, outputs: OutputsCheck): JobRecord {
  if (outputs.error !== null) return failedRecord(job, outputs.error, record.wallSeconds, record.ranOn.via);
  return { ...record, maxError: outputs.maxError, check: 'shared' };
}
