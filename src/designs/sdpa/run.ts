import { ProgramError, UnitError } from '../../kernel/errors.js';
import { place, simulate } from '../../engines/simulate.js';
import { referenceSdpa, sdpaMatrix } from './data.js';
import { DESIGN_DEFS, headScoped, resolveSdpaConfig, sdpaProgram } from './design.js';
import { ENGINES } from './config.js';
import { simulateScheduled } from './schedule.js';
import type { Program } from '../../kernel/program.js';
import type { Placement } from '../../engines/actors/partition.js';
import type { DeadlockReport } from '../../engines/run-result.js';
import type { Simulation, SimulateOptions } from '../../engines/simulate.js';
import type { Matrix } from './data.js';
import type { DesignName, ResolvedSdpaConfig } from './design.js';
import type { SdpaRunConfig } from './config.js';

export type SdpaRunOptions = Pick<SimulateOptions, 'onProgress' | 'signal' | 'interruptible' | 'placement'>;

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
}

export interface SdpaChannelReport {
  readonly head: number;
  readonly name: string;
  readonly capacity: number | null;
  readonly peakOccupancy: number;
  readonly tokens: number;
}

export interface SdpaMatrices {
  /** Indexed [head], each row-major N x d. */
  readonly q: readonly Matrix[];
  readonly k: readonly Matrix[];
  readonly v: readonly Matrix[];
  /** Simulated output; empty on deadlock. */
  readonly o: readonly Matrix[];
}

export interface SdpaRunResult {
  /** Everything that produced this result: rerun it from this alone. */
  readonly config: ResolvedSdpaConfig;
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
  readonly maxError: number | null;
  readonly wallSeconds: number;
  readonly deadlock: DeadlockReport | null;
  readonly placement: SdpaPlacement;
  readonly matrices: SdpaMatrices;
}

/**
 * Outputs are convex combinations of V entries in [-1, 1). The designs round differently from
 * the reference (the naive one does not subtract the row max; the modified one rescales as it
 * goes), which costs a few ulps; anything near this bound is a wrong result, not rounding.
 */
const RELATIVE_TOLERANCE = 1e-9;

/** Largest absolute error of one head's output; throws a UnitError of the sink beyond tolerance. */
export function checkOutput(sink: string, out: Matrix, ref: Matrix, d: number): number {
  let maxError = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(out[i]! - ref[i]!);
    // Negated so that a NaN output fails too.
    if (!(err <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(ref[i]!)))) {
      throw new UnitError(sink, `output row ${Math.floor(i / d)} column ${i % d} is ${out[i]}, reference ${ref[i]}`);
    }
    maxError = Math.max(maxError, err);
  }
  return maxError;
}

/** Builds, runs and checks one SDPA configuration; a wrong output is a UnitError of the sink. */
export async function runSdpa(config: SdpaRunConfig, options: SdpaRunOptions = {}): Promise<SdpaRunResult> {
  const workers = config.workers ?? 'auto';
  const resolved = resolveSdpaConfig(config);
  const program = sdpaProgram(resolved);
  const { n, d, heads, seed } = resolved;

  const started = performance.now();
  let engine = chooseEngine(program, config, options);
  let result = engine === 'compiled' ? await simulateScheduled(program, config.design, heads, options) : null;
  const simulated = performance.now();
  let running: Promise<Simulation> | null = null;
  if (result === null) {
    engine = 'actors';
    running = simulate(program, { ...options, workers });
  }
  // Worker threads simulate meanwhile: this thread computes what to check them against.
  const matrix = (name: 'q' | 'k' | 'v'): Matrix[] => Array.from({ length: heads }, (_, h) => sdpaMatrix(seed, h, name, n, d));
  const q = matrix('q');
  const k = matrix('k');
  const v = matrix('v');
  const references = q.map((_, h) => referenceSdpa(q[h]!, k[h]!, v[h]!, n, d));
  result ??= await running!;
  // The actors engine runs beside the reference check; the static one before it.
  const wallSeconds = ((running === null ? simulated : performance.now()) - started) / 1000;

  const def = DESIGN_DEFS[config.design];
  const byName = new Map(result.channels.map((c) => [c.name, c]));
  const channels: SdpaChannelReport[] = [];
  // Program unit names are head-scoped (h1/qkt): the report gives the head and the design's name.
  const units = result.contexts.map((c) => {
    const [, head, name] = /^h(\d+)\/(.+)$/.exec(c.name)!;
    return { head: Number(head), name: name!, finalClock: c.finalClock };
  });
  let capacity: number | null = 0;
  let peak = 0;
  for (let h = 0; h < heads; h++) {
    for (const c of def.channels) {
      const stats = byName.get(headScoped(h, c.name))!;
      channels.push({ head: h, name: c.name, capacity: stats.capacity, peakOccupancy: stats.peakOccupancy, tokens: stats.tokens });
      if (!c.intermediate) continue;
      peak += stats.peakOccupancy;
      capacity = capacity === null || stats.capacity === null ? null : capacity + stats.capacity;
    }
  }

  const o: Matrix[] = [];
  let maxError: number | null = null;
  if (result.status === 'ok') {
    maxError = 0;
    for (let h = 0; h < heads; h++) {
      const sink = headScoped(h, 'sink');
      const out = result.reports[sink] as Matrix;
      maxError = Math.max(maxError, checkOutput(sink, out, references[h]!, d));
      o.push(out);
    }
  }

  return {
    config: resolved,
    design: config.design,
    n,
    d,
    heads,
    engine,
    workers: result.placement.workers,
    status: result.status,
    cycles: result.cycles,
    units,
    channels,
    intermediateMemory: { capacity, peakOccupancy: peak },
    maxError,
    wallSeconds,
    deadlock: result.deadlock,
    placement: describePlacement(
      program.units.map((u) => u.name),
      program.channels.map((c) => c.name),
      result.placement,
    ),
    matrices: { q, k, v, o },
  };
}

function chooseEngine(program: Program, config: SdpaRunConfig, options: SdpaRunOptions): 'compiled' | 'actors' {
  const engine = config.engine ?? 'auto';
  if (!ENGINES.includes(engine)) throw new ProgramError(`unknown engine '${String(engine)}' (${ENGINES.join(', ')})`);
  if (engine === 'actors') return 'actors';
  const placed = place(program, { workers: config.workers, placement: options.placement }).workers;
  const oneThread = placed === 1;
  if (engine === 'compiled' && !oneThread) {
    throw new ProgramError(`the compiled engine runs in one thread; this run would take ${placed} workers: ask for 1`);
  }
  return oneThread ? 'compiled' : 'actors';
}

function describePlacement(units: readonly string[], channels: readonly string[], placed: Placement): SdpaPlacement {
  const workers = Array.from({ length: placed.workers }, () => [] as string[]);
  placed.of.forEach((w, i) => workers[w]!.push(units[i]!));
  return { workers, crossing: placed.cut.map((c) => channels[c]!) };
}
