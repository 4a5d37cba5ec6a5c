// Tests of the utility reference model ALONE, against hand calculations written out in
// the comments (DAM rules of spec/hardware-model.md sections 1 and 4). Notation: a channel
// element is (value, time, enqT -> deqT); enqT/deqT bound its occupancy [enqT, deqT).
import { describe, expect, it } from 'vitest';
import { runModel } from './utility-model.js';
import type { ModelChannel, ModelUnit } from './utility-model.js';

const gen = (name: string, params: Record<string, unknown>): ModelUnit => ({ name, kind: 'generator', params });
const bc = (name: string, params: Record<string, unknown>): ModelUnit => ({ name, kind: 'broadcast', params });
const merge = (name: string, params: Record<string, unknown> = {}): ModelUnit => ({ name, kind: 'merge', params });
const sink = (name: string): ModelUnit => ({ name, kind: 'sink', params: {} });
const ch = (name: string, from: string, to: string, capacity: number | null, latency = 1, responseLatency = 1): ModelChannel => {
  const [fu, fp] = from.split('.');
  const [tu, tp] = to.split('.');
  return { name, from: { unit: fu, port: fp }, to: { unit: tu, port: tp }, capacity, latency, responseLatency };
};
const stats = (tokens: number, peakOccupancy: number, fullCycles: number, emptyWaitCycles: number, roomWaitCycles: number) => ({
  tokens,
  peakOccupancy,
  fullCycles,
  emptyWaitCycles,
  roomWaitCycles,
});

describe('utility reference model', () => {
  it('capacity 1 backpressure', () => {
    // G values [10,20,30] -> a (C=1, Ls=1, Lr=1) -> S.
    // G i0: stamp 1, no wait, a0 time 1, enqT 0; t=1.
    // S: deq a0 at 1 (emptyWait 1), ack 2.    G i1: wait ack 2 (room 1), t=2, a1 time 3, enqT 2; t=3.
    // S: deq a1 at 3 (emptyWait +2), ack 4.   G i2: wait ack 4 (room +1), t=4, a2 time 5, enqT 4; t=5. G ends 5.
    // S: deq a2 at 5 (emptyWait +2), then end of stream: S ends 5.
    // Occupancy [0,1) [2,3) [4,5): peak 1, full 3. emptyWait 5, roomWait 2.
    const r = runModel({ units: [gen('G', { values: [10, 20, 30] }), sink('S')], channels: [ch('a', 'G.out', 'S.in', 1)] });
    expect(r.status).toBe('ok');
    expect(r.clocks).toEqual({ G: 5, S: 5 });
    expect(r.cycles).toBe(5);
    expect(r.values).toEqual({ S: [10, 20, 30] });
    expect(r.channels.a).toEqual(stats(3, 1, 3, 5, 2));
    expect(r.blocked).toEqual([]);
  });

  it('capacity 2 with send latency 3 (stats on a small case)', () => {
    // G count 4 (values 0..3) -> a (C=2, Ls=3, Lr=1) -> S.
    // i0: stamp 1, time max(1,0+3)=3, enqT 0; t=1.   i1: stamp 2, time 4, enqT 1; t=2.
    // S deq a0 at 3 (emptyWait 3) ack 4.   i2: 2 outstanding, ack0=4: room 2, t=4; time max(3,7)=7, enqT 4; t=5.
    // S deq a1 at 4 (emptyWait +1) ack 5.  i3: ack1=5: room 0, t=5; time max(6,8)=8, enqT 5; t=6. G ends 6.
    // S deq a2 at 7 (+3), a3 at 8 (+1): S ends 8. emptyWait 8, roomWait 2.
    // Occupancy [0,3) [1,4) [4,7) [5,8): 2 on [1,3) and [5,7) -> peak 2, full 4.
    const r = runModel({ units: [gen('G', { count: 4 }), sink('S')], channels: [ch('a', 'G.out', 'S.in', 2, 3, 1)] });
    expect(r.status).toBe('ok');
    expect(r.clocks).toEqual({ G: 6, S: 8 });
    expect(r.cycles).toBe(8);
    expect(r.values.S).toEqual([0, 1, 2, 3]);
    expect(r.channels.a).toEqual(stats(4, 2, 4, 8, 2));
  });

  it('capacity 2 with response latency 3: sender blocks though peak stays 1', () => {
    // G count 4 start 5 step 10 (5,15,25,35) -> a (C=2, Ls=1, Lr=3) -> S.
    // i0: time 1, enqT 0; t=1.   i1: time 2, enqT 1; t=2.   S deq a0 at 1 (emptyWait 1), ack 1+3=4.
    // i2: ack0=4: room 2, t=4; time max(3,5)=5, enqT 4; t=5.   S deq a1 at 2 (+1), ack 5.
    // i3: ack1=5: room 0, t=5; time max(6,6)=6, enqT 5; t=6. G ends 6.
    // S deq a2 at 5 (+3), a3 at 6 (+1): ends 6. Occupancy [0,1) [1,2) [4,5) [5,6): peak 1, full 0.
    const r = runModel({ units: [gen('G', { count: 4, start: 5, step: 10 }), sink('S')], channels: [ch('a', 'G.out', 'S.in', 2, 1, 3)] });
    expect(r.clocks).toEqual({ G: 6, S: 6 });
    expect(r.values.S).toEqual([5, 15, 25, 35]);
    expect(r.channels.a).toEqual(stats(4, 1, 0, 6, 2));
  });

  it('capacity 1 with send latency 2 and response latency 3', () => {
    // G [1,2,3] -> a (C=1, Ls=2, Lr=3) -> S.
    // i0: time max(1,2)=2, enqT 0; t=1.  S deq at 2 (emptyWait 2), ack 5.
    // i1: room 5-1=4, t=5; time max(2,7)=7, enqT 5; t=6.  S deq at 7 (+5), ack 10.
    // i2: room 10-6=4, t=10; time 12, enqT 10; t=11. G ends 11.  S deq at 12 (+5): ends 12.
    // Occupancy [0,2) [5,7) [10,12): peak 1, full 6. emptyWait 12, roomWait 8.
    const r = runModel({ units: [gen('G', { values: [1, 2, 3] }), sink('S')], channels: [ch('a', 'G.out', 'S.in', 1, 2, 3)] });
    expect(r.clocks).toEqual({ G: 11, S: 12 });
    expect(r.cycles).toBe(12);
    expect(r.channels.a).toEqual(stats(3, 1, 6, 12, 8));
  });

  it('unbounded channels: no room waits, occupancy can grow', () => {
    // G count 3 start 7 step 2 (7,9,11) -> a (unbounded, Ls=3) -> S.
    // enqT 0,1,2; times 3,4,5; G ends 3. S deqs at 3,4,5 (emptyWait 3+1+1=5), ends 5.
    // Occupancy [0,3) [1,4) [2,5): 3 on [2,3) -> peak 3; fullCycles 0 (unbounded).
    const r1 = runModel({ units: [gen('G', { count: 3, start: 7, step: 2 }), sink('S')], channels: [ch('a', 'G.out', 'S.in', null, 3)] });
    expect(r1.clocks).toEqual({ G: 3, S: 5 });
    expect(r1.values.S).toEqual([7, 9, 11]);
    expect(r1.channels.a).toEqual(stats(3, 3, 0, 5, 0));

    // Timed generator: G values [1,2,3] times [5,5,9] -> a (unbounded, Ls=2) -> S.
    // i0: advance(4), time max(5,6)=6, enqT 4. i1: time 6, enqT 4. i2: advance(8), time max(9,10)=10, enqT 8. G ends 8.
    // S deq 6 (emptyWait 6), 6 (+0), 10 (+4): ends 10. Occupancy [4,6) [4,6) [8,10): peak 2.
    const r2 = runModel({
      units: [gen('G', { values: [1, 2, 3], times: [5, 5, 9] }), sink('S')],
      channels: [ch('a', 'G.out', 'S.in', null, 2)],
    });
    expect(r2.clocks).toEqual({ G: 8, S: 10 });
    expect(r2.channels.a).toEqual(stats(3, 2, 0, 10, 0));
  });

  it('broadcast with outputs backpressured unevenly', () => {
    // G [1,2,3] -> g (unbounded) -> B (2 outputs, latency 1, ii 1);
    // B.out0 -> a (C=2, Lr=1) -> SA;  B.out1 -> b (C=1, Lr=4) -> SB.   g elems: times 1,2,3, enqT 0,1,2; G ends 3.
    // B iter0: deq g0 at 1 (emptyWait g 1). stamp 2. no waits. a0, b0 time 2, enqT 1. t=2.
    //   SB deq b0 at 2, ack 6.  SA deq a0 at 2, ack 3.
    // B iter1: deq g1 at 2. stamp 3. a: 1 outstanding < 2, no wait. b: ack b0=6 -> room b 4, t=6.
    //   a1, b1 time max(3,7)=7, enqT 6. t=7.   SB deq b1 at 7, ack 11. SA deq a1 at 7, ack 8.
    // B iter2: deq g2 (time 3) at 7. stamp 8. a: 2 outstanding -> ack a0=3, room 0. b: ack b1=11, room 4, t=11.
    //   a2, b2 time max(8,12)=12, enqT 11. t=12.  B: end of stream -> ends 12 (EOS does not move it).
    // SA, SB deq at 12; end 12. emptyWait a = b = 2+5+5 = 12. roomWait a 0, b 8.
    // Occupancy a, b: [1,2) [6,7) [11,12): peak 1; full a 0 (C=2), b 3 (C=1). g: [0,1) [1,2) [2,7): peak 1.
    const r = runModel({
      units: [gen('G', { values: [1, 2, 3] }), bc('B', { outputs: 2 }), sink('SA'), sink('SB')],
      channels: [ch('g', 'G.out', 'B.in', null), ch('a', 'B.out0', 'SA.in', 2, 1, 1), ch('b', 'B.out1', 'SB.in', 1, 1, 4)],
    });
    expect(r.status).toBe('ok');
    expect(r.clocks).toEqual({ G: 3, B: 12, SA: 12, SB: 12 });
    expect(r.cycles).toBe(12);
    expect(r.values).toEqual({ SA: [1, 2, 3], SB: [1, 2, 3] });
    expect(r.channels.g).toEqual(stats(3, 1, 0, 1, 0));
    expect(r.channels.a).toEqual(stats(3, 1, 0, 12, 0));
    expect(r.channels.b).toEqual(stats(3, 1, 3, 12, 8));
  });

  it('broadcast stamp is fixed before the wait for room (latency 5 > Ls)', () => {
    // G [1,2] -> g (unbounded) -> B (1 output, latency 5) -> b (C=1) -> S.  g times 1,2; G ends 2.
    // B: deq g0 at 1, stamp 6, b0 time 6 enqT 1, t=2. deq g1 at 2, stamp 7; wait ack b0 (S deq at 6, ack 7):
    //   room 5, t=7; b1 time max(7, 8)=8 (stamp-after-wait would give 12), enqT 7; t=8. EOS: ends 8.
    // S: deq 6 (emptyWait 6), 8 (+2): ends 8. b occupancy [1,6) [7,8): full 6.
    const r = runModel({
      units: [gen('G', { values: [1, 2] }), bc('B', { outputs: 1, latency: 5 }), sink('S')],
      channels: [ch('g', 'G.out', 'B.in', null), ch('b', 'B.out0', 'S.in', 1)],
    });
    expect(r.clocks).toEqual({ G: 2, B: 8, S: 8 });
    expect(r.channels.b).toEqual(stats(2, 1, 6, 8, 5));
  });

  it('merge of two timed generators, with a tie going to in0', () => {
    // G0 [10,11,12] times [2,5,7] -> x0 (C=1) -> M.in0;  G1 [20,21,22] times [3,5,6] -> x1 (C=1) -> M.in1;
    // M (latency 1, ii 1) -> y (unbounded) -> S. With Ls=1 a timed element has time times[i], enqT times[i]-1.
    // M: heads 2,3 -> in0 h2: t=2, ack 3, y time 3, t=3.  G0: room 3-1=2, t=3, advance 4, x0[1] time 5 enqT 4.
    //    heads 5,3 -> in1 h3: t=3, ack 4, y time 4, t=4.  G1: room 4-2=2, t=4, x1[1] time 5 enqT 4.
    //    heads 5,5 tie -> in0 (11): t=5, ack 6, y time 6, t=6. G0: room 6-4=2, t=6, x0[2] time 7 enqT 6. G0 ends 6.
    //    heads 7,5 -> in1 (21): t=6, ack 7, y 7, t=7.  G1: room 7-4=3, t=7 (advance 5 no-op), x1[2] time 8, enqT 7. G1 ends 7.
    //    heads 7,8 -> in0 (12): t=7, y 8, t=8.  in0 closed; in1 (22) h8: t=8, y 9, t=9. All closed: M ends 9.
    // S deq y at 3,4,6,7,8,9: ends 9 (emptyWait 9).
    // x0: [1,2) [4,5) [6,7), full 3, roomWait 4; emptyWait: M takes 10 at 0->2, 11 at 4->5, 12 at 7 -> 2+1+0=3.
    // x1: [2,3) [4,6) [7,8), full 4, roomWait 5; emptyWait: M takes 20 at 3 (time 3), 21 at 6, 22 at 8 -> 0.
    const units = [
      gen('G0', { values: [10, 11, 12], times: [2, 5, 7] }),
      gen('G1', { values: [20, 21, 22], times: [3, 5, 6] }),
      merge('M'),
      sink('S'),
    ];
    const channels = [ch('x0', 'G0.out', 'M.in0', 1), ch('x1', 'G1.out', 'M.in1', 1), ch('y', 'M.out', 'S.in', null)];
    const r = runModel({ units, channels });
    expect(r.status).toBe('ok');
    expect(r.values.S).toEqual([10, 20, 11, 21, 12, 22]);
    expect(r.clocks).toEqual({ G0: 6, G1: 7, M: 9, S: 9 });
    expect(r.channels.x0).toEqual(stats(3, 1, 3, 3, 4));
    expect(r.channels.x1).toEqual(stats(3, 1, 4, 0, 5));
    expect(r.channels.y).toEqual(stats(6, 1, 0, 9, 0));
    // The same answer under any unit order (schedule independence).
    const r2 = runModel({ units: [...units].reverse(), channels });
    expect(r2).toEqual(r);
  });

  it('merge needs the lookahead rule (empty input whose sender is blocked on room behind the merge)', () => {
    // G [1,2] -> g (unbounded) -> B (2 outputs, latency 3, ii 1); B.out0 -> s (C=1) -> M.in1; B.out1 -> r (C=1) -> M.in0;
    // M (latency 1) -> y (unbounded) -> S.  g times 1,2; G ends 2.
    // B: deq g0 at 1, stamp 4, s0 = r0 = time 4, enqT 1; t=2. deq g1 at 2, stamp 5, wait room s (needs M): blocked, t=2.
    // M: heads r0 4 (in0), s0 4 (in1): tie -> in0: t=4, ack 5, y0 time 5 enqT 4, t=5.
    // M: in0 empty, in1 head 4: needs B known >= 4, B's clock is 2 and B waits for M. Everything blocked:
    //   lookahead T = 4, B's bound becomes 4. M takes s0 at 5, ack 6, y1 time 6 enqT 5, t=6.
    // B: ack s0=6, room s 4, t=6; ack r0=5, room r 0. s1 = r1 = time max(5,7)=7, enqT 6; t=7. EOS: B ends 7.
    // M: tie 7/7 -> r1: t=7, y2 time 8, t=8; s1: t=8, y3 time 9, t=9; ends 9.  S: 5,6,8,9: ends 9 (emptyWait 9).
    // s: [1,5) [6,8): full 6, emptyWait 0, roomWait 4.  r: [1,4) [6,7): full 4, emptyWait 4+1=5, roomWait 0.
    const units = [gen('G', { values: [1, 2] }), bc('B', { outputs: 2, latency: 3 }), merge('M'), sink('S')];
    const channels = [
      ch('g', 'G.out', 'B.in', null),
      ch('s', 'B.out0', 'M.in1', 1),
      ch('r', 'B.out1', 'M.in0', 1),
      ch('y', 'M.out', 'S.in', null),
    ];
    const r = runModel({ units, channels });
    expect(r.status).toBe('ok');
    expect(r.clocks).toEqual({ G: 2, B: 7, M: 9, S: 9 });
    expect(r.values.S).toEqual([1, 1, 2, 2]);
    expect(r.channels.s).toEqual(stats(2, 1, 6, 0, 4));
    expect(r.channels.r).toEqual(stats(2, 1, 4, 5, 0));
    expect(r.channels.y).toEqual(stats(4, 1, 0, 9, 0));
    expect(r.channels.g).toEqual(stats(2, 1, 0, 1, 0));
    expect(runModel({ units: [...units].reverse(), channels })).toEqual(r);
  });

  it('merge whose output is full', () => {
    // G0 [1,2] -> x0 (unbounded) -> M.in0; G1 [3] -> x1 (unbounded) -> M.in1; M -> y (C=1, Lr=5) -> S.
    // x0 times 1,2; x1 time 1. G0 ends 2, G1 ends 1.
    // M: tie 1/1 -> in0: no wait, t=1, y0 time 2 enqT 1, t=2.  S deq y0 at 2, ack 7.
    // M: heads 2,1 -> in1 (3): room: ack 7, roomWait 5, t=7; deq t=7; y1 time 8 enqT 7; t=8. S deq at 8, ack 13.
    // M: in0 (2): roomWait 5, t=13; y2 time 14 enqT 13; t=14; all closed: ends 14. S deq at 14: ends 14.
    // y: [1,2) [7,8) [13,14): peak 1, full 3, emptyWait 2+6+6=14, roomWait 10.
    const r = runModel({
      units: [gen('G0', { values: [1, 2] }), gen('G1', { values: [3] }), merge('M'), sink('S')],
      channels: [ch('x0', 'G0.out', 'M.in0', null), ch('x1', 'G1.out', 'M.in1', null), ch('y', 'M.out', 'S.in', 1, 1, 5)],
    });
    expect(r.values.S).toEqual([1, 3, 2]);
    expect(r.clocks).toEqual({ G0: 2, G1: 1, M: 14, S: 14 });
    expect(r.cycles).toBe(14);
    expect(r.channels.y).toEqual(stats(3, 1, 3, 14, 10));
  });

  it('deadlock: a token-free ring feeding a merge', () => {
    // G [5] -> g -> M.in0;  P (2 outputs) out1 -> r -> M.in1;  P.out0 -> pq -> Q (1 output) -> qp -> P.in;  M -> y -> S.
    // M: in0 head 1; in1 open+empty, index 1 > best, threshold h-1 = 0, P's clock 0 >= 0: take it. t=1, y0 time 2, t=2.
    // M then has no heads and in1 open: waits data on r. S deq y0 at 2, waits data. P, Q wait data at 0. No clock waits.
    const r = runModel({
      units: [gen('G', { values: [5] }), merge('M'), sink('S'), bc('P', { outputs: 2 }), bc('Q', { outputs: 1 })],
      channels: [
        ch('g', 'G.out', 'M.in0', 2),
        ch('r', 'P.out1', 'M.in1', 2),
        ch('y', 'M.out', 'S.in', 2),
        ch('pq', 'P.out0', 'Q.in', 1),
        ch('qp', 'Q.out0', 'P.in', 1),
      ],
    });
    expect(r.status).toBe('deadlock');
    expect(r.cycles).toBe(2);
    expect(r.clocks).toEqual({ G: 1, M: 2, S: 2, P: 0, Q: 0 });
    expect(r.values.S).toEqual([5]);
    expect(r.blocked).toEqual([
      { unit: 'M', clock: 2, waits: [{ on: 'data', channel: 'r' }] },
      { unit: 'S', clock: 2, waits: [{ on: 'data', channel: 'y' }] },
      { unit: 'P', clock: 0, waits: [{ on: 'data', channel: 'qp' }] },
      { unit: 'Q', clock: 0, waits: [{ on: 'data', channel: 'pq' }] },
    ]);
    expect(r.channels.pq).toEqual(stats(0, 0, 0, 0, 0));
    expect(r.channels.y).toEqual(stats(1, 1, 0, 2, 0));
  });

  it('deadlock with elements never dequeued (a ring that jams): they occupy to infinity', () => {
    // G [1,2,3] -> v (unbounded) -> M.in1;  M -> m (C=1) -> B (2 outputs);  B.out0 -> k (C=1) -> M.in0;  B.out1 -> w (unbounded) -> S.
    // v times 1,2,3, enqT 0,1,2; G ends 3.
    // M t0: in1 head 1, in0 empty (index 0 < best: threshold 1), B at clock 0 waits data from M: all blocked,
    //   lookahead T=1. M takes v0(1): t=1, m0 time 2 enqT 1, t=2.
    // B: deq m0 at 2, ack 3; k0, w0 time 3, enqT 2; t=3.  S: deq w0 at 3.
    // M: heads k0 3, v1 2 -> v1: room m (ack 3, roomWait 1) t=3, deq v1, m1 time 4 enqT 3, t=4.
    // B: deq m1 at 4, ack 5; room k needs M to take k0: blocked at 4.
    // M: tie k0 3 / v2 3 -> in0: room m (ack 5, +1) t=5, deq k0 (ack 6), m2 (value 1) time 6 enqT 5, t=6.
    // B: room k ack 6 (roomWait 2) t=6; k1, w1 (value 2) time 7 enqT 6; t=7. deq m2 at 7, ack 8; room k needs k1 taken: blocked.
    // M: heads k1 7 / v2 3 -> v2: room m (ack 8, +2) t=8, deq v2, m3 time 9 enqT 8, t=9.
    // M: in1 closed, head k1 7 -> room m needs B to take m3; B waits room k for M. S waits data. Deadlock.
    // m: [1,2) [3,4) [5,7) [8,inf): peak 1, finite full 4; emptyWait (B) 2+1+0=3; roomWait (M) 4.
    // k: [2,5) [6,inf): peak 1, finite full 3; emptyWait 0; roomWait 2.   v: [0,1) [1,3) [2,8): peak 2, emptyWait 1.
    // w: [2,3) [6,7): S emptyWait 3+4=7.
    const r = runModel({
      units: [gen('G', { values: [1, 2, 3] }), merge('M'), bc('B', { outputs: 2 }), sink('S')],
      channels: [
        ch('v', 'G.out', 'M.in1', null),
        ch('m', 'M.out', 'B.in', 1),
        ch('k', 'B.out0', 'M.in0', 1),
        ch('w', 'B.out1', 'S.in', null),
      ],
    });
    expect(r.status).toBe('deadlock');
    expect(r.cycles).toBe(9);
    expect(r.clocks).toEqual({ G: 3, M: 9, B: 7, S: 7 });
    expect(r.values).toEqual({ S: [1, 2] });
    expect(r.blocked).toEqual([
      { unit: 'M', clock: 9, waits: [{ on: 'room', channel: 'm' }] },
      { unit: 'B', clock: 7, waits: [{ on: 'room', channel: 'k' }] },
      { unit: 'S', clock: 7, waits: [{ on: 'data', channel: 'w' }] },
    ]);
    expect(r.channels.m).toEqual(stats(4, 1, 4, 3, 4));
    expect(r.channels.k).toEqual(stats(2, 1, 3, 0, 2));
    expect(r.channels.v).toEqual(stats(3, 2, 0, 1, 0));
    expect(r.channels.w).toEqual(stats(2, 1, 0, 7, 0));
  });

  it('end of stream does not move clocks', () => {
    // Empty generator -> S: S sees end of stream at once, every clock stays 0.
    const r0 = runModel({ units: [gen('G', { values: [] }), sink('S')], channels: [ch('a', 'G.out', 'S.in', 1)] });
    expect(r0).toMatchObject({ status: 'ok', cycles: 0, clocks: { G: 0, S: 0 }, values: { S: [] } });
    expect(r0.channels.a).toEqual(stats(0, 0, 0, 0, 0));

    // G [1,2] -> g (unbounded) -> B (1 output, ii 4) -> b (unbounded) -> S.  g times 1,2; G ends 2.
    // B: deq 1 at t=1, out time 2, t=5. deq g1 at 5, stamp 6, out time 6, t=9. EOS: B ends 9, not later.
    // S: deq 2, 6; EOS: S ends 6 (less than B's 9: it sees EOS without moving).  cycles 9.
    const r1 = runModel({
      units: [gen('G', { values: [1, 2] }), bc('B', { outputs: 1, ii: 4 }), sink('S')],
      channels: [ch('g', 'G.out', 'B.in', null), ch('b', 'B.out0', 'S.in', null)],
    });
    expect(r1.clocks).toEqual({ G: 2, B: 9, S: 6 });
    expect(r1.cycles).toBe(9);

    // A merge of two empty generators finishes at 0.
    const r2 = runModel({
      units: [gen('A', { values: [] }), gen('Bg', { count: 0 }), merge('M'), sink('S')],
      channels: [ch('a', 'A.out', 'M.in0', 1), ch('b', 'Bg.out', 'M.in1', 1), ch('y', 'M.out', 'S.in', 1)],
    });
    expect(r2).toMatchObject({ status: 'ok', cycles: 0, clocks: { A: 0, Bg: 0, M: 0, S: 0 } });
  });
});
