import { existsSync } from 'node:fs';
import { messageOf } from '../kernel/errors.js';

/**
 * A file that could not be written, said in one line with the file's name as it was given and
 * what happened: the system's own error names the temporary file beside it, which the user
 * never gave, and a folder removed while a run wrote into it had ended in a stack trace.
 */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';

  constructor(path: string, why: string, options?: ErrorOptions) {
    super(`cannot write '${path}': ${why}`, options);
  }
}

/**
 * FileWriteError of a failure of the system while `path` was written into `folder`; `begun`:
 * once its temporary file was made (its folder was there then).
 */
export function writeFailure(path: string, folder: string, begun: boolean, error: unknown): FileWriteError {
  const code = (error as NodeJS.ErrnoException).code;
  let why: string;
  if (code === 'ENOENT' && !existsSync(folder)) why = `its folder '${folder}' ${begun ? 'no longer exists' : 'does not exist'}`;
  else if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') why = `its folder '${folder}' takes no new files (${code})`;
  else if (code === 'ENOSPC' || code === 'EDQUOT') why = `no room left on its disk (${code})`;
  else why = messageOf(error);
  return new FileWriteError(path, why, { cause: error });
}
