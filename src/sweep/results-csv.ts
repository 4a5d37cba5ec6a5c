import { DESIGN_DEFS, DESIGNS } from '../designs/sdpa/design.js';
import { channelPeak } from './sweep-job.js';
import type { StoredRecord } from './sweep-job.js';

const unique = (names: string[]): string[] => [...new Set(names)];
/** Both designs' units and channels, so that one header serves any sweep (a cell is empty where a design has no such name). */
const UNITS = unique(DESIGNS.flatMap((d) => DESIGN_DEFS[d].units.map((u) => u.name)));
const CHANNELS = unique(DESIGNS.flatMap((d) => DESIGN_DEFS[d].channels.map((c) => c.name)));

type Cell = string | number | boolean | null | undefined;

const COLUMNS: readonly (readonly [string, (r: StoredRecord) => Cell])[] = [
  ['index', (r) => r.index],
  ['hash', (r) => r.hash],
  ['status', (r) => r.status],
  ['design', (r) => r.config.design],
  ['n', (r) => r.config.n],
  ['d', (r) => r.config.d],
  ['heads', (r) => r.config.heads],
  ['seed', (r) => r.config.seed],
  ['engine', (r) => r.config.engine ?? 'auto'],
  ['fast_forward', (r) => r.config.fastForward ?? true],
  ['timing_only', (r) => r.config.timingOnly ?? false],
  ['cycles', (r) => r.cycles],
  ['intermediate_capacity', (r) => (r.intermediateMemory === null ? null : (r.intermediateMemory.capacity ?? 'unbounded'))],
  ['intermediate_peak', (r) => r.intermediateMemory?.peakOccupancy],
  ['max_error', (r) => r.maxError],
  ['error', (r) => r.error],
  ['wall_seconds', (r) => r.wallSeconds],
  ['host', (r) => r.ranOn.host],
  ['pid', (r) => r.ranOn.pid],
  ['via', (r) => r.ranOn.via],
  ['build', (r) => r.build],
  ['finished_at', (r) => r.finishedAt],
  ...UNITS.map((u) => [`latency.${u}`, (r: StoredRecord) => r.config.latency[u]] as const),
  ...UNITS.map((u) => [`ii.${u}`, (r: StoredRecord) => r.config.ii[u]] as const),
  ...CHANNELS.map((c) => [`depth.${c}`, (r: StoredRecord) => depthCell(r.config.depth, c)] as const),
  ...CHANNELS.map((c) => [`peak.${c}`, (r: StoredRecord) => channelPeak(r, c)] as const),
  // One head's settings (`depth.h1/qk=3`), which the columns above, one per name, cannot hold.
  ['head_settings', (r) => headSettings(r)],
];

function headSettings({ config }: StoredRecord): string {
  const settings = (kind: string, values: Readonly<Record<string, number | null>>): string[] =>
    Object.entries(values)
      .filter(([name]) => name.includes('/'))
      .map(([name, value]) => `${kind}.${name}=${value ?? 'unbounded'}`);
  return [...settings('latency', config.latency), ...settings('ii', config.ii), ...settings('depth', config.depth)].join(' ');
}

function depthCell(depth: Readonly<Record<string, number | null>>, channel: string): Cell {
  if (!(channel in depth)) return undefined;
  return depth[channel] ?? 'unbounded';
}

/** The CSV header: flat columns, settings as `latency.qkt`, `depth.long`, `peak.long`. */
export const CSV_HEADER = COLUMNS.map(([name]) => name).join(',');

/** One record as a CSV row (RFC 4180 quoting where a cell needs it). */
export function csvRow(record: StoredRecord): string {
  return COLUMNS.map(([, cell]) => quote(cell(record))).join(',');
}

function quote(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
