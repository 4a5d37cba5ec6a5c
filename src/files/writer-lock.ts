import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ProgramError, messageOf } from '../kernel/errors.js';

/** Who holds a lock: the lock file's one line. */
interface Holder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

/**
 * Makes this process the one writer of `path` (`what` names it in the refusal): `PATH.lock`,
 * made only where none is (O_EXCL, which NFS keeps too), holds this host and process until it
 * exits (a command writes its file to the end). A second writer would interleave its lines with the
 * first's (two sweeps of one file wrote every record twice): it is refused in one line. A lock
 * left by a process that died on this host is taken over; one of another host is said to be
 * removed by hand once no process there writes the file (no process of another host can be
 * seen from here).
 */
export function lockForWriting(path: string, what: string): void {
  const lock = `${path}.lock`;
  const me: Holder = { host: hostname(), pid: process.pid, since: new Date().toISOString() };
  const refuse = (holder: Holder | null): never => {
    const who = holder === null ? 'another process' : `process ${holder.pid} on ${holder.host} (since ${holder.since})`;
    throw new ProgramError(
      `${what} '${path}' is being written by ${who}: one process at a time writes it; wait for that one, or give this one another file (if no such process runs, remove '${lock}')`,
    );
  };
  let fd = created(lock);
  if (fd === null) {
    const left = readOrNull(lock);
    const holder = holderOf(left);
    // This process's own pid names a lock it never took (a command locks its file once): one left
    // by a process killed before this one got its pid again, as a container's first process does.
    if (holder === null || holder.host !== me.host || (holder.pid !== me.pid && alive(holder.pid))) refuse(holder);
    // Left by a process of this host that died (a kill): taken over.
    fd = takenOver(lock, left) ?? refuse(holderOf(readOrNull(lock)));
  }
  const line = `${JSON.stringify(me)}\n`;
  writeSync(fd, line);
  closeSync(fd);
  // Only while it is still this one's: a lock removed by hand meanwhile may be another writer's now.
  process.once('exit', () => {
    if (readOrNull(lock) === line) rmSync(lock, { force: true });
  });
}

/**
 * A new lock in place of `left`, a dead process's lock, or null where another process takes it
 * over first: two that found it at once had each removed it and made their own, and both wrote
 * the file (1 of 20 trials of four at once). `LOCK.takeover`, made only where none is, lets one
 * at a time look again and replace it.
 */
function takenOver(lock: string, left: string | null): number | null {
  const guard = `${lock}.takeover`;
  const guarding = created(guard);
  if (guarding === null) return null;
  try {
    if (readOrNull(lock) !== left) return null;
    rmSync(lock, { force: true });
    return created(lock);
  } finally {
    closeSync(guarding);
    rmSync(guard, { force: true });
  }
}

/** A new lock file's descriptor, or null where one is already there. */
function created(lock: string): number | null {
  try {
    return openSync(lock, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw new ProgramError(`cannot make lock file '${lock}': ${messageOf(error)}`);
  }
}

function readOrNull(lock: string): string | null {
  try {
    return readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
}

/** Who a lock's text names, or null (none, or not a lock's line). */
function holderOf(text: string | null): Holder | null {
  try {
    const holder = JSON.parse(text ?? '') as Partial<Holder>;
    return typeof holder.host === 'string' && typeof holder.pid === 'number' && typeof holder.since === 'string'
      ? (holder as Holder)
      : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
