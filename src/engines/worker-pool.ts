/** The handler file of every pool (esm-handler.cts): compiled CommonJS, next to this module in dist/. */
const HANDLER = new URL('./esm-handler.cjs', import.meta.url).href;

/**
 * The options of a piscina pool of `threads` long-lived threads, each running one task at a
 * time with the default export of ES module `module` (a file URL), loaded with import()
 * (esm-handler.cts says why).
 */
export function poolOptions(module: string, threads: number) {
  return {
    filename: HANDLER,
    workerData: { handler: module },
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
  } as const;
}
