import { formatCount, formatTable } from './table.js';
import { publishedCycles } from './published.js';
import type { SdpaRunResult } from '../designs/sdpa/run.js';
import { resolveSdpaConfig } from '../designs/sdpa/design.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/**
 * The published numbers hold only for the published latencies, IIs and capacities at d = 1 (the
 * modified design may be unbounded: same cycles), however they are spelt (`--depth qk=12` is
 * the published qk).
 */
export function publishedReference(config: ResolvedSdpaConfig): number | undefined {
  if (config.d !== 1) return undefined;
  const { design, n, heads } = config;
  const settings = ({ latency, ii, depth }: ResolvedSdpaConfig): string => JSON.stringify([latency, ii, depth]);
  const given = settings(config);
  const published = [
    resolveSdpaConfig({ design, n, heads }),
    ...(design === 'modified' ? [resolveSdpaConfig({ design, n, heads, unbounded: true })] : []),
  ];
  if (!published.some((p) => settings(p) === given)) return undefined;
  return publishedCycles(design, n);
}

export function formatSummary(result: SdpaRunResult): string {
  const lines = [
    `design ${result.design}, N = ${result.n}, d = ${result.d}, heads = ${result.heads}, ${result.engine} engine, workers = ${result.workers}`,
    `status: ${result.status}`,
    `cycles: ${formatCount(result.cycles)}`,
  ];
  const published = publishedReference(result.config);
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
      [
        ...head(0).map(() => 'head'),
        'channel',
        'capacity',
        'peak',
        'tokens',
        'cycles full',
        // Not 'empty': an element in flight (sent, not yet due at the receiver's clock) occupies the FIFO meanwhile.
        'receiver waiting for data',
        'sender waiting for room',
      ],
      result.channels.map((c) => [
        ...head(c.head),
        c.name,
        formatCount(c.capacity),
        formatCount(c.peakOccupancy),
        formatCount(c.tokens),
        formatCount(c.fullCycles),
        formatCount(c.emptyWaitCycles),
        // Backpressure, what sizing a FIFO is about: the sender's cycles waiting for room (the JSON's roomWaitCycles).
        formatCount(c.roomWaitCycles),
      ]),
    ),
  );
  lines.push('');
  const mem = result.intermediateMemory;
  lines.push(`intermediate memory: capacity ${formatCount(mem.capacity)}, peak occupancy ${formatCount(mem.peakOccupancy)}`);
  return lines.join('\n');
}
