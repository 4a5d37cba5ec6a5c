import type { TopLevelSpec } from 'vega-lite';
import type { SizingReport } from '../sweep/sizing.js';

/** Capacity against cycles for each channel, from every run the search made that finished; a dashed rule at the unbounded cycles. */
export function sizeChart(report: SizingReport, title: string): TopLevelSpec {
  const seen = new Set<string>();
  const values = report.probes
    .filter((p) => p.status === 'ok' && !seen.has(`${p.channel}=${p.capacity}`) && seen.add(`${p.channel}=${p.capacity}`))
    .map((p) => ({ ...p, description: `${p.channel} capacity ${p.capacity}: ${p.cycles} cycles` }))
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.capacity - b.capacity);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'capacity', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'capacity (elements)' },
          y: { field: 'cycles', type: 'quantitative', scale: { zero: false }, title: 'cycles' },
          color: { field: 'channel', type: 'nominal' },
          order: { field: 'capacity' },
          description: { field: 'description' },
        },
      },
      {
        data: { values: [{ cycles: report.unboundedCycles }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'cycles', type: 'quantitative' }, description: { value: `unbounded: ${report.unboundedCycles} cycles` } },
      },
    ],
  };
}
