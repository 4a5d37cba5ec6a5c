import { cliProgress } from './progress.js';

export interface SweepProgress {
  /** A job finished (failed: it gave no figures). */
  done(failed: boolean): void;
  stop(): void;
}

/**
 * A bar on stderr, on a terminal only: jobs done out of the sweep's, failures, and the time
 * left at the rate so far. Jobs found in the results file count as done from the start.
 */
export function sweepProgress(total: number, alreadyDone: number, enabled: boolean): SweepProgress {
  if (!enabled || !process.stderr.isTTY || total === 0) return { done() {}, stop() {} };
  let failed = 0;
  const { SingleBar, Presets } = cliProgress();
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'sweep [{bar}] {value}/{total} jobs | {failed} failed | ETA {eta_formatted}',
      etaBuffer: 16,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, alreadyDone, { failed });
  return {
    done(jobFailed) {
      if (jobFailed) failed++;
      bar.increment(1, { failed });
    },
    stop() {
      bar.stop();
    },
  };
}
