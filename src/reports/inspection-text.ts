import { formatCount, formatTable } from './table.js';
import type { Inspection } from '../session/inspection.js';

/** Elements of a channel a line shows. */
const SHOWN = 4;

/** An inspection as text: the cycle, every unit's clock and wait, every channel's contents. */
export function formatInspection(inspection: Inspection): string {
  const lines = [`cycle ${inspection.cycle} (${inspection.status}); rows taken by the sinks: ${inspection.rows}`, ''];
  lines.push(
    formatTable(
      ['unit', 'clock', 'state'],
      inspection.units.map((u) => [u.name, formatCount(u.clock), [u.state, ...u.waits.map(waitText)].join(': ')]),
    ),
    '',
  );
  lines.push(
    formatTable(
      ['channel', 'capacity', 'occupancy', 'held', 'elements (time: value)'],
      inspection.channels.map((c) => {
        const shown = c.elements
          .slice(0, SHOWN)
          .map(
            (e) =>
              `${e.time}: ${typeof e.value === 'number' ? e.value.toPrecision(4) : `[${e.value.map((v) => v.toPrecision(4)).join(' ')}]`}`,
          );
        if (c.held - c.letGo > shown.length) shown.push('...');
        // A deep FIFO whose receiver is blocked for good had shown ', ...' alone, or its tail as if its head.
        if (c.letGo > 0) shown.unshift(`${formatCount(c.letGo)} let go (never to be read, not kept)`);
        return [
          c.name,
          c.capacity === null ? 'unbounded' : formatCount(c.capacity),
          formatCount(c.occupancy),
          formatCount(c.held),
          shown.join(', '),
        ];
      }),
    ),
  );
  return lines.join('\n');
}

function waitText(w: Inspection['units'][number]['waits'][number]): string {
  if (w.on === 'clock') return `clock of ${w.peer} to reach ${w.until} (${w.channel})`;
  return `${w.on} on ${w.channel} (${w.on === 'data' ? 'from' : 'to'} ${w.peer})`;
}
