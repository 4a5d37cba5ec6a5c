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

/** The longest a test's command may take: the suite's longest takes about 20 s on 2 cores. */
const COMMAND_LIMIT_MS = 180_000;

/** Runs the CLI as a user would: exit code and both streams. */
export function damflow(...args: string[]): Ran {
  return damflow.withInput('', ...args);
}

/** Runs the CLI with `input` on its standard input (a pipe, not a terminal). */
damflow.withInput = (input: string, ...args: string[]): Ran => {
  // spawnSync holds the test's thread, so vitest's own timeout cannot fire: a command that ran
  // away (one did, looping over 10^8 heads) had hung the suite. Killed outright: a busy main
  // thread never runs the CLI's SIGTERM handler.
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', input, timeout: COMMAND_LIMIT_MS, killSignal: 'SIGKILL' });
  if (r.signal === 'SIGKILL') throw new Error(`damflow ${args.join(' ')} ran past ${COMMAND_LIMIT_MS / 1000} s and was killed`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The CLI through test/fixtures/measured-cli.mjs, which says the process's peak resident memory as it exits. */
const MEASURED = fileURLToPath(new URL('../fixtures/measured-cli.mjs', import.meta.url));

/**
 * Runs the CLI as `damflow` does, with `node` options before it (`--max-old-space-size=256`),
 * and measures its peak resident memory in bytes, worker threads included (null when it died
 * before it could say).
 */
export function measuredDamflow(node: readonly string[], ...args: string[]): Ran & { peakRss: number | null } {
  const r = spawnSync(process.execPath, [...node, MEASURED, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    // The JSON of thousands of heads is megabytes: past maxBuffer (1 MiB) the child is killed.
    maxBuffer: 1 << 28,
    timeout: COMMAND_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  if (r.signal === 'SIGKILL') throw new Error(`damflow ${args.join(' ')} ran past ${COMMAND_LIMIT_MS / 1000} s and was killed`);
  const said = String(r.output[3] ?? '');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, peakRss: said === '' ? null : Number(said) };
}

export function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'damflow-')), name);
}
