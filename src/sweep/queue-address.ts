import { ProgramError } from '../kernel/errors.js';

/** The queue every sweep and worker share unless told otherwise: a worker serves whichever sweep enqueued. */
export const DEFAULT_QUEUE_NAME = 'damflow-sweep';

/** Checks a broker address: redis://HOST:PORT (or rediss:// for TLS), with an optional /DB. */
export function checkQueueUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const port = /^rediss?:\/\/[^/:]*:(\d+)(\/|$)/.exec(url)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new ProgramError(`--queue's port must be at most 65535, got ${port} in '${url}'`);
    throw new ProgramError(`--queue must be a URL such as redis://HOST:PORT, got '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ProgramError(`--queue must be a redis:// or rediss:// URL, got '${url}'`);
  if (parsed.hostname === '') throw new ProgramError(`--queue names no host: '${url}'`);
  return url;
}

/** Checks a queue name: BullMQ takes any but an empty one, or one with ':' (its keys' separator). */
export function checkQueueName(name: string): string {
  if (name === '' || name.includes(':')) throw new ProgramError(`--queue-name must be a name without ':', got '${name}'`);
  return name;
}
