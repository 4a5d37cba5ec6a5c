/** The handler file of every pool (esm-handler.cts): compiled CommonJS, next to this module in dist/. */
const HANDLER = new URL('./esm-handler.cjs', import.meta.url).href;

/**
 * The options of a piscina pool of `threads` long-lived threads, each running one task at a
 * time, in the order given, with the default export of ES module `module` (a file URL),
 * loaded with import() (esm-handler.cts says why).
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
    // Tasks in the order given: without this piscina puts a task no thread can take yet at the
    // back of its queue, and a compiled run's largest values jobs, meant to go first, went last.
    stricterFIFO: true,
  } as const;
}

/**
 * The process's Node options, less what a worker thread refuses: `--input-type` (a script run
 * with `node --input-type=module -e`), with which every thread died at its start.
 */
export function workerExecArgv(): string[] {
  const kept: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--input-type') i++;
    else if (!args[i]!.startsWith('--input-type=')) kept.push(args[i]!);
  }
  return kept;
}
