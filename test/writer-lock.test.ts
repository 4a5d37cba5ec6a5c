import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tempFile } from './helpers/cli.js';

/** The compiled module (npm test builds first): a lock is let go when its process exits, so each case runs in a process of its own. */
const LOCK_MODULE = new URL('../dist/files/writer-lock.js', import.meta.url).href;

/** Runs `script` (ES module code, `lockForWriting` in scope) in a new Node process. */
function node(script: string): { status: number | null; stderr: string } {
  const code = `import { lockForWriting } from ${JSON.stringify(LOCK_MODULE)};\n${script}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('lockForWriting', () => {
  it("takes over a lock of this host that names this process's own pid (left by a killed process whose pid came round again)", () => {
    const results = tempFile('r.jsonl');
    const lock = `${results}.lock`;
    // A container's first process has the same pid on every start: the lock its killed run left names the new run's pid.
    const r = node(`
      import { writeFileSync } from 'node:fs';
      writeFileSync(${JSON.stringify(lock)}, JSON.stringify({ host: ${JSON.stringify(hostname())}, pid: process.pid, since: '2026-11-29T04:00:00.000Z' }));
      lockForWriting(${JSON.stringify(results)}, 'results file');
    `);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(existsSync(lock)).toBe(false);
  });

  it('lets go at exit only of a lock that is still its own', () => {
    const results = tempFile('r.jsonl');
    const lock = `${results}.lock`;
    const other = JSON.stringify({ host: hostname(), pid: 1, since: '2026-11-29T04:00:00.000Z' });
    // Removed by hand while its process ran, and taken by another writer: that writer's lock stays.
    const r = node(`
      import { rmSync, writeFileSync } from 'node:fs';
      lockForWriting(${JSON.stringify(results)}, 'results file');
      rmSync(${JSON.stringify(lock)});
      writeFileSync(${JSON.stringify(lock)}, ${JSON.stringify(other)});
    `);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readFileSync(lock, 'utf8')).toBe(other);
  });

  it("takes over a dead process's lock one process at a time: not while another is taking it over", () => {
    const results = tempFile('r.jsonl');
    const lock = `${results}.lock`;
    const dead = JSON.stringify({ host: hostname(), pid: deadPid(), since: '2026-11-29T04:00:00.000Z' });
    // Another process is taking it over (its guard made): this one is refused, the lock left as it is.
    writeFileSync(lock, dead);
    writeFileSync(`${lock}.takeover`, '');
    const r = node(`lockForWriting(${JSON.stringify(results)}, 'results file');`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is being written by process \d+ on /);
    expect(readFileSync(lock, 'utf8')).toBe(dead);
    // Taken over once none is, and the guard gone with it.
    rmSync(`${lock}.takeover`);
    expect(node(`lockForWriting(${JSON.stringify(results)}, 'results file');`)).toEqual({ status: 0, stderr: '' });
    expect([existsSync(lock), existsSync(`${lock}.takeover`)]).toEqual([false, false]);
  });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}
