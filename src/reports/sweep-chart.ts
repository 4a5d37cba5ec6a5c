import { axisValueOf } from '../sweep/axis.js';
import type { TopLevelSpec } from 'vega-lite';
import type { AxisValue } from '../sweep/axis.js';
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

export interface SweepChartPoint {
  readonly job: number;
  readonly metric: (typeof METRICS)[number]['key'];
  readonly x: AxisValue;
  readonly series: string;
  readonly value: number;
  /** What the point's aria-label says: the job, the metric and its exact value. */
  readonly description: string;
}

/**
 * The axes that vary among the records, in the order their points name them: the x axis is
 * the one asked for, else the first numeric one (else `n`); the series are the others.
 */
export function chartAxes(records: readonly JobRecord[], x?: string): { x: string; series: string[] } {
  const names = [...new Set(records.flatMap((r) => Object.keys(r.point)))];
  const varying = names.filter((axis) => new Set(records.map((r) => JSON.stringify(axisValueOf(r.point, r.config, axis)))).size > 1);
  const numeric = varying.find((axis) => records.every((r) => typeof axisValueOf(r.point, r.config, axis) === 'number'));
  const chosen = x ?? numeric ?? 'n';
  return { x: chosen, series: varying.filter((axis) => axis !== chosen) };
}

/** One point per finished job ('ok') and figure; a figure that is not a number (unbounded) has none. */
export function sweepChartPoints(records: readonly JobRecord[], x: string, series: readonly string[]): SweepChartPoint[] {
  const points: SweepChartPoint[] = [];
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const values = series.map((axis) => String(axisValueOf(r.point, r.config, axis)));
    const label = series.map((axis, i) => `${axis}=${values[i]}`).join(', ') || 'all';
    // The legend's title names a lone axis: its entries need only the values.
    const legend = series.length === 1 ? values[0]! : label;
    const xValue = axisValueOf(r.point, r.config, x);
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

/** Cycles, intermediate memory and peak occupancy against one axis, a line per value of the other axes. */
export function sweepChart(
  records: readonly JobRecord[],
  title: string,
  xAxis?: string,
): { spec: TopLevelSpec; points: SweepChartPoint[] } {
  const { x, series } = chartAxes(records, xAxis);
  const points = sweepChartPoints(records, x, series);
  const numericX = points.every((p) => typeof p.x === 'number');
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points as unknown as Record<string, unknown>[] },
    vconcat: METRICS.map((m) => ({
      title: m.title,
      width: 420,
      height: 160,
      transform: [{ filter: { field: 'metric', equal: m.key } }],
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: numericX ? 'quantitative' : 'ordinal', title: x, ...(numericX ? { scale: { zero: false } } : {}) },
        y: { field: 'value', type: 'quantitative', title: m.key, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: series.join(', ') || ' ', legend: { labelLimit: 0 } },
        order: { field: 'x' },
        description: { field: 'description' },
      },
    })),
  };
  return { spec, points };
}
