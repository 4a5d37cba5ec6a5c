import { ProgramError, refusedClock, show, unknownNames } from '../../kernel/errors.js';
import { simulate } from '../../engines/simulate.js';
import { breather, interruption, runAborted } from '../../engines/interruption.js';
import { checkOutput, columnMaxima, referenceSdpa, sdpaMatrix } from './data.js';
import { refuseUnrunnable } from './runnable.js';
import { DESIGN_DEFS, headScoped, sdpaProgram, splitHeadScoped } from './design.js';
import type { CompiledExecution } from '../../engines/compiled/compiled-engine.js';
import type { DeadlockReport } from '../../engines/run-result.js';
import type { Simulation, SimulateOptions } from '../../engines/simulate.js';
import type { Matrix } from './data.js';
import type { DesignName, ResolvedSdpaConfig } from './design.js';
import { CONFIG_FIELDS, parseSdpaConfig } from './config.js';
import type { SdpaRunConfig } from './config.js';

/** What a run's options may say: how it is watched and stopped; what it runs is the configuration's. */
const RUN_OPTIONS = ['onProgress', 'progressEveryMs', 'signal', 'interruptible', 'placement'] as const;

export type SdpaRunOptions = Pick<SimulateOptions, (typeof RUN_OPTIONS)[number]>;

export interface SdpaPlacement {
  /** Units (program names, e.g. h0/qkt) on each worker. */
  readonly workers: readonly (readonly string[])[];
  /** Channels whose ends run on different workers. */
  readonly crossing: readonly string[];
}

export interface SdpaUnitReport {
  readonly head: number;
  readonly name: string;
  readonly finalClock: number;
  readonly busyCycles: number;
  readonly inputStallCycles: number;
  readonly roomStallCycles: number;
}

export interface SdpaChannelReport {
  readonly head: number;
  readonly name: string;
  readonly capacity: number | null;
  readonly peakOccupancy: number;
  readonly tokens: number;
  readonly fullCycles: number;
  readonly emptyWaitCycles: number;
  readonly roomWaitCycles: number;
}

export interface SdpaRunResult {
  /**
   * Everything that produced this result: rerun it from this alone (`timingOnly` too, when set:
   * a `run --timing-only --json` config made a check case had run the outputs, days at a large N).
   */
  readonly config: ResolvedSdpaConfig & { readonly timingOnly?: true };
  readonly design: DesignName;
  readonly n: number;
  readonly d: number;
  readonly heads: number;
  readonly engine: 'compiled' | 'actors';
  readonly workers: number;
  readonly status: 'ok' | 'deadlock';
  readonly cycles: number;
  /** Every unit's final clock, head by head (sources and sink included). */
  readonly units: readonly SdpaUnitReport[];
  readonly channels: readonly SdpaChannelReport[];
  readonly intermediateMemory: { readonly capacity: number | null; readonly peakOccupancy: number };
  /** Largest difference of the output from the reference SDPA; null when there is no output (deadlock, timing only). */
  readonly maxError: number | null;
  /** Wall time of the whole run, reference check included. */
  readonly wallSeconds: number;
  readonly deadlock: DeadlockReport | null;
  /** Actors engine: where the units ran. */
  readonly placement: SdpaPlacement | null;
  /** Compiled engine: rows simulated and extrapolated, the period, the jobs. */
  readonly execution: CompiledExecution | null;
  /** The simulated output of each head, row-major N x d; empty on a deadlock or timing only. */
  readonly outputs: readonly Matrix[];
}

/**
 * Builds, runs and checks one SDPA configuration; a wrong output is a UnitError of the sink.
 * The compiled engine checks every block of output rows where it computes it; after an actors
 * run, this thread checks.
 */
export async function runSdpa(config: SdpaRunConfig, options: SdpaRunOptions = {}): Promise<SdpaRunResult> {
  // Strictly, as a check file's case: from JavaScript, `heds: 4` had run one head and
  // `fastForward: 'false'` had fast-forwarded.
  parseSdpaConfig(config);
  refuseConfigAsOptions(options);
  const resolved = refuseUnrunnable(config);
  const program = sdpaProgram(resolved);
  const { n, d, heads } = resolved;
  const timingOnly = config.timingOnly ?? false;
  const started = performance.now();
  const result = await simulate(program, {
    ...options,
    engine: config.engine,
    workers: config.workers,
    fastForward: config.fastForward,
    timingOnly,
    check: !timingOnly,
  }).catch((error: unknown) => {
    // On the actors engine a clock past 2^53 is the unit's failure (exit 1), where README
    // promises exit 2, as the compiled engine ends such a run.
    throw refusedClock(error);
  });

  const outputs: Matrix[] = [];
  let maxError: number | null = null;
  if (result.status === 'ok' && !timingOnly) {
    maxError = result.maxError ?? 0;
    // The check is part of the run and stops as the run does. It had run in one synchronous go
    // (seconds at a large N and d) after the engine had stopped listening: a signal then was
    // heard only once the result was printed, or, with nothing left to do, not at all.
    const stopping = result.engine === 'actors' ? interruption(options) : null;
    try {
      for (let h = 0; h < heads; h++) {
        const sink = headScoped(h, 'sink');
        const out = result.reports[sink] as Matrix;
        if (stopping !== null) maxError = Math.max(maxError, await checkHead(sink, out, resolved, h, stopping.signal));
        outputs.push(out);
      }
    } finally {
      stopping?.release();
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const def = DESIGN_DEFS[resolved.design];
  const byName = new Map(result.channels.map((c) => [c.name, c]));
  const channels: SdpaChannelReport[] = [];
  let capacity: number | null = 0;
  let peak = 0;
  for (let h = 0; h < heads; h++) {
    for (const c of def.channels) {
      const stats = byName.get(headScoped(h, c.name))!;
      const { capacity: depth, peakOccupancy, tokens, fullCycles, emptyWaitCycles, roomWaitCycles } = stats;
      channels.push({ head: h, name: c.name, capacity: depth, peakOccupancy, tokens, fullCycles, emptyWaitCycles, roomWaitCycles });
      if (!c.intermediate) continue;
      peak += stats.peakOccupancy;
      capacity = capacity === null || stats.capacity === null ? null : capacity + stats.capacity;
    }
  }
  // Program unit names are head-scoped (h1/qkt): the report gives the head and the design's name.
  const units = result.contexts.map(({ name: scoped, finalClock, busyCycles, inputStallCycles, roomStallCycles }) => {
    const { head, name } = splitHeadScoped(scoped)!;
    return { head, name, finalClock, busyCycles, inputStallCycles, roomStallCycles };
  });

  return {
    config: timingOnly ? { ...resolved, timingOnly } : resolved,
    design: resolved.design,
    n,
    d,
    heads,
    engine: result.engine,
    workers: result.workers,
    status: result.status,
    cycles: result.cycles,
    units,
    channels,
    intermediateMemory: { capacity, peakOccupancy: peak },
    maxError,
    wallSeconds,
    deadlock: result.deadlock,
    placement: placementOf(
      program.units.map((u) => u.name),
      program.channels.map((c) => c.name),
      result,
    ),
    execution: result.execution,
    outputs,
  };
}

/** Reference work (multiply-adds) checked between two chances for a signal to come in: some 10 ms. */
const CHECK_WORK_PER_STRETCH = 1 << 22;

/**
 * The largest error of one head's output against the reference, computed in stretches of rows
 * with signals let in between: an abort of `signal` meanwhile rejects with RunAborted.
 */
async function checkHead(sink: string, out: Matrix, config: ResolvedSdpaConfig, head: number, signal: AbortSignal): Promise<number> {
  const { n, d, seed } = config;
  const [q, k, v] = (['q', 'k', 'v'] as const).map((m) => sdpaMatrix(seed, head, m, n, d));
  const kMax = columnMaxima(k!, n, d);
  const rows = Math.max(1, Math.floor(CHECK_WORK_PER_STRETCH / (n * d)));
  let maxError = 0;
  // Signals are let in before each stretch and after the last: one during the last is the run's too.
  for (let from = 0; ; from += rows) {
    await breather();
    if (signal.aborted) throw runAborted(signal);
    if (from >= n) break;
    const to = Math.min(n, from + rows);
    const reference = referenceSdpa(q!, k!, v!, n, d, from, to, kMax);
    maxError = Math.max(maxError, checkOutput(sink, out.subarray(from * d, to * d), reference, d, from));
  }
  return maxError;
}

function placementOf(units: readonly string[], channels: readonly string[], result: Simulation): SdpaPlacement | null {
  const placed = result.placement;
  if (placed === null) return null;
  const workers = Array.from({ length: placed.workers }, () => [] as string[]);
  placed.of.forEach((w, i) => workers[w]!.push(units[i]!));
  return { workers, crossing: placed.cut.map((c) => channels[c]!) };
}

/**
 * Refuses in the options what belongs to the configuration (`{ workers: 3 }` there had run on
 * the configuration's, silently) or nothing at all (`wrkers`), each with where it goes. The
 * values of the options themselves simulate checks (spread into its own, a `null` or a number
 * here had passed as no options).
 */
function refuseConfigAsOptions(options: SdpaRunOptions): void {
  if (typeof options !== 'object' || options === null) throw new ProgramError(`runSdpa's options must be an object, got ${show(options)}`);
  const misplaced = Object.keys(options).filter((key) => !(RUN_OPTIONS as readonly string[]).includes(key) && CONFIG_FIELDS.includes(key));
  if (misplaced.length > 0) {
    const names = misplaced.map((key) => `'${key}'`).join(', ');
    throw new ProgramError(
      `runSdpa: ${names} belong${misplaced.length > 1 ? '' : 's'} to the configuration (the first argument), not the options`,
    );
  }
  const unknown = unknownNames(options, RUN_OPTIONS, 'option');
  if (unknown !== null) throw new ProgramError(`runSdpa: ${unknown}`);
}
