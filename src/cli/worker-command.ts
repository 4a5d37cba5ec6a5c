import { pointLabel } from '../sweep/axis.js';
import { DEFAULT_QUEUE_NAME, checkQueueName, checkQueueUrl, shownUrl } from '../sweep/queue-address.js';
import { arg, parsePositiveInt, parseWorkers, refuseRepeatedOptions, secretArg } from './args.js';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from './errors.js';
import { exitAfterGrace } from './exit-grace.js';
import type { Command } from 'commander';

export interface WorkerOptions {
  queue?: string;
  queueName: string;
  workers: number | 'auto';
  lockSeconds: number;
  quiet?: boolean;
}

const DEFAULT_LOCK_SECONDS = 30;

export function registerWorker(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('worker')
    .description(
      "run sweep jobs from a Redis queue on this machine's worker pool, until SIGINT or SIGTERM (any number of these, on any machines)",
    )
    .option('--queue <URL>', 'the Redis broker the sweep enqueued on (redis://HOST:PORT)', secretArg(checkQueueUrl))
    .option('--queue-name <NAME>', "BullMQ queue name (as the sweep's)", arg(checkQueueName), DEFAULT_QUEUE_NAME)
    .option('--workers <W>', "threads of the local pool, and jobs taken at once, or 'auto' (one per core)", arg(parseWorkers), 'auto')
    .option(
      '--lock-seconds <S>',
      `a job whose worker stops renewing its lock this long (killed, cut off) runs again elsewhere (default ${DEFAULT_LOCK_SECONDS})`,
      arg((v) => parsePositiveInt(v, 'lock seconds')),
      DEFAULT_LOCK_SECONDS,
    )
    .option('--quiet', 'no line per job on stderr')
    .exitOverride()
    .action(async (options: WorkerOptions) => setExit(await workerCommand(options)));
  refuseRepeatedOptions(command, []);
}

/**
 * Serves jobs until a signal, then finishes the jobs under way (their records reach the sweep)
 * and exits 0; a second signal stops at once (exit 130: those jobs run again elsewhere).
 */
export async function workerCommand(options: WorkerOptions): Promise<number> {
  const url = options.queue;
  if (url === undefined) throw new UsageError('--queue is required (redis://HOST:PORT)');
  const controller = new AbortController();
  const force = new AbortController();
  const stop = (): void => (controller.signal.aborted ? force : controller).abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const log = (text: string): void => {
    if (!options.quiet) console.error(`damflow worker ${process.pid}: ${text}`);
  };
  // BullMQ and ioredis load only here: half a second of start-up every other command is spared.
  const { serveQueue } = await import('../sweep/queue-worker.js');
  let finished: boolean;
  try {
    finished = await serveQueue({
      url,
      name: options.queueName,
      workers: options.workers,
      lockSeconds: options.lockSeconds,
      signal: controller.signal,
      force: force.signal,
      onReady: (build) =>
        log(`serving queue '${options.queueName}' on ${shownUrl(url)}: the jobs of sweeps of this build, damflow ${build}`),
      onStopping: (running) => {
        if (running > 0) log(`stopping once the ${running} job(s) under way finish (a second SIGINT or SIGTERM stops now)`);
      },
      onStart: (job) => log(`job ${job.index} started (${pointLabel(job.point, job.resolved) || 'the base configuration'})`),
      onError: (message) => log(`broker: ${message}`),
      onRecord: (r) => log(`job ${r.index} ${r.status}${r.cycles === null ? '' : `, ${r.cycles} cycles`} (${r.wallSeconds.toFixed(2)} s)`),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    exitAfterGrace();
  }
  log(finished ? 'stopped' : 'stopped at once: the jobs under way run again on another worker');
  return finished ? EXIT_OK : EXIT_INTERRUPTED;
}
