import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { formatCount } from '../reports/table.js';
import type { Progress } from '../engines/run-result.js';

/**
 * cli-progress, loaded when a bar first shows (a CommonJS package, so synchronously): the
 * 25 ms it takes to load are spared by every command that shows none (no terminal, a short run).
 */
export function cliProgress(): typeof CliProgress {
  return createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
}

/** Short runs finish before a bar would be readable. */
const SHOW_AFTER_MS = 2000;

export interface ProgressDisplay {
  onProgress?: (progress: Progress) => void;
  stop(): void;
}

/**
 * A bar on stderr for long runs on a terminal: the work done (rows of the compiled engine,
 * simulated cycles of the actors engine, against `expectedCycles` when the engine cannot tell
 * its total), the rate and the time left. `stop` takes it off the screen and gives the
 * terminal its cursor back, whether the run ended, failed or was interrupted.
 */
export function progressDisplay(expectedCycles: number): ProgressDisplay {
  if (!process.stderr.isTTY) return { stop() {} };
  const started = performance.now();
  let bar: CliProgress.SingleBar | null = null;
  return {
    onProgress({ done, total, unit }) {
      const elapsedMs = performance.now() - started;
      if (bar === null && elapsedMs < SHOW_AFTER_MS) return;
      const all = Math.max(total ?? expectedCycles, done);
      const payload = {
        done: formatCount(done),
        all: formatCount(all),
        unit,
        rate: formatCount(Math.round(done / (elapsedMs / 1000))),
      };
      if (bar === null) {
        const { SingleBar, Presets } = cliProgress();
        bar = new SingleBar(
          {
            stream: process.stderr,
            format: 'simulating [{bar}] {percentage}% | {done}/{all} {unit} | {rate} {unit}/s | ETA {eta_formatted}',
            etaBuffer: 20,
            hideCursor: true,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        );
        bar.start(all, done, payload);
      } else {
        bar.setTotal(all);
        bar.update(done, payload);
      }
    },
    stop() {
      if (bar === null) return;
      // Complete, so that clearOnComplete takes the bar off the screen, then restore the cursor.
      bar.update(bar.getTotal());
      bar.stop();
      bar = null;
    },
  };
}
