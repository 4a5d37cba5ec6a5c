import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { messageOf, ProgramError } from '../kernel/errors.js';
import { shownUrl } from './queue-address.js';

/** How long the first contact with the broker may take before the address is taken to be wrong. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long a connection being closed waits for the broker to close its end. */
const DISCONNECT_MS = 200;
/** How long closing may wait for a broker to acknowledge: one that went away never does. */
const CLOSE_LIMIT_MS = 2000;

/**
 * A Redis connection for BullMQ, once the broker has answered a PING: an address where nothing
 * listens, or where something listens that never answers or does not speak Redis (an HTTP
 * server), is one line at the start (ProgramError), not a sweep that waits for ever. Nothing
 * listening is found by a plain TCP probe first (an ioredis client that failed to connect keeps
 * the process alive two more seconds). The connection has `maxRetriesPerRequest: null`, which
 * BullMQ requires of a worker's blocking connection, so a command waits out a broker restart;
 * its later errors (a broker gone, retried meanwhile) go to `onError`, never to ioredis's
 * "Unhandled error event" with a stack per retry.
 */
export async function redisConnection(url: string, onError: (error: Error) => void): Promise<Redis> {
  const { hostname, port } = new URL(url);
  const refuse = (what: string, error: unknown): never => {
    throw new ProgramError(`${what}: ${messageOf(error)}`);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port || 6379), timeout: CONNECT_TIMEOUT_MS });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1000} s`));
      });
      socket.once('error', reject);
    });
  } catch (error) {
    refuse(`cannot reach the broker at ${shownUrl(url)}`, error);
  }
  // A peer that never closes its end (a broker gone silent) is dropped after DISCONNECT_MS, not ioredis's 2 s.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, disconnectTimeout: DISCONNECT_MS });
  let fail = (_error: Error): void => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  let report: (error: Error) => void = fail;
  redis.on('error', (error) => report(error));
  const timeout = new AbortController();
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      failed,
      delay(CONNECT_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`no answer to a PING within ${CONNECT_TIMEOUT_MS / 1000} s`);
      }),
    ]);
    report = onError;
  } catch (error) {
    // What a refused broker says after the first error is the same story.
    report = () => undefined;
    redis.disconnect();
    // A Redis that answers with an error (a wrong password, a database it has not) is no other server.
    const redisSaid = error instanceof Error && error.name === 'ReplyError';
    refuse(`the broker at ${shownUrl(url)} ${redisSaid ? 'refused the connection' : 'does not answer as Redis does'}`, error);
  } finally {
    timeout.abort();
  }
  return redis;
}

/** A duplicate of `connection` (BullMQ wants one per blocking reader) whose errors go to `onError` too. */
export function duplicateConnection(connection: Redis, onError: (error: Error) => void): Redis {
  const copy = connection.duplicate();
  copy.on('error', onError);
  return copy;
}

/**
 * Closes BullMQ's parts (`closing`), waiting at most CLOSE_LIMIT_MS for the broker, then drops
 * the connections (BullMQ leaves connections it was given open: they are ours to close).
 */
export async function closeWithin(closing: readonly Promise<unknown>[], connections: readonly Redis[]): Promise<void> {
  const limit = new AbortController();
  await Promise.race([Promise.allSettled(closing), delay(CLOSE_LIMIT_MS, undefined, { signal: limit.signal }).catch(() => undefined)]);
  limit.abort();
  for (const connection of connections) connection.disconnect();
}
