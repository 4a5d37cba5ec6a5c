import { axisApplies, axisLabel, axisValueOf } from '../sweep/axis.js';
import type { TopLevelSpec } from 'vega-lite';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { Point } from '../sweep/axis.js';
import type { JobRecord } from '../sweep/sweep-job.js';

/** The figures a sweep chart draws, one panel each. */
const METRICS = [
  { key: 'cycles', title: 'cycles', value: (r: JobRecord) => r.cycles },
  { key: 'memory', title: 'intermediate memory (sum of capacities)', value: (r: JobRecord) => r.intermediateMemory?.capacity ?? null },
  {
    key: 'peak',
    title: 'peak occupancy (sum over intermediate FIFOs)',
    value: (r: JobRecord) => r.intermediateMemory?.peakOccupancy ?? null,
  },
] as const;

/**
 * Every figure drawn is a whole number (n, d, a capacity, a latency, cycles, elements): a tick
 * between two is left unlabelled, where depth.qk from 2 to 4 had read 2.0, 2.2, 2.4, ... and
 * memory 34.0, 34.5, ... Vega-Lite 5.23 drops an axis's tickMinStep (its default rule returns
 * one only for the format 'd', which writes 10000000 for 10,000,000).
 */
const WHOLE_NUMBER_LABELS = { labelExpr: "datum.value % 1 ? '' : format(datum.value, ',')" };

export interface SweepChartPoint {
  readonly job: number;
  readonly metric: (typeof METRICS)[number]['key'];
  /** The axis value; on an axis that is not all numbers, null reads 'unbounded' (a depth) or 'none'. */
  readonly x: number | string | boolean;
  readonly series: string;
  readonly value: number;
  /** What the point's aria-label says: the job, the metric and its exact value. */
  readonly description: string;
}

/** A job as the chart reads it: its point and the whole configuration. */
export interface ChartedJob {
  readonly point: Point;
  readonly config: ResolvedSdpaConfig;
}

/** The axes of the jobs' points along which their values differ, in the order the points name them. */
export function varyingAxes(jobs: readonly ChartedJob[]): string[] {
  const names = [...new Set(jobs.flatMap((j) => Object.keys(j.point)))];
  return names.filter((axis) => new Set(jobs.map((j) => JSON.stringify(axisValueOf(j.point, j.config, axis)))).size > 1);
}

/**
 * Why `x` cannot be a chart's x axis for these jobs (every point would stand at one x: an axis
 * the sweep does not vary, a channel no design has), or null.
 */
export function flatAxis(jobs: readonly ChartedJob[], x: string): string | null {
  const values = new Set(jobs.map((j) => JSON.stringify(axisValueOf(j.point, j.config, x))));
  if (values.size > 1) return null;
  const varying = varyingAxes(jobs);
  return `--x ${x}: every job of this sweep has ${x} = ${[...values][0] ?? 'nothing'}, so every point would stand at one x; ${varying.length === 0 ? 'no axis varies' : `the axes that vary: ${varying.join(', ')}`}`;
}

/**
 * The x axis is the one asked for, else the first varying one that is all numbers, else the
 * first varying one (a depth axis with an unbounded value, say), else `n`; the series are the
 * other varying axes.
 */
export function chartAxes(jobs: readonly ChartedJob[], x?: string): { x: string; series: string[] } {
  const varying = varyingAxes(jobs);
  const numeric = varying.find((axis) => jobs.every((j) => typeof axisValueOf(j.point, j.config, axis) === 'number'));
  const chosen = x ?? numeric ?? varying[0] ?? 'n';
  return { x: chosen, series: varying.filter((axis) => axis !== chosen) };
}

/** One point per finished job ('ok') and figure; a figure that is not a number (unbounded) has none. */
export function sweepChartPoints(records: readonly JobRecord[], x: string, series: readonly string[]): SweepChartPoint[] {
  const points: SweepChartPoint[] = [];
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const values = series.map((axis) => String(axisLabel(r.point, r.config, axis)));
    // An axis with no value for this job (an entry of a list that does not name it, and that the
    // configuration does not hold, such as uniformDepth) is left out: `(design=naive)`, not
    // `(design=naive, unbounded=null, uniformDepth=null)`. A depth's null is a value: unbounded,
    // but for a channel the job's design does not have (`depth.long` on the modified design).
    const named = series.flatMap((axis, i) =>
      axisValueOf(r.point, r.config, axis) === null && !(axis.startsWith('depth.') && axisApplies(r.point, r.config, axis))
        ? []
        : [`${axis}=${values[i]}`],
    );
    const label = series.length === 0 ? 'all' : named.join(', ') || 'base';
    // The legend's title names a lone axis: its entries need only the values.
    const legend = series.length === 1 ? values[0]! : label;
    const xValue = axisLabel(r.point, r.config, x);
    for (const m of METRICS) {
      const value = m.value(r);
      if (value === null) continue;
      points.push({
        job: r.index,
        metric: m.key,
        x: xValue,
        series: legend,
        value,
        description: `job ${r.index}: ${m.key} ${value} at ${x}=${String(xValue)} (${label})`,
      });
    }
  }
  return points.sort((a, b) => a.job - b.job);
}

/**
 * Cycles, intermediate memory and peak occupancy against one axis, a line per value of the other
 * axes. The jobs that did not finish are not drawn, and the subtitle says how many.
 */
export function sweepChart(
  records: readonly JobRecord[],
  title: string,
  xAxis?: string,
): { spec: TopLevelSpec; points: SweepChartPoint[]; notDrawn: string | null } {
  const { x, series } = chartAxes(records, xAxis);
  const points = sweepChartPoints(records, x, series);
  const numericX = points.every((p) => typeof p.x === 'number');
  const notDrawn = unfinished(records);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: notDrawn === null ? title : { text: title, subtitle: notDrawn },
    data: { values: points as unknown as Record<string, unknown>[] },
    // One x scale for the three panels, so that an x stands at one place in each: a panel whose
    // figure some jobs lack (the memory of unbounded jobs) had its own, and its points stood
    // elsewhere than the cycles of the same jobs above it.
    resolve: { scale: { x: 'shared' } },
    vconcat: METRICS.map((m) => ({
      title: panelTitle(m, records),
      width: 420,
      height: 160,
      transform: [{ filter: { field: 'metric', equal: m.key } }],
      mark: { type: 'line', point: true },
      encoding: {
        // Values other than numbers in the sweep's order (2, 4, 8, unbounded), not sorted as text.
        x: {
          field: 'x',
          type: numericX ? 'quantitative' : 'ordinal',
          title: x,
          ...(numericX ? { scale: { zero: false }, axis: WHOLE_NUMBER_LABELS } : { sort: null }),
        },
        y: { field: 'value', type: 'quantitative', title: m.key, scale: { zero: false }, axis: WHOLE_NUMBER_LABELS },
        color: { field: 'series', type: 'nominal', title: series.join(', ') || ' ', legend: { labelLimit: 0 } },
        order: { field: 'x' },
        description: { field: 'description' },
      },
    })),
  };
  return { spec, points, notDrawn };
}

/**
 * A panel's title, which says how many finished jobs it leaves out: the memory of a job with an
 * unbounded FIFO is no number, and its line had been missing from the panel without a word.
 */
function panelTitle(metric: (typeof METRICS)[number], records: readonly JobRecord[]): string {
  const none = records.filter((r) => r.status === 'ok' && metric.value(r) === null).length;
  return none === 0 ? metric.title : `${metric.title}; not drawn: ${none} job(s) with an unbounded FIFO`;
}

/** "2 of 8 jobs (1 deadlocked, 1 failed)", or null when every job finished. */
function unfinished(records: readonly JobRecord[]): string | null {
  const deadlocked = records.filter((r) => r.status === 'deadlock').length;
  const failed = records.filter((r) => r.status === 'failed').length;
  if (deadlocked + failed === 0) return null;
  const why = [deadlocked > 0 ? `${deadlocked} deadlocked` : '', failed > 0 ? `${failed} failed` : ''].filter(Boolean).join(', ');
  return `${deadlocked + failed} of ${records.length} jobs left out, unfinished: ${why}`;
}
