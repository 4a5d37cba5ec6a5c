import { ProgramError, unknownNames } from '../kernel/errors.js';
import { parseSdpaConfig } from '../designs/sdpa/config.js';
import { resolveSdpaConfig } from '../designs/sdpa/design.js';
import { refuseInexactClocks } from '../designs/sdpa/exact-clocks.js';
import {
  RUN_ONLY_FIELDS,
  RUN_ONLY_REASONS,
  SWEEP_FIELDS,
  applyPoint,
  axisValues,
  checkAxisName,
  checkAxisValue,
  pointLabel,
} from './axis.js';
import { jobHash } from './job-hash.js';
import type { AxisValue, Point } from './axis.js';
import { executionChoices } from './sweep-job.js';
import type { SweepJob } from './sweep-job.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';

/** A sweep as written: a base configuration, a grid of axes, a list of points. */
export interface SweepSpec {
  readonly base: Readonly<Record<string, unknown>>;
  /** Axes in file order; their product, the first axis varying slowest. */
  readonly grid: readonly { readonly axis: string; readonly values: readonly AxisValue[] }[];
  /** Explicit points, each crossed with every grid point (none: the grid alone). */
  readonly list: readonly Point[];
}

export interface ExpandedSweep {
  readonly jobs: readonly SweepJob[];
  /** Points whose resolved configuration repeats an earlier one's: run once, under the first. */
  readonly repeated: number;
}

const TOP_LEVEL = ['base', 'grid', 'list'];
/** Every job is held in memory, and listed, hashed and checked before any runs. */
const MAX_JOBS = 100_000;

/** Reads a sweep from plain data (a parsed JSON or YAML file); errors name the file and the field. */
export function parseSweepSpec(raw: unknown, file: string): SweepSpec {
  const where = `sweep file '${file}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ProgramError(
      `${where} must be an object: a 'base' configuration, with a 'grid' of axes and/or a 'list' of points to vary it`,
    );
  const data = raw as Record<string, unknown>;
  const unknown = unknownNames(data, TOP_LEVEL, 'field');
  if (unknown !== null) throw new ProgramError(`${where}: ${unknown}`);
  const base = data['base'] ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    throw new ProgramError(`${where}: base must be a configuration object`);
  for (const field of RUN_ONLY_FIELDS) {
    if (field in base) throw new ProgramError(`${where}: base.${field} cannot be set in a sweep (${RUN_ONLY_REASONS[field]})`);
  }
  // Checked here, not by each job's parseSdpaConfig, whose list of known fields has the run-only ones.
  const unknownBase = unknownNames(base, SWEEP_FIELDS, 'field');
  if (unknownBase !== null) throw new ProgramError(`${where}, base: ${unknownBase}`);

  const gridRaw = data['grid'] ?? {};
  if (typeof gridRaw !== 'object' || gridRaw === null || Array.isArray(gridRaw))
    throw new ProgramError(`${where}: grid must be an object of AXIS: values`);
  const grid = Object.entries(gridRaw).map(([axis, values]) => {
    checkAxisName(axis, `${where}, grid`);
    return { axis, values: axisValues(values, `${where}, grid.${axis}`) };
  });

  const listRaw = data['list'] ?? [];
  if (!Array.isArray(listRaw)) throw new ProgramError(`${where}: list must be a list of points (AXIS: value objects)`);
  // The points are the jobs: none is no sweep (it had run the base as one job).
  if (data['list'] != null && listRaw.length === 0) throw new ProgramError(`${where}: list is empty: give it a point, or leave it out`);
  const list = listRaw.map((entry, i) => {
    const at = `${where}, list[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ProgramError(`${at} must be an object of AXIS: value`);
    for (const [axis, value] of Object.entries(entry)) {
      checkAxisName(axis, at);
      if (grid.some((g) => g.axis === axis)) throw new ProgramError(`${at}: axis '${axis}' is in the grid too`);
      checkAxisValue(value, `${at}.${axis}`);
    }
    return entry as Point;
  });
  return { base: base as Record<string, unknown>, grid, list };
}

/**
 * Every job of a sweep, each configuration checked as `check` checks a case (parseSdpaConfig,
 * then the design's names and ranges, and clocks that stay exact): the first bad one is a
 * ProgramError naming the file, the job and the field, before anything runs.
 */
export function expandSweep(spec: SweepSpec, file: string): ExpandedSweep {
  const listPoints = spec.list.length > 0 ? spec.list : [{}];
  // Counted before the points are made: 3,000 x 3,000 took 12 s and 2 GB to be refused.
  const count = spec.grid.reduce((n, { values }) => n * values.length, 1) * listPoints.length;
  if (count > MAX_JOBS) throw new ProgramError(`sweep file '${file}' expands into ${count} jobs (at most ${MAX_JOBS})`);
  const gridPoints = product(spec.grid);
  const jobs: SweepJob[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let position = 0;
  for (const g of gridPoints) {
    for (const l of listPoints) {
      const point = { ...g, ...l };
      const where = `sweep file '${file}', job ${position++}${Object.keys(point).length > 0 ? ` (${pointLabel(point)})` : ''}`;
      let job: SweepJob;
      try {
        job = createJob(jobs.length, point, parseSdpaConfig(applyPoint(spec.base, point)));
        // No machine runs a job whose clocks pass 2^53: refused with the file's other mistakes.
        refuseInexactClocks(job.resolved);
      } catch (error) {
        if (error instanceof ProgramError) throw new ProgramError(`${where}: ${error.message}`);
        throw error;
      }
      if (seen.has(job.hash)) {
        repeated++;
        continue;
      }
      seen.add(job.hash);
      jobs.push(job);
    }
  }
  return { jobs, repeated };
}

/** A job of a configuration: resolved (the design checks names and ranges) and hashed. */
export function createJob(index: number, point: Point, config: SdpaRunConfig): SweepJob {
  const resolved = { ...resolveSdpaConfig(config), ...executionChoices(config) };
  return { index, hash: jobHash(resolved), point, config, resolved };
}

/** Every combination of the axes' values, the first axis varying slowest. */
function product(grid: SweepSpec['grid']): Point[] {
  let points: Point[] = [{}];
  for (const { axis, values } of grid) points = points.flatMap((p) => values.map((v) => ({ ...p, [axis]: v })));
  return points;
}
