import { freemem, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { messageOf, ProgramError } from '../kernel/errors.js';

/** The handler file of every pool (esm-handler.cts): compiled CommonJS, next to this module in dist/. */
const HANDLER = new URL('./esm-handler.cjs', import.meta.url).href;

/**
 * The options of a piscina pool of `threads` long-lived threads, each running one task at a
 * time (every pool here gives each thread one task at once: the actors engine's part of the
 * units, the compiled engine's share of the board, a sweep lane's job), with the default export
 * of ES module `module` (a file URL), loaded with import() (esm-handler.cts says why).
 */
export function poolOptions(module: string, threads: number) {
  return {
    filename: HANDLER,
    workerData: { handler: module },
    execArgv: workerExecArgv(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
  } as const;
}

/**
 * The Node options for a worker thread: the process's own, inherited (undefined), unless it was
 * started with `--input-type` (`node --input-type=module -e`), with which every thread died at
 * its start. Then the options less that one, and less those a thread refuses when they are given
 * explicitly (V8's and the process's, such as --max-old-space-size, which inherited options
 * leave out silently): a thread started with them had thrown ERR_WORKER_INVALID_EXEC_ARGV.
 */
export function workerExecArgv(): string[] | undefined {
  const args = process.execArgv;
  if (!args.some((arg) => arg === '--input-type' || arg.startsWith('--input-type='))) return undefined;
  if (explicitArgv === null) {
    const kept: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--input-type') i++;
      else if (!args[i]!.startsWith('--input-type=')) kept.push(args[i]!);
    }
    explicitArgv = kept.filter((arg) => !refusedByThreads(kept).has(arg));
  }
  return explicitArgv;
}

let explicitArgv: string[] | null = null;

/** The options a worker thread refuses, as it says when one is started with them (then ended at once). */
function refusedByThreads(argv: string[]): Set<string> {
  try {
    void new Worker('', { eval: true, execArgv: argv }).terminate();
    return new Set();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Set(
      messageOf(error)
        .replace(/^[^:]*: /, '')
        .split(', '),
    );
  }
}

/**
 * What a worker thread costs: its isolate, the modules it loads and its heap's room while it
 * computes. Measured (peak RSS, `/usr/bin/time -v`, 2026-11-29): 11-13 MB each idle (`run
 * --design modified --n 64 --workers 64`: 748 MB, 56 MB at one worker), 14-20 MB each computing
 * rows (`run --design naive --n 16384 --workers 16`: 280 MB; `--design modified --n 2048 --d 256
 * --workers 8`: 253 MB). 40 MB had counted the calling thread too, which the run's cost counts
 * apart (cost.ts).
 */
export const BYTES_PER_THREAD = 24 * 1024 * 1024;

/**
 * The most a run may take: three quarters of the machine's memory (the rest is the system's
 * and Node's own), and no more than is free now.
 */
export function memoryBudget(): number {
  return Math.min(0.75 * totalmem(), freemem());
}

/**
 * Refuses, before any starts, `threads` threads whose memory this machine cannot give: 5,000
 * asked for had taken 13 GB before failing.
 */
export function refuseThreads(threads: number, budget = memoryBudget()): void {
  const bytes = threads * BYTES_PER_THREAD;
  if (bytes > budget) {
    throw new ProgramError(
      `${threads} threads need about ${gib(bytes)} of memory, more than the ${gib(budget)} this machine can give: fewer workers`,
    );
  }
}

export function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`;
}
