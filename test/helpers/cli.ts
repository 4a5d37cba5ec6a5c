import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI (npm test builds first). */
export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: exit code and both streams. */
export function damflow(...args: string[]): Ran {
  return damflow.withInput('', ...args);
}

/** Runs the CLI with `input` on its standard input (a pipe, not a terminal). */
damflow.withInput = (input: string, ...args: string[]): Ran => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

export function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'damflow-')), name);
}
