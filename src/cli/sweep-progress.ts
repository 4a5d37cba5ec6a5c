import { cliProgress, timeLeft } from './progress.js';
import type { ProgressDisplayOptions } from './progress.js';

export interface SweepProgress {
  /** A job finished (failed: it gave no figures). */
  done(failed: boolean): void;
  stop(): void;
}

/**
 * A bar on stderr, on a terminal only: jobs done out of the sweep's, failures, and the time
 * left at the rate so far ('?' until a job of this run has finished: cli-progress's own
 * estimate read 'ETA 0s' then, for a sweep whose first job takes minutes). Jobs found in the
 * results file count as done from the start, not towards the rate.
 */
export function sweepProgress(total: number, alreadyDone: number, enabled: boolean, options: ProgressDisplayOptions = {}): SweepProgress {
  const stream = options.stream ?? process.stderr;
  if (!enabled || stream.isTTY !== true || total === 0) return { done() {}, stop() {} };
  const now = options.now ?? (() => performance.now());
  const started = now();
  let failed = 0;
  let value = alreadyDone;
  const left = (): string =>
    timeLeft(
      [
        [started, alreadyDone],
        [now(), value],
      ],
      total,
    );
  const { SingleBar, Presets } = cliProgress();
  const bar = new SingleBar(
    {
      stream,
      format: 'sweep [{bar}] {value}/{total} jobs | {failed} failed | ETA {left}',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, alreadyDone, { failed, left: left() });
  return {
    done(jobFailed) {
      if (jobFailed) failed++;
      value++;
      bar.update(value, { failed, left: left() });
    },
    stop() {
      bar.stop();
    },
  };
}
