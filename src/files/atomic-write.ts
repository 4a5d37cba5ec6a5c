import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

/** Writes a whole file or nothing: a new file beside it, renamed over it (a kill leaves the old one). */
export function writeFileAtomically(path: string, text: string): void {
  writeFileAtomicallyInPieces(path, (append) => append(text));
}

/** Text held before it goes to the file, in pieces: a file too large for one string (a dump of many heads) is written as it is made. */
const HELD_CHARS = 1 << 20;

/** writeFileAtomically of text made piece by piece: `write` appends every piece, in order. */
export function writeFileAtomicallyInPieces(path: string, write: (append: (text: string) => void) => void): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = openSync(temporary, 'w');
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
  renameSync(temporary, path);
}
