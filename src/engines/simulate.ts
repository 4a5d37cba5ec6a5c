import { clocksPassed, ProgramError, show, unknownNames } from '../kernel/errors.js';
import { MAX_TIME } from '../kernel/time.js';
import { partition, placement } from './actors/partition.js';
import { coreCount } from './actors/pool-control.js';
import { runOnPool } from './actors/pool-executor.js';
import { SingleThreadExecutor } from './actors/single-thread-executor.js';
import { runCompiled } from './compiled/compiled-engine.js';
import { refuseThreads } from './worker-pool.js';
import { interruption, runAborted } from './interruption.js';
import { scheduleGroups, scheduleKind } from './compiled/row-order.js';
import { checkProgram } from '../kernel/program.js';
import type { Program } from '../kernel/program.js';
import type { Placement } from './actors/partition.js';
import type { CompiledExecution } from './compiled/compiled-engine.js';
import { unitStats } from './run-result.js';
import type { Progress, RunResult, UnitStats } from './run-result.js';

/**
 * 'actors': every unit a context with its own clock, scheduled as it becomes ready, on any
 * number of worker threads: runs any program. 'compiled': the program's compiled order (a
 * schedule kind its design registered), group by group, with exact fast-forward and the
 * values split by rows across workers: same results, many times faster. 'auto': compiled
 * when the program has an order, else actors. A compiled order that does not fit the
 * configuration (it deadlocks) falls back to the actors engine, which reports the deadlock.
 */
export type EngineChoice = 'auto' | 'compiled' | 'actors';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'compiled', 'actors'];

export interface SimulateOptions {
  readonly engine?: EngineChoice;
  /**
   * Worker threads, or 'auto' (the default): at most the machine's cores, and as many as the
   * run can use (1, in the calling thread, for runs too short to pay for a pool). The actors
   * engine keeps independent parts (groups, such as heads) whole and cuts channels only where
   * few cross; an explicit count cuts the slackest channels as needed.
   */
  readonly workers?: number | 'auto';
  /** Actors engine: explicit worker of each unit (by unit index), instead of the partitioner's choice. */
  readonly placement?: readonly number[];
  /** Compiled engine: extrapolate the timing once it repeats (default true). */
  readonly fastForward?: boolean;
  /** Compiled engine: cycles and statistics only, no values (default false). */
  readonly timingOnly?: boolean;
  /** Compiled engine: check the output against the order's reference as it is computed. */
  readonly check?: boolean;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressEveryMs?: number;
  readonly signal?: AbortSignal;
  /** SIGINT and SIGTERM stop the run (it rejects with RunAborted) instead of the process. */
  readonly interruptible?: boolean;
}

export interface Simulation extends RunResult {
  /** Every unit's final clock, and its cycles busy and stalled (for input, for room). */
  readonly contexts: readonly UnitStats[];
  readonly engine: 'compiled' | 'actors';
  /** Threads the run used; 1 means the calling thread. */
  readonly workers: number;
  /** Actors engine: where each unit ran. */
  readonly placement: Placement | null;
  /** Compiled engine: what it simulated, extrapolated and split. */
  readonly execution: CompiledExecution | null;
  /** Compiled engine with `check`: the largest error of the outputs against the reference. */
  readonly maxError: number | null;
}

/** Runs a program on the engine the options ask for (see EngineChoice). */
export async function simulate(program: Program, options: SimulateOptions = {}): Promise<Simulation> {
  checkOptions(options);
  await checkProgram(program);
  // Aborted already: nothing runs (a run short enough to end in its first slice had run to the end).
  if (options.signal?.aborted) throw runAborted(options.signal);
  if (chooseEngine(program, options) === 'compiled') {
    const workers = compiledWorkers(program, options);
    if (workers > 1) refuseThreads(workers);
    const run = await runCompiled(program, {
      workers,
      fastForward: options.fastForward ?? true,
      timingOnly: options.timingOnly ?? false,
      check: options.check ?? false,
      onProgress: options.onProgress,
      progressEveryMs: options.progressEveryMs,
      signal: options.signal,
      interruptible: options.interruptible,
    });
    if (run !== null) {
      refuseRoundedClocks(run);
      return { ...run, contexts: unitStats(run.contexts, run.channels), engine: 'compiled', placement: null };
    }
  }
  const placed = place(program, options);
  // A placement may name more threads than this machine can hold: refused before any starts.
  if (placed.workers > 1) refuseThreads(placed.workers);
  let result: RunResult;
  if (placed.workers === 1) {
    const stopping = interruption(options);
    try {
      result = await new SingleThreadExecutor(program, options).runAsync(stopping.signal);
    } finally {
      stopping.release();
    }
  } else {
    result = await runOnPool(program, placed, options);
  }
  return {
    ...result,
    contexts: unitStats(result.contexts, result.channels),
    engine: 'actors',
    workers: placed.workers,
    placement: placed,
    execution: null,
    maxError: null,
  };
}

/** SimulateOptions' names, each with what its value must be (the engine and workers are checked where they are read). */
const OPTION_CHECKS: Readonly<Record<keyof SimulateOptions, ((value: unknown) => boolean) | null>> = {
  engine: null,
  workers: null,
  placement: null,
  fastForward: (v) => typeof v === 'boolean',
  timingOnly: (v) => typeof v === 'boolean',
  check: (v) => typeof v === 'boolean',
  onProgress: (v) => typeof v === 'function',
  progressEveryMs: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  signal: (v) => v instanceof AbortSignal,
  interruptible: (v) => typeof v === 'boolean',
};

/**
 * Refuses a misspelt option or one of the wrong type, as runSdpa refuses them: `wrkers: 2` had
 * run in one thread, and `fastForward: 'false'` had fast-forwarded.
 */
function checkOptions(options: SimulateOptions): void {
  if (typeof options !== 'object' || options === null) throw new ProgramError(`simulate's options must be an object, got ${show(options)}`);
  const unknown = unknownNames(options, Object.keys(OPTION_CHECKS), 'option');
  if (unknown !== null) throw new ProgramError(`simulate: ${unknown}`);
  for (const [name, value] of Object.entries(options)) {
    const check = OPTION_CHECKS[name as keyof SimulateOptions];
    if (value !== undefined && check !== null && !check(value))
      throw new ProgramError(`simulate's option ${name} cannot be ${show(value)}`);
  }
}

function chooseEngine(program: Program, options: SimulateOptions): 'compiled' | 'actors' {
  const engine = options.engine ?? 'auto';
  if (!ENGINE_CHOICES.includes(engine)) throw new ProgramError(`unknown engine '${String(engine)}' (${ENGINE_CHOICES.join(', ')})`);
  if (engine === 'actors') return 'actors';
  if (program.schedule === undefined) {
    if (engine === 'compiled')
      throw new ProgramError('the compiled engine needs a compiled order: this program names none (ProgramBuilder.schedule)');
    return 'actors';
  }
  if (options.placement !== undefined) {
    if (engine === 'compiled')
      throw new ProgramError("a placement of units is the actors engine's: the compiled engine places jobs, not units");
    return 'actors';
  }
  scheduleKind(program.schedule);
  return 'compiled';
}

/**
 * The work (score elements, over every group) that pays for one more worker: starting a pool
 * takes about 50-80 ms, about 4M elements of values and checks, and each worker more adds to
 * it (on 16 cores a run of no work took 154 ms on one worker and 359 ms on 16, and one head at
 * N = 4096, 16M elements, was fastest on 4: bench/RESULTS.md, "On 16 cores").
 */
const ELEMENTS_PER_WORKER = 1 << 22;

function compiledWorkers(program: Program, options: SimulateOptions): number {
  const requested = checkedWorkers(options.workers);
  if (requested !== 'auto') return requested;
  const groups = scheduleGroups(program);
  const kind = scheduleKind(program.schedule!);
  let elements = 0;
  for (const group of groups.keys()) {
    const rows = kind.order(program, group).rows;
    elements += rows * (options.timingOnly ? Math.min(rows, 64) : rows);
  }
  // Timing alone parallelises by groups; values by rows as well.
  const useful = Math.floor(elements / ELEMENTS_PER_WORKER);
  return Math.max(1, Math.min(coreCount(), useful, options.timingOnly ? groups.size : Infinity));
}

/**
 * A compiled run whose clocks passed 2^53 is refused rather than rounded: its order's code adds
 * times without the kernel's checks (an SDPA run is refused before it starts; an order of a
 * schedule kind of the user's is not). Clocks never decrease, so every clock on the way was
 * exact if the last ones are. The actors engine refuses such a time where it is made.
 */
function refuseRoundedClocks(run: RunResult): void {
  if (run.contexts.some((c) => c.finalClock > MAX_TIME)) {
    // Past 2^53 the count itself is rounded: about so many.
    throw clocksPassed(`about ${run.cycles.toExponential(3)} cycles`);
  }
}

function checkedWorkers(workers: number | 'auto' | undefined): number | 'auto' {
  const requested = workers ?? 'auto';
  if (requested !== 'auto' && (!Number.isSafeInteger(requested) || requested < 1)) {
    throw new ProgramError(`workers must be a positive integer or 'auto', got ${show(requested)}`);
  }
  return requested;
}

/**
 * A token between workers costs 10 to 100 times one inside a worker (bench/RESULTS.md), so a
 * cut pays only when the channels it crosses are a small part of the traffic: with one in 64
 * of the channels crossing, their extra cost stays well under what a second core saves.
 */
export const CHANNELS_PER_CUT = 64;

/** Where the actors engine runs each unit. */
export function place(program: Program, options: Pick<SimulateOptions, 'workers' | 'placement'>): Placement {
  if (options.placement !== undefined) {
    const placed = placement(program, options.placement);
    // The placement says how many workers; a different count given beside it is a contradiction, not a cap.
    if (typeof options.workers === 'number' && options.workers !== placed.workers)
      throw new ProgramError(`the placement puts units on ${placed.workers} workers, and workers is ${options.workers}: give one of them`);
    return placed;
  }
  const requested = checkedWorkers(options.workers);
  if (requested !== 'auto') {
    // An explicit count is what the user wants: groups are split when there are fewer of them.
    const grouped = partition(program, requested);
    return grouped.workers < requested ? partition(program, requested, true, false) : grouped;
  }
  const whole = partition(program, coreCount(), false);
  // The most workers whose cut stays light enough, if that is more than the parts need.
  for (let workers = coreCount(); workers > whole.workers; workers--) {
    const cut = partition(program, workers);
    if (cut.workers > whole.workers && cut.cut.length * CHANNELS_PER_CUT <= program.channels.length) return cut;
  }
  return whole;
}
