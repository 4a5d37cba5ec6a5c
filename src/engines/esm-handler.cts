/**
 * The handler file of every piscina pool (worker-pool.ts): it loads the ES module named in
 * `workerData.handler` with import() and runs its default export on each task.
 *
 * Why not hand piscina the module itself: piscina loads a handler with require(), which on
 * Node 20 loads an ES module synchronously, and a thread terminated while that load
 * instantiates the module graph aborts the whole process ("FATAL ERROR: v8::Module::IsGraphAsync
 * must be used on an instantiated module", test/pool.test.ts). A pool is destroyed while a
 * thread may still be loading whenever a run ends before every thread has started: more
 * threads than jobs, a deadlock found at once, an interrupt. import() stops cleanly.
 */
import { workerData } from 'node:worker_threads';

type Handler = (task: unknown) => unknown;

// Started with the thread, as piscina's own load was; the first task waits for it.
const handler: Promise<Handler> = import((workerData as { handler: string }).handler).then((m: { default: Handler }) => m.default);
// A load that fails is the first task's error; a thread that gets no task must not die of it.
handler.catch(() => undefined);

export = async function runTask(task: unknown): Promise<unknown> {
  return (await handler)(task);
};
