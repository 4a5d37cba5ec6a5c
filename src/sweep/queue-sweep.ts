import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { longestFirst } from './pool-sweep.js';
import { whenAborted } from '../engines/interruption.js';
import { ProgramError } from '../kernel/errors.js';
import { thisBuild } from './build.js';
import { queueOfBuild, shownUrl } from './queue-address.js';
import { closeWithin, duplicateConnection, redisConnection } from './queue-connection.js';
import { workersOn } from './queue-presence.js';
import type { WorkerPresence } from './queue-presence.js';
import { failedRecord } from './sweep-job.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

export interface QueueSweepOptions {
  readonly url: string;
  readonly name: string;
  readonly signal?: AbortSignal;
  /** A broker error (the connection retries meanwhile); each distinct message once. */
  readonly onError?: (message: string) => void;
  /**
   * The jobs are on the queue, for workers of this build to take; `earlier` of them had
   * finished there before (records are kept a week), whose records are taken.
   */
  readonly onEnqueued?: (earlier: number) => void;
  /**
   * No worker of this build is taking the jobs: `others` are the workers of other builds on
   * the queue (none: no worker at all, since some had been). Said when it becomes so.
   */
  readonly onUnserved?: (others: readonly WorkerPresence[]) => void;
}

/** Tries per job: a worker killed under a job costs one (BullMQ's stalled-job check gives it back). */
const ATTEMPTS = 3;
/** Events can be missed (a reconnect, a trimmed stream): pending jobs are also looked up, LOOKUP_BATCH of them this often, in turn. */
const RECONCILE_MS = 1000;
/** Jobs looked up in one round trip (three commands each, in one pipeline). */
const LOOKUP_BATCH = 1000;
/**
 * Jobs added in one round trip. Adding is the broker's slowest step (a script a job: 2,440 jobs
 * took 0.7 s in one batch), and the first batch's jobs can run meanwhile.
 */
const ENQUEUE_BATCH = 250;
/** Finished jobs stay readable this long, so that a sweep interrupted and resumed collects what ran meanwhile. */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * Runs jobs through BullMQ on Redis: enqueues each under its hash as the job id on the queue
 * of this build (queueOfBuild: BullMQ adds a given id once, so a resumed sweep does not
 * enqueue twice what is still queued), then collects every job's record as it completes,
 * whichever worker ran it. Delivery is at least once (a job whose worker died runs again
 * elsewhere); the results file keeps one record per hash. The broker is asked in batches, never
 * once per job: a record comes with the event of its job's completion, and jobs are looked up
 * LOOKUP_BATCH to a round trip (2,440 jobs one at a time had taken 1.1 s before the first was
 * enqueued, and 8 s over a link of 2 ms).
 */
export async function runOnQueue(
  jobs: readonly SweepJob[],
  onRecord: (record: JobRecord) => void,
  options: QueueSweepOptions,
): Promise<void> {
  const reportError = onceEach(options.onError);
  const build = thisBuild();
  const connection = await redisConnection(options.url, reportError);
  const queue = new Queue<SweepJob, JobRecord>(queueOfBuild(options.name, build), { connection });
  // Same address, already checked: a lazy copy connects on first use.
  const eventsConnection = duplicateConnection(connection, reportError);
  const events = new QueueEvents(queue.name, { connection: eventsConnection });
  queue.on('error', reportError);
  events.on('error', reportError);
  const pending = new Map(jobs.map((j) => [j.hash, j]));
  let finish = (): void => undefined;
  let fail = (_error: unknown): void => undefined;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const jobOptions = { attempts: ATTEMPTS, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } };
  /** Adds jobs in order, ENQUEUE_BATCH at a time: workers start on the first (the longest) while the others are added. */
  const enqueue = async (list: readonly SweepJob[]): Promise<void> => {
    for (let i = 0; i < list.length; i += ENQUEUE_BATCH)
      await queue.addBulk(
        list.slice(i, i + ENQUEUE_BATCH).map((job) => ({ name: 'sdpa', data: job, opts: { jobId: job.hash, ...jobOptions } })),
      );
  };
  /** Takes a finished job's record, once: one of another build (a worker whose dist/ was rebuilt under it) is a failure, not a result. */
  const take = (job: SweepJob, record: JobRecord): void => {
    if (!pending.delete(job.hash)) return;
    onRecord(
      record.build === build
        ? record
        : failedRecord(job, `ran on damflow ${record.build}, not on this build (${build}): its figures are not taken`, 0, 'queue'),
    );
    if (pending.size === 0) finish();
  };
  /** Collects what these jobs' lookup found finished; the jobs the queue no longer has. */
  const collect = async (list: readonly SweepJob[]): Promise<SweepJob[]> => {
    const found = await lookUp(connection, queue, list);
    const lost: SweepJob[] = [];
    list.forEach((job, i) => {
      const state = found[i]!;
      if (state === 'missing') lost.push(job);
      else if (state !== 'waiting') take(job, state);
    });
    return lost;
  };
  let timer: NodeJS.Timeout | undefined;
  const sweep = async (): Promise<void> => {
    await events.waitUntilReady();
    // The record comes with the event; a job that failed for good is looked up (its tries, why).
    events.on('completed', ({ jobId, returnvalue }) => {
      const job = pending.get(jobId);
      if (job !== undefined) void guard(() => take(job, returnvalue as unknown as JobRecord));
    });
    events.on('failed', ({ jobId }) => {
      const job = pending.get(jobId);
      if (job !== undefined) void guard(() => collect([job]));
    });
    // A job that failed for good in an earlier sweep, or completed with a failed record (its run
    // threw), is given another chance, as the results file's failed jobs are; one that completed
    // otherwise is collected.
    const found = await lookUp(connection, queue, jobs);
    const retried = jobs.filter((_, i) => {
      const state = found[i]!;
      return state !== 'missing' && state !== 'waiting' && state.status === 'failed';
    });
    await Promise.all(retried.map((job) => queue.remove(job.hash)));
    const again = new Set(retried.map((j) => j.hash));
    let kept = 0;
    jobs.forEach((job, i) => {
      const state = found[i]!;
      if (state === 'missing' || state === 'waiting' || again.has(job.hash) || !pending.has(job.hash)) return;
      kept++;
      take(job, state);
    });
    await enqueue(longestFirst([...pending.values()]));
    options.onEnqueued?.(kept);
    let turn: SweepJob[] = [];
    let served = 'none';
    const reconcile = async (): Promise<void> => {
      // A job the queue no longer has (a broker restarted without its data, a queue emptied by
      // hand) would never finish: it is enqueued again (BullMQ adds an id it holds once only).
      if (turn.length === 0) turn = [...pending.values()];
      const lost = await collect(turn.splice(0, LOOKUP_BATCH).filter((job) => pending.has(job.hash)));
      if (lost.length > 0) {
        await enqueue(lost);
        reportError(
          new Error(`${lost.length} job(s) were no longer on the queue (the broker restarted without its data?): enqueued again`),
        );
      }
      // Only a note: a broker that will not say (its access rules) does not stop the sweep.
      const workers = await workersOn(connection, options.name).catch((error: Error) => {
        reportError(error);
        return null;
      });
      if (workers !== null) served = sayWhoServes(workers, build, served, options.onUnserved);
      if (pending.size === 0) finish();
      else if (!options.signal?.aborted) timer = setTimeout(() => void guard(reconcile), RECONCILE_MS);
    };
    await reconcile();
    await finished;
  };
  /** An error of a handler (the broker refusing a command, the results file gone) ends the sweep, not the process. */
  const guard = async (handle: () => unknown): Promise<void> => {
    try {
      await handle();
    } catch (error) {
      fail(error);
    }
  };
  // A broker that goes away mid-sweep leaves its commands waiting for it to return: an
  // interruption must not wait with them.
  const running = sweep();
  running.catch(() => undefined);
  finished.catch(() => undefined);
  try {
    await Promise.race([running, finished, ...(options.signal === undefined ? [] : [whenAborted(options.signal)])]);
  } catch (error) {
    // A command the broker refused (out of memory, read-only, no permission): what it said, in one line.
    if (error instanceof Error && error.name === 'ReplyError')
      throw new ProgramError(`the broker at ${shownUrl(options.url)} refused a command: ${error.message}`);
    throw error;
  } finally {
    clearTimeout(timer);
    await closeWithin([events.close(), queue.close()], [connection, eventsConnection]);
  }
}

/** What the queue holds of a job: finished for good (its record), not yet ('waiting': queued or under way), or nothing. */
type Found = JobRecord | 'waiting' | 'missing';

/**
 * Looks up jobs on the queue, LOOKUP_BATCH to a pipeline (whether it completed, whether it
 * failed, and its record), all sent at once: a few round trips for any number of jobs. Not a
 * transaction: a job that finishes meanwhile is found next time, and a command refused in a
 * transaction is said as EXECABORT, not as what the broker refused. A job that failed for
 * good is read whole (rare: a job that killed its worker every time).
 */
async function lookUp(redis: Redis, queue: Queue<SweepJob, JobRecord>, jobs: readonly SweepJob[]): Promise<Found[]> {
  const batches: SweepJob[][] = [];
  for (let i = 0; i < jobs.length; i += LOOKUP_BATCH) batches.push(jobs.slice(i, i + LOOKUP_BATCH));
  const [completed, failed] = [queue.toKey('completed'), queue.toKey('failed')];
  const replies = await Promise.all(
    batches.map(async (batch) => {
      const pipeline = redis.pipeline();
      for (const job of batch)
        pipeline.zscore(completed, job.hash).zscore(failed, job.hash).hmget(queue.toKey(job.hash), 'timestamp', 'returnvalue');
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
      return results.map(([, value]) => value);
    }),
  );
  const values = replies.flat();
  return Promise.all(
    jobs.map(async (job, i): Promise<Found> => {
      const [done, gaveUp, [timestamp, returnvalue]] = values.slice(3 * i, 3 * i + 3) as [
        string | null,
        string | null,
        [string | null, string | null],
      ];
      if (timestamp === null) return 'missing';
      if (done !== null && returnvalue !== null) return JSON.parse(returnvalue) as JobRecord;
      if (gaveUp === null) return 'waiting';
      const found = await Job.fromId<SweepJob, JobRecord>(queue, job.hash);
      if (found === undefined) return 'missing';
      return failedRecord(job, `failed on the queue after ${found.attemptsMade} tries: ${found.failedReason}`, 0, 'queue');
    }),
  );
}

/**
 * Says (`onUnserved`) when no worker of this build comes to serve the queue, given the workers
 * there now and what was said last ('served', 'none', or the builds of the other workers);
 * returns what holds now. Nothing is said while no worker has come at all: the sweep's first
 * note says to start them.
 */
function sayWhoServes(
  workers: readonly WorkerPresence[],
  build: string,
  said: string,
  onUnserved: ((others: readonly WorkerPresence[]) => void) | undefined,
): string {
  const now = workers.some((w) => w.build === build)
    ? 'served'
    : workers.length === 0
      ? 'none'
      : [...new Set(workers.map((w) => w.build))].sort().join(' ');
  if (now !== said && now !== 'served') onUnserved?.(workers);
  return now;
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
