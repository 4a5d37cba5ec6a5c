import { describe, expect, it } from 'vitest';
import { ProgramBuilder, UTILITY_UNITS_MODULE, recordTimeline, simulate } from '../../dist/index.js';
import { random } from '../helpers/random.js';
import { runModel } from './utility-model.js';
import type { Program, SinkReport, Timeline } from '../../dist/index.js';
import type { ModelProgram, ModelResult } from './utility-model.js';

/**
 * A random program of utility units: generators (one element per cycle, or timed), broadcasts
 * (one to three outputs, latency above the send latency too), time-ordered merges of two or
 * three streams, and a sink on every stream left open. Channels of capacity 1 to 4 or (unless
 * `bounded`, since only a shared ring crosses threads) unbounded, send latency 1 to 4, response
 * latency 1 to 3: backpressure everywhere, reconvergent paths. With `floods`, some generators
 * send 4,097 to 10,000 elements into FIFOs deeper than the simulator's ring of 4,096 (unbounded,
 * or of capacity above it): producers the simulator holds back, which a deadlock downstream
 * leaves running on.
 */
function randomProgram(seed: number, bounded: boolean, floods = false): Program {
  const r = random(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE);
  const open: string[] = [];
  let channels = 0;
  // A channel of the capacity given (undefined: unbounded), drawn before its latencies.
  const channel = (from: string, to: string, capacity: number | undefined) =>
    b.channel(`c${channels++}`, from, to, {
      ...(capacity === undefined ? {} : { capacity }),
      latency: 1 + pick(4),
      responseLatency: 1 + pick(3),
    });
  const connect = (from: string, to: string, mayBeUnbounded = !bounded) =>
    channel(from, to, mayBeUnbounded && r() < 0.15 ? undefined : 1 + pick(4));
  const take = () => open.splice(pick(open.length), 1)[0]!;
  const deep = new Set<string>();
  // A flood's stream: unbounded, or deeper than the ring.
  const connectFrom = (from: string, to: string) =>
    deep.has(from) ? channel(from, to, r() < 0.5 ? undefined : 4097 + pick(8000)) : connect(from, to);

  for (let g = 0, generators = 1 + pick(3); g < generators; g++) {
    const flood = floods && (g === 0 || r() < 0.5);
    const count = flood ? 4097 + pick(6000) : 3 + pick(30);
    if (flood) deep.add(`g${g}.out`);
    if (r() < 0.5) {
      b.unit(`g${g}`, 'generator', { count, start: 100 * g });
    } else {
      const times: number[] = [];
      for (let i = 0, t = 1 + pick(5); i < count; i++) times.push((t += pick(4)));
      b.unit(`g${g}`, 'generator', { values: times.map((_, i) => 100 * g + i), times });
    }
    open.push(`g${g}.out`);
  }
  if (floods || r() < 0.25) {
    // A ring: a merge of a stream and its own broadcast copy. Every element that enters goes
    // round for ever, so 12 entering bounded channels of at most 4 jam it: a deadlock, with
    // the units downstream waiting for data.
    b.unit('ringsource', 'generator', { count: 12 });
    b.unit('ringmerge', 'merge', { ...(floods ? { inputs: 3 } : {}), latency: 1 + pick(4), ii: 1 + pick(2) });
    b.unit('ringcopy', 'broadcast', { outputs: 2, latency: 1 + pick(6), ii: 1 + pick(3) });
    connect('ringsource.out', 'ringmerge.in0');
    connect('ringmerge.out', 'ringcopy.in', false);
    connect('ringcopy.out1', 'ringmerge.in1', false);
    open.push('ringcopy.out0');
    if (floods) {
      // The first flood, through a broadcast, into the ring, which jams: the broadcast waits
      // for room on the ring, and the flood's producer, held back by the simulator and waited
      // on by nobody, runs on past the deadlock.
      b.unit('fan', 'broadcast', { outputs: 1, latency: 1 + pick(4), ii: 1 });
      open.splice(open.indexOf('g0.out'), 1);
      connectFrom('g0.out', 'fan.in');
      connect('fan.out0', 'ringmerge.in2', false);
    }
  }
  for (let step = 0, steps = 2 + pick(8); step < steps; step++) {
    const name = `u${step}`;
    if (open.length >= 2 && r() < 0.4) {
      const inputs = Math.min(open.length, 2 + pick(2));
      b.unit(name, 'merge', { inputs, latency: 1 + pick(4), ii: 1 + pick(2) });
      for (let i = 0; i < inputs; i++) connectFrom(take(), `${name}.in${i}`);
      open.push(`${name}.out`);
    } else {
      const outputs = 1 + pick(3);
      b.unit(name, 'broadcast', { outputs, latency: 1 + pick(6), ii: 1 + pick(3) });
      connectFrom(take(), `${name}.in`);
      for (let i = 0; i < outputs; i++) open.push(`${name}.out${i}`);
    }
  }
  open.forEach((port, i) => {
    b.unit(`sink${i}`, 'sink', { collect: true });
    connectFrom(port, `sink${i}.in`);
  });
  return b.build();
}

/** The program as the model reads it. */
function modelProgram(program: Program): ModelProgram {
  return {
    units: program.units.map((u) => ({
      name: u.name,
      kind: u.kind as ModelProgram['units'][number]['kind'],
      params: (u.params ?? {}) as Record<string, unknown>,
    })),
    channels: program.channels.map((c) => ({
      name: c.name,
      from: c.from,
      to: c.to,
      capacity: c.capacity,
      latency: c.latency,
      responseLatency: c.responseLatency,
    })),
  };
}

/** Runs `program` on the actors engine as `how` says and compares every figure with the model's. */
async function compare(seed: number, program: Program, model: ModelResult, how: { workers?: number; placement?: number[] }) {
  const label = `seed ${seed}, ${JSON.stringify(how)}`;
  const run = await simulate(program, { engine: 'actors', ...how });
  expect(run.status, label).toBe(model.status);
  if (model.status === 'deadlock') {
    const blocked = run.deadlock!.blocked.map((b) => [b.unit, b.clock, b.waits.map((w) => `${w.on} ${w.channel}`).sort()]).sort();
    expect(blocked, `${label}: blocked units, their clocks and waits`).toEqual(
      model.blocked.map((b) => [b.unit, b.clock, b.waits.map((w) => `${w.on} ${w.channel}`).sort()]).sort(),
    );
  }
  // A deadlocked run too: every unit where it stopped or ended, every channel's figures.
  expect(run.cycles, `${label}: cycles`).toBe(model.cycles);
  for (const ctx of run.contexts) expect(ctx.finalClock, `${label}: clock of ${ctx.name}`).toBe(model.clocks[ctx.name]);
  for (const ch of run.channels) {
    const { tokens, peakOccupancy, fullCycles, emptyWaitCycles, roomWaitCycles } = ch;
    expect({ tokens, peakOccupancy, fullCycles, emptyWaitCycles, roomWaitCycles }, `${label}: channel ${ch.name}`).toEqual(
      model.channels[ch.name],
    );
  }
  // A sink blocked at a deadlock reports nothing: it never finished.
  if (model.status === 'ok')
    for (const [sink, values] of Object.entries(model.values))
      expect((run.reports[sink] as SinkReport).values, `${label}: values of ${sink}`).toEqual(values);
}

/**
 * The timeline's occupancy of every channel (what `report` and `--trace` draw) against the
 * model's elements: at each instant either side says the occupancy changes, the same count.
 */
function compareOccupancy(seed: number, timeline: Timeline, model: ModelResult) {
  for (const ch of timeline.channels) {
    const elements = model.intervals[ch.name]!;
    // Both ends' instants come in FIFO order, so never decrease: counted by binary search.
    const enqueued = elements.map((e) => e.enqueued);
    const dequeued = elements.flatMap((e) => (e.dequeued === null ? [] : [e.dequeued]));
    const modelAt = (t: number) => atOrBefore(enqueued, t) - atOrBefore(dequeued, t);
    const timelineAt = (t: number) => ch.occupancy[Math.max(0, atOrBefore(ch.at, t) - 1)]!;
    const instants = new Set([...ch.at, ...enqueued, ...dequeued]);
    // The first instant they differ at, if any (an expect per instant costs more than the run).
    let first: [number, number, number] | null = null;
    for (const t of instants) {
      if (t < timeline.start || t >= timeline.end || timelineAt(t) === modelAt(t)) continue;
      if (first === null || t < first[0]) first = [t, timelineAt(t), modelAt(t)];
    }
    expect(first, `seed ${seed}: occupancy of ${ch.name} (cycle, timeline's, model's) where they first differ`).toBeNull();
  }
}

/** How many of the non-decreasing `xs` are at most `t`. */
function atOrBefore(xs: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function soak(from: number, count: number, withPools: boolean, floods = false): Promise<{ ok: number; deadlock: number }> {
  const seen = { ok: 0, deadlock: 0 };
  for (let seed = from; seed < from + count; seed++) {
    // Floods need unbounded FIFOs; on pools those stay inside one worker (below).
    const program = randomProgram(seed, withPools && !floods, floods);
    const model = runModel(modelProgram(program));
    seen[model.status]++;
    await compare(seed, program, model, { workers: 1 });
    if (!withPools) {
      compareOccupancy(seed, await recordTimeline(program), model);
      continue;
    }
    const r = random(seed * 7919);
    // Every unit placed at random over 2 or 3 workers: channels cut everywhere, peeks across threads.
    const workers = 2 + (seed % 2);
    const placement = program.units.map((_, i) => (i < workers ? i : Math.floor(r() * workers)));
    // Only a FIFO that fits a shared ring crosses threads: the two ends of a flood's stream go
    // on the lesser of their workers, until none differ (placements only fall, so this ends).
    const unit = new Map(program.units.map((u, i) => [u.name, i]));
    for (let moved = true; moved;) {
      moved = false;
      for (const ch of program.channels) {
        const [from, to] = [unit.get(ch.from.unit)!, unit.get(ch.to.unit)!];
        if ((ch.capacity === null || ch.capacity > 4096) && placement[to] !== placement[from]) {
          placement[to] = placement[from] = Math.min(placement[to]!, placement[from]!);
          moved = true;
        }
      }
    }
    // Workers numbered again without gaps (a worker may have lost all its units).
    const used = [...new Set(placement)].sort((a, b) => a - b);
    await compare(seed, program, model, { placement: placement.map((w) => used.indexOf(w)) });
  }
  return seen;
}

describe('the actors engine against an independent model of the utility units', () => {
  it('200 random programs in one thread, their timelines too', async () => {
    const seen = await soak(1, 200, false);
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.deadlock).toBeGreaterThan(20);
  }, 120_000);

  it('30 random programs with every unit placed at random over 2 or 3 workers', async () => {
    await soak(1001, 30, true);
  }, 120_000);

  it('5 random programs with floods, every other unit placed at random over 2 or 3 workers', async () => {
    await soak(6001, 5, true, true);
  }, 120_000);

  it('40 random programs with floods into FIFOs deeper than the ring, in one thread, their timelines too', async () => {
    const seen = await soak(5001, 40, false, true);
    expect(seen.deadlock).toBeGreaterThan(5);
  }, 120_000);
});

/**
 * More of the same, off the suite: DAMFLOW_UTILITY_SOAK=2000 npx vitest run
 * test/reference/utility-engines.test.ts -t soak (DAMFLOW_UTILITY_SOAK_FLOODS=1: with floods).
 */
const SOAK = Number(process.env['DAMFLOW_UTILITY_SOAK'] ?? 0);
describe.runIf(SOAK > 0)('soak: utility programs', () => {
  it(`${SOAK} random programs, one thread and a random placement`, async () => {
    const from = Number(process.env['DAMFLOW_UTILITY_SOAK_FROM'] ?? 10_000);
    const seen = await soak(from, SOAK, true, process.env['DAMFLOW_UTILITY_SOAK_FLOODS'] === '1');
    console.log(`utility soak: ${seen.ok} ok, ${seen.deadlock} deadlocked`);
  }, 3_600_000);
});
