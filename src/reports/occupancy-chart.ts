import type { TopLevelSpec } from 'vega-lite';
import type { TimelineChannel } from '../engines/timeline.js';

/** Most points a channel's chart draws: a page stays light whatever the run's length. */
const MAX_POINTS = 3000;

interface Point {
  readonly cycle: number;
  readonly occupancy: number;
}

/**
 * A channel's occupancy over simulated time as a Vega-Lite step chart, its peak marked (the
 * mark's aria-label reads 'NAME: peak occupancy P at cycle C', and ends 'in the window (cycles
 * S to E)' when the timeline is a `window` of the run, whose peak may be lower than the run's)
 * and its capacity drawn.
 */
export function occupancySpec(channel: TimelineChannel, window: { readonly start: number; readonly end: number } | null): TopLevelSpec {
  const points = plotted(channel);
  let peak = points[0]!;
  for (const p of points) if (p.occupancy > peak.occupancy) peak = p;
  const x = { field: 'cycle', type: 'quantitative', title: 'cycle' } as const;
  const y = { field: 'occupancy', type: 'quantitative', title: 'occupancy' } as const;
  const capacity = channel.capacity === null ? 'unbounded' : `capacity ${channel.capacity}`;
  const within = window === null ? '' : ` in the window (cycles ${window.start} to ${window.end})`;
  return {
    title: { text: `${channel.name} (${capacity})`, anchor: 'start', fontSize: 12 },
    width: 640,
    height: 80,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', interpolate: 'step-after', color: '#4c78a8' },
        encoding: { x, y },
      },
      {
        data: { values: [{ ...peak, label: `${channel.name}: peak occupancy ${peak.occupancy} at cycle ${peak.cycle}${within}` }] },
        mark: { type: 'point', filled: true, color: '#d62728', size: 40 },
        encoding: { x, y, description: { field: 'label' } },
      },
    ],
  };
}

/**
 * The samples to draw: all of them when few; else, in each of MAX_POINTS / 3 stretches of time,
 * the first, lowest and highest, so no peak or trough is lost.
 */
function plotted(channel: TimelineChannel): Point[] {
  const { at, occupancy } = channel;
  const all = (i: number): Point => ({ cycle: at[i]!, occupancy: occupancy[i]! });
  if (at.length <= MAX_POINTS) return at.map((_, i) => all(i));
  const buckets = Math.floor(MAX_POINTS / 3);
  const start = at[0]!;
  const span = at[at.length - 1]! - start + 1;
  const points: Point[] = [];
  let i = 0;
  for (let b = 0; b < buckets && i < at.length; b++) {
    const end = start + (span * (b + 1)) / buckets;
    const first = i;
    let low = i;
    let high = i;
    for (; i < at.length && at[i]! < end; i++) {
      if (occupancy[i]! < occupancy[low]!) low = i;
      if (occupancy[i]! > occupancy[high]!) high = i;
    }
    for (const k of [...new Set([first, low, high])].sort((p, q) => p - q)) if (k < i) points.push(all(k));
  }
  if (points[points.length - 1]!.cycle !== at[at.length - 1]) points.push(all(at.length - 1));
  return points;
}
