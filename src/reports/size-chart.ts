import type { TopLevelSpec } from 'vega-lite';
import type { SizingReport } from '../sweep/sizing.js';

/**
 * Capacity against cycles for each channel, from every run the search made that finished; a
 * dashed rule at the unbounded cycles. The capacities whose runs deadlocked have no cycles to
 * draw: the subtitle names them (`long at 40, 49, 60, 63`), so that a channel's line starting
 * at 64 does not read as the search's range. Capacities are whole numbers: the axis ticks are
 * powers of two (a log scale from 1 to 8 had ticks at 1.5, 2.5, 3.5, 4.5, 6.5 and 7.5).
 */
export function sizeChart(report: SizingReport, title: string): TopLevelSpec {
  const seen = new Set<string>();
  const values = report.probes
    .filter((p) => p.status === 'ok' && !seen.has(`${p.channel}=${p.capacity}`) && seen.add(`${p.channel}=${p.capacity}`))
    .map((p) => ({ ...p, description: `${p.channel} capacity ${p.capacity}: ${p.cycles} cycles` }))
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.capacity - b.capacity);
  const deadlocked = deadlockedCapacities(report);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: deadlocked === null ? title : { text: title, subtitle: deadlocked },
    width: 480,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'capacity',
            type: 'quantitative',
            scale: { type: 'log', base: 2 },
            // Vega-Lite leaves a log axis's tickMinStep out: the ticks are named.
            axis: { values: powersOfTwoTo(Math.max(1, ...values.map((v) => v.capacity))) },
            title: 'capacity (elements)',
          },
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

/** 1, 2, 4, ... up to the first power of two at or above `max`: where a log scale of base 2 ends once made nice. */
function powersOfTwoTo(max: number): number[] {
  const powers = [1];
  while (powers.at(-1)! < max) powers.push(powers.at(-1)! * 2);
  return powers;
}

/** "deadlocked, not drawn: long at 40, 49, 60, 63", each channel's capacities in order, or null when no run deadlocked. */
function deadlockedCapacities(report: SizingReport): string | null {
  const byChannel = new Map<string, Set<number>>();
  for (const p of report.probes) {
    if (p.status !== 'deadlock') continue;
    const capacities = byChannel.get(p.channel) ?? new Set<number>();
    byChannel.set(p.channel, capacities.add(p.capacity));
  }
  if (byChannel.size === 0) return null;
  const each = [...byChannel].map(([channel, capacities]) => `${channel} at ${[...capacities].sort((a, b) => a - b).join(', ')}`);
  return `deadlocked, not drawn: ${each.join('; ')}`;
}
