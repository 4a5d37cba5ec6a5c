import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomically, writeFileAtomicallyInStretches } from '../files/atomic-write.js';
import { UsageError } from './errors.js';
import { messageOf, RunAborted } from '../kernel/errors.js';

/**
 * Refuses, before any run, a file a command writes only once its runs are done (`what` says
 * which, as in '--dump'): found unwritable at the end, the whole run's result would be lost.
 * What exists there must be a plain file (or a link to one); with `appended`, a file written in
 * place as it grows (a results file), a writable one.
 */
export function checkWritable(path: string, what: string, { appended = false } = {}): void {
  if (path === '') throw new UsageError(`${what} needs a file name`);
  const folder = dirname(resolve(path));
  const fail = (why: string): never => {
    throw new UsageError(`cannot write ${what} '${path}': ${why}`);
  };
  if (!isDirectory(folder)) fail(`folder '${folder}' does not exist`);
  if (isDirectory(path)) fail('it is a folder; give a file name');
  // The file is written beside itself, then renamed over it: the folder must take new files.
  if (!accessible(folder)) fail(`folder '${folder}' is not writable`);
  // A link is written through; a device or a FIFO would be replaced by a file (or block): refused.
  if (existsSync(path) && !statSync(path).isFile()) fail('it is not a plain file');
  if (appended && existsSync(path) && !accessible(path)) fail('it is not writable');
}

/** Writes a whole file or nothing (writeFileAtomically); a failure is the user's to fix: one line. */
export function writeAtomically(path: string, text: string): void {
  try {
    writeFileAtomically(path, text);
  } catch (error) {
    throw new UsageError(`cannot write '${path}': ${messageOf(error)}`);
  }
}

/** writeAtomically of a file made in stretches (writeFileAtomicallyInStretches), which `signal` can stop (RunAborted). */
export async function writeAtomicallyInStretches(
  path: string,
  write: (append: (text: string) => void, breathe: () => Promise<void>) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  try {
    await writeFileAtomicallyInStretches(path, write, signal);
  } catch (error) {
    if (error instanceof RunAborted) throw error;
    throw new UsageError(`cannot write '${path}': ${messageOf(error)}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function accessible(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
