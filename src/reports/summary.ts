import { formatCount, formatTable } from './table.js';
import { publishedCycles } from './published.js';
import type { SdpaRunResult } from '../designs/sdpa/run.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';

/**
 * The published numbers hold only for the published latencies and II at d = 1 (capacities
 * may be unbounded for the modified design: same cycles).
 */
export function publishedReference(config: SdpaRunConfig): number | undefined {
  const overridden =
    Object.keys(config.latency ?? {}).length > 0 ||
    Object.keys(config.ii ?? {}).length > 0 ||
    Object.keys(config.depth ?? {}).length > 0 ||
    config.uniformDepth !== undefined ||
    (config.unbounded === true && config.design !== 'modified');
  if (overridden || (config.d ?? 1) !== 1) return undefined;
  return publishedCycles(config.design, config.n);
}

export function formatSummary(config: SdpaRunConfig, result: SdpaRunResult): string {
  const lines = [
    `design ${result.design}, N = ${result.n}, d = ${result.d}, heads = ${result.heads}, ${result.engine} engine, workers = ${result.workers}`,
    `status: ${result.status}`,
    `cycles: ${formatCount(result.cycles)}`,
  ];
  const published = publishedReference(config);
  if (published !== undefined) {
    const verdict = published === result.cycles ? 'match' : `differs by ${result.cycles - published}`;
    lines.push(`published: ${formatCount(published)} (${verdict})`);
  }
  if (result.maxError !== null) lines.push(`max error vs reference: ${result.maxError.toExponential(2)}`);
  lines.push(`wall time: ${result.wallSeconds.toFixed(3)} s`);
  lines.push('');
  const multiHead = result.heads > 1;
  const head = (h: number): string[] => (multiHead ? [String(h)] : []);
  lines.push(
    formatTable(
      [...head(0).map(() => 'head'), 'unit', 'final clock', 'busy', 'stalled for input', 'stalled for room'],
      result.units.map((u) => [
        ...head(u.head),
        u.name,
        formatCount(u.finalClock),
        formatCount(u.busyCycles),
        formatCount(u.inputStallCycles),
        formatCount(u.roomStallCycles),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      [...head(0).map(() => 'head'), 'channel', 'capacity', 'peak', 'tokens', 'cycles full', 'empty, receiver waiting'],
      result.channels.map((c) => [
        ...head(c.head),
        c.name,
        formatCount(c.capacity),
        formatCount(c.peakOccupancy),
        formatCount(c.tokens),
        formatCount(c.fullCycles),
        formatCount(c.emptyWaitCycles),
      ]),
    ),
  );
  lines.push('');
  const mem = result.intermediateMemory;
  lines.push(`intermediate memory: capacity ${formatCount(mem.capacity)}, peak occupancy ${formatCount(mem.peakOccupancy)}`);
  return lines.join('\n');
}
