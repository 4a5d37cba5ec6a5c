import { Ajv } from 'ajv';

/**
 * The Trace Event Format as damflow writes it (the JSON that Perfetto and chrome://tracing
 * read; https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):
 * metadata ('M') naming processes and threads, complete events ('X') and counters ('C').
 */
const SCHEMA = {
  type: 'object',
  required: ['traceEvents', 'otherData'],
  additionalProperties: false,
  properties: {
    otherData: { type: 'object', required: ['title', 'window', 'status', 'events'] },
    traceEvents: {
      type: 'array',
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['ph', 'pid', 'name', 'args'],
            additionalProperties: false,
            properties: {
              ph: { const: 'M' },
              pid: { type: 'integer', minimum: 1 },
              tid: { type: 'integer', minimum: 1 },
              name: { enum: ['process_name', 'process_sort_index', 'thread_name', 'thread_sort_index'] },
              args: {
                type: 'object',
                minProperties: 1,
                maxProperties: 1,
                properties: { name: { type: 'string', minLength: 1 }, sort_index: { type: 'integer' } },
                additionalProperties: false,
              },
            },
          },
          {
            type: 'object',
            required: ['ph', 'pid', 'tid', 'cat', 'name', 'ts', 'dur'],
            additionalProperties: false,
            properties: {
              ph: { const: 'X' },
              pid: { type: 'integer', minimum: 1 },
              tid: { type: 'integer', minimum: 1 },
              cat: { const: 'unit' },
              name: { enum: ['busy', 'input', 'room', 'idle'] },
              ts: { type: 'number', minimum: 0 },
              dur: { type: 'number', exclusiveMinimum: 0 },
            },
          },
          {
            type: 'object',
            required: ['ph', 'pid', 'cat', 'name', 'ts', 'args'],
            additionalProperties: false,
            properties: {
              ph: { const: 'C' },
              pid: { type: 'integer', minimum: 1 },
              cat: { const: 'channel' },
              name: { type: 'string', minLength: 1 },
              ts: { type: 'number', minimum: 0 },
              args: {
                type: 'object',
                required: ['occupancy'],
                additionalProperties: false,
                properties: { occupancy: { type: 'integer', minimum: 0 } },
              },
            },
          },
        ],
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: false }).compile(SCHEMA);

export interface TraceEvent {
  ph: 'M' | 'X' | 'C';
  pid: number;
  tid?: number;
  name: string;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

export interface TraceFile {
  otherData: { title: string; window: { start: number; end: number }; status: string; events: number; cut: unknown };
  traceEvents: TraceEvent[];
}

/** Cycles of a `ts` or `dur` (microseconds, 1 cycle = 1 ns), as a reader rounds them. */
export const cycles = (micros: number): number => Math.round(micros * 1000);

/**
 * What is wrong with a trace (empty when nothing): the schema of every event, every span's and
 * sample's track named, spans on a track in time order without overlap (so they nest), each
 * counter's samples in time order, everything inside the window.
 */
export function traceProblems(trace: unknown): string[] {
  if (!validate(trace)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const { traceEvents, otherData } = trace as unknown as TraceFile;
  const { start, end } = otherData.window;
  const problems: string[] = [];
  const threads = new Set(traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
  const processes = new Set(traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.pid));
  const lastEnd = new Map<string, number>();
  const lastSample = new Map<string, number>();
  for (const e of traceEvents) {
    if (e.ph === 'M') continue;
    if (!processes.has(e.pid)) problems.push(`event in unnamed process ${e.pid}`);
    const ts = cycles(e.ts!);
    if (ts < start || ts > end) problems.push(`${e.ph} ${e.name} at ${ts} outside [${start}, ${end}]`);
    if (e.ph === 'X') {
      const track = `${e.pid}/${e.tid}`;
      if (!threads.has(track)) problems.push(`span on unnamed thread ${track}`);
      const until = ts + cycles(e.dur!);
      if (until > end) problems.push(`span ${e.name} on ${track} ends at ${until}, past ${end}`);
      if (ts < (lastEnd.get(track) ?? -Infinity)) problems.push(`span ${e.name} on ${track} at ${ts} overlaps the previous one`);
      lastEnd.set(track, until);
    } else {
      const track = `${e.pid}/${e.name}`;
      if (ts < (lastSample.get(track) ?? -Infinity)) problems.push(`counter ${track} goes back in time at ${ts}`);
      lastSample.set(track, ts);
    }
  }
  return problems;
}
