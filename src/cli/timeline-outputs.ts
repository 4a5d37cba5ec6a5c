import { interruption } from '../engines/interruption.js';
import { writeChromeTrace } from '../reports/chrome-trace.js';
import { resultTitle } from '../reports/result-title.js';
import { formatCount } from '../reports/table.js';
import { writeFileAtomically } from '../files/atomic-write.js';
import { recordSdpaTimeline } from './trace-options.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { ReportRun } from '../reports/report-page.js';
import type { TraceOptions } from './trace-options.js';

export interface TimelineOutputs extends TraceOptions {
  /** A Trace Event Format file (Perfetto, chrome://tracing). */
  trace?: string;
  /** A self-contained HTML report. */
  report?: string;
}

/**
 * Records the run's timeline once (bounded by the trace options) and writes the trace and the
 * report asked for. SIGINT or SIGTERM meanwhile stops it (RunAborted) before a page is written.
 */
export async function writeTimelineOutputs(
  run: ReportRun & { readonly config: ResolvedSdpaConfig },
  options: TimelineOutputs,
): Promise<void> {
  if (options.trace === undefined && options.report === undefined) return;
  const stopping = interruption({ interruptible: true });
  try {
    const timeline = await recordSdpaTimeline(run.config, options);
    // A window from the run's last cycle on holds no span either: only the instants at that cycle.
    if (run.cycles !== null && timeline.start >= run.cycles) {
      const when = timeline.start > run.cycles ? `after the run ended at ${formatCount(run.cycles)}` : 'where the run ended';
      console.error(
        `damflow: the timeline window starts at cycle ${formatCount(timeline.start)}, ${when}: it holds only each channel's final occupancy`,
      );
    }
    const title = resultTitle(run.config);
    if (options.trace !== undefined) await writeChromeTrace(options.trace, timeline, { title, config: run.config }, stopping.signal);
    if (options.report === undefined) return;
    // Vega takes about half a second to load: only a command that writes a report pays for it.
    const { reportPage } = await import('../reports/report-page.js');
    writeFileAtomically(options.report, await reportPage({ title, runs: [run], timeline, signal: stopping.signal }));
  } finally {
    stopping.release();
  }
}
