import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
