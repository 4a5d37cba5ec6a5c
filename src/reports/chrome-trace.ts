import { writeFileAtomicallyInStretches } from '../files/atomic-write.js';
import { SPAN_KINDS } from '../engines/timeline.js';
import type { Timeline } from '../engines/timeline.js';

/** What a trace file says of itself beside its events (Trace Event Format's `otherData`). */
export interface TraceAbout {
  readonly title: string;
  readonly [key: string]: unknown;
}

/** Events between two chances for a signal to stop the writing. */
const EVENTS_PER_STRETCH = 10_000;

/**
 * Writes a timeline in the Trace Event Format (JSON), which Perfetto (ui.perfetto.dev) and
 * chrome://tracing both open: a process per group (attention head), a thread track per unit
 * with its spans ('X' events named busy, input, room, idle), and a counter track per channel
 * with its occupancy ('C' events, in the receiver's group). Time is simulated cycles, written
 * as 1 cycle = 1 ns (the format counts microseconds: `ts` is cycles / 1000, written exactly).
 * The file is written beside its name and renamed over it: whole or not at all; `signal`
 * stops the writing (RunAborted) and leaves no file.
 */
export async function writeChromeTrace(path: string, timeline: Timeline, about: TraceAbout, signal: AbortSignal): Promise<void> {
  await writeFileAtomicallyInStretches(
    path,
    async (append, breathe) => {
      let first = true;
      let events = 0;
      const emit = (event: object): void => {
        append((first ? '' : ',\n') + JSON.stringify(event));
        first = false;
        events++;
      };
      // Millions of events take seconds: a signal gets in between stretches of them.
      let breathed = 0;
      const due = (): boolean => events - breathed >= EVENTS_PER_STRETCH && (breathed = events) >= 0;
      const { start, end, cut, status, events: count } = timeline;
      const otherData = { ...about, window: { start, end }, status, events: count, cut };
      append(`{"otherData":${JSON.stringify(otherData)},\n"traceEvents":[\n`);

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
      for (const [i, unit] of timeline.units.entries()) {
        const pid = pidOf(unit.group);
        const tid = i + 1;
        emit({ ph: 'M', pid, tid, name: 'thread_name', args: { name: unit.name } });
        emit({ ph: 'M', pid, tid, name: 'thread_sort_index', args: { sort_index: tid } });
        for (let s = 0; s < unit.kinds.length; s++) {
          const name = SPAN_KINDS[unit.kinds[s]!]!;
          emit({ ph: 'X', pid, tid, cat: 'unit', name, ts: micros(unit.from[s]!), dur: micros(unit.to[s]! - unit.from[s]!) });
          if (due()) await breathe();
        }
      }
      for (const ch of timeline.channels) {
        const pid = pidOf(ch.group);
        for (let s = 0; s < ch.at.length; s++) {
          emit({ ph: 'C', pid, cat: 'channel', name: ch.name, ts: micros(ch.at[s]!), args: { occupancy: ch.occupancy[s]! } });
          if (due()) await breathe();
        }
      }
      append('\n]}\n');
    },
    signal,
  );
}

/**
 * Cycles as the format's microseconds. JSON writes the shortest decimal that reads back as the
 * same double, and Perfetto rounds microseconds times 1000 to whole nanoseconds: exact for
 * every clock below 2^50 cycles (checked), far past any run the actors engine can trace.
 */
function micros(cycles: number): number {
  return cycles / 1000;
}
