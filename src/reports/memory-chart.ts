import type { TopLevelSpec } from 'vega-lite';

/** What the chart needs of a run: its design, N and intermediate memory. */
export interface MemoryPoint {
  readonly design: string;
  readonly n: number;
  readonly capacity: number | null;
  readonly peakOccupancy: number;
}

/**
 * Intermediate memory against N, one line per design and measure (sum of capacities, sum of
 * peak occupancies; an unbounded capacity has no point), N on a log scale; each point's
 * aria-label reads 'DESIGN N=n: MEASURE v'.
 */
export function memorySpec(points: readonly MemoryPoint[]): TopLevelSpec {
  const values = points.flatMap((p) => [
    ...(p.capacity === null ? [] : [{ design: p.design, n: p.n, measure: 'capacity', value: p.capacity }]),
    { design: p.design, n: p.n, measure: 'peak occupancy', value: p.peakOccupancy },
  ]);
  const labelled = values.map((v) => ({ ...v, label: `${v.design} N=${v.n}: ${v.measure} ${v.value}` }));
  const axes = {
    x: { field: 'n', type: 'quantitative', title: 'N', scale: { type: 'log', base: 2 } },
    y: { field: 'value', type: 'quantitative', title: 'intermediate memory (elements)' },
    color: { field: 'design', type: 'nominal' },
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
        encoding: { ...axes, shape: { field: 'measure', type: 'nominal' }, description: { field: 'label' } },
      },
    ],
  };
}
