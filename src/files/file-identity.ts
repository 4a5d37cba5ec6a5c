import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Links followed before a path is taken as it is (the system's own limit is 40). */
const MAX_LINKS = 40;

/**
 * The file a path leads to: an existing one through its links, a new one through its folder's,
 * and a link to a file not made yet to that file. Two paths that give one answer write one file.
 */
export function fileIdentity(path: string, links = 0): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there yet, or a link to what is not there yet.
  }
  try {
    if (links < MAX_LINKS && lstatSync(path).isSymbolicLink()) return fileIdentity(resolve(dirname(path), readlinkSync(path)), links + 1);
  } catch {
    // Nothing at all there: the folder says where it would be.
  }
  try {
    return join(realpathSync(dirname(resolve(path))), basename(path));
  } catch {
    return resolve(path);
  }
}
