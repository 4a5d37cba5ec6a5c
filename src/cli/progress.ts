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
/** Reports the time left is worked out over (4 a second from the engines: the last 5 s or so). */
const ETA_WINDOW = 20;

export interface ProgressDisplay {
  onProgress?: (progress: Progress) => void;
  stop(): void;
}

/** Where a bar is drawn and what clock it reads: stderr and the wall clock, but for tests. */
export interface ProgressDisplayOptions {
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  readonly now?: () => number;
}

/**
 * A bar on stderr for long runs on a terminal: the work done (rows of the compiled engine,
 * simulated cycles of the actors engine, against `expectedCycles` when the engine cannot tell
 * its total), the rate and the time left, at the rate of the last few seconds ('?' while the
 * work has not moved in them: cli-progress's own estimate had read 'NFs', its 'INF' cut to
 * two characters). `stop` takes it off the screen as it stands (it had first drawn it at 100%,
 * which an interrupted run showed) and gives the terminal its cursor back, whether the run
 * ended, failed or was interrupted.
 */
export function progressDisplay(expectedCycles: number, options: ProgressDisplayOptions = {}): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return { stop() {} };
  const now = options.now ?? (() => performance.now());
  const started = now();
  let bar: CliProgress.SingleBar | null = null;
  let unit: Progress['unit'] | null = null;
  /** The last reports, [ms, done], of the unit shown now. */
  let recent: (readonly [number, number])[] = [];
  return {
    onProgress(progress) {
      const { done, total } = progress;
      const at = now();
      // The compiled engine falls back to the actors engine, whose work is counted otherwise.
      if (progress.unit !== unit) recent = [];
      unit = progress.unit;
      recent.push([at, done]);
      if (recent.length > ETA_WINDOW) recent.shift();
      if (bar === null && at - started < SHOW_AFTER_MS) return;
      const all = Math.max(total ?? expectedCycles, done);
      const payload = {
        done: formatCount(done),
        all: formatCount(all),
        unit,
        rate: recentRate(recent),
        left: timeLeft(recent, all),
      };
      if (bar === null) {
        const { SingleBar, Presets } = cliProgress();
        bar = new SingleBar(
          {
            stream,
            format: 'simulating [{bar}] {percentage}% | {done}/{all} {unit} | {rate} {unit}/s | ETA {left}',
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
      // Stopped as it stands: clearOnComplete takes the bar off the screen whatever it reads.
      bar.stop();
      bar = null;
    },
  };
}

/** Work per millisecond over `recent`, or null when it cannot tell (fewer than two reports, no time between them). */
function perMsOver(recent: readonly (readonly [number, number])[]): number | null {
  if (recent.length < 2) return null;
  const [t0, d0] = recent[0]!;
  const [t1, d1] = recent.at(-1)!;
  const perMs = (d1 - d0) / (t1 - t0);
  return Number.isFinite(perMs) ? perMs : null;
}

/**
 * The rate shown beside the time left, over the same last reports: the average since the start
 * had counted the rows a fast-forward extrapolates at once, and read 22,000 rows/s beside an
 * ETA worked out at the 3,300 rows/s the values rows went at.
 */
export function recentRate(recent: readonly (readonly [number, number])[]): string {
  const perMs = perMsOver(recent);
  return perMs === null ? '?' : formatCount(Math.round(Math.max(0, perMs) * 1000));
}

/** The time left to `all` at the rate over `recent`: '?' when the work did not move over it. */
export function timeLeft(recent: readonly (readonly [number, number])[], all: number): string {
  const perMs = perMsOver(recent);
  if (perMs === null || !(perMs > 0)) return '?';
  return clock((all - recent.at(-1)![1]) / perMs / 1000);
}

/** Seconds as 42s, 3m05s, 2h07m. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (v: number): string => String(v).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}
