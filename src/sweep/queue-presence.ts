import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/** A `damflow worker` serving a queue, as the sweeps on it see it. */
export interface WorkerPresence {
  readonly build: string;
  readonly host: string;
  readonly pid: number;
}

/** How often a worker says it is there, and how long that lasts: a worker killed outright is gone from the list this long after. */
const HEARTBEAT_MS = 5000;
const PRESENCE_SECONDS = 15;

/**
 * The set of the workers of every build on the queue `name`, and each one's key, which expires
 * unless renewed (no clock but the broker's). Under BullMQ's prefix, where a broker's access
 * rules for the queues let them be, in the keys of the queue `name` itself, which holds no
 * jobs (each build's are on `NAME@BUILD`).
 */
const setKey = (name: string): string => `bull:${name}:damflow-workers`;
const workerKey = (name: string, id: string): string => `bull:${name}:damflow-worker:${id}`;

/**
 * Says on the broker, until `stop`, that this process serves the queue `name` for `build`:
 * sweeps of another build see it there and say why it takes none of their jobs. The worker
 * of each build takes jobs from its own BullMQ queue (queueOfBuild), which tells nothing of the
 * others. Errors (a broker gone) go to `onError`; the next beat tries again.
 */
export function announceWorker(redis: Redis, name: string, build: string, onError: (error: Error) => void): { stop(): Promise<void> } {
  const me: WorkerPresence = { build, host: hostname(), pid: process.pid };
  const id = `${me.host}/${me.pid}`;
  const beat = (): void => {
    redis.multi().set(workerKey(name, id), JSON.stringify(me), 'EX', PRESENCE_SECONDS).sadd(setKey(name), id).exec().catch(onError);
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.multi().del(workerKey(name, id)).srem(setKey(name), id).exec();
    },
  };
}

/** The workers serving the queue `name` now, of every build (two round trips); those whose presence lapsed are dropped from the set. */
export async function workersOn(redis: Redis, name: string): Promise<WorkerPresence[]> {
  const ids = await redis.smembers(setKey(name));
  if (ids.length === 0) return [];
  const found = await redis.mget(ids.map((id) => workerKey(name, id)));
  const gone = ids.filter((_, i) => found[i] === null);
  if (gone.length > 0) await redis.srem(setKey(name), ...gone);
  return found.flatMap((text) => (text === null ? [] : [JSON.parse(text) as WorkerPresence]));
}
