import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OccupancyMeter } from '../../src/kernel/occupancy-meter.js';
import { ProgramBuilder } from '../../src/kernel/program.js';
import { TimeRuns } from '../../src/kernel/time-runs.js';
import { SingleThreadExecutor } from '../../src/engines/actors/single-thread-executor.js';
import type { Channel } from '../../src/kernel/channel.js';
import { channel, clock } from './helpers.js';

describe('huge-capacity channel', () => {
  it('capacity 1e9, 200000 elements at 1/cycle into a consumer taking 1 per 2 cycles', () => {
    const K = 200_000;
    // gen: element i enqueued at instant i, time i+1 (never waits: capacity 1e9). final K = 200000.
    // consumer (dequeue, incr(2)): d_0 = 1, d_i = max(d_{i-1} + 2, i + 1) = 1 + 2i.
    //   final = d_{K-1} + 2 = 2K + 1 = 400001 = cycles.
    // occupancy: element i occupies [i, 1 + 2i). At instant x <= K-1 the elements present are
    //   i <= x with 1 + 2i > x, i.e. floor((x-1)/2) < i <= x: x - floor((x-1)/2) of them,
    //   non-decreasing in x; for x >= K-1 the upper bound is K-1, so the count only falls.
    //   Peak at x = K-1 = 199999: 199999 - 99999 = 100000.
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { count: K })
      .unit('eat', 'test-recorder', { ii: 2 })
      .channel('big', 'gen.out', 'eat.in', { capacity: 1e9 })
      .build();
    const exec = new SingleThreadExecutor(p);
    const r = exec.run();
    expect(r.status).toBe('ok');
    expect(clock(r, 'gen')).toBe(K);
    expect(clock(r, 'eat')).toBe(2 * K + 1);
    expect(r.cycles).toBe(400_001);
    const stats = channel(r, 'big');
    expect(stats.tokens).toBe(K);
    expect(stats.capacity).toBe(1e9);
    expect(stats.peakOccupancy).toBe(100_000);
    const last = (r.reports['eat'] as [number, number][]).at(-1);
    expect(last).toEqual([K - 1, 1 + 2 * (K - 1)]);
    // The physical ring never grows to the simulated occupancy: the consumer only ever waits
    // for data (never blocked in simulated time on the producer's held-back buffer), so the
    // default ring (<= 4096 slots) is never enlarged. White-box look at the executor's instance.
    const ch = (exec as unknown as { instance: { channels: Channel[] } }).instance.channels[0]!;
    expect(ch.slots).toBeLessThanOrEqual(4096);
    expect(ch.meter.heldRuns).toBeLessThanOrEqual(4);
  });
});

describe('TimeRuns', () => {
  it('stores arithmetic streams as few runs and returns them in order', () => {
    const q = new TimeRuns();
    for (let i = 0; i < 1000; i++) q.push(3 + 2 * i); // one run: start 3, step 2
    expect(q.runs).toBe(1);
    for (let i = 0; i < 500; i++) q.push(5000 + i); // a second run, step 1
    expect(q.runs).toBe(2);
    expect(q.size).toBe(1500);
    // a run of one accepts any step: 9000, 9007, 9014 is one run
    q.push(9000);
    q.push(9007);
    q.push(9014);
    expect(q.runs).toBe(3);
    q.push(9015); // step breaks -> a new run
    expect(q.runs).toBe(4);
    const out: number[] = [];
    while (q.size > 0) out.push(q.shift());
    const want = [
      ...Array.from({ length: 1000 }, (_, i) => 3 + 2 * i),
      ...Array.from({ length: 500 }, (_, i) => 5000 + i),
      9000,
      9007,
      9014,
      9015,
    ];
    expect(out).toEqual(want);
    expect(q.runs).toBe(0);
  });

  it('shiftUpTo removes whole and partial runs up to a time', () => {
    const q = new TimeRuns();
    for (let i = 0; i < 10; i++) q.push(10 + 3 * i); // 10, 13, ..., 37
    for (let i = 0; i < 4; i++) q.push(50); // a run of equal times
    q.push(60);
    expect(q.shiftUpTo(9)).toBe(0);
    expect(q.shiftUpTo(21)).toBe(4); // 10, 13, 16, 19
    expect(q.shiftUpTo(22)).toBe(1); // 22
    expect(q.shiftUpTo(50)).toBe(9); // 25 .. 37 (5), then the four 50s
    expect(q.size).toBe(1);
    expect(q.shift()).toBe(60);
    expect(q.runs).toBe(0);
  });

  it('drop removes the oldest times by count, across whole and partial runs, then pushes go on', () => {
    const times = [10, 13, 16, 19, 22, 50, 50, 50, 60, 61, 62, 70];
    for (let k = 0; k <= times.length; k++) {
      const q = new TimeRuns();
      for (const t of times) q.push(t);
      q.drop(k);
      q.push(80);
      expect(q.size).toBe(times.length - k + 1);
      const held: number[] = [];
      while (q.size > 0) held.push(q.shift());
      expect(held).toEqual([...times.slice(k), 80]);
    }
  });

  // A drift's proof copied a channel's dequeue instants time by time (naive N = 2^22: 0.6-1 s in
  // one go, which a SIGINT waited for); run by run, the copy is the same queue.
  it('pushRun is `count` pushes: the same times in the same runs, after any times and shifts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 7 })), {
          maxLength: 8,
        }),
        fc.nat(12),
        (runs, shifted) => {
          const [byTime, byRun] = [new TimeRuns(), new TimeRuns()];
          let at = 0;
          for (const [gap, step, count] of runs) {
            at += gap;
            for (let k = 0; k < count; k++) byTime.push(at + step * k);
            byRun.pushRun(at, step, count);
            at += step * (count - 1);
            for (let k = 0; k < shifted && byTime.size > 1; k++) expect(byRun.shift()).toBe(byTime.shift());
          }
          const runsOf = (q: TimeRuns): number[][] => {
            const out: number[][] = [];
            q.forEachRun((start, step, count) => out.push([start, step, count]));
            return out;
          };
          expect(runsOf(byRun)).toEqual(runsOf(byTime));
          expect([byRun.size, byRun.newest]).toEqual([byTime.size, byTime.newest]);
        },
      ),
    );
  });

  it('interleaved push/shift keeps runs few', () => {
    const q = new TimeRuns();
    let next = 0;
    let expectNext = 0;
    let maxRuns = 0;
    for (let round = 0; round < 10_000; round++) {
      q.push(next);
      q.push(next + 1);
      next += 2;
      expect(q.shift()).toBe(expectNext++);
      maxRuns = Math.max(maxRuns, q.runs);
    }
    // times pushed are 0,1,2,... (step 1): one run at a time (or two across a boundary)
    expect(maxRuns).toBeLessThanOrEqual(2);
    expect(q.size).toBe(10_000);
  });
});

describe('OccupancyMeter', () => {
  // A channel's instant rings, standing in for the channel: the meter reads element n's
  // enqueue instant at enqueuedAt[n & mask] and, in ring mode, its dequeue instant at
  // dequeuedAt[n & mask], which the channel writes right after calling the meter.
  function rings(slots: number, ringDequeues: boolean) {
    return {
      enqueuedAt: new Float64Array(slots),
      dequeuedAt: ringDequeues ? new Float64Array(slots) : null,
      mask: slots - 1,
      slots,
      sent: 0,
    };
  }

  /** Peak of #{n : E_n <= x < D_n} over every instant x, by brute force. */
  function bruteForcePeak(e: number[], d: number[]): number {
    let peak = 0;
    for (const x of e) {
      let at = 0;
      for (let n = 0; n < e.length; n++) if (e[n]! <= x && x < d[n]!) at++;
      peak = Math.max(peak, at);
    }
    return peak;
  }

  /**
   * Instants of a FIFO of `capacity` between a sender that waits `gap(n)` cycles between
   * elements and a receiver that takes `ii(n)` cycles per element, Ls = Lr = 1 (spec 1):
   * E_n = max(sender clock, D_{n-capacity} + 1), stamp E_n + 1, D_n = max(receiver clock, stamp).
   */
  function fifo(count: number, capacity: number, gap: (n: number) => number, ii: (n: number) => number) {
    const e: number[] = [];
    const d: number[] = [];
    let sender = 0;
    let receiver = 0;
    for (let n = 0; n < count; n++) {
      if (n >= capacity) sender = Math.max(sender, d[n - capacity]! + 1);
      e.push(sender);
      receiver = Math.max(receiver, sender + 1);
      d.push(receiver);
      receiver += ii(n);
      sender += gap(n);
    }
    return { e, d };
  }

  /** Feeds the meter in a real-time order the ring allows: the sender runs ahead by `ahead(n)` <= slots. */
  function meterPeak(e: number[], d: number[], slots: number, ringDequeues: boolean, ahead: (n: number) => number): number {
    const log = rings(slots, ringDequeues);
    const meter = new OccupancyMeter();
    for (let n = 0; n < e.length; n++) {
      const until = Math.min(e.length, n + 1 + ahead(n));
      while (log.sent < until) log.enqueuedAt[log.sent++ & log.mask] = e[log.sent - 1]!;
      meter.dequeued(log, n, d[n]!);
      if (log.dequeuedAt !== null) log.dequeuedAt[n & log.mask] = d[n]!;
    }
    meter.finish(log, e.length);
    return meter.peak;
  }

  it('capacity 2, sender II 1 into receiver II 2: peak 2, worked by hand', () => {
    // E = 0, 1, 2, 4, 6, ... (from element 2 on, the acknowledgement D_{n-2} + 1 = 2n - 2);
    // D = 1, 3, 5, 7, ... (2n + 1). At x = 2: elements 1 [1, 3) and 2 [2, 5): 2 at once;
    // never 3, since element n + 2 enters at 2n + 2 > D_n - 1.
    const { e, d } = fifo(
      50,
      2,
      () => 1,
      () => 2,
    );
    expect(e.slice(0, 5)).toEqual([0, 1, 2, 4, 6]);
    expect(d.slice(0, 5)).toEqual([1, 3, 5, 7, 9]);
    expect(meterPeak(e, d, 2, true, () => 1)).toBe(2);
    expect(meterPeak(e, d, 2, true, () => 0)).toBe(2);
  });

  it('peak for enqueues at i and dequeues at 1 + 2i is K - floor(K/2); off-ring instants stay few runs', () => {
    // K = 1000: element i occupies [i, 1+2i); at x = 999: i in (499, 999] -> 500 (see the
    // huge-capacity derivation).
    const K = 1000;
    const e = Array.from({ length: K }, (_, i) => i);
    const d = e.map((i) => 1 + 2 * i);
    expect(meterPeak(e, d, 1024, false, () => 0)).toBe(500);
    expect(meterPeak(e, d, 1024, false, (n) => Math.min(1023, K - n))).toBe(500);
  });

  it('half-open: a dequeue at x counts before an enqueue at x', () => {
    // e0 [0, 1), e1 [1, 2), e2 [2, 3): never two at once -> peak 1.
    expect(meterPeak([0, 1, 2], [1, 2, 3], 4, false, () => 3)).toBe(1);
    expect(meterPeak([0, 1, 2], [1, 2, 3], 4, true, () => 3)).toBe(1);
  });

  it('matches a brute-force count for irregular FIFOs, in ring and off-ring mode, at any real-time order', () => {
    let seed = 7;
    const rand = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    for (let trial = 0; trial < 40; trial++) {
      const capacity = 1 + rand(6);
      const slots = 8;
      const { e, d } = fifo(
        300,
        capacity,
        () => rand(4),
        () => 1 + rand(4),
      );
      const expected = bruteForcePeak(e, d);
      expect(meterPeak(e, d, slots, true, () => rand(slots))).toBe(expected);
      expect(meterPeak(e, d, slots, false, () => rand(slots))).toBe(expected);
    }
  });
});
