import { renameSync, writeFileSync } from 'node:fs';

/** Writes a whole file or nothing: a new file beside it, renamed over it (a kill leaves the old one). */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
