import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { SPAN_KINDS } from '../engines/timeline.js';
import type { Timeline } from '../engines/timeline.js';

/** What a trace file says of itself beside its events (Trace Event Format's `otherData`). */
export interface TraceAbout {
  readonly title: string;
  readonly [key: string]: unknown;
}

/** Events written to the file at a time: a trace of millions of events is never one string. */
const EVENTS_PER_WRITE = 10_000;

/**
 * Writes a timeline in the Trace Event Format (JSON), which Perfetto (ui.perfetto.dev) and
 * chrome://tracing both open: a process per group (attention head), a thread track per unit
 * with its spans ('X' events named busy, input, room, idle), and a counter track per channel
 * with its occupancy ('C' events, in the receiver's group). Time is simulated cycles, written
 * as 1 cycle = 1 ns (the format counts microseconds: `ts` is cycles / 1000, written exactly).
 * The file is written beside its name and renamed over it: whole or not at all.
 */
export function writeChromeTrace(path: string, timeline: Timeline, about: TraceAbout): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    let pending: string[] = [];
    let first = true;
    const emit = (event: object): void => {
      pending.push((first ? '' : ',\n') + JSON.stringify(event));
      first = false;
      if (pending.length >= EVENTS_PER_WRITE) flush();
    };
    const flush = (): void => {
      writeSync(fd, pending.join(''));
      pending = [];
    };
    const { start, end, cut, status, events } = timeline;
    const otherData = { ...about, window: { start, end }, status, events, cut };
    writeSync(fd, `{"otherData":${JSON.stringify(otherData)},\n"traceEvents":[\n`);

    const groups = new Map<string, number>();
    const pidOf = (group: string | null): number => {
      const name = group ?? about.title;
      let pid = groups.get(name);
      if (pid === undefined) {
        groups.set(name, (pid = groups.size + 1));
        emit({ ph: 'M', pid, name: 'process_name', args: { name } });
        emit({ ph: 'M', pid, name: 'process_sort_index', args: { sort_index: pid } });
      }
      return pid;
    };
    timeline.units.forEach((unit, i) => {
      const pid = pidOf(unit.group);
      const tid = i + 1;
      emit({ ph: 'M', pid, tid, name: 'thread_name', args: { name: unit.name } });
      emit({ ph: 'M', pid, tid, name: 'thread_sort_index', args: { sort_index: tid } });
      for (let s = 0; s < unit.kinds.length; s++) {
        const name = SPAN_KINDS[unit.kinds[s]!]!;
        emit({ ph: 'X', pid, tid, cat: 'unit', name, ts: micros(unit.from[s]!), dur: micros(unit.to[s]! - unit.from[s]!) });
      }
    });
    for (const ch of timeline.channels) {
      const pid = pidOf(ch.group);
      for (let s = 0; s < ch.at.length; s++)
        emit({ ph: 'C', pid, cat: 'channel', name: ch.name, ts: micros(ch.at[s]!), args: { occupancy: ch.occupancy[s]! } });
    }
    flush();
    writeSync(fd, '\n]}\n');
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Cycles as the format's microseconds. JSON writes the shortest decimal that reads back as the
 * same double, and Perfetto rounds microseconds times 1000 to whole nanoseconds: exact for
 * every clock below 2^50 cycles (checked), far past any run the actors engine can trace.
 */
function micros(cycles: number): number {
  return cycles / 1000;
}
