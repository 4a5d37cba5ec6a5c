import { describeDeadlock } from '../engines/run-result.js';
import { drawChart } from './chart-thread.js';
import { deadlockSvg } from './deadlock-graph.js';
import { escapeMarkup } from './markup.js';
import { memorySeries, memorySpec, settingsApart } from './memory-chart.js';
import { occupancySpec } from './occupancy-chart.js';
import { formatCount } from './table.js';
import type { DeadlockReport } from '../engines/run-result.js';
import type { Timeline } from '../engines/timeline.js';
import { axisLabel } from '../sweep/axis.js';
import { varyingAxes } from './sweep-chart.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { SdpaUnitReport } from '../designs/sdpa/run.js';
import type { Point } from '../sweep/axis.js';

/**
 * What a report shows of one run: a `damflow run --json` result has all of it; a sweep's
 * record (config, status, cycles, intermediateMemory) the first part, which is all a sweep's
 * table and memory chart need.
 */
export interface ReportRun {
  readonly config: ResolvedSdpaConfig;
  /** A sweep job's axis values: the runs table gives each axis that varies a column. */
  readonly point?: Point;
  readonly status: string;
  readonly cycles: number | null;
  readonly intermediateMemory: { readonly capacity: number | null; readonly peakOccupancy: number } | null;
  readonly engine?: string;
  readonly workers?: number;
  readonly maxError?: number | null;
  readonly wallSeconds?: number;
  readonly units?: readonly SdpaUnitReport[];
  readonly channels?: readonly {
    readonly head: number;
    readonly name: string;
    readonly capacity: number | null;
    readonly peakOccupancy: number;
    readonly tokens: number;
    /** Absent from the results of a damflow before it counted waits. */
    readonly fullCycles?: number;
    readonly emptyWaitCycles?: number;
    readonly roomWaitCycles?: number;
  }[];
  readonly deadlock?: DeadlockReport | null;
}

export interface ReportInput {
  readonly title: string;
  /** One run, or a sweep's runs (then memory is drawn against N). */
  readonly runs: readonly ReportRun[];
  /** The first run's timeline, for the occupancy charts; null: none recorded. */
  readonly timeline: Timeline | null;
  /** Stops the drawing (RunAborted): a page of many charts takes seconds. */
  readonly signal?: AbortSignal;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#555}pre{background:#f8f8f8;padding:.5em}
figure{margin:.5em 0}`;

/**
 * One self-contained HTML page (no script, nothing fetched: styles inline, charts as inline
 * SVG rendered by Vega, in the chart thread): the configuration and the results, each channel's occupancy over
 * time, memory against N for a sweep, and the wait-for graph of a deadlock. Numbers sit in
 * data-value attributes and in the charts' aria-labels, exactly as the results give them.
 */
export async function reportPage(input: ReportInput): Promise<string> {
  if (input.runs.length === 0) throw new Error('a report needs at least one run');
  const body = [`<h1>${escapeMarkup(input.title)}</h1>`];
  if (input.runs.length === 1) body.push(...oneRun(input.runs[0]!));
  else body.push(...sweep(input.runs));
  if (input.runs.length > 1) body.push('<h2>Memory against N</h2>', await memoryChart(input.runs, input.signal));
  if (input.timeline !== null) body.push('<h2>Occupancy over time</h2>', ...(await occupancyCharts(input.timeline, input.signal)));
  input.runs.forEach((run, i) => {
    if (run.deadlock == null) return;
    const which = input.runs.length === 1 ? '' : ` (run ${i})`;
    body.push(`<h2>Deadlock${which}</h2>`, deadlockSvg(run.deadlock), `<pre>${escapeMarkup(describeDeadlock(run.deadlock))}</pre>`);
  });
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeMarkup(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function oneRun(run: ReportRun): string[] {
  const c = run.config;
  const rows: [string, string | number | null][] = [
    ['status', run.status],
    ['cycles', run.cycles],
    ['engine', run.engine ?? null],
    ['workers', run.workers ?? null],
    ['max error', run.maxError ?? null],
    ['wall seconds', run.wallSeconds ?? null],
    ['intermediate memory: capacity', run.intermediateMemory?.capacity ?? null],
    ['intermediate memory: peak occupancy', run.intermediateMemory?.peakOccupancy ?? null],
  ];
  const parts = [
    '<h2>Configuration</h2>',
    configTable(c),
    '<h2>Result</h2>',
    table(
      ['figure', 'value'],
      rows.map(([k, v]) => [k, cell(k, v)]),
    ),
  ];
  if (run.units !== undefined) {
    // Where each unit's time went: busy and stalled add up to its final clock.
    const header = ['head', 'unit', 'final clock', 'busy', 'stalled for input', 'stalled for room'];
    const unitRows = run.units.map((u) => [
      String(u.head),
      escapeMarkup(u.name),
      cell('finalClock', u.finalClock),
      cell('busyCycles', u.busyCycles),
      cell('inputStallCycles', u.inputStallCycles),
      cell('roomStallCycles', u.roomStallCycles),
    ]);
    parts.push(
      '<h2>Units</h2>',
      table(header, unitRows, (i) => `data-unit="h${run.units![i]!.head}/${escapeMarkup(run.units![i]!.name)}"`),
    );
  }
  if (run.channels !== undefined) {
    const header = [
      'head',
      'channel',
      'capacity',
      'peak occupancy',
      'tokens',
      'cycles full',
      'data, receiver waiting',
      'room, sender waiting',
    ];
    const channelRows = run.channels.map((ch) => [
      String(ch.head),
      escapeMarkup(ch.name),
      cell('capacity', ch.capacity, 'unbounded'),
      cell('peak', ch.peakOccupancy),
      cell('tokens', ch.tokens),
      cell('fullCycles', ch.fullCycles ?? null),
      cell('emptyWaitCycles', ch.emptyWaitCycles ?? null),
      cell('roomWaitCycles', ch.roomWaitCycles ?? null),
    ]);
    parts.push(
      '<h2>Channels</h2>',
      table(header, channelRows, (i) => `data-channel="h${run.channels![i]!.head}/${escapeMarkup(run.channels![i]!.name)}"`),
    );
  }
  return parts;
}

/** The runs table's columns of the configuration that every run has. */
const SHAPE_AXES = ['design', 'n', 'd', 'heads'];

function sweep(runs: readonly ReportRun[]): string[] {
  // A sweep over latency.div or uniformDepth needs those beside the shape, or its rows look alike.
  const charted = runs.map((r) => ({ point: r.point ?? {}, config: r.config }));
  const axes = varyingAxes(charted).filter((axis) => !SHAPE_AXES.includes(axis));
  // Runs without axis values (run --json results, an array of them) are told apart by their
  // settings, in the words of the memory chart's lines: else two runs that differ in a latency
  // or a capacity read alike.
  const apart = runs.some((r) => r.point !== undefined) ? null : settingsApart(runs.map((r) => r.config));
  const settings = apart !== null && apart.some((s) => s !== '') ? apart : null;
  const header = [
    'run',
    'design',
    'N',
    'd',
    'heads',
    ...axes,
    ...(settings === null ? [] : ['settings']),
    'status',
    'cycles',
    'memory: capacity',
    'memory: peak occupancy',
  ];
  const rows = runs.map((r, i) => [
    String(i),
    escapeMarkup(r.config.design),
    cell('n', r.config.n),
    cell('d', r.config.d),
    cell('heads', r.config.heads),
    ...axes.map((axis) => {
      const value = axisLabel(charted[i]!.point, r.config, axis);
      return cell(axis, typeof value === 'boolean' ? String(value) : value);
    }),
    ...(settings === null ? [] : [escapeMarkup(settings[i]! === '' ? '-' : settings[i]!)]),
    escapeMarkup(r.status),
    cell('cycles', r.cycles),
    cell('capacity', r.intermediateMemory?.capacity ?? null, r.intermediateMemory === null ? '-' : 'unbounded'),
    cell('peak', r.intermediateMemory?.peakOccupancy ?? null, '-'),
  ]);
  return ['<h2>Runs</h2>', table(header, rows)];
}

function configTable(c: ResolvedSdpaConfig): string {
  const named = (values: Readonly<Record<string, number | null>>): string =>
    Object.entries(values)
      .map(([k, v]) => `${k}=${v === null ? 'unbounded' : v}`)
      .join(', ');
  const rows: [string, string][] = [
    ['design', c.design],
    ['N', String(c.n)],
    ['d', String(c.d)],
    ['heads', String(c.heads)],
    ['seed', String(c.seed)],
    ['latency', named(c.latency)],
    ['II', named(c.ii)],
    ['capacity', named(c.depth)],
  ];
  return table(
    ['setting', 'value'],
    rows.map(([k, v]) => [k, escapeMarkup(v)]),
    (i) => `data-setting="${rows[i]![0]}"`,
  );
}

async function memoryChart(runs: readonly ReportRun[], signal?: AbortSignal): Promise<string> {
  const drawn = runs.filter((r) => r.status === 'ok' && r.intermediateMemory !== null);
  const series = memorySeries(drawn.map((r) => r.config));
  const points = drawn.map((r, i) => ({
    series: series[i]!,
    n: r.config.n,
    capacity: r.intermediateMemory!.capacity,
    peakOccupancy: r.intermediateMemory!.peakOccupancy,
  }));
  if (points.length === 0) return '<p class="note">No run finished: nothing to draw.</p>';
  return `<figure class="memory-chart">${await drawChart(memorySpec(points), signal)}</figure>`;
}

async function occupancyCharts(timeline: Timeline, signal?: AbortSignal): Promise<string[]> {
  const span = `cycles ${formatCount(timeline.start)} to ${formatCount(timeline.end)}`;
  const notes = [`<p class="note" data-start="${timeline.start}" data-end="${timeline.end}">Recorded on the actors engine, ${span}.`];
  if (timeline.cut !== null)
    notes.push(` Later cycles would take it past ${formatCount(timeline.cut.maxEvents)} events (--trace-max-events): they are not shown.`);
  // A window's peaks are its own, beside the table's peaks of the whole run: each says so.
  const window = timeline.start === 0 && timeline.status !== 'paused' ? null : { start: timeline.start, end: timeline.end };
  if (window !== null) notes.push(" Each chart marks its peak in these cycles; the tables' figures are the whole run's.");
  notes.push('</p>');
  const charts = [notes.join('')];
  // Each chart is drawn in the chart thread: an abort stops the page where it is (RunAborted).
  for (const channel of timeline.channels) {
    charts.push(
      `<figure class="occupancy" data-channel="${escapeMarkup(channel.name)}">${await drawChart(occupancySpec(channel, window), signal)}</figure>`,
    );
  }
  return charts;
}

/** A table cell holding a number exactly (data-value) and as people read it. */
function cell(field: string, value: string | number | null, none = '-'): string {
  if (value === null) return none;
  if (typeof value === 'string') return escapeMarkup(value);
  return `<span data-field="${escapeMarkup(field)}" data-value="${value}">${Number.isInteger(value) ? formatCount(value) : value.toPrecision(4)}</span>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], rowAttributes?: (i: number) => string): string {
  const head = `<tr>${header.map((h) => `<th>${escapeMarkup(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row, i) => `<tr${rowAttributes ? ` ${rowAttributes(i)}` : ''}>${row.map((c) => `<td>${c}</td>`).join('')}</tr>`);
  return `<table>\n${head}\n${body.join('\n')}\n</table>`;
}
