import { closeSync, existsSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

/** Writes a whole file or nothing: a new file beside it, renamed over it (a kill leaves the old one). */
export function writeFileAtomically(path: string, text: string): void {
  writeFileAtomicallyInPieces(path, (append) => append(text));
}

/** Text held before it goes to the file, in pieces: a file too large for one string (a dump of many heads) is written as it is made. */
const HELD_CHARS = 1 << 20;

/**
 * writeFileAtomically of text made piece by piece: `write` appends every piece, in order. A
 * symbolic link is written through (its target replaced, the link kept); what is not a plain
 * file (a device, a FIFO) is refused, never replaced: /dev/null as `--trace` became a file.
 * A failure leaves no temporary file behind.
 */
export function writeFileAtomicallyInPieces(path: string, write: (append: (text: string) => void) => void): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  if (existsSync(target) && !statSync(target).isFile()) throw new Error(`'${path}' is not a plain file`);
  const temporary = `${target}.${process.pid}.tmp`;
  const file = openSync(temporary, 'w');
  try {
    try {
      let held: string[] = [];
      let chars = 0;
      const flush = (): void => {
        writeSync(file, held.join(''));
        held = [];
        chars = 0;
      };
      write((text) => {
        held.push(text);
        chars += text.length;
        if (chars >= HELD_CHARS) flush();
      });
      flush();
    } finally {
      closeSync(file);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
