import { DESIGN_DEFS, publishedDepth } from '../designs/sdpa/design.js';
import type { TopLevelSpec } from 'vega-lite';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/** What the chart needs of a run: its line (memorySeries), N and intermediate memory. */
export interface MemoryPoint {
  readonly series: string;
  readonly n: number;
  readonly capacity: number | null;
  readonly peakOccupancy: number;
}

/**
 * The line of each configuration: its design, and whatever else sets it apart from the others
 * besides N (d, heads, seed, capacities, latencies, IIs). Capacities count as published where
 * they are the published ones at their N (which grow with N), so that the published runs of a
 * design make one line, and its unbounded runs another; a line never joins two configurations.
 */
export function memorySeries(configs: readonly ResolvedSdpaConfig[]): string[] {
  const traits = settingsApart(configs);
  return configs.map((c, i) => [c.design, traits[i]!].filter((part) => part !== '').join(', '));
}

/**
 * What sets each configuration apart from the others besides its design and N (memorySeries'
 * words: `latency div=30`, `unbounded`, `d=4`), '' where nothing does.
 */
export function settingsApart(configs: readonly ResolvedSdpaConfig[]): string[] {
  const traits = configs.map((c) => ({
    d: `d=${c.d}`,
    heads: `${c.heads} heads`,
    seed: `seed ${c.seed}`,
    depth: depthTrait(c),
    latency: changed('latency', c.latency, (name) => DESIGN_DEFS[c.design].units.find((u) => u.name === name)?.latency),
    ii: changed('II', c.ii, (name) => DESIGN_DEFS[c.design].units.find((u) => u.name === name)?.ii),
  }));
  const keys = Object.keys(traits[0] ?? {}) as (keyof (typeof traits)[number])[];
  const varying = keys.filter((key) => new Set(traits.map((t) => t[key])).size > 1);
  return configs.map((_, i) =>
    varying
      .map((key) => traits[i]![key])
      .filter((part) => part !== '')
      .join(', '),
  );
}

/** A configuration's capacities in a few words: published FIFOs, unbounded, uniform depth K, or the ones set apart. */
function depthTrait(config: ResolvedSdpaConfig): string {
  const def = DESIGN_DEFS[config.design];
  const values = Object.values(config.depth);
  if (values.every((v) => v === null)) return 'unbounded';
  if (values.every((v) => v === values[0]) && def.channels.some((c) => publishedDepth(c.capacity, config.n) !== values[0]))
    return `uniform depth ${values[0]}`;
  return (
    changed('depth', config.depth, (name) => {
      const channel = def.channels.find((c) => c.name === name);
      return channel === undefined ? undefined : publishedDepth(channel.capacity, config.n);
    }) || 'published FIFOs'
  );
}

/** `latency qkt=20 h1/div=3`: the settings that differ from the design's (a head's own always do). */
function changed(what: string, values: Readonly<Record<string, number | null>>, published: (name: string) => number | undefined): string {
  const set = Object.entries(values).filter(([name, v]) => v !== published(name));
  return set.length === 0 ? '' : `${what} ${set.map(([name, v]) => `${name}=${v ?? 'unbounded'}`).join(' ')}`;
}

/**
 * Intermediate memory against N, one line per configuration (memorySeries) and measure (sum of
 * capacities, sum of peak occupancies; an unbounded capacity has no point), N on a log scale;
 * each point's aria-label reads 'SERIES N=n: MEASURE v'.
 */
export function memorySpec(points: readonly MemoryPoint[]): TopLevelSpec {
  const values = points.flatMap((p) => [
    ...(p.capacity === null ? [] : [{ series: p.series, n: p.n, measure: 'capacity', value: p.capacity }]),
    { series: p.series, n: p.n, measure: 'peak occupancy', value: p.peakOccupancy },
  ]);
  const labelled = values.map((v) => ({ ...v, label: `${v.series} N=${v.n}: ${v.measure} ${v.value}` }));
  const axes = {
    x: { field: 'n', type: 'quantitative', title: 'N', scale: { type: 'log', base: 2 } },
    y: { field: 'value', type: 'quantitative', title: 'intermediate memory (elements)' },
    color: { field: 'series', type: 'nominal', title: 'configuration', legend: { labelLimit: 0 } },
  } as const;
  return {
    title: { text: 'Intermediate memory against N', anchor: 'start' },
    width: 560,
    height: 280,
    data: { values: labelled },
    layer: [
      { mark: { type: 'line' }, encoding: { ...axes, strokeDash: { field: 'measure', type: 'nominal' } } },
      {
        mark: { type: 'point', filled: true },
        // The measure's legend is the lines' (strokeDash): one legend, not two of one title.
        encoding: { ...axes, shape: { field: 'measure', type: 'nominal', legend: null }, description: { field: 'label' } },
      },
    ],
  };
}
