import { formatTable } from './table.js';
import type { Inspection } from '../session/inspection.js';

/** Elements of a channel a line shows. */
const SHOWN = 4;

/** An inspection as text: the cycle, every unit's clock and wait, every channel's contents. */
export function formatInspection(inspection: Inspection): string {
  const lines = [`cycle ${inspection.cycle} (${inspection.status}); rows taken by the sinks: ${inspection.rows}`, ''];
  lines.push(
    formatTable(
      ['unit', 'clock', 'state'],
      inspection.units.map((u) => [u.name, String(u.clock), [u.state, ...u.waits.map(waitText)].join(': ')]),
    ),
    '',
  );
  lines.push(
    formatTable(
      ['channel', 'capacity', 'occupancy', 'held', 'elements (time: value)'],
      inspection.channels.map((c) => [
        c.name,
        c.capacity === null ? 'unbounded' : String(c.capacity),
        String(c.occupancy),
        String(c.held),
        c.elements
          .slice(0, SHOWN)
          .map(
            (e) =>
              `${e.time}: ${typeof e.value === 'number' ? e.value.toPrecision(4) : `[${e.value.map((v) => v.toPrecision(4)).join(' ')}]`}`,
          )
          .join(', ') + (c.held > SHOWN ? ', ...' : ''),
      ]),
    ),
  );
  return lines.join('\n');
}

function waitText(w: Inspection['units'][number]['waits'][number]): string {
  if (w.on === 'clock') return `clock of ${w.peer} to reach ${w.until} (${w.channel})`;
  return `${w.on} on ${w.channel} (${w.on === 'data' ? 'from' : 'to'} ${w.peer})`;
}
