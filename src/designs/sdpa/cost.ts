import { getHeapStatistics } from 'node:v8';
import { ProgramError } from '../../kernel/errors.js';
import { Channel } from '../../kernel/channel.js';
import { coreCount } from '../../engines/actors/pool-control.js';
import { BYTES_PER_THREAD, gib, memoryBudget } from '../../engines/worker-pool.js';
import { DESIGN_DEFS, forHead, resolveSdpaConfig, splitHeadScoped } from './design.js';
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
  /** What needs `bytes`, as the refusal says it: 'this run needs', unless said. */
  readonly needs?: string;
  readonly seconds: number;
}

/**
 * Thread time per score element: the values (with the reference check), and the timing when
 * simulated. The values' figure is what N = 32768 took on 2 workers (31.2 s, bench/RESULTS.md:
 * two threads share this VM's cores at 1.2-1.5x, not 2x); 25 ns had estimated 4 h for a run at
 * N = 10^6 that takes 8 h or more.
 */
const VALUES_NS = 55;
/**
 * And per unit of d: 6.2-7.1 ns of one thread on a quiet VM (`run --workers 1`, 2026-11-29:
 * modified N = 1024, d = 1024 6.9 s; naive N = 2048, d = 256 6.7 s; modified N = 64, d =
 * 262,144 7.6 s), 10 ns under load (N = 64, d = 10^6: 41 s). 4 ns had estimated that last at 8 s.
 */
const VALUES_NS_PER_D = 10;
const TIMING_NS = 80;
/**
 * Thread time per score element on the actors engine, timing only, by design: measured on this
 * VM at N = 4096 in one thread (naive 360 ns, modified 775 ns), rounded up. One figure of 700 ns
 * for both had been divided by the cores, though a head runs in one thread.
 */
const ACTORS_NS: Readonly<Record<DesignName, number>> = { naive: 400, modified: 850 };
/**
 * A head's own cost in this thread, whatever its N: its program, its twin's timing and its
 * statistics (10,000 heads at N = 16 take 7-8 s); on the actors engine its contexts and
 * channels, by design (3,000 heads at N = 16, one worker, a quiet VM: naive 2.4 s, modified
 * 6.2 s, where 1 ms a head had estimated 3.3 and 3.7 s).
 */
const HEAD_SECONDS = 1e-3;
const ACTORS_HEAD_SECONDS: Readonly<Record<DesignName, number>> = { naive: 1e-3, modified: 2.5e-3 };
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
/**
 * The naive design's K and V are FIFOs N^2 deep, past any ring: the timing keeps their dequeue
 * instants as arithmetic runs (TimeRuns), a few a row while no FIFO downstream fills at
 * irregular instants. Where one does (a capacity, latency or II other than the published ones:
 * `--depth div=3`, `--depth short=5`, `--latency div=20`), about one run per few elements, and
 * none is dropped: 19-25 B per score element simulated, on the actors engine or without
 * fast-forward (div=3, compiled without fast-forward: 171-194, 418 and 1,344 MiB at N = 2048,
 * 4096 and 8192, where the published capacities take 67 MiB; actors N = 4096: 481 MiB; N =
 * 65,536 grew to 23 GB and was killed by the system). Counted at 32: at 24 the estimate of N =
 * 2048, 192 MiB, fell below a peak of 194 in a CI run (the collector's timing). With fast-forward, its 28-44 simulated rows and
 * their drift proof, up to 12 KB per N (div=1: 802 MiB at N = 65,536, 2.9 GiB at N = 262,144;
 * div=3, short=2 and latency div=20 at N = 262,144: 1.3-1.5 GiB). Counted where the
 * configuration may do so: none of it had been, as the engine keeps these runs.
 */
const IRREGULAR_BYTES_PER_ELEMENT = 32;
const IRREGULAR_BYTES_PER_ROW = 12 * 1024;
/**
 * Node, damflow's modules and the calling thread, with its heap's room to grow: 56-61 MB of peak
 * RSS at N = 64 on one worker, either design and engine, and up to 77 MB where the run's own
 * memory stays small (naive N = 65,536 timing only; N = 4,096 and 16,384 with values).
 * Measured, as every figure here, with `/usr/bin/time -v node dist/cli/main.js run ...` on
 * this project's 2-core VM (2026-11-29). Only a pool's threads (BYTES_PER_THREAD) come on top.
 */
const PROCESS_BYTES = 96 * 2 ** 20;
/**
 * What a head costs on the compiled engine: its program, its timing's objects and its
 * statistics. In memory, as peak RSS: 25-45 KB a head (N = 16, one worker: 2,000 heads 146 MB,
 * 10,000 heads 408 MB, 20,000 689 MB, 60,000 1.58 GB; the fewer heads, the more of it is the
 * collector's room); 24 KB had been counted. In the JavaScript heap, what its limit must hold:
 * 22-30 KB a head before a collection (4,000 heads, `--trace-gc`), and 7,000 heads ran in a heap
 * of 304 MB (`node --max-old-space-size=256`), where the check below allows 7,300.
 */
const BYTES_PER_HEAD = 48 * 1024;
const OBJECTS_PER_HEAD = 24 * 1024;
/**
 * The same on the actors engine, whose heads are contexts and channels with their own rings
 * (beside those, counted apart: actorBuffers). As peak RSS at N = 16: 58-76 KB a head in this
 * thread (modified: 1,000 heads 154 MiB, 10,000 856 MiB), and on a pool, where the threads hold
 * the contexts and this one the program, 91-120 KB (modified on two workers: 300 heads 145 MiB,
 * 1,000 261 MiB, 3,000 435 MiB, 10,000 1,059 MiB). In the heap, 50-59 KB a head before a
 * collection (4,000 heads, one worker). Counted at 24 KB, 6,500 modified heads (N = 4) were let
 * into a heap of 304 MB (`node --max-old-space-size=256`) and aborted V8 (signal 6) after 11 s.
 */
const ACTORS_BYTES_PER_HEAD = 96 * 1024;
const ACTORS_POOL_BYTES_PER_HEAD = 64 * 1024;
const ACTORS_OBJECTS_PER_HEAD = 64 * 1024;
/** The parts of a run's memory whose refusal says more than "lower N, d or heads". */
const THREADS = 'the threads';
const OUTPUTS = 'the outputs';
const DRIFT_PROOFS = 'the drift proofs';
const EVERY_INSTANT = 'the dequeue instants of K and V';

/** What `config` costs run as `run` asks (engine, workers, timing only, fast-forward). */
export function estimateCost(config: ResolvedSdpaConfig, run: SdpaRunConfig): RunCost {
  return costOf(config, run, mayFillIrregularly(config));
}

/**
 * What a sizing of `config` costs on a pool of `lanes` threads: its searches are the timing of
 * the configuration at other capacities, down to 1, where FIFOs fill irregularly, any `lanes`
 * of them at once.
 */
export function sizingCost(config: ResolvedSdpaConfig, lanes: number): RunCost {
  const search = costOf(config, { ...config, timingOnly: true, workers: 1 }, true);
  return poolCost(Array<RunCost>(lanes).fill(search), lanes, `its searches on ${lanes} worker(s)`);
}

/** What `config` costs run as `run` asks, where `irregular` says whether a FIFO may fill at irregular instants. */
function costOf(config: ResolvedSdpaConfig, run: SdpaRunConfig, irregular: boolean): RunCost {
  const { n, d, heads } = config;
  const timingOnly = run.timingOnly ?? false;
  const actors = run.engine === 'actors';
  const workers = run.workers === 'auto' || run.workers === undefined ? coreCount() : run.workers;
  const matrix = n * d * 8;
  const parts: { what: string; bytes: number }[] = [
    { what: 'the program and its statistics', bytes: heads * headBytes(actors, workers) },
    { what: 'Node and this thread', bytes: PROCESS_BYTES },
  ];
  // One worker is this thread. With more, the compiled engine starts every thread asked for; the actors engine no more than it has units.
  if (workers > 1) parts.push({ what: THREADS, bytes: (actors ? Math.min(workers, heads * n) : workers) * BYTES_PER_THREAD });
  // On the actors engine with a pool, the sinks' outputs and their copies in this thread.
  if (!timingOnly) parts.push({ what: OUTPUTS, bytes: heads * matrix * (actors && workers > 1 ? 2 : 1) });
  if (actors) {
    // Each head's sources hold its Q, K and V for the whole run; the outputs are checked after
    // it, head after head, in this thread (N = 32, d = 65,536, 8 heads: 680 MiB on one worker,
    // 837 on two, 937 naive on eight).
    parts.push({ what: 'Q, K and V of every head', bytes: heads * 3 * matrix });
    if (!timingOnly) parts.push({ what: 'the check of the outputs', bytes: valuesBytes(1, heads, matrix) });
  } else if (!timingOnly) {
    parts.push({ what: 'Q, K and V of the heads being computed', bytes: valuesBytes(Math.min(workers, heads), heads, matrix) });
  }
  if (actors) parts.push({ what: 'the channel buffers', bytes: heads * actorBuffers(config) });
  if (config.design === 'naive') {
    // Every element simulated: the actors engine runs every head at once, the compiled one a
    // head at a time in each thread; with fast-forward, each thread proves one head's drift at a time.
    if (irregular && (actors || run.fastForward === false))
      parts.push({ what: EVERY_INSTANT, bytes: (actors ? heads : Math.min(workers, heads)) * n * n * IRREGULAR_BYTES_PER_ELEMENT });
    else if (!actors && run.fastForward !== false)
      parts.push({
        what: DRIFT_PROOFS,
        bytes: Math.min(workers, heads) * n * (irregular ? IRREGULAR_BYTES_PER_ROW : DRIFT_PROOF_BYTES_PER_ROW),
      });
  }
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
  // The actors engine's units compute the values as they go, timing only or not (modified N =
  // 1024, d = 1024, timing only: 12.9 s, 1.1 s at d = 1; estimated at 0.9 s before).
  const timing = actors
    ? (elements * (ACTORS_NS[config.design] + VALUES_NS_PER_D * d)) / threads
    : (heads * timingRows * n * TIMING_NS) / Math.min(threads, heads);
  const perHead = actors ? ACTORS_HEAD_SECONDS[config.design] : HEAD_SECONDS;
  return {
    bytes,
    largest,
    objects: heads * (actors ? ACTORS_OBJECTS_PER_HEAD : OBJECTS_PER_HEAD),
    seconds: (values + timing) / 1e9 + heads * perHead,
  };
}

/**
 * A timeline's events (spans and occupancy samples) per score element of a head, by design:
 * measured with the published FIFOs at N = 64-256 (naive 9.9-10.0, modified 22.1-22.2), with
 * room for stalls. Its memory per event while it is recorded and written, as peak RSS: 57-89
 * B for a whole timeline (modified N = 512, 5.8M events: 424 MiB; naive N = 1024, 10.5M events:
 * 1,031-1,069 MiB), and up to 281 B for one cut at its cap, whose recording stops and counts
 * again and is then copied to be cut (naive N = 1024 capped at 250,000 to 4,000,000 events: 164,
 * 199, 178-186, 217 and 252-281 B; modified 112-162 B): the heap grows to about twice its live
 * objects between collections (naive capped at 4,000,000: 466-509 MB live after each, 1,013 MB
 * before the last). Of objects, what the heap must hold, about 120 B (the same run under
 * --max-old-space-size=1024 ran in 802 MB). 128 B had been counted for both: the default cap of
 * 2,000,000 was estimated at 296 MB and took 389-469 MiB; a cap of 4,000,000 1.07 GB and took
 * up to 1.19 GB.
 */
const TIMELINE_EVENTS_PER_ELEMENT: Readonly<Record<DesignName, number>> = { naive: 12, modified: 24 };
const TIMELINE_BYTES_PER_EVENT = 128;
const CUT_TIMELINE_BYTES_PER_EVENT = 320;
const TIMELINE = 'the timeline';

/**
 * The cost of recording a configuration's timeline (`--trace`, `--report`): the actors run in
 * this thread, and the timeline, at most `maxEvents` events and no more than the run makes.
 * A cap of 100,000,000 events had been taken at its word: a long run's trace grew towards 12 GB.
 */
export function timelineCost(config: ResolvedSdpaConfig, maxEvents: number): RunCost {
  const run = estimateCost(config, { ...config, engine: 'actors', workers: 1 });
  const made = TIMELINE_EVENTS_PER_ELEMENT[config.design] * config.heads * config.n * config.n;
  const events = Math.min(maxEvents, made);
  const timeline = { what: TIMELINE, bytes: events * (maxEvents < made ? CUT_TIMELINE_BYTES_PER_EVENT : TIMELINE_BYTES_PER_EVENT) };
  // Its events are objects on this thread's JavaScript heap, as the program's are.
  return {
    ...run,
    bytes: run.bytes + timeline.bytes,
    largest: timeline.bytes > run.largest.bytes ? timeline : run.largest,
    objects: run.objects + events * TIMELINE_BYTES_PER_EVENT,
    objectsAre: { what: "this run's program and timeline", remedy: `${remedy(TIMELINE)}, or fewer heads` },
  };
}

/**
 * Whether some FIFO between units of the naive design may be full at irregular instants (what
 * the modified design's memory does not depend on): at any latency, II or capacity other than
 * the published ones, unless every FIFO between units is unbounded.
 */
function mayFillIrregularly(config: ResolvedSdpaConfig): boolean {
  if (config.design !== 'naive') return false;
  const published = resolveSdpaConfig({ design: config.design, n: config.n });
  const same = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean =>
    Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((key) => a[key] === b[key]);
  if (same(config.latency, published.latency) && same(config.ii, published.ii) && same(config.depth, published.depth)) return false;
  const between = new Set(DESIGN_DEFS[config.design].channels.filter((c) => c.intermediate).map((c) => c.name));
  // Keys are channels ('div') or a head's channels ('h1/div').
  return Object.entries(config.depth).some(([key, capacity]) => capacity !== null && between.has(splitHeadScoped(key)?.name ?? key));
}

/** What a head's objects take in memory, by engine. */
function headBytes(actors: boolean, workers: number): number {
  if (!actors) return BYTES_PER_HEAD;
  return ACTORS_BYTES_PER_HEAD + (workers > 1 ? ACTORS_POOL_BYTES_PER_HEAD : 0);
}

/**
 * ArrayBuffers V8 leaves uncollected in a thread: it starts a collection for them once about 64
 * MB more are held than after its last one (N = 256, d = 256, 64 heads on one worker: 61 MB
 * beside the outputs, where one head's Q, K and V are 3 MB).
 */
const UNCOLLECTED_ARRAY_BYTES = 64 * 2 ** 20;

/**
 * What `threads` threads computing the values of `heads` heads (`matrix` bytes each) hold: each
 * a head's Q, K and V and what their check computes (6 matrices; 3.6-4.4 measured at N = 32 and
 * 64, d = 65,536-262,144), and, once it has computed a head before, the last ones until the
 * collector frees them. Measured at N = 32, d = 65,536 on one worker: 4.4, 7.6, 10.6, 11.7 and
 * 12.1 matrices beside the outputs at 1, 2, 4, 8 and 16 heads.
 */
function valuesBytes(threads: number, heads: number, matrix: number): number {
  const head = 6 * matrix;
  const before = Math.ceil(heads / threads) - 1;
  return threads * (head + Math.min(before * head, head + UNCOLLECTED_ARRAY_BYTES));
}

/**
 * What a thread that runs jobs one after another (a sweep's or a sizing's lane) holds beyond its
 * job and BYTES_PER_THREAD: what its collector has not yet freed of the jobs before. Small jobs
 * leave ArrayBuffers (UNCOLLECTED_ARRAY_BYTES) and a heap grown between collections to 75 MB
 * where about 8 MB is live (`--trace-gc`); large ones about as much again as their own, as a heap
 * grows to about twice its live objects. Measured, one lane: 60 and 200 naive N = 4096 jobs 225
 * and 236 MiB of peak RSS (one job: 86), 30 naive N = 16,384 jobs 251 MiB (the modified
 * design's stay near their jobs': 91 MiB); `size --design naive` on one worker: N = 4096 190-202
 * MiB, N = 16,384 438-452 MiB, N = 32,768 650-728 MiB (its searches take up to about 300 MB
 * each); on two, N = 4096 251-300 MiB, N = 16,384 556-630 MiB. None of it had been counted.
 */
const LANE_GARBAGE_BYTES = 160 * 2 ** 20;
/** A sweep's record of each job, kept in this thread (10,000 jobs: 59 MB more than 2,500). */
const RECORD_BYTES = 8 * 1024;
const LANES = 'the lanes';
const JOBS_AT_ONCE = 'the largest jobs at once';
const RECORDS = 'the records';

/**
 * The cost of `jobs` run on a pool of `lanes` threads, each running one job at a time (a
 * sweep, a sizing), any `lanes` of them at once: this thread with a record of each job, and
 * each lane with what it keeps of the jobs before and the largest jobs' own memory (each job's
 * cost as a run in one thread, less this thread's). Its objects are the records: each job's
 * are in its lane's heap, which its own cost answers for. `of`: what the jobs are, for the
 * message ("this sweep's 40 jobs on 2 workers").
 */
export function poolCost(jobs: readonly RunCost[], lanes: number, of: string): RunCost {
  const own = jobs.map((job) => job.bytes - PROCESS_BYTES).sort((a, b) => b - a);
  const busy = Math.min(lanes, jobs.length);
  const atOnce = own.slice(0, busy);
  const parts = [
    { what: 'Node and this thread', bytes: PROCESS_BYTES },
    { what: LANES, bytes: atOnce.reduce((sum, b) => sum + BYTES_PER_THREAD + Math.max(LANE_GARBAGE_BYTES, b), 0) },
    { what: JOBS_AT_ONCE, bytes: atOnce.reduce((sum, b) => sum + b, 0) },
    { what: RECORDS, bytes: jobs.length * RECORD_BYTES },
  ];
  // The longest job, or all of them shared by the lanes.
  const longest = jobs.reduce((most, job) => Math.max(most, job.seconds), 0);
  const total = jobs.reduce((sum, job) => sum + job.seconds, 0);
  return {
    bytes: parts.reduce((sum, p) => sum + p.bytes, 0),
    largest: parts.reduce((a, b) => (b.bytes > a.bytes ? b : a)),
    objects: parts[3]!.bytes,
    objectsAre: { what: `the records of ${of}`, remedy: 'fewer jobs' },
    needs: `${of} need`,
    seconds: Math.max(longest, total / lanes),
  };
}

/** A run longer than this by estimate gets a note before it starts. */
export const LONG_RUN_SECONDS = 60;

/**
 * Of several runs by their estimated seconds (null: none, a run that cannot start), the one a
 * command names before it starts, since it waits for its longest: the first longest, if it
 * takes LONG_RUN_SECONDS or more; else -1.
 */
export function longestRunIndex(seconds: readonly (number | null)[]): number {
  let longest = -1;
  seconds.forEach((s, i) => {
    if (s !== null && s >= LONG_RUN_SECONDS && s > (longest < 0 ? 0 : seconds[longest]!)) longest = i;
  });
  return longest;
}

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
    `${cost.needs ?? 'this run needs'} about ${gib(cost.bytes)} of memory (${cost.largest.what}: ${gib(cost.largest.bytes)}), more than the ${gib(budget)} this machine can give: ${remedy(cost.largest.what)}`,
  );
}

/** What lowers a run's largest part. */
function remedy(largest: string): string {
  if (largest === THREADS || largest === LANES) return 'fewer workers';
  if (largest === JOBS_AT_ONCE) return 'fewer workers, or smaller jobs';
  if (largest === RECORDS) return 'fewer jobs';
  if (largest === TIMELINE) return 'a smaller --trace-max-events, or a --trace-window';
  // A proof's logs grow with N alone, one per thread at a time: d and the heads beyond the workers add nothing.
  if (largest === DRIFT_PROOFS) return 'lower N (or, with several heads, fewer workers)';
  if (largest === EVERY_INSTANT) return 'lower N or heads, or run on the compiled engine with fast-forward';
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
