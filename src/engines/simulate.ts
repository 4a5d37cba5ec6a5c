import { ProgramError } from '../kernel/errors.js';
import { loadUnitModules } from '../kernel/registry.js';
import { partition, placement } from './actors/partition.js';
import { coreCount } from './actors/pool-control.js';
import { runOnPool } from './actors/pool-executor.js';
import { SingleThreadExecutor } from './actors/single-thread-executor.js';
import type { Program } from '../kernel/program.js';
import type { Placement } from './actors/partition.js';
import type { RunResult } from './run-result.js';
import type { Progress } from './actors/single-thread-executor.js';

export interface SimulateOptions {
  /**
   * Worker threads, or 'auto' (the default): at most the machine's cores, and fewer when
   * the program has fewer independent parts (parts no channel joins, such as attention
   * heads). 'auto' cuts channels only where few cross: at most one in CHANNELS_PER_CUT of
   * the program's channels. An explicit count cuts the slackest channels as needed. 1 runs
   * on the calling thread.
   */
  workers?: number | 'auto';
  /** Explicit worker of each unit (by unit index), instead of the partitioner's choice. */
  placement?: readonly number[];
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
  /** SIGINT and SIGTERM stop a pool run (it rejects with RunAborted) instead of the process. */
  interruptible?: boolean;
}

export interface Simulation extends RunResult {
  /** Where each unit ran; one worker means the calling thread. */
  readonly placement: Placement;
}

/** Runs a program with the executor the options ask for. */
export async function simulate(program: Program, options: SimulateOptions = {}): Promise<Simulation> {
  const placed = place(program, options);
  if (placed.workers === 1) {
    await loadUnitModules(program.modules);
    return { ...new SingleThreadExecutor(program, options).run(), placement: placed };
  }
  return { ...(await runOnPool(program, placed, options)), placement: placed };
}

/**
 * A token between workers costs 10 to 100 times one inside a worker (bench/RESULTS.md), so a
 * cut pays only when the channels it crosses are a small part of the traffic: with one in 64
 * of the channels crossing, their extra cost stays well under what a second core saves.
 */
export const CHANNELS_PER_CUT = 64;

export function place(program: Program, options: Pick<SimulateOptions, 'workers' | 'placement'>): Placement {
  if (options.placement !== undefined) {
    const workers = Math.max(1, ...options.placement.map((w) => w + 1));
    return placement(program, options.placement, workers);
  }
  const requested = options.workers ?? 'auto';
  if (requested !== 'auto' && (!Number.isSafeInteger(requested) || requested < 1)) {
    throw new ProgramError(`workers must be a positive integer or 'auto', got ${String(requested)}`);
  }
  if (requested !== 'auto') return partition(program, requested);
  const whole = partition(program, coreCount(), false);
  // The most workers whose cut stays light enough, if that is more than the parts need.
  for (let workers = coreCount(); workers > whole.workers; workers--) {
    const cut = partition(program, workers);
    if (cut.workers > whole.workers && cut.cut.length * CHANNELS_PER_CUT <= program.channels.length) return cut;
  }
  return whole;
}
