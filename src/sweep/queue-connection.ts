import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { messageOf, ProgramError } from '../kernel/errors.js';

/** How long the first contact with the broker may take before the address is taken to be wrong. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * A Redis connection for BullMQ, once the broker's port has answered: an address where nothing
 * listens is one line at the start (ProgramError), not a sweep that waits for ever. (A plain
 * TCP probe: an ioredis client that failed to connect keeps the process alive two more seconds.)
 * The connection has `maxRetriesPerRequest: null`, which BullMQ requires of a worker's
 * blocking connection, so a command waits out a broker restart.
 */
export async function redisConnection(url: string): Promise<Redis> {
  const { hostname, port } = new URL(url);
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
    throw new ProgramError(`cannot reach the broker at ${url}: ${messageOf(error)}`);
  }
  return new Redis(url, { maxRetriesPerRequest: null });
}
