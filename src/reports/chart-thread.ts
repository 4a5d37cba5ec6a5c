import { runAborted } from '../engines/interruption.js';
import { fanOut } from '../engines/fan-out.js';
import { poolOptions } from '../engines/worker-pool.js';
import type { Piscina } from 'piscina';
import type { TopLevelSpec } from 'vega-lite';

/** The pool runs compiled JavaScript: the worker module sits next to this one in dist/. */
const CHART_WORKER = new URL('./chart-worker.js', import.meta.url).href;

/** The chart thread, once a chart has been asked for; kept for the charts that follow (a report draws one a channel). */
let thread: Piscina<TopLevelSpec, string> | null = null;

/**
 * A Vega-Lite chart as SVG (chartSvg), drawn in a thread of its own. In the calling thread,
 * Vega's load (about half a second: its CommonJS modules are read and compiled in one go) and
 * each chart's compile and render ran without a break, and a SIGINT waited for them (`damflow
 * demo` as it drew its chart: 0.7-1 s under load). An abort of `signal` ends the thread where
 * it is, and the chart rejects with RunAborted; a command that ends without one takes the
 * thread with it, since an idle thread keeps nothing alive.
 */
export async function drawChart(spec: TopLevelSpec, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw runAborted(signal, 'chart interrupted');
  if (thread === null) {
    const { Piscina } = await import('piscina');
    thread = new Piscina<TopLevelSpec, string>(poolOptions(CHART_WORKER, 1));
  }
  const drawing = thread;
  if (signal === undefined) return drawing.run(spec);
  let release = (): void => undefined;
  const stopped = new Promise<never>((_, reject) => {
    release = fanOut(signal, 'abort', () => reject(runAborted(signal, 'chart interrupted')));
  });
  try {
    return await Promise.race([drawing.run(spec), stopped]);
  } catch (error) {
    if (signal.aborted && thread === drawing) {
      thread = null;
      await drawing.destroy();
    }
    throw error;
  } finally {
    release();
  }
}
