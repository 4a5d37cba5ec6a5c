import { escapeMarkup } from './markup.js';
import type { BlockedWait, DeadlockReport } from '../engines/run-result.js';

const NODE_RADIUS = 34;

/**
 * The wait-for graph of a deadlock as SVG: a node per unit involved (blocked ones with their
 * clock), an arrow from each blocked unit to the unit it waits on, labelled with what it waits
 * for and on which channel. Vega-Lite has no graph mark; a ring of nodes is all this needs, so
 * it is drawn here. Each arrow carries its figures as data attributes and a title.
 */
export function deadlockSvg(report: DeadlockReport): string {
  const clocks = new Map(report.blocked.map((b) => [b.unit, b.clock]));
  const names = [...new Set(report.blocked.flatMap((b) => [b.unit, ...b.waits.map((w) => w.peer)]))];
  const radius = Math.max(140, (names.length * (2 * NODE_RADIUS + 40)) / (2 * Math.PI));
  const size = 2 * (radius + NODE_RADIUS + 60);
  const centre = size / 2;
  const position = new Map(
    names.map((name, i) => {
      const angle = (2 * Math.PI * i) / names.length - Math.PI / 2;
      return [name, { x: centre + radius * Math.cos(angle), y: centre + radius * Math.sin(angle) }];
    }),
  );
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="deadlock-graph" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="deadlock: who waits on whom">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#b22"/></marker></defs>',
  ];
  for (const b of report.blocked)
    for (const w of b.waits) parts.push(edge(b.unit, b.clock, w, position.get(b.unit)!, position.get(w.peer)!));
  for (const name of names) {
    const { x, y } = position.get(name)!;
    const clock = clocks.get(name);
    const state = clock === undefined ? 'not blocked' : `blocked at clock ${clock}`;
    parts.push(
      `<g class="unit" data-unit="${escapeMarkup(name)}"${clock === undefined ? '' : ` data-clock="${clock}"`}>` +
        `<title>${escapeMarkup(`${name}: ${state}`)}</title>` +
        `<circle cx="${x}" cy="${y}" r="${NODE_RADIUS}" fill="${clock === undefined ? '#eee' : '#fdd'}" stroke="#444"/>` +
        `<text x="${x}" y="${y - 3}" text-anchor="middle" font-size="11">${escapeMarkup(name)}</text>` +
        (clock === undefined ? '' : `<text x="${x}" y="${y + 11}" text-anchor="middle" font-size="10">@ ${clock}</text>`) +
        '</g>',
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** An arrow curving to its right, so two units waiting on each other show two arrows. */
function edge(unit: string, clock: number, wait: BlockedWait, from: { x: number; y: number }, to: { x: number; y: number }): string {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / length, dy / length];
  const start = { x: from.x + ux * NODE_RADIUS, y: from.y + uy * NODE_RADIUS };
  const end = { x: to.x - ux * NODE_RADIUS, y: to.y - uy * NODE_RADIUS };
  const bend = { x: (start.x + end.x) / 2 - uy * 30, y: (start.y + end.y) / 2 + ux * 30 };
  const what = wait.on === 'clock' ? `clock ${wait.until} of` : `${wait.on} from`;
  const text = wait.on === 'clock' ? `clock ≥ ${wait.until} (${wait.channel})` : `${wait.on} on ${wait.channel}`;
  const title = `${unit} (at clock ${clock}) waits for ${what} ${wait.peer} on channel ${wait.channel}`;
  const until = wait.until === undefined ? '' : ` data-until="${wait.until}"`;
  return (
    `<g class="wait" data-unit="${escapeMarkup(unit)}" data-peer="${escapeMarkup(wait.peer)}" data-on="${wait.on}" data-channel="${escapeMarkup(wait.channel)}" data-clock="${clock}"${until}>` +
    `<title>${escapeMarkup(title)}</title>` +
    `<path d="M${start.x},${start.y} Q${bend.x},${bend.y} ${end.x},${end.y}" fill="none" stroke="#b22" stroke-width="1.5" marker-end="url(#arrow)"/>` +
    `<text x="${bend.x}" y="${bend.y}" text-anchor="middle" font-size="10" fill="#700">${escapeMarkup(text)}</text>` +
    '</g>'
  );
}
