import { Worker } from 'bullmq';
import { JobPool } from './job-pool.js';
import { whenAborted } from '../engines/interruption.js';
import { thisBuild } from './build.js';
import { queueOfBuild } from './queue-address.js';
import { closeWithin, redisConnection } from './queue-connection.js';
import { announceWorker } from './queue-presence.js';
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
  /** Stop taking jobs; those under way finish first. */
  readonly signal: AbortSignal;
  /** Stop now: jobs under way are dropped (their locks lapse and they run again elsewhere). */
  readonly force: AbortSignal;
  /** The broker answered and the worker is taking the jobs of `build` (build.ts), this damflow's. */
  readonly onReady?: (build: string) => void;
  /** Stopping: `running` jobs are under way. */
  readonly onStopping?: (running: number) => void;
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
 * Serves sweep jobs from the queue until the signal, those of sweeps of this build only (its
 * own BullMQ queue, queueOfBuild; it says on the broker that it is there, so that a sweep of
 * another build can say why no worker takes its jobs): each runs on the local pool, so one
 * process per machine uses all of it, and checks the outputs of each shape it meets once
 * (shared-checks.ts: a job of a shape met before runs its timing alone; the 64-job benchmark
 * sweep computes 8 shapes' outputs, not 48). Stopping waits for the jobs under way, whose
 * records still reach the queue, unless `force` comes first; it waits for the broker a few
 * seconds at most (one that went away never answers). A process killed outright loses its
 * jobs to the stalled-job check.
 */
export async function serveQueue(options: QueueWorkerOptions): Promise<boolean> {
  const reportError = onceEach(options.onError);
  const build = thisBuild();
  const connection = await redisConnection(options.url, reportError);
  const pool = new JobPool(options.workers, 'queue');
  const checks = new SharedChecks(pool, CHECKS_KEPT);
  let running = 0;
  let idle = (): void => undefined;
  const worker = new Worker<SweepJob, JobRecord>(
    queueOfBuild(options.name, build),
    async (job) => {
      running++;
      try {
        options.onStart?.(job.data);
        const record = await checks.run(job.data, sharedKey(job.data));
        // Stopped at once under this job: its thread was ended, and what it gave is no result.
        if (options.force.aborted) throw new Error('the worker was stopped under this job');
        options.onRecord?.(record);
        return record;
      } finally {
        if (--running === 0) idle();
      }
    },
    {
      connection,
      concurrency: pool.workers,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
      maxStalledCount: MAX_STALLED,
      // Jobs are taken once the broker has answered and the worker has said so: taken during
      // waitUntilReady, a job's first line came before the worker's.
      autorun: false,
    },
  );
  worker.on('error', reportError);
  const stopped = whenAborted(options.signal);
  const forced = whenAborted(options.force);
  let closing: Promise<void> | null = null;
  let presence: ReturnType<typeof announceWorker> | null = null;
  try {
    const ready = worker.waitUntilReady();
    ready.catch(() => undefined);
    await Promise.race([ready, stopped]);
    if (!options.signal.aborted) {
      presence = announceWorker(connection, options.name, build, reportError);
      options.onReady?.(build);
      worker.run().catch(reportError);
    }
    await stopped;
    options.onStopping?.(running);
    // Takes no more jobs, and settles once those under way have reached the broker.
    closing = worker.close();
    const done = running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
    await Promise.race([done, forced]);
  } finally {
    // Forced, the jobs' threads end first: a close already under way waits for its jobs.
    const forcedStop = options.force.aborted;
    if (forcedStop) await pool.close();
    await closeWithin([closing ?? worker.close(true), ...(presence === null ? [] : [presence.stop()])], [connection]);
    if (!forcedStop) await pool.close();
  }
  return !options.force.aborted;
}
