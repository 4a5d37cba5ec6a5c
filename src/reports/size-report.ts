import { formatCount, formatTable } from './table.js';
import type { SizingReport } from '../sweep/sizing.js';

const show = (value: number | null, none = '-'): string => (value === null ? none : formatCount(value));

/** The sizing next to the paper's rule and the published capacities, and the memory the minima save. */
export function formatSizing(report: SizingReport): string {
  const c = report.config;
  const lines = [
    `Sizing the ${c.design} design at N = ${c.n} (d = ${c.d}, heads = ${c.heads}); each channel searched with the others as configured`,
    `unbounded cycles: ${formatCount(report.unboundedCycles)}; as configured: ${report.configuredStatus === 'ok' ? `${show(report.configuredCycles)} cycles` : report.configuredStatus}`,
    '',
    formatTable(
      ['channel', 'configured', 'published', 'rule', 'full throughput', 'no deadlock', 'confirmed'],
      report.channels.map((s) => [
        s.channel,
        show(s.configured, 'unbounded'),
        formatCount(s.published),
        s.rule === null ? 'a row' : formatCount(s.rule),
        show(s.fullThroughput, 'none'),
        show(s.deadlockFree, 'none'),
        // A channel with no minimum has nothing to confirm: 'NO' read as a failed check.
        s.fullThroughput === null ? '-' : s.confirmed ? 'yes' : 'NO',
      ]),
    ),
    '',
    'full throughput: the smallest capacity that keeps the unbounded cycles; no deadlock: the smallest that finishes.',
    'rule: 2, plus L - 1 after a unit of latency L, plus II - 1 before a consumer with II > 1 (the paper; `a row`: the FIFO holds a score row).',
    'confirmed: at the minimum the cycles are the unbounded cycles; one below they are not, or the run deadlocks.',
    '',
  ];
  const joint = report.joint;
  const none = report.channels.filter((c) => c.fullThroughput === null).map((c) => c.channel);
  if (!joint.searched)
    lines.push(`joint run at every minimum: ${show(joint.cycles)} cycles, the unbounded cycles: the minima hold together`);
  else {
    const depths = Object.entries(joint.depth)
      .map(([channel, k]) => `${channel}=${formatCount(k)}`)
      .join(' ');
    // Why: one channel too small as configured can leave the others with no minimum alone, as
    // channels that limit together do; either way only the joint search can say.
    const why =
      none.length > 0
        ? `no capacity of ${none.join(', ')} alone reaches the unbounded cycles, the others as configured`
        : 'joint run at every minimum loses cycles: the minima interact';
    lines.push(`${why}. Joint minimum (no channel can go lower alone): ${depths}, ${show(joint.cycles)} cycles`);
  }
  const m = report.memory;
  // The joint search goes one channel at a time: a point no channel can go lower from, not the
  // least sum, so capacities as configured can hold less, whether they lose cycles or not.
  // A deadlocked run's cycles are where its units stopped (a source's clock), no throughput to compare.
  const configuredLoss =
    report.configuredStatus !== 'ok'
      ? `, whose run ${report.configuredStatus === 'deadlock' ? 'deadlocks' : 'fails'}`
      : report.configuredCycles !== report.unboundedCycles
        ? `, whose ${show(report.configuredCycles)} cycles are not the unbounded cycles`
        : '';
  const saving =
    m.configured === null
      ? ''
      : m.minimum > m.configured
        ? `: ${formatCount(m.minimum - m.configured)} more than configured${configuredLoss}`
        : `: saves ${formatCount(m.configured - m.minimum)} (${(((m.configured - m.minimum) / m.configured) * 100).toFixed(0)}%) against configured`;
  const rowNote = report.channels.some((s) => s.rule === null) ? ' (a row FIFO at its published capacity)' : '';
  lines.push(
    `intermediate memory (sum of capacities${report.config.heads > 1 ? `, ${report.config.heads} heads` : ''}): configured ${show(m.configured, 'unbounded')}, rule ${show(m.rule)}${rowNote}, minimum ${show(m.minimum)}${saving}`,
  );
  return lines.join('\n');
}
