import { Worker } from 'bullmq';
import { JobPool } from './job-pool.js';
import { redisConnection } from './queue-connection.js';
import { onceEach } from './queue-sweep.js';
import { SharedChecks, sharedKey } from './shared-checks.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

export interface QueueWorkerOptions {
  readonly url: string;
  readonly name: string;
  /** Threads of the local pool, and jobs taken from the queue at once. */
  readonly workers: number | 'auto';
  /**
   * How long a job's lock lasts without renewal (the worker renews it every half of that while
   * the job runs), and how often this worker looks for jobs whose worker stopped renewing: a
   * killed worker's job runs again elsewhere after one to two of these.
   */
  readonly lockSeconds: number;
  readonly signal: AbortSignal;
  readonly onStart?: (job: SweepJob) => void;
  readonly onRecord?: (record: JobRecord) => void;
  /** A broker error (the connection retries meanwhile); each distinct message once. */
  readonly onError?: (message: string) => void;
}

/** A job whose worker died this many times is failed for good (a job that kills its worker every time). */
const MAX_STALLED = 2;
/** Shapes whose outputs' check a worker keeps (a number each): far more than a sweep has. */
const CHECKS_KEPT = 10_000;

/**
 * Serves sweep jobs from the queue until the signal: each runs on the local pool, so one
 * process per machine uses all of it, and checks the outputs of each shape it meets once
 * (shared-checks.ts: a job of a shape met before runs its timing alone; the 64-job benchmark
 * sweep computes 8 shapes' outputs, not 48). Closing waits for the jobs under way, whose
 * records still reach the queue; a process killed outright loses its jobs to the stalled-job
 * check.
 */
export async function serveQueue(options: QueueWorkerOptions): Promise<void> {
  const connection = await redisConnection(options.url);
  const pool = new JobPool(options.workers, 'queue');
  const checks = new SharedChecks(pool, CHECKS_KEPT);
  const worker = new Worker<SweepJob, JobRecord>(
    options.name,
    async (job) => {
      options.onStart?.(job.data);
      const record = await checks.run(job.data, sharedKey(job.data));
      options.onRecord?.(record);
      return record;
    },
    {
      connection,
      concurrency: pool.workers,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
      maxStalledCount: MAX_STALLED,
    },
  );
  worker.on('error', onceEach(options.onError));
  try {
    await worker.waitUntilReady();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await worker.close();
  } finally {
    await pool.close();
    // BullMQ leaves a connection it was given open: it is ours to close.
    connection.disconnect();
  }
}
