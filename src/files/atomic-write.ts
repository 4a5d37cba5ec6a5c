import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunAborted } from '../kernel/errors.js';
import { fileIdentity } from './file-identity.js';
import { FileWriteError, writeFailure } from './file-write-error.js';

/**
 * Writes a whole file or nothing: a new file beside it, renamed over it (a kill leaves the old
 * one). A failure of the system (its folder removed meanwhile, a full disk) is a FileWriteError
 * and leaves no temporary file.
 */
export function writeFileAtomically(path: string, text: string): void {
  const file = new AtomicFile(path);
  try {
    file.append(text);
    file.commit();
  } catch (error) {
    file.abandon();
    throw error;
  }
}

/** Text held before it goes to the file, in pieces: a file too large for one string (a dump of many heads) is written as it is made. */
const HELD_CHARS = 1 << 20;

/**
 * writeFileAtomically of text made piece by piece (`append`, in order), for a file that takes
 * seconds to make (a trace of millions of events, a dump of many heads): `write` calls
 * `breathe()` now and then, which lets signals in and, once `signal` has aborted, throws
 * RunAborted: the file is then not written at all.
 */
export async function writeFileAtomicallyInStretches(
  path: string,
  write: (append: (text: string) => void, breathe: () => Promise<void>) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const file = new AtomicFile(path);
  const breathe = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw new RunAborted('writing interrupted');
  };
  try {
    await write((text) => file.append(text), breathe);
    file.commit();
  } catch (error) {
    file.abandon();
    throw error;
  }
}

/**
 * A file written beside its name and renamed over it once whole. A symbolic link is written
 * through (its target replaced, the link kept); what is not a plain file (a device, a FIFO) is
 * refused, never replaced: /dev/null as `--trace` became a file.
 */
class AtomicFile {
  private readonly path: string;
  private readonly target: string;
  private readonly temporary: string;
  private readonly fd: number;
  private held: string[] = [];
  private chars = 0;
  private closed = false;

  constructor(path: string) {
    this.path = path;
    // Through links, one not yet leading to a file too: renamed over, the link itself would go.
    this.target = fileIdentity(path);
    if (existsSync(this.target) && !statSync(this.target).isFile()) throw new FileWriteError(path, 'it is not a plain file');
    this.temporary = `${this.target}.${process.pid}.tmp`;
    try {
      this.fd = openSync(this.temporary, 'w');
    } catch (error) {
      throw writeFailure(path, dirname(this.target), false, error);
    }
  }

  append(text: string): void {
    this.held.push(text);
    this.chars += text.length;
    if (this.chars >= HELD_CHARS) this.flush();
  }

  commit(): void {
    this.flush();
    this.close();
    this.system(() => renameSync(this.temporary, this.target));
  }

  /** Leaves no temporary file behind. */
  abandon(): void {
    try {
      this.close();
      rmSync(this.temporary, { force: true });
    } catch {
      // The failure that brought the file here is the one to tell.
    }
  }

  private flush(): void {
    this.system(() => writeSync(this.fd, this.held.join('')));
    this.held = [];
    this.chars = 0;
  }

  private close(): void {
    if (!this.closed) {
      this.closed = true;
      this.system(() => closeSync(this.fd));
    }
  }

  /** A call to the system once the temporary file is made: its failure said as the file's. */
  private system(call: () => void): void {
    try {
      call();
    } catch (error) {
      throw writeFailure(this.path, dirname(this.target), true, error);
    }
  }
}
