import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder, ProgramError, RunAborted, UTILITY_UNITS_MODULE, simulate } from '../dist/index.js';
import { sdpaProgram } from '../dist/designs/sdpa/design.js';
import { recordTimeline } from '../dist/engines/actors/record-timeline.js';
import { sinkRowCycles } from '../dist/engines/actors/sink-watch.js';
import { SingleThreadExecutor } from '../dist/engines/actors/single-thread-executor.js';
import { TimelineRecorder } from '../dist/engines/actors/timeline-recorder.js';
import { SPAN_KINDS, timelineEvents } from '../dist/engines/timeline.js';
import { fitTimeline } from '../dist/engines/timeline-cap.js';
import { writeChromeTrace } from '../dist/reports/chrome-trace.js';
import { formatCount } from '../dist/reports/table.js';
import { damflow } from './helpers/cli.js';
import { random } from './helpers/random.js';
import { toEnd } from './helpers/steps.js';
import { utilityProgram } from './helpers/programs.js';
import { cycles, traceProblems } from './helpers/trace-format.js';
import type { Program, TimelineBounds } from '../dist/index.js';
import type { Timeline } from '../dist/engines/timeline.js';
import type { TraceFile } from './helpers/trace-format.js';

const folder = mkdtempSync(join(tmpdir(), 'damflow-trace-'));

async function written(timeline: Timeline, name: string): Promise<TraceFile> {
  const path = join(folder, name);
  await writeChromeTrace(path, timeline, { title: name }, new AbortController().signal);
  return JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
}

/** Each unit's spans as [kind, from, to]. */
function spansOf(timeline: Timeline, unit: string): [string, number, number][] {
  const u = timeline.units.find((x) => x.name === unit)!;
  return u.kinds.map((k, i) => [SPAN_KINDS[k]!, u.from[i]!, u.to[i]!]);
}

const PROGRAMS: [string, () => Program][] = [
  ['naive N=8', () => sdpaProgram({ design: 'naive', n: 8 })],
  ['modified N=8 d=2, 2 heads', () => sdpaProgram({ design: 'modified', n: 8, d: 2, heads: 2 })],
  ['naive N=8, long too short (deadlock)', () => sdpaProgram({ design: 'naive', n: 8, depth: { long: 4 } })],
  ['utility units', () => utilityProgram()],
];

describe('timeline of a run (--trace)', () => {
  it('hand-worked: a generator into a sink through a channel of capacity 1', async () => {
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('gen', 'generator', { count: 3 })
      .unit('sink', 'sink')
      .channel('ch', 'gen.out', 'sink.in', { capacity: 1 })
      .build();
    const timeline = await recordTimeline(program);
    // The generator stamps element i at its clock + 1 and works one cycle; from the second
    // element on it waits for the acknowledgement (dequeue + 1): stalled for room at the enqueue.
    expect(spansOf(timeline, 'gen')).toEqual([
      ['busy', 0, 1],
      ['room', 1, 2],
      ['busy', 2, 3],
      ['room', 3, 4],
      ['busy', 4, 5],
    ]);
    // The sink waits for each element's time: stalled for input.
    expect(spansOf(timeline, 'sink')).toEqual([['input', 0, 5]]);
    // Enqueues at 0, 2, 4 (after the waits); dequeues at the element times 1, 3, 5.
    const ch = timeline.channels[0]!;
    expect(ch.at).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ch.occupancy).toEqual([1, 0, 1, 0, 1, 0]);
    expect(timeline.end).toBe(5);
  });

  it.each(PROGRAMS)("%s: every event fits the format, counters peak at the run's peak occupancy", async (name, make) => {
    const program = make();
    const timeline = await recordTimeline(program);
    const run = await simulate(program, { engine: 'actors', workers: 1 });
    expect(timeline.status).toBe(run.status);
    expect(timeline.end).toBe(run.cycles);
    const trace = await written(timeline, `${name}.json`);
    expect(traceProblems(trace)).toEqual([]);
    for (const stats of run.channels) {
      const samples = trace.traceEvents.filter((e) => e.ph === 'C' && e.name === stats.name).map((e) => e.args!['occupancy'] as number);
      expect(Math.max(...samples), stats.name).toBe(stats.peakOccupancy);
    }
    // A unit's spans end where its clock ended (a unit still waiting at a deadlock stalls to the end).
    for (const ctx of run.contexts) {
      const spans = spansOf(timeline, ctx.name);
      const last = spans.at(-1)?.[2] ?? 0;
      expect(last, ctx.name).toBe(
        run.status === 'deadlock' && run.deadlock!.blocked.some((b) => b.unit === ctx.name) ? run.cycles : ctx.finalClock,
      );
    }
  });

  it("changes none of the run's figures", async () => {
    for (const [, make] of PROGRAMS) {
      const program = make();
      const plain = new SingleThreadExecutor(program).run();
      const recorder = new TimelineRecorder(program.units.length, program.channels.length, 0, Infinity, () => undefined);
      const traced = new SingleThreadExecutor(program, { tracer: recorder }).run();
      expect(traced).toEqual(plain);
    }
    const json = (args: string[]): Record<string, unknown> => {
      const ran = damflow('run', '--design', 'naive', '--n', '16', '--json', ...args);
      expect(ran.status).toBe(0);
      // The estimate counts the timeline's memory and time too.
      const { wallSeconds: _w, estimate: _e, ...figures } = JSON.parse(ran.stdout) as Record<string, unknown>;
      return figures;
    };
    expect(json(['--trace', join(folder, 'cli.json')])).toEqual(json([]));
    // Without --json the summary ends with where the trace went.
    const plain = damflow('run', '--design', 'naive', '--n', '16', '--trace', join(folder, 'said.json'));
    expect(plain.stdout.endsWith(`\ntrace: ${join(folder, 'said.json')}\n`), plain.stdout).toBe(true);
  });

  it('a window holds only its cycles, and a window near the start of a huge run is quick', async () => {
    const program = sdpaProgram({ design: 'modified', n: 2048 });
    const started = performance.now();
    const timeline = await recordTimeline(program, { start: 1000, end: 3000 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect([timeline.start, timeline.end, timeline.status]).toEqual([1000, 3000, 'paused']);
    const trace = await written(timeline, 'window.json');
    expect(traceProblems(trace)).toEqual([]);
    // Occupancy inside the window is the same as in a timeline of the whole run.
    const small = sdpaProgram({ design: 'naive', n: 16 });
    const whole = await recordTimeline(small);
    const part = await recordTimeline(small, { start: 100, end: 300 });
    for (const ch of part.channels) {
      const full = whole.channels.find((c) => c.name === ch.name)!;
      const at = (c: typeof ch, t: number): number => c.occupancy[c.at.findLastIndex((x) => x <= t)]!;
      for (const t of [100, 150, 200, 299]) expect(at(ch, t), `${ch.name} at ${t}`).toBe(at(full, t));
    }
    for (const unit of part.units) for (const [, from, to] of spansOf(part, unit.name)) expect(from >= 100 && to <= 300).toBe(true);
  });

  it("a window that ends before the run's last events is paused, and leaves those events out", async () => {
    // Naive N = 8 ends at cycle 196, where its sink takes its last row: h0/out holds 1 until then, 0 after.
    const program = sdpaProgram({ design: 'naive', n: 8 });
    const whole = await recordTimeline(program);
    expect([whole.end, whole.status]).toEqual([196, 'ok']);
    const occupancyAt = (t: Timeline, channel: string, cycle: number): number => {
      const ch = t.channels.find((c) => c.name === channel)!;
      return ch.occupancy[ch.at.findLastIndex((x) => x <= cycle)]!;
    };
    expect([occupancyAt(whole, 'h0/out', 195), occupancyAt(whole, 'h0/out', 196)]).toEqual([1, 0]);
    for (const [start, end] of [
      [0, 182],
      [0, 185],
      [0, 195],
      [190, 191],
      [0, 196],
    ] as const) {
      const part = await recordTimeline(program, { start, end });
      expect([part.start, part.end, part.status], `${start}:${end}`).toEqual([start, end, 'paused']);
      // Its last samples hold the occupancy of its last cycle, end - 1: the instants at end are outside it.
      for (const ch of part.channels) expect(ch.occupancy.at(-1), `${start}:${end} ${ch.name}`).toBe(occupancyAt(whole, ch.name, end - 1));
    }
    // A window that holds cycle 196 holds the run's end: the whole run's timeline.
    const holding = await recordTimeline(program, { end: 197 });
    expect([holding.end, holding.requestedEnd, holding.status]).toEqual([196, 197, 'ok']);
    expect(holding.channels).toEqual(whole.channels);
    const path = join(folder, 'before-end.json');
    const ran = damflow('run', '--design', 'naive', '--n', '8', '--trace', path, '--trace-window', '0:182', '--quiet');
    expect(ran.status).toBe(0);
    const trace = JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
    expect(trace.otherData.status).toBe('paused');
    expect(trace.otherData.window).toEqual({ start: 0, end: 182 });
  });

  it('a cap on events cuts the trace where every earlier event is known, and says so', async () => {
    const program = sdpaProgram({ design: 'modified', n: 64 });
    const timeline = await recordTimeline(program, { maxEvents: 2000 });
    expect(timeline.cut).toEqual({ maxEvents: 2000 });
    expect(timeline.end).toBeGreaterThan(0);
    expect(timeline.end).toBeLessThan(8238);
    const whole = await recordTimeline(program);
    // Every sample before the cut is the whole run's.
    for (const ch of timeline.channels) {
      const full = whole.channels.find((c) => c.name === ch.name)!;
      const before = (c: typeof ch): [number, number][] =>
        c.at.map((t, i): [number, number] => [t, c.occupancy[i]!]).filter(([t]) => t < timeline.end);
      expect(before(ch)).toEqual(before(full));
    }
    const ran = damflow(
      'run',
      '--design',
      'modified',
      '--n',
      '64',
      '--trace',
      join(folder, 'cut.json'),
      '--trace-max-events',
      '2000',
      '--quiet',
    );
    expect(ran.status).toBe(0);
    expect(ran.stderr).toMatch(
      /^damflow: the timeline \(of --trace, --report\) stops at cycle [\d,]+, with [\d,]+ events: the next cycle's would take it past --trace-max-events 2,000; give a later window/,
    );
    const trace = JSON.parse(readFileSync(join(folder, 'cut.json'), 'utf8')) as TraceFile;
    expect(traceProblems(trace)).toEqual([]);
    expect(trace.otherData.cut).toEqual({ maxEvents: 2000 });
  });

  it('the cap bounds the events the timeline holds, ends it at the latest cycle that fits, and cuts only what it leaves out', async () => {
    const program = sdpaProgram({ design: 'naive', n: 16 });
    const whole = await recordTimeline(program);
    const events = whole.events;
    // A cap of exactly the whole timeline's events: the whole timeline, not cut.
    expect(await recordTimeline(program, { maxEvents: events })).toEqual(whole);
    const channels = program.channels.length;
    for (const maxEvents of [events - 1, 1000, 100, 30, channels + 1, channels]) {
      const capped = await recordTimeline(program, { maxEvents });
      expect(capped.events, `cap ${maxEvents}`).toBeLessThanOrEqual(maxEvents);
      expect([capped.cut, capped.status]).toEqual([{ maxEvents }, 'paused']);
      // One more cycle would hold more than the cap; up to its end it is the window of the whole run.
      expect((await recordTimeline(program, { end: capped.end + 1 })).events, `cap ${maxEvents}`).toBeGreaterThan(maxEvents);
      if (capped.end > 0)
        expect(capped).toEqual({ ...(await recordTimeline(program, { end: capped.end })), cut: { maxEvents }, requestedEnd: Infinity });
      // Its first samples are the whole run's at cycle 0 (q, k and v each hold an element), even in an empty timeline.
      for (const ch of capped.channels) {
        const full = whole.channels.find((c) => c.name === ch.name)!;
        expect([ch.at[0], ch.occupancy[0]], `cap ${maxEvents} ${ch.name}`).toEqual([full.at[0], full.occupancy[0]]);
      }
    }
    // The same on other programs (a deadlock, utility units) and a window that starts later.
    for (const [name, make] of PROGRAMS) {
      const other = make();
      const start = 7;
      const all = await recordTimeline(other, { start });
      for (const maxEvents of [other.channels.length, Math.ceil(all.events / 2), all.events - 1, all.events]) {
        const capped = await recordTimeline(other, { start, maxEvents });
        expect(capped.events, `${name} cap ${maxEvents}`).toBeLessThanOrEqual(maxEvents);
        expect(capped.cut, `${name} cap ${maxEvents}`).toEqual(maxEvents < all.events ? { maxEvents } : null);
        if (capped.cut !== null)
          expect((await recordTimeline(other, { start, end: capped.end + 1 })).events, `${name} cap ${maxEvents}`).toBeGreaterThan(
            maxEvents,
          );
      }
    }
    await expect(recordTimeline(program, { maxEvents: channels - 1 })).rejects.toThrow(
      `recordTimeline: maxEvents ${channels - 1} is below the program's ${channels} channels`,
    );
    // On the command line: a cap of the whole trace's events writes the whole trace; one below, a trace that holds no more.
    const naive16 = ['run', '--design', 'naive', '--n', '16'];
    const traced = (cap: number[]): { trace: TraceFile; stderr: string } => {
      const path = join(folder, `cap-${cap.join('')}.json`);
      const ran = damflow(...naive16, '--trace', path, '--quiet', ...cap.flatMap((c) => ['--trace-max-events', `${c}`]));
      expect(ran.status).toBe(0);
      return { trace: JSON.parse(readFileSync(path, 'utf8')) as TraceFile, stderr: ran.stderr };
    };
    const full = traced([]);
    expect(full.trace.otherData.events).toBe(events);
    expect(traced([events])).toEqual(full);
    const cut = traced([events - 1]);
    expect(cut.trace.otherData.events).toBeLessThanOrEqual(events - 1);
    expect(cut.trace.traceEvents.filter((e) => e.ph !== 'M')).toHaveLength(cut.trace.otherData.events);
    expect(cut.stderr).toContain(
      `, with ${formatCount(cut.trace.otherData.events)} events: the next cycle's would take it past --trace-max-events`,
    );
    const refused = damflow(...naive16, '--trace', join(folder, 'x.json'), '--trace-max-events', `${channels - 1}`);
    expect([refused.status, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toBe(
      `damflow: --trace-max-events ${channels - 1} is below the ${channels} channels: a timeline holds each channel's occupancy at its start\n`,
    );
    // A cap far past the run's events costs nothing; one that a long run would fill, past the
    // heap, is refused before the run (it had grown to 4.4 GB and aborted V8 after 32 s).
    expect(traced([1e9]).trace.otherData.events).toBe(events);
    const huge = damflow(
      'run',
      '--design',
      'modified',
      '--n',
      '65536',
      '--trace',
      join(folder, 'y.json'),
      '--trace-max-events',
      '1000000000',
    );
    expect([huge.status, huge.stdout]).toEqual([2, '']);
    expect(huge.stderr).toMatch(
      /^damflow: this run's program and timeline need about [\d.]+ GiB .*: a smaller --trace-max-events, or a --trace-window, /,
    );
    expect(huge.stderr.split('\n')).toHaveLength(2);
  });

  // The cap's end was the (room + 1)th least of every span's start and sample time, all of them
  // sorted: a third of a second and more in one go at the default 2,000,000 events, which a SIGINT
  // waited for. It is now found by halving; it must be the same time.
  it("the cap's end is the least time past the room, as all the times sorted give it", () => {
    const rnd = random(7);
    const increasing = (length: number, from: number): number[] => {
      let t = from;
      return Array.from({ length }, () => (t += 1 + Math.floor(rnd() * 4) * Math.floor(rnd() * 2)));
    };
    for (let round = 0; round < 200; round++) {
      const units = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, u) => {
        const from = increasing(Math.floor(rnd() * 12), 0);
        return { name: `u${u}`, kind: 'k', group: null, kinds: from.map(() => 0), from, to: from.map((t) => t + 1) };
      });
      const channels = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, c) => {
        const at = [0, ...increasing(Math.floor(rnd() * 12), 0)];
        return { name: `c${c}`, sender: 'u0', receiver: 'u0', group: null, capacity: null, at, occupancy: at.map(() => 1) };
      });
      const timeline: Timeline = {
        start: 0,
        end: 100,
        requestedEnd: Infinity,
        cut: null,
        status: 'paused',
        units,
        channels,
        events: timelineEvents(units, channels),
      };
      const times = [...units.flatMap((u) => u.from), ...channels.flatMap((ch) => ch.at.slice(1))].sort((a, b) => a - b);
      // Each channel's first and last samples are held whatever the cap: the room is the rest.
      const room = Math.floor(rnd() * times.length);
      const maxEvents = room + 2 * channels.length;
      if (timeline.events <= maxEvents) continue;
      expect(fitTimeline(timeline, maxEvents).end, `round ${round}`).toBe(times[room]);
    }
  });

  // A timeline was taken in one go whenever the recording counted what it held: seconds under load
  // at millions of events, which a SIGINT waited for. It yields after each unit and each channel.
  it('a timeline is taken unit by unit and channel by channel, yielding between them', () => {
    const program = sdpaProgram({ design: 'naive', n: 8, heads: 2 });
    const recorder = new TimelineRecorder(program.units.length, program.channels.length, 0, Infinity, () => undefined);
    const executor = new SingleThreadExecutor(program, { tracer: recorder });
    executor.run();
    const taken = toEnd(recorder.timeline(program, executor.instance, executor.result.cycles, 'ok'));
    expect(taken.yields).toBe(program.units.length + program.channels.length);
    expect(taken.value.units.map((u) => u.name)).toEqual(program.units.map((u) => u.name));
  });

  it("rows:A:B maps output rows to cycles by the sink's row times", async () => {
    const program = sdpaProgram({ design: 'naive', n: 16 });
    const [row2, row4] = await sinkRowCycles(program, [2, 4]);
    const whole = await recordTimeline(program);
    const sinkChannel = whole.channels.find((c) => c.name === 'h0/out')!;
    // The sink takes row k when the output channel's k-th element leaves it.
    const dequeues = sinkChannel.at.filter((_, i) => i > 0 && sinkChannel.occupancy[i]! < sinkChannel.occupancy[i - 1]!);
    expect([row2, row4]).toEqual([dequeues[1], dequeues[3]]);
    const path = join(folder, 'rows.json');
    const ran = damflow('run', '--design', 'naive', '--n', '16', '--trace', path, '--trace-window', 'rows:2:4', '--quiet');
    expect(ran.status).toBe(0);
    const trace = JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
    expect(trace.otherData.window).toEqual({ start: row2, end: row4! + 1 });
    expect(traceProblems(trace)).toEqual([]);
    expect(cycles(trace.traceEvents.find((e) => e.ph === 'X')!.ts!)).toBeGreaterThanOrEqual(row2!);
  });

  it('refuses bad bounds and a bad program with a ProgramError, as simulate does (a NaN end had run for ever)', async () => {
    const program = sdpaProgram({ design: 'naive', n: 8 });
    const refusals: [unknown, RegExp][] = [
      [{ end: NaN }, /^recordTimeline: end, when not Infinity, must be a positive integer, got NaN$/],
      [{ start: NaN }, /^recordTimeline: start must be a non-negative integer, got NaN$/],
      [{ start: -10 }, /start must be a non-negative integer, got -10$/],
      [{ start: '10' }, /start must be a non-negative integer, got "10"$/],
      [{ start: Infinity }, /start must be a non-negative integer, got Infinity$/],
      [{ start: 100, end: 50 }, /^recordTimeline: end must be after start, got start 100 and end 50$/],
      [{ start: 5, end: 5 }, /end must be after start/],
      [{ end: 2 ** 53 }, /end, when not Infinity, must be below 2\^53/],
      [{ maxEvents: 0 }, /^recordTimeline: maxEvents must be a positive integer, got 0$/],
      [{ maxEvents: -1 }, /maxEvents must be a positive integer, got -1$/],
      [{ maxEvents: NaN }, /maxEvents must be a positive integer, got NaN$/],
      [{ maxEvents: 1.5 }, /maxEvents must be a positive integer, got 1.5$/],
      [{ strat: 3 }, /^recordTimeline: unknown bound 'strat' \(known: start, end, maxEvents\)$/],
      [null, /^recordTimeline's bounds must be an object, got null$/],
    ];
    for (const [bounds, message] of refusals) {
      const recording = recordTimeline(program, bounds as TimelineBounds);
      await expect(recording, JSON.stringify(bounds)).rejects.toThrow(ProgramError);
      await expect(recording, JSON.stringify(bounds)).rejects.toThrow(message);
    }
    // A plain-data program is checked as simulate checks it: the same ProgramError.
    const plain = { modules: [], units: [{ name: 'a', kind: 'no-such-kind', params: {} }], channels: [] } as unknown as Program;
    const fromSimulate = await simulate(plain).catch((error: unknown) => error);
    expect(fromSimulate).toBeInstanceOf(ProgramError);
    await expect(recordTimeline(plain)).rejects.toThrow((fromSimulate as Error).message);
    await expect(recordTimeline(null as unknown as Program)).rejects.toThrow(ProgramError);
    // Infinity is the run's end, as leaving it out is.
    expect((await recordTimeline(program, { end: Infinity })).end).toBe((await simulate(program)).cycles);
  });

  it('refuses a bad window or cap in one line (exit 2), before any run', () => {
    for (const args of [
      ['--trace-window', '5:5'],
      ['--trace-window', 'rows:3:1'],
      ['--trace-window', 'abc'],
      ['--trace-max-events', '0'],
    ]) {
      const ran = damflow('run', '--design', 'naive', '--n', '8', '--trace', join(folder, 'x.json'), ...args);
      expect(ran.status, args.join(' ')).toBe(2);
      expect(ran.stderr.trim().split('\n')).toHaveLength(1);
      expect(ran.stdout).toBe('');
    }
    const ran = damflow('run', '--design', 'naive', '--n', '8', '--trace', join(folder, 'no-such-folder', 'x.json'));
    expect(ran.status).toBe(2);
    expect(ran.stderr).toMatch(/cannot write --trace/);
  });

  it('a window of rows in a run that deadlocks first runs to the deadlock: its report, exit 3, and the page (it had been exit 2 after the run)', () => {
    const page = join(folder, 'deadlock.html');
    const ran = damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=8', '--report', page, '--trace-window', 'rows:0:1');
    expect(ran.status).toBe(3);
    expect(ran.stderr).toContain(
      'damflow: the run deadlocks before the sinks take row 1: the timeline runs from cycle 0 to the deadlock\n',
    );
    expect(ran.stderr).toMatch(/deadlock: 5 context\(s\) can never proceed/);
    expect(readFileSync(page, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('says when the window starts at or after the run has ended, deadlocked or not', async () => {
    const late = (args: string[], window: string): ReturnType<typeof damflow> =>
      damflow('run', ...args, '--trace', join(folder, 'late.json'), '--trace-window', window, '--json');
    const ran = late(['--design', 'modified', '--n', '8'], '1000:2000');
    expect(ran.status).toBe(0);
    expect(ran.stderr).toBe(
      "damflow: the timeline window starts at cycle 1,000, after the run ended at 174: it holds only each channel's final occupancy\n",
    );
    // Naive N = 8 ends at 196: a window from 196 holds the instants at 196 (the sink's last row), and no span.
    const naive = ['--design', 'naive', '--n', '8'];
    expect(late(naive, '196:200').stderr).toBe(
      "damflow: the timeline window starts at cycle 196, where the run ended: it holds only each channel's final occupancy\n",
    );
    const trace = JSON.parse(readFileSync(join(folder, 'late.json'), 'utf8')) as TraceFile;
    expect(trace.traceEvents.filter((e) => e.ph === 'X')).toEqual([]);
    const whole = await recordTimeline(sdpaProgram({ design: 'naive', n: 8 }));
    const counters = trace.traceEvents.filter((e) => e.ph === 'C').map((e) => [e.name, cycles(e.ts!), e.args!['occupancy']]);
    expect(counters).toEqual(whole.channels.map((ch) => [ch.name, 196, ch.occupancy.at(-1)]));
    expect(late(naive, '195:200').stderr).toBe('');
    // A deadlocked run ends at its latest clock, 64 here.
    const deadlocked = ['--design', 'naive', '--n', '8', '--depth', 'long=4'];
    for (const [window, when] of [
      ['64:200', 'where the run ended'],
      ['100:200', 'after the run ended at 64'],
    ]) {
      const stuck = late(deadlocked, window!);
      expect(stuck.status).toBe(3);
      expect(stuck.stderr.split('\n')[0]).toBe(
        `damflow: the timeline window starts at cycle ${window!.split(':')[0]}, ${when}: it holds only each channel's final occupancy`,
      );
    }
  });

  it('refuses an aborted signal at once, as simulate does (a short run had been recorded whole)', async () => {
    const program = sdpaProgram({ design: 'naive', n: 8 });
    const stop = new AbortController();
    stop.abort(new Error('stop'));
    const recording = recordTimeline(program, {}, stop.signal);
    await expect(recording).rejects.toThrow(RunAborted);
    await expect(recording).rejects.toHaveProperty('cause', stop.signal.reason);
    await expect(simulate(program, { signal: stop.signal })).rejects.toThrow(RunAborted);
    await expect(recordTimeline(program, {}, 'stop' as unknown as AbortSignal)).rejects.toThrow(
      /^recordTimeline's signal must be an AbortSignal, got "stop"$/,
    );
  });
});
