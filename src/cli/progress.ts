import cliProgress from 'cli-progress';
import type { Progress } from '../engines/actors/single-thread-executor.js';

/** Short runs finish before a bar would be readable. */
const SHOW_AFTER_MS = 2000;

export interface ProgressDisplay {
  onProgress?: (progress: Progress) => void;
  stop(): void;
}

/**
 * A bar on stderr for long runs on a terminal, with simulated cycles/s and an ETA against
 * `expectedCycles` (an estimate: heads run side by side in simulated time).
 */
export function progressDisplay(expectedCycles: number): ProgressDisplay {
  if (!process.stderr.isTTY) return { stop() {} };
  const started = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    onProgress({ cycles }) {
      const elapsedMs = performance.now() - started;
      if (bar === null && elapsedMs < SHOW_AFTER_MS) return;
      const total = Math.max(expectedCycles, cycles);
      const payload = { rate: Math.round(cycles / (elapsedMs / 1000)).toLocaleString('en-US') };
      if (bar === null) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'simulating [{bar}] {percentage}% | {value}/{total} cycles | {rate} cycles/s | ETA {eta_formatted}',
            etaBuffer: 20,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, cycles, payload);
      } else {
        bar.setTotal(total);
        bar.update(cycles, payload);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
