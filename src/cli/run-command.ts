import { writeFileSync } from 'node:fs';
import { runSdpa } from '../designs/sdpa/run.js';
import { DESIGN_DEFS } from '../designs/sdpa/design.js';
import { describeDeadlock } from '../engines/run-result.js';
import { formatSummary } from '../reports/summary.js';
import { EXIT_DEADLOCK, EXIT_OK, UsageError } from './errors.js';
import { progressDisplay } from './progress.js';
import type { SdpaEngine, SdpaRunConfig, SdpaRunResult } from '../designs/sdpa/run.js';
import type { DesignName } from '../designs/sdpa/design.js';
import type { Matrix } from '../designs/sdpa/data.js';

export interface RunOptions {
  design?: string;
  n?: number;
  d: number;
  heads: number;
  workers: number | 'auto';
  engine: SdpaEngine;
  seed?: number;
  unbounded?: boolean;
  uniformDepth?: number;
  depth?: Record<string, number>;
  latency?: Record<string, number>;
  ii?: Record<string, number>;
  json?: boolean;
  dump?: string;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const config = runConfig(options);
  const display = progressDisplay(expectedCycles(config));
  let result: SdpaRunResult;
  try {
    result = await runSdpa(config, { onProgress: display.onProgress, interruptible: true });
  } finally {
    display.stop();
  }

  if (options.dump !== undefined) writeFileSync(options.dump, JSON.stringify(dumpJson(result)));
  if (options.json) console.log(JSON.stringify(resultJson(result), null, 2));
  else console.log(formatSummary(config, result));
  if (result.deadlock !== null) {
    console.error(describeDeadlock(result.deadlock));
    return EXIT_DEADLOCK;
  }
  return EXIT_OK;
}

function runConfig(options: RunOptions): SdpaRunConfig {
  if (options.design === undefined) throw new UsageError('--design is required (naive or modified)');
  if (!(options.design in DESIGN_DEFS)) throw new UsageError(`unknown design '${options.design}' (naive or modified)`);
  if (options.n === undefined) throw new UsageError('--n is required');
  return {
    design: options.design as DesignName,
    n: options.n,
    d: options.d,
    heads: options.heads,
    workers: options.workers,
    engine: options.engine,
    seed: options.seed,
    unbounded: options.unbounded,
    uniformDepth: options.uniformDepth,
    depth: options.depth,
    latency: options.latency,
    ii: options.ii,
  };
}

/** The slowest unit sees N*N elements, one per II cycles: a good enough ETA basis. */
function expectedCycles(config: SdpaRunConfig): number {
  const slowest = Math.max(...DESIGN_DEFS[config.design].units.map((u) => config.ii?.[u.name] ?? u.ii));
  return slowest * config.n * config.n;
}

/** Everything but the matrices, which go to --dump. */
export function resultJson(result: SdpaRunResult): Omit<SdpaRunResult, 'matrices' | 'deadlock'> & { deadlock?: unknown } {
  const { matrices: _matrices, deadlock, ...rest } = result;
  return deadlock === null ? rest : { ...rest, deadlock };
}

function dumpJson(result: SdpaRunResult): Record<'q' | 'k' | 'v' | 'o', number[][][]> {
  const rows = (m: Matrix): number[][] =>
    Array.from({ length: result.n }, (_, r) => Array.from(m.subarray(r * result.d, (r + 1) * result.d)));
  const { q, k, v, o } = result.matrices;
  return { q: q.map(rows), k: k.map(rows), v: v.map(rows), o: o.map(rows) };
}
