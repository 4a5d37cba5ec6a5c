import { describe, expect, it } from 'vitest';
import { Peek } from '../../src/kernel/input.js';
import { ProgramBuilder } from '../../src/kernel/program.js';
import { registerUnitKind } from '../../src/kernel/registry.js';
import { UnitError } from '../../src/kernel/errors.js';
import { channel, clock, run } from './helpers.js';

// peekNext on the head, incr(10), then dequeue; then drains with plain dequeues.
registerUnitKind({
  kind: 'test-peeknext',
  ports: () => ({ inputs: ['in'], outputs: [] }),
  *run(ctx) {
    const input = ctx.input('in');
    const log: unknown[] = [];
    ctx.report(log);
    while (!input.ready()) yield;
    const v = input.peekNext();
    log.push(['peek', v, ctx.time]);
    ctx.incr(10);
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) break;
      const x = input.dequeue();
      log.push(['deq', x, ctx.time]);
    }
  },
});

// Sender for the timed-peek test: incr(7), wait for a trigger, enqueue(42, t+1).
registerUnitKind({
  kind: 'test-late-sender',
  ports: () => ({ inputs: ['trig'], outputs: ['out'] }),
  *run(ctx) {
    const trig = ctx.input('trig');
    const out = ctx.output('out');
    ctx.incr(7);
    while (!trig.ready()) yield;
    trig.dequeue();
    while (!out.ready()) yield;
    out.enqueue(42, ctx.time + 1);
  },
});

// Peeker: peek (record), send trigger, wait for data, peek (record), dequeue, wait, peek (record).
registerUnitKind({
  kind: 'test-peeker',
  ports: () => ({ inputs: ['in'], outputs: ['trig'] }),
  *run(ctx) {
    const input = ctx.input('in');
    const trig = ctx.output('trig');
    const log: unknown[] = [];
    ctx.report(log);
    const look = () => {
      const s = input.peek();
      if (s === Peek.Something) log.push(['something', input.headTime, ctx.time]);
      else if (s === Peek.Nothing) log.push(['nothing', input.quietTime, ctx.time]);
      else log.push(['closed', ctx.time]);
    };
    look();
    while (!trig.ready()) yield;
    trig.enqueue(0, ctx.time + 1);
    while (!input.ready()) yield;
    look();
    input.dequeue();
    while (!input.ready()) yield;
    look();
  },
});

describe('peekNext', () => {
  it('advances the clock to the head element without acknowledging it', () => {
    // gen (K=2) -> cap 1 -> reader. gen e0 enq@0 time 1, t=1.
    // reader: peekNext -> t=max(0,1)=1, no ack. incr(10) -> t=11. dequeue e0 @max(11,1)=11, ack 12.
    // gen e1: needs e0's ack: t=max(1,12)=12, time 13, t=13... incr -> 13. gen final 13.
    // (Had peekNext acknowledged at 1+1=2, gen would have sent e1 at 2 and finished at 3.)
    // reader: deq e1 @max(11,13)=13 -> final 13.
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { values: [5, 6] })
      .unit('reader', 'test-peeknext')
      .channel('c', 'gen.out', 'reader.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.reports['reader']).toEqual([
      ['peek', 5, 1],
      ['deq', 5, 11],
      ['deq', 6, 13],
    ]);
    expect(clock(r, 'gen')).toBe(13);
    expect(r.cycles).toBe(13);
  });
});

describe('timed peek', () => {
  it('answers Nothing with the sender clock, then Something, then Closed', () => {
    // Units in order [s, p]; the single-thread executor runs them in that order first.
    // s: incr(7) -> t=7, waits for trig.  p: peek -> empty, sender clock 7 -> Nothing, quietTime 7.
    // p sends trig (time 1), waits for data. s: deq trig @max(7,1)=7, enqueue 42 time 8, finishes (7).
    // p: peek -> Something headTime 8 (p's clock still 0: peek never moves it). dequeue -> t=8.
    // p: stream ended -> Closed at 8.
    const p = new ProgramBuilder()
      .unit('s', 'test-late-sender')
      .unit('p', 'test-peeker')
      .channel('data', 's.out', 'p.in')
      .channel('trig', 'p.trig', 's.trig')
      .build();
    const r = run(p);
    expect(r.reports['p']).toEqual([
      ['nothing', 7, 0],
      ['something', 8, 0],
      ['closed', 8],
    ]);
    expect(clock(r, 's')).toBe(7);
    expect(r.cycles).toBe(8);
  });
});

describe('merge of timed streams', () => {
  function program() {
    return new ProgramBuilder()
      .unit('a', 'generator', { values: [10, 11, 12], times: [1, 3, 6] })
      .unit('b', 'generator', { values: [20, 21, 22], times: [2, 3, 7] })
      .unit('m', 'merge', {})
      .unit('out', 'test-recorder')
      .channel('ca', 'a.out', 'm.in0')
      .channel('cb', 'b.out', 'm.in1')
      .channel('co', 'm.out', 'out.in')
      .build();
  }
  it('forwards in time order, ties to the lower input, with exact times', () => {
    // Order by element time: 10@1, 20@2, 11@3 (tie at 3 -> in0 first), 21@3, 12@6, 22@7.
    // merge (latency 1, ii 1): take at t=max(t, time), enqueue t+1, incr(1):
    // 10: t=1 -> out 2, t=2. 20: t=2 -> out 3, t=3. 11: t=3 -> out 4, t=4.
    // 21: t=max(4,3)=4 -> out 5, t=5. 12: t=6 -> out 7, t=7. 22: t=7 -> out 8, t=8.
    // recorder (ii 0) dequeues at the element times: 2,3,4,5,7,8. cycles 8.
    // generator a: advance(times[i]-1): final 5; b final 6.
    const r = run(program());
    expect(r.status).toBe('ok');
    expect(r.reports['out']).toEqual([
      [10, 2],
      [20, 3],
      [11, 4],
      [21, 5],
      [12, 7],
      [22, 8],
    ]);
    expect(clock(r, 'm')).toBe(8);
    expect(clock(r, 'a')).toBe(5);
    expect(clock(r, 'b')).toBe(6);
    expect(r.cycles).toBe(8);
  });

  it('is deterministic: the same program twice gives identical results', () => {
    const first = run(program());
    const second = run(program());
    expect(second).toEqual(first);
  });
});

describe('end of stream', () => {
  it('an empty generator closes its channel at once', () => {
    // gen with 0 elements finishes at 0; the sink sees end of stream at 0.
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { count: 0 })
      .unit('s', 'sink', { collect: true })
      .channel('c', 'gen.out', 's.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.status).toBe('ok');
    expect(r.cycles).toBe(0);
    expect(r.reports['s']).toEqual({ count: 0, values: [] });
    expect(channel(r, 'c').tokens).toBe(0);
    expect(channel(r, 'c').peakOccupancy).toBe(0);
  });

  it('remaining elements are delivered before end of stream', () => {
    // gen K=3 (times 1,2,3, final 3); sink takes all three at 1,2,3; cycles 3.
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { values: [4, 5, 6] })
      .unit('s', 'sink', { collect: true })
      .channel('c', 'gen.out', 's.in')
      .build();
    const r = run(p);
    expect(r.reports['s']).toEqual({ count: 3, values: [4, 5, 6] });
    expect(r.cycles).toBe(3);
  });
});

describe('sink', () => {
  it('collects a vector wider than a call takes arguments', () => {
    const width = 300_000;
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { values: [Array.from({ length: width }, (_, i) => i)] })
      .unit('s', 'sink', { collect: true })
      .channel('c', 'gen.out', 's.in', { capacity: 1, width })
      .build();
    const report = run(p).reports['s'] as { count: number; values: number[] };
    expect(report.count).toBe(1);
    expect(report.values).toHaveLength(width);
    expect(report.values[width - 1]).toBe(width - 1);
  });
});

describe('broadcast', () => {
  it('waits for room on all outputs before enqueueing any', () => {
    // gen K=3 -> (unbounded) -> bc -> out0 cap1 -> fast (ii 0), out1 cap1 -> slow (ii 5).
    // gen: times 1,2,3.
    // bc e0: deq @1; both outputs have room; stamp 2 on both; t=2.
    // fast: deq @2 (ack 3). slow: deq @2 (ack 3), t=7.
    // bc e1: deq @max(2,2)=2; out0 ack 3 -> t=3; out1 ack 3 -> t=3; stamp 4; t=4.
    // fast: deq @4 (ack 5). slow: deq @max(7,4)=7 (ack 8), t=12.
    // bc e2: deq @max(4,3)=4; out0 ack 5 -> t=5; out1 ack 8 -> t=8; stamp 9 on both; t=9 (final).
    // fast: deq @9 (final 9). slow: deq @max(12,9)=12, t=17 (final). cycles 17.
    // (Enqueueing out0 before waiting on out1 would have stamped fast's e2 at 6.)
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { count: 3 })
      .unit('bc', 'broadcast', { outputs: 2 })
      .unit('fast', 'test-recorder')
      .unit('slow', 'test-recorder', { ii: 5 })
      .channel('in', 'gen.out', 'bc.in')
      .channel('o0', 'bc.out0', 'fast.in', { capacity: 1 })
      .channel('o1', 'bc.out1', 'slow.in', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.reports['fast']).toEqual([
      [0, 2],
      [1, 4],
      [2, 9],
    ]);
    expect(r.reports['slow']).toEqual([
      [0, 2],
      [1, 7],
      [2, 12],
    ]);
    expect(clock(r, 'bc')).toBe(9);
    expect(r.cycles).toBe(17);
  });
});

describe('checker', () => {
  function program(tolerance: number) {
    return new ProgramBuilder()
      .unit('gen', 'generator', { values: [1, 2] })
      .unit('chk', 'checker', { expected: [1.05, 1.95], tolerance })
      .channel('c', 'gen.out', 'chk.in')
      .build();
  }
  it('passes within tolerance', () => {
    // |1-1.05| = 0.05 <= 0.1, |2-1.95| = 0.05 <= 0.1. checker dequeues at 1, 2 -> cycles 2.
    const r = run(program(0.1));
    expect(r.status).toBe('ok');
    expect(r.cycles).toBe(2);
  });
  it('fails outside tolerance with a UnitError naming the unit', () => {
    const attempt = () => run(program(0.01));
    expect(attempt).toThrow(UnitError);
    expect(attempt).toThrow(/unit 'chk'.*element 0/);
  });
});

// Forwards its first element (at t + 1) and finishes.
registerUnitKind({
  kind: 'test-echo-once',
  ports: () => ({ inputs: ['in'], outputs: ['out'] }),
  *run(ctx) {
    const input = ctx.input('in');
    const out = ctx.output('out');
    while (!input.ready()) yield;
    if (input.ended) return;
    const v = input.dequeue();
    ctx.report([v, ctx.time]);
    while (!out.ready()) yield;
    out.enqueue(v, ctx.time + 1);
  },
});

describe('merge in a feedback loop (stall resolution answers a clock wait)', () => {
  it('forwards once the looped-back input is known quiet', () => {
    // a: times [10, 20] (final 19). m.out -> e -> m.in1 (a cycle).
    // m sees 10 on in0, in1 empty: in1 must be quiet through 9 (higher input, strict). e is at
    // clock 0 waiting for data from m: every context is blocked, least clock target is 9, so e is
    // known never to act below 9 and m proceeds.
    // m: take 10 at t=10, out time 11, t=11. e: deq @11, report [10, 11], enqueue 10 time 12, done (11).
    // m: heads in0=20, in1=12 -> take in1 at t=max(11,12)=12, out 13, t=13 (to finished e, unbounded).
    // m: in1 closed; take 20 at t=20, out 21, t=21; both closed -> done. cycles 21.
    const p = new ProgramBuilder()
      .unit('a', 'generator', { values: [10, 30], times: [10, 20] })
      .unit('m', 'merge', {})
      .unit('e', 'test-echo-once')
      .channel('ca', 'a.out', 'm.in0')
      .channel('loop', 'e.out', 'm.in1')
      .channel('mo', 'm.out', 'e.in')
      .build();
    const r = run(p);
    expect(r.status).toBe('ok');
    expect(r.reports['e']).toEqual([10, 11]);
    expect(clock(r, 'e')).toBe(11);
    expect(clock(r, 'm')).toBe(21);
    expect(clock(r, 'a')).toBe(19);
    expect(r.cycles).toBe(21);
    expect(channel(r, 'mo').tokens).toBe(3);
  });
});
