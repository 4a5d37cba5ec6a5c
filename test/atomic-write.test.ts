import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_INPUT, reportError } from '../dist/cli/errors.js';
import { FileWriteError } from '../dist/files/file-write-error.js';
import { RunAborted } from '../dist/kernel/errors.js';
import { writeFileAtomically, writeFileAtomicallyInStretches } from '../dist/files/atomic-write.js';

describe('files written whole or not at all', () => {
  it('a write stopped by its signal, or failing, leaves the old file and no temporary one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'damflow-atomic-'));
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    const controller = new AbortController();
    const stopped = writeFileAtomicallyInStretches(
      path,
      async (append, breathe) => {
        for (let i = 0; i < 100; i++) {
          append(`${i},`);
          if (i === 10) controller.abort();
          await breathe();
        }
      },
      controller.signal,
    );
    await expect(stopped).rejects.toThrow(RunAborted);
    const failed = writeFileAtomicallyInStretches(
      path,
      async (append) => {
        append('half');
        throw new Error('the maker failed');
      },
      new AbortController().signal,
    );
    await expect(failed).rejects.toThrow('the maker failed');
    expect([readFileSync(path, 'utf8'), readdirSync(dir)]).toEqual(['old', ['out.json']]);
    await writeFileAtomicallyInStretches(path, async (append, breathe) => (append('new'), breathe()), new AbortController().signal);
    writeFileAtomically(join(dir, 'b.txt'), 'whole');
    expect([readFileSync(path, 'utf8'), readFileSync(join(dir, 'b.txt'), 'utf8'), readdirSync(dir).sort()]).toEqual([
      'new',
      'whole',
      ['b.txt', 'out.json'],
    ]);
  });

  it('a folder removed before or while its file is written: one line naming the file and what happened, exit 2, nothing left', async () => {
    // As the writer names a folder: through links (macOS's /tmp is one).
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'damflow-atomic-')));
    const gone = join(dir, 'gone');
    const before = (): void => writeFileAtomically(join(gone, 'x.json'), 'text');
    expect(before).toThrow(new FileWriteError(join(gone, 'x.json'), `its folder '${gone}' does not exist`));
    mkdirSync(gone);
    const during = writeFileAtomicallyInStretches(
      join(gone, 'x.json'),
      async (append, breathe) => {
        append('half');
        rmSync(gone, { recursive: true });
        append('the rest');
        await breathe();
      },
      new AbortController().signal,
    );
    await expect(during).rejects.toThrow(`cannot write '${join(gone, 'x.json')}': its folder '${gone}' no longer exists`);
    expect(readdirSync(dir)).toEqual([]);
    // The CLI says it in one line and exits 2, as for any file it cannot write.
    const said = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(reportError(await during.catch((error: unknown) => error))).toBe(EXIT_BAD_INPUT);
      expect(said.mock.calls).toEqual([[`damflow: cannot write '${join(gone, 'x.json')}': its folder '${gone}' no longer exists`]]);
    } finally {
      said.mockRestore();
    }
  });
});
