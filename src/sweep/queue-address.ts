import { ProgramError } from '../kernel/errors.js';

/** The queue every sweep and worker share unless told otherwise: a worker serves whichever sweep enqueued. */
export const DEFAULT_QUEUE_NAME = 'damflow-sweep';

/**
 * Checks a broker address: redis://HOST:PORT (or rediss:// for TLS), with an optional /DB, a
 * number (ioredis sends anything else to SELECT, which failed with a stack trace), and
 * nothing after it (ioredis reads a query's keys as its own options).
 */
export function checkQueueUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const port = /^rediss?:\/\/[^/:]*:(\d+)(\/|$)/.exec(url)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new ProgramError(`--queue's port must be at most 65535, got ${port} in '${url}'`);
    throw new ProgramError(`--queue must be a URL such as redis://HOST:PORT, got '${shownUrl(url)}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ProgramError(`--queue must be a redis:// or rediss:// URL, got '${shownUrl(url)}'`);
  if (parsed.hostname === '') throw new ProgramError(`--queue names no host: '${shownUrl(url)}'`);
  if (!/^\/?(\d+)?$/.test(parsed.pathname))
    throw new ProgramError(`--queue's path is a database number (redis://HOST:PORT/0), got '${parsed.pathname}' in '${shownUrl(url)}'`);
  if (parsed.search !== '' || parsed.hash !== '')
    throw new ProgramError(`--queue takes redis://HOST:PORT[/DB] and nothing after it, got '${shownUrl(url)}'`);
  return url;
}

/** A broker address as messages show it: its password, if it has one, is not printed (a log is read by others). */
export function shownUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** Checks a queue name: BullMQ takes any but an empty one, or one with ':' (its keys' separator). */
export function checkQueueName(name: string): string {
  if (name === '' || name.includes(':')) throw new ProgramError(`--queue-name must be a name without ':', got '${name}'`);
  return name;
}

/**
 * The BullMQ queue of one build (build.ts) on the queue `name`: a worker takes the jobs of its
 * own build only, so a worker of other code never runs a sweep's jobs, and a sweep never takes
 * a record another build made, then or from the week the broker keeps them.
 */
export function queueOfBuild(name: string, build: string): string {
  return `${name}@${build}`;
}
