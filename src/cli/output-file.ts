import { accessSync, closeSync, constants, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileIdentity } from '../files/file-identity.js';
import { UsageError } from './errors.js';
import { messageOf } from '../kernel/errors.js';

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
  // The file is written beside itself, then renamed over it: the folder must take new files
  // (one is made and removed: permissions alone pass /proc, which takes none).
  const refusal = refusesNewFiles(folder);
  if (refusal !== null) fail(`folder '${folder}' takes no new files (${refusal})`);
  // A link is written through; a device or a FIFO would be replaced by a file (or block): refused.
  if (existsSync(path) && !statSync(path).isFile()) fail('it is not a plain file');
  if (appended && existsSync(path) && !accessible(path)) fail('it is not writable');
}

/** checkWritable of an HTML page (`--report`, `--out`): a page written into `x.svg` opens as a broken image. */
export function checkPageWritable(path: string, what: string): void {
  if (!/\.html?$/i.test(path)) throw new UsageError(`${what} writes an HTML page: give a file ending in .html, got '${path}'`);
  checkWritable(path, what);
}

/** A file a command reads or writes, for refuseSharedFiles: `what` names it as the user gave it ('--report'). */
export interface FileRole {
  readonly path: string;
  readonly what: string;
  readonly writes: boolean;
}

/**
 * Refuses, before anything runs, one file in two roles where either writes it: an output
 * written over the command's own input (the sweep file, its results, the run it draws) loses
 * it, and two outputs in one file keep only the last. Files are compared as the system finds
 * them: through links, and `./a.json` as `a.json`.
 */
export function refuseSharedFiles(roles: readonly (FileRole | null)[]): void {
  const given = roles.filter((role): role is FileRole => role !== null);
  const seen = new Map<string, FileRole>();
  for (const role of given) {
    const identity = fileIdentity(role.path);
    const earlier = seen.get(identity);
    if (earlier !== undefined && (earlier.writes || role.writes))
      throw new UsageError(`${role.what} '${role.path}' is the same file as ${earlier.what}: give each its own file`);
    if (earlier === undefined || role.writes) seen.set(identity, role);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Why `folder` takes no new file (an error code), or null when it does. */
function refusesNewFiles(folder: string): string | null {
  const probe = join(folder, `.damflow-${process.pid}.probe`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? messageOf(error);
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
