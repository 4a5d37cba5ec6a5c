import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../../src/kernel/program.js';
import { registerUnitKind } from '../../src/kernel/registry.js';
import { unitStats } from '../../src/engines/run-result.js';
import { channel, clock, run } from './helpers.js';

// Generator: per element, wait for room, enqueue(v, t+1), incr(1).
// Recorder (ii): dequeue (t = max(t, elem.time), ack at t + Lr), record, incr(ii).
function genToSlow(k: number, capacity: number | null, ii = 3, latency = 1, responseLatency = 1) {
  return new ProgramBuilder()
    .unit('gen', 'generator', { count: k })
    .unit('slow', 'test-recorder', { ii })
    .channel('c', 'gen.out', 'slow.in', { capacity, latency, responseLatency })
    .build();
}

describe('backpressure', () => {
  it('capacity 1, K=5, consumer incr(3)', () => {
    // gen: e0 enq@0 time1, t=1.
    // slow: deq e0 @1 (ack 1+1=2), t=4.   gen e1: t=max(1,2)=2, time 3, t=3.
    // slow: deq e1 @max(4,3)=4 (ack 5), t=7. gen e2: t=5, time 6, t=6.
    // slow: deq e2 @7 (ack 8), t=10.       gen e3: t=8, time 9, t=9.
    // slow: deq e3 @10 (ack 11), t=13.     gen e4: t=11, time 12, t=12 -> gen final 12.
    // slow: deq e4 @13, t=16 -> final 16.
    const r = run(genToSlow(5, 1));
    expect(r.status).toBe('ok');
    expect(clock(r, 'gen')).toBe(12);
    expect(clock(r, 'slow')).toBe(16);
    expect(r.cycles).toBe(16);
    expect(r.reports['slow']).toEqual([
      [0, 1],
      [1, 4],
      [2, 7],
      [3, 10],
      [4, 13],
    ]);
    // occupancy: e0 [0,1) e1 [2,4) e2 [5,7) e3 [8,10) e4 [11,13): peak 1
    expect(channel(r, 'c').peakOccupancy).toBe(1);
    expect(channel(r, 'c').tokens).toBe(5);
  });

  it("capacity 1, K=5, consumer incr(3): cycles full, and each end's waits", () => {
    // As above: gen waits for room 1 (e1: 1 -> 2), then 2 for each of e2, e3, e4 (3 -> 5, 6 -> 8,
    // 9 -> 11): 7; busy 12 - 7 = 5, one incr(1) per element. slow waits once, for e0 (0 -> 1);
    // busy 15, five incr(3). The FIFO holds one (its capacity) over [0, 1), [2, 4), [5, 7),
    // [8, 10), [11, 13): 9 cycles full.
    const r = run(genToSlow(5, 1));
    const c = channel(r, 'c');
    expect([c.fullCycles, c.emptyWaitCycles, c.roomWaitCycles]).toEqual([9, 1, 7]);
    const units = Object.fromEntries(
      unitStats(r.contexts, r.channels).map((u) => [u.name, [u.busyCycles, u.inputStallCycles, u.roomStallCycles]]),
    );
    expect(units).toEqual({ gen: [5, 0, 7], slow: [15, 1, 0] });
  });

  it('capacity 2, K=5, consumer incr(3)', () => {
    // gen: e0 enq@0 time1 t=1; e1 enq@1 time2 t=2 (outstanding 1 < 2).
    // slow: deq e0 @1 ack2, t=4; deq e1 @max(4,2)=4 ack5, t=7.
    // gen e2: needs ack of e0 (2): t=max(2,2)=2, time 3, t=3.
    // gen e3: needs ack of e1 (5): t=5, time 6, t=6.
    // slow: deq e2 @max(7,3)=7 ack 8, t=10.
    // gen e4: needs ack of e2 (8): t=8, time 9, t=9 -> gen final 9.
    // slow: deq e3 @max(10,6)=10, t=13; deq e4 @max(13,9)=13, t=16 -> final 16.
    const r = run(genToSlow(5, 2));
    expect(clock(r, 'gen')).toBe(9);
    expect(clock(r, 'slow')).toBe(16);
    expect(r.reports['slow']).toEqual([
      [0, 1],
      [1, 4],
      [2, 7],
      [3, 10],
      [4, 13],
    ]);
    // occupancy: e0 [0,1) e1 [1,4) e2 [2,7) e3 [5,10) e4 [8,13): at 2 -> {e1,e2} = 2; never 3.
    expect(channel(r, 'c').peakOccupancy).toBe(2);
  });

  it('unbounded, K=5, consumer incr(3)', () => {
    // gen never waits: e_i enq@i time i+1, t=5 at the end.
    // slow: deq at 1, 4, 7, 10, 13 (max(prev+3, i+1) = 1+3i); final 16.
    // occupancy e_i = [i, 1+3i): e0 [0,1) e1 [1,4) e2 [2,7) e3 [3,10) e4 [4,13).
    // at 3: e1,e2,e3 = 3; at 4: e2,e3,e4 = 3 (e1 left at 4, half-open); peak 3.
    const r = run(genToSlow(5, null));
    expect(clock(r, 'gen')).toBe(5);
    expect(clock(r, 'slow')).toBe(16);
    expect(channel(r, 'c').peakOccupancy).toBe(3);
    expect(channel(r, 'c').capacity).toBeNull();
  });

  it('response latency 3, capacity 1, consumer incr(1), K=3', () => {
    // gen e0 enq@0 time1, t=1. slow deq @1, ack 1+3=4, t=2.
    // gen e1: t=max(1,4)=4, time 5, t=5. slow deq @max(2,5)=5, ack 8, t=6.
    // gen e2: t=8, time 9, t=9 (final). slow deq @9, t=10 (final).
    const r = run(genToSlow(3, 1, 1, 1, 3));
    expect(clock(r, 'gen')).toBe(9);
    expect(clock(r, 'slow')).toBe(10);
    expect(r.reports['slow']).toEqual([
      [0, 1],
      [1, 5],
      [2, 9],
    ]);
    expect(r.cycles).toBe(10);
  });

  it('send latency 4, response latency 2, capacity 1, consumer incr(1), K=3', () => {
    // gen e0 enq@0 time max(1, 0+4)=4, t=1. slow deq @4, ack 6, t=5.
    // gen e1: t=6, time 10, t=7. slow deq @10, ack 12, t=11.
    // gen e2: t=12, time 16, t=13 (final). slow deq @16, t=17 (final).
    const r = run(genToSlow(3, 1, 1, 4, 2));
    expect(clock(r, 'gen')).toBe(13);
    expect(clock(r, 'slow')).toBe(17);
    expect(r.reports['slow']).toEqual([
      [0, 4],
      [1, 10],
      [2, 16],
    ]);
  });
});

describe('stamps', () => {
  it('a stamp later than t + latency is kept', () => {
    // emitter offset 10, ii 1: e_i enq@i with stamp i+10 > i+1 -> times 10, 11, 12. final 3.
    // recorder ii 1: deq @10 t=11; deq @max(11,11)=11 t=12; deq @12 t=13 -> final 13.
    const p = new ProgramBuilder()
      .unit('src', 'test-emitter', { count: 3, offset: 10 })
      .unit('dst', 'test-recorder', { ii: 1 })
      .channel('c', 'src.out', 'dst.in')
      .build();
    const r = run(p);
    expect(clock(r, 'src')).toBe(3);
    expect(r.reports['dst']).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(r.cycles).toBe(13);
    // occupancy e_i [i, 10+i): at 2: e0,e1,e2 = 3
    expect(channel(r, 'c').peakOccupancy).toBe(3);
  });

  it('a stamp earlier than t + latency becomes t + latency', () => {
    // emitter offset 0, latency 3: time = max(i, i+3) = i+3 -> 3, 4, 5.
    // recorder ii 0: deq at 3, 4, 5 -> final 5.
    const p = new ProgramBuilder()
      .unit('src', 'test-emitter', { count: 3, offset: 0 })
      .unit('dst', 'test-recorder')
      .channel('c', 'src.out', 'dst.in', { latency: 3 })
      .build();
    const r = run(p);
    expect(r.reports['dst']).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(r.cycles).toBe(5);
  });

  it('stamps are never re-sorted (FIFO order)', () => {
    // emitter first=0: e0 stamp max(0+10... ) - use two emitters? Instead: offset 10 then
    // latency shorter later is impossible with one emitter; FIFO shown via times staying in order:
    // generator with times [5, 5, 9]: advance to 4, emit 5; advance(4), emit 5; advance 8, emit 9.
    // recorder ii 0: deq 5, 5, 9.
    const p = new ProgramBuilder()
      .unit('g', 'generator', { values: [7, 8, 9], times: [5, 5, 9] })
      .unit('dst', 'test-recorder')
      .channel('c', 'g.out', 'dst.in')
      .build();
    const r = run(p);
    expect(r.reports['dst']).toEqual([
      [7, 5],
      [8, 5],
      [9, 9],
    ]);
    expect(clock(r, 'g')).toBe(8);
  });
});

describe('2^31 clocks', () => {
  it('exact cycles past 2^31', () => {
    // src: incr(2^31+5) -> t = 2147483653; enqueue time t+1 = 2147483654; incr(1) -> final 2147483654.
    // dst (ii 3): deq @2147483654, t = 2147483657 (final).
    const p = new ProgramBuilder()
      .unit('src', 'test-emitter', { count: 1, first: 2 ** 31 + 5 })
      .unit('dst', 'test-recorder', { ii: 3 })
      .channel('c', 'src.out', 'dst.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(clock(r, 'src')).toBe(2147483654);
    expect(r.reports['dst']).toEqual([[0, 2147483654]]);
    expect(r.cycles).toBe(2147483657);
  });
});

describe('2^53 clocks', () => {
  // src: incr(first), enqueue(i, t + 1), incr(1); dst takes each element at its time (ii 0).
  const pipe = (first: number, count: number, latency: number, responseLatency: number) =>
    new ProgramBuilder()
      .unit('src', 'test-emitter', { count, first })
      .unit('dst', 'test-recorder', { ii: 0 })
      .channel('c', 'src.out', 'dst.in', { capacity: 1, latency, responseLatency })
      .build();

  it('reach 2^53 - 1 exactly, and past it are refused where they are made, never rounded', () => {
    // t = 2^53 - 3, stamp 2^53 - 2; send latency 2: the element's time is t + 2 = 2^53 - 1.
    const exact = run(pipe(2 ** 53 - 3, 1, 2, 1));
    expect(exact.reports['dst']).toEqual([[0, 2 ** 53 - 1]]);
    expect(exact.cycles).toBe(2 ** 53 - 1);
    // Send latency 3: t + 3 = 2^53, past the limit (beyond it a sum is rounded: 2^53 + 1 reads
    // 2^53). The run had ended 'ok' with such clocks.
    expect(() => run(pipe(2 ** 53 - 3, 1, 3, 1))).toThrow(
      /unit 'src' failed: enqueue on channel 'c': the element's time, max\(stamp 9007199254740990, clock 9007199254740989 \+ send latency 3\), reaches 2\^53/,
    );
    // Response latency: e0 at t = 2^53 - 10 arrives at 2^53 - 9, taken then; its room comes
    // 9 later, at 2^53, past the limit: src's wait for room for e1 fails.
    expect(() => run(pipe(2 ** 53 - 10, 2, 1, 9))).toThrow(
      /unit 'src' failed: ready on channel 'c': the room, a dequeue \+ response latency 9, reaches 2\^53/,
    );
  });
});

// Like the generator, but checks for room twice per element.
registerUnitKind<{ count: number }>({
  kind: 'test-double-ready',
  ports: () => ({ inputs: [], outputs: ['out'] }),
  *run(ctx, params) {
    const out = ctx.output('out');
    const clocks: number[] = [];
    ctx.report(clocks);
    for (let i = 0; i < params.count; i++) {
      while (!out.ready()) yield;
      const before = ctx.time;
      if (!out.ready()) throw new Error('second ready() failed');
      if (ctx.time !== before) throw new Error('second ready() moved the clock');
      out.enqueue(i, ctx.time + 1);
      // The wait for room takes effect at the enqueue: the clock now is the enqueue instant.
      clocks.push(ctx.time);
      ctx.incr(1);
    }
  },
});

describe('waiting for room is idempotent', () => {
  it('checking twice consumes one acknowledgement (same timing as the generator)', () => {
    // Same derivation as 'capacity 1, K=5, consumer incr(3)': enqueue instants 0, 2, 5, 8, 11;
    // sender final 12; consumer final 16. Had the second check consumed a second ack, the
    // sender would wait for an acknowledgement that never comes (deadlock) or skip ahead.
    const p = new ProgramBuilder()
      .unit('src', 'test-double-ready', { count: 5 })
      .unit('slow', 'test-recorder', { ii: 3 })
      .channel('c', 'src.out', 'slow.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.status).toBe('ok');
    expect(r.reports['src']).toEqual([0, 2, 5, 8, 11]);
    expect(clock(r, 'src')).toBe(12);
    expect(clock(r, 'slow')).toBe(16);
  });
});

/** Dequeues x, waits for room, enqueues x at t + latency (t read when x is produced), incr(1): the README's pattern. */
registerUnitKind<{ latency: number }>({
  kind: 'test-delay',
  ports: () => ({ inputs: ['in'], outputs: ['out'] }),
  *run(ctx, { latency }) {
    const input = ctx.input('in');
    const out = ctx.output('out');
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      const x = input.dequeue();
      while (!out.ready()) yield;
      out.enqueue(x, ctx.time + latency);
      ctx.incr(1);
    }
  },
});

describe('the stamp is fixed before the wait for room (spec section 1)', () => {
  it('a unit of latency 5 that waits for room keeps the stamp it had when the value was produced', () => {
    // gen: e_i enqueued at i, time i + 1 (channel a unbounded).
    // delay: e0 dequeued at 1, stamp 6, room free, time max(6, 1 + 1) = 6, t = 2.
    //        e1 dequeued at 2, stamp 7; room waits for the ack of e0: slow dequeues e0 at 6,
    //        ack 7, so t = 7; time max(7, 7 + 1) = 8 (stamping after the wait: 12); t = 8.
    // slow (ii 4): e0 at 6, t = 10; e1 at max(10, 8) = 10, ack 11, t = 14.
    // delay: e2 dequeued at max(8, 3) = 8, stamp 13; room waits for 11; time max(13, 12) = 13; t = 12.
    // slow: e2 at max(14, 13) = 14, t = 18.
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { count: 3 })
      .unit('delay', 'test-delay', { latency: 5 })
      .unit('slow', 'test-recorder', { ii: 4 })
      .channel('a', 'gen.out', 'delay.in')
      .channel('b', 'delay.out', 'slow.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.reports['slow']).toEqual([
      [0, 6],
      [1, 10],
      [2, 14],
    ]);
    expect(clock(r, 'delay')).toBe(12);
    expect(clock(r, 'slow')).toBe(18);
    // b: e0 [1, 6), e1 [7, 10), e2 [11, 14): never two at once.
    expect(channel(r, 'b').peakOccupancy).toBe(1);
  });
});
