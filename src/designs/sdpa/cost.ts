import { getHeapStatistics } from 'node:v8';
import { ProgramError } from '../../kernel/errors.js';
import { Channel } from '../../kernel/channel.js';
import { coreCount } from '../../engines/actors/pool-control.js';
import { BYTES_PER_THREAD, gib, memoryBudget } from '../../engines/worker-pool.js';
import { DESIGN_DEFS, forHead } from './design.js';
import type { DesignName, ResolvedSdpaConfig } from './design.js';
import type { SdpaRunConfig } from './config.js';

/**
 * What a run will cost, estimated before it starts from the configuration alone: the memory
 * it needs at its largest, and about how long it takes. Figures per element were measured on
 * this project's 2-core machine (bench/RESULTS.md) and are rounded up; they are for refusing
 * what cannot fit and for warning about what will take long, not for planning to the second.
 */
export interface RunCost {
  readonly bytes: number;
  /** The largest part of `bytes`, and what it is, for the message. */
  readonly largest: { readonly what: string; readonly bytes: number };
  /** The part of `bytes` that lives on the JavaScript heap (objects), which has a limit of its own. */
  readonly objects: number;
  /** What the objects are and what lowers them, when not the program's: its heads. */
  readonly objectsAre?: { readonly what: string; readonly remedy: string };
  readonly seconds: number;
}

/**
 * Thread time per score element: the values (with the reference check), and the timing when
 * simulated. The values' figure is what N = 32768 took on 2 workers (31.2 s, bench/RESULTS.md:
 * two threads share this VM's cores at 1.2-1.5x, not 2x); 25 ns had estimated 4 h for a run at
 * N = 10^6 that takes 8 h or more.
 */
const VALUES_NS = 55;
const VALUES_NS_PER_D = 4;
const TIMING_NS = 80;
/**
 * Thread time per score element on the actors engine, timing only, by design: measured on this
 * VM at N = 4096 in one thread (naive 360 ns, modified 775 ns), rounded up. One figure of 700 ns
 * for both had been divided by the cores, though a head runs in one thread.
 */
const ACTORS_NS: Readonly<Record<DesignName, number>> = { naive: 400, modified: 850 };
/** A head's own cost in this thread, whatever its N: its program, its twin's timing and its statistics (10,000 heads at N = 16 take 7-8 s). */
const HEAD_SECONDS = 1e-3;
/**
 * A compiled timing with fast-forward, in rows of timing per head, by design: what it simulates
 * before its state repeats or its drift is proved, and the proof's own work. Measured
 * (`run --timing-only`, one thread, this VM, 2026-11-29): modified N = 4,194,304 1.85 s, about
 * 5 rows' worth; naive N = 1M, 2M and 4M 5.7 s, 10.3 s and 19.8 s, about 60 rows' worth (28
 * simulated, and the drift proof counting the peaks of about 32N elements). One figure of 40
 * had estimated naive N = 8M at 27 s, which takes about 40 s.
 */
const TIMING_ROWS: Readonly<Record<DesignName, number>> = { naive: 64, modified: 8 };
/**
 * The memory of a naive timing's drift proof per score row (its logs of margins and instants):
 * 110, 148 and 200 MB of peak RSS at N = 1M, 2M and 4M, timing only, about 32 B a row; 48 with
 * a margin, as the refusal should err towards refusing.
 */
const DRIFT_PROOF_BYTES_PER_ROW = 48;
/** What a head costs in objects (its units, channels and statistics), and what a thread costs to start. */
const BYTES_PER_HEAD = 24 * 1024;
/** The parts of a run's memory whose refusal says more than "lower N, d or heads". */
const THREADS = 'the threads';
const OUTPUTS = 'the outputs';
const DRIFT_PROOFS = 'the drift proofs';

export function estimateCost(config: ResolvedSdpaConfig, run: SdpaRunConfig): RunCost {
  const { n, d, heads } = config;
  const timingOnly = run.timingOnly ?? false;
  const actors = run.engine === 'actors';
  const workers = run.workers === 'auto' || run.workers === undefined ? coreCount() : run.workers;
  const matrix = n * d * 8;
  const parts: { what: string; bytes: number }[] = [
    { what: 'the program and its statistics', bytes: heads * BYTES_PER_HEAD },
    // The compiled engine starts every thread asked for; the actors engine no more than it has units.
    { what: THREADS, bytes: (actors ? Math.min(workers, heads * n) : workers) * BYTES_PER_THREAD },
  ];
  if (!timingOnly) parts.push({ what: OUTPUTS, bytes: heads * matrix });
  // Each thread computing values keeps a head's Q, K and V (and a few more for the next heads).
  if (!timingOnly || actors) parts.push({ what: 'Q, K and V of the heads being computed', bytes: Math.min(workers, heads) * 6 * matrix });
  if (actors) parts.push({ what: 'the channel buffers', bytes: heads * actorBuffers(config) });
  // Each thread proves one head's drift at a time.
  else if (config.design === 'naive' && run.fastForward !== false)
    parts.push({ what: DRIFT_PROOFS, bytes: Math.min(workers, heads) * n * DRIFT_PROOF_BYTES_PER_ROW });
  const bytes = parts.reduce((sum, p) => sum + p.bytes, 0);
  const largest = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));

  const elements = heads * n * n;
  // The actors engine keeps each head in one thread ('auto' never cuts one: an SDPA head has too
  // few channels for a cut to pay, simulate.ts's place), so no more threads than heads work at
  // once; more workers than heads cut heads, whose crossing tokens cost more than they save.
  const threads = Math.max(1, Math.min(workers, coreCount(), actors ? heads : Infinity));
  // On the actors engine the outputs are checked after the run, head after head, in the calling thread.
  const values = timingOnly ? 0 : (elements * (VALUES_NS + VALUES_NS_PER_D * d)) / (actors ? 1 : threads);
  const timingRows = run.fastForward === false ? n : Math.min(n, TIMING_ROWS[config.design]);
  const timing = actors ? (elements * ACTORS_NS[config.design]) / threads : (heads * timingRows * n * TIMING_NS) / Math.min(threads, heads);
  return { bytes, largest, objects: parts[0]!.bytes, seconds: (values + timing) / 1e9 + heads * HEAD_SECONDS };
}

/**
 * A timeline's events (spans and occupancy samples) per score element of a head, by design:
 * measured with the published FIFOs at N = 64-256 (naive 9.9-10.0, modified 22.1-22.2), with
 * room for stalls; and its memory per event while it is recorded and written: 8,000,000
 * events (modified N = 2048) took 1.0 GB of peak RSS, 2,000,000 440 MB, about 120 B each.
 */
const TIMELINE_EVENTS_PER_ELEMENT: Readonly<Record<DesignName, number>> = { naive: 12, modified: 24 };
const TIMELINE_BYTES_PER_EVENT = 128;
const TIMELINE = 'the timeline';

/**
 * The cost of recording a configuration's timeline (`--trace`, `--report`): the actors run in
 * this thread, and the timeline, at most `maxEvents` events and no more than the run makes.
 * A cap of 100,000,000 events had been taken at its word: a long run's trace grew towards 12 GB.
 */
export function timelineCost(config: ResolvedSdpaConfig, maxEvents: number): RunCost {
  const run = estimateCost(config, { ...config, engine: 'actors', workers: 1 });
  const events = Math.min(maxEvents, TIMELINE_EVENTS_PER_ELEMENT[config.design] * config.heads * config.n * config.n);
  const timeline = { what: TIMELINE, bytes: events * TIMELINE_BYTES_PER_EVENT };
  // Its events are objects on this thread's JavaScript heap, as the program's are.
  return {
    ...run,
    bytes: run.bytes + timeline.bytes,
    largest: timeline.bytes > run.largest.bytes ? timeline : run.largest,
    objects: run.objects + timeline.bytes,
    objectsAre: { what: "this run's program and timeline", remedy: `${remedy(TIMELINE)}, or fewer heads` },
  };
}

/** A run longer than this by estimate gets a note before it starts. */
export const LONG_RUN_SECONDS = 60;

/** A head's channel buffers on the actors engine: each channel's ring, as the kernel sizes it. */
function actorBuffers(config: ResolvedSdpaConfig): number {
  let bytes = 0;
  for (const c of DESIGN_DEFS[config.design].channels) {
    const capacity = forHead(config.depth, 0, c.name) ?? Infinity;
    const width = c.vector ? config.d : 1;
    bytes += Channel.slotsFor({ name: c.name, capacity, sendLatency: 1, responseLatency: 1, width }) * (3 + width) * 8;
  }
  return bytes;
}

/** The most the JavaScript heap can hold of a run's objects (its program and statistics), with room for the rest. */
export function heapBudget(): number {
  const heap = getHeapStatistics();
  return 0.6 * (heap.heap_size_limit - heap.used_heap_size);
}

/** Refuses, before it starts, a run that cannot fit in memory, with the estimate. */
export function refuseWhatCannotFit(cost: RunCost, budget = memoryBudget()): void {
  if (cost.objects > heapBudget()) {
    const { what, remedy } = cost.objectsAre ?? { what: "this run's program and statistics", remedy: 'fewer heads' };
    throw new ProgramError(
      `${what} need about ${gib(cost.objects)} of JavaScript heap, more than the ${gib(heapBudget())} it can give: ${remedy} (or a larger --max-old-space-size)`,
    );
  }
  if (cost.bytes <= budget) return;
  throw new ProgramError(
    `this run needs about ${gib(cost.bytes)} of memory (${cost.largest.what}: ${gib(cost.largest.bytes)}), more than the ${gib(budget)} this machine can give: ${remedy(cost.largest.what)}`,
  );
}

/** What lowers a run's largest part. */
function remedy(largest: string): string {
  if (largest === THREADS) return 'fewer workers';
  if (largest === TIMELINE) return 'a smaller --trace-max-events, or a --trace-window';
  // A proof's logs grow with N alone, one per thread at a time: d and the heads beyond the workers add nothing.
  if (largest === DRIFT_PROOFS) return 'lower N (or, with several heads, fewer workers)';
  return `lower N, d or heads${largest === OUTPUTS ? ', or ask for --timing-only' : ''}`;
}

/** A duration as people say it: 40 s, 12 min, 3.5 h, 2.1 days, 4 years. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds < 365 * 86400) return `${(seconds / 86400).toFixed(1)} days`;
  return `${(seconds / (365 * 86400)).toPrecision(2)} years`;
}
