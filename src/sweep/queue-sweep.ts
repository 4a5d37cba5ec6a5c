import { Job, Queue, QueueEvents } from 'bullmq';
import { longestFirst } from './pool-sweep.js';
import { whenAborted } from '../engines/interruption.js';
import { closeWithin, duplicateConnection, redisConnection } from './queue-connection.js';
import { failedRecord } from './sweep-job.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

export interface QueueSweepOptions {
  readonly url: string;
  readonly name: string;
  readonly signal?: AbortSignal;
  /** A broker error (the connection retries meanwhile); each distinct message once. */
  readonly onError?: (message: string) => void;
  /**
   * The jobs are on the queue, for workers to take; `earlier` of them had finished there before
   * (kept a week), whose records are taken as they are, from whatever build ran them.
   */
  readonly onEnqueued?: (earlier: number) => void;
}

/** Tries per job: a worker killed under a job costs one (BullMQ's stalled-job check gives it back). */
const ATTEMPTS = 3;
/** Events can be missed (a reconnect, a trimmed stream): every pending job is also looked up this often. */
const RECONCILE_MS = 1000;
/** Finished jobs stay readable this long, so that a sweep interrupted and resumed collects what ran meanwhile. */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * Runs jobs through BullMQ on Redis: enqueues each under its hash as the job id (BullMQ adds a
 * given id once, so a resumed sweep does not enqueue twice what is still queued), then collects
 * every job's record as it completes, whichever worker ran it. Delivery is at least once (a job
 * whose worker died runs again elsewhere); the results file keeps one record per hash.
 */
export async function runOnQueue(
  jobs: readonly SweepJob[],
  onRecord: (record: JobRecord) => void,
  options: QueueSweepOptions,
): Promise<void> {
  const reportError = onceEach(options.onError);
  const connection = await redisConnection(options.url, reportError);
  const queue = new Queue<SweepJob, JobRecord>(options.name, { connection });
  // Same address, already checked: a lazy copy connects on first use.
  const eventsConnection = duplicateConnection(connection, reportError);
  const events = new QueueEvents(options.name, { connection: eventsConnection });
  queue.on('error', reportError);
  events.on('error', reportError);
  const pending = new Map(jobs.map((j) => [j.hash, j]));
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const jobOptions = { attempts: ATTEMPTS, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } };
  /** Collects a job that has finished; false where the queue no longer has it at all. */
  const collect = async (id: string): Promise<boolean> => {
    const job = pending.get(id);
    if (job === undefined) return true;
    const record = await finishedRecord(queue, job);
    if (record === 'missing') return false;
    if (record === null || !pending.delete(id)) return true;
    onRecord(record);
    if (pending.size === 0) finish();
    return true;
  };
  let timer: NodeJS.Timeout | undefined;
  const sweep = async (): Promise<void> => {
    await events.waitUntilReady();
    events.on('completed', ({ jobId }) => void collect(jobId));
    events.on('failed', ({ jobId }) => void collect(jobId));
    // A job that failed for good in an earlier sweep, or completed with a failed record (its run
    // threw), is given another chance, as the results file's failed jobs are; one that completed
    // otherwise is collected.
    let kept = 0;
    for (const job of jobs) {
      const earlier = await queue.getJob(job.hash);
      if (earlier === undefined) continue;
      const state = await earlier.getState();
      if (state === 'failed' || (state === 'completed' && earlier.returnvalue?.status === 'failed')) await earlier.remove();
      else if (state === 'completed') kept++;
    }
    await queue.addBulk(
      longestFirst(jobs).map((job) => ({
        name: 'sdpa',
        data: job,
        opts: { jobId: job.hash, ...jobOptions },
      })),
    );
    options.onEnqueued?.(kept);
    const reconcile = async (): Promise<void> => {
      // A job the queue no longer has (a broker restarted without its data, a queue emptied by
      // hand) would never finish: it is enqueued again (BullMQ adds an id it holds once only).
      const lost: SweepJob[] = [];
      for (const [id, job] of [...pending]) if (!(await collect(id))) lost.push(job);
      if (lost.length > 0) {
        await queue.addBulk(lost.map((job) => ({ name: 'sdpa', data: job, opts: { jobId: job.hash, ...jobOptions } })));
        reportError(
          new Error(`${lost.length} job(s) were no longer on the queue (the broker restarted without its data?): enqueued again`),
        );
      }
      if (pending.size === 0) finish();
      else if (!options.signal?.aborted) timer = setTimeout(() => void reconcile(), RECONCILE_MS);
    };
    await reconcile();
    await finished;
  };
  // A broker that goes away mid-sweep leaves its commands waiting for it to return: an
  // interruption must not wait with them.
  const running = sweep();
  running.catch(() => undefined);
  try {
    await Promise.race([running, ...(options.signal === undefined ? [] : [whenAborted(options.signal)])]);
  } finally {
    clearTimeout(timer);
    await closeWithin([events.close(), queue.close()], [connection, eventsConnection]);
  }
}

/** A job's record once it has finished for good (completed, or failed after its last try), else null; 'missing' where the queue has no such job. */
async function finishedRecord(queue: Queue<SweepJob, JobRecord>, job: SweepJob): Promise<JobRecord | null | 'missing'> {
  const found = await Job.fromId<SweepJob, JobRecord>(queue, job.hash);
  if (found === undefined) return 'missing';
  const state = await found.getState();
  if (state === 'completed' && found.returnvalue) return found.returnvalue;
  if (state === 'failed')
    return failedRecord(job, `failed on the queue after ${found.attemptsMade} tries: ${found.failedReason}`, 0, 'queue');
  return null;
}

/** An error handler that passes each distinct message on once: a broker that stays away is one line, not one per retry. */
export function onceEach(report: ((message: string) => void) | undefined): (error: Error) => void {
  const seen = new Set<string>();
  return (error) => {
    if (seen.has(error.message)) return;
    seen.add(error.message);
    report?.(error.message);
  };
}
