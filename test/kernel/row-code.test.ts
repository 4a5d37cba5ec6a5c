import { describe, expect, it } from 'vitest';
import { RowCode, TIMING } from '../../dist/engines/compiled/row-code.js';
import type { CompiledRows } from '../../dist/engines/compiled/row-code.js';

/** A row code over one channel 'x' of `capacity` and latencies, and the clocks named (one unit each). */
function oneChannel(capacity: number, clocks: readonly string[], sendLatency = 1, responseLatency = 1) {
  const code = new RowCode(TIMING, (name) => ({ name, capacity, sendLatency, responseLatency, width: 1 }));
  for (const clock of clocks) code.clock(clock, clock);
  const x = code.handoff('x');
  return { code, x, ch: x.channel };
}

/** A clock's value between rows. */
function value(rows: CompiledRows, clock: string): number {
  return rows.state[rows.units.find((u) => u.unit === clock)!.slot]!;
}

describe('numbers in compiled rows', () => {
  it('reach the code as arguments, so that configurations of one shape share one function', () => {
    const compile = (capacity: number, latency: number) => {
      const { code, x } = oneChannel(capacity, ['ts', 'tr'], latency);
      return code.compile([], `${x.send('ts', `ts + ${code.constant(3)}`)} ts += 1; ${x.dequeue('tr')}`);
    };
    const runs = [compile(7, 1), compile(7, 5), compile(2, 1)];
    expect(new Set(runs.map((r) => (r as unknown as { fn: unknown }).fn)).size).toBe(1);
    for (let m = 0; m < 4; m++) for (const r of runs) r.row(m, []);
    // Element m is stamped m + 3 when sent at m. Capacity 7, send latency 1: times m + 3, the
    // receiver ends at 6; send latency 5: m + 5, 8. Capacity 2: element 2 waits for the
    // acknowledgement of element 0 (dequeued at 3, acknowledged at 4), element 3 is stamped
    // 5 + 3 = 8 after element 2's wait: the receiver ends at 8.
    expect(runs.map((r) => value(r, 'tr'))).toEqual([6, 8, 8]);
  });

  it('sign what the code computes from: its text, numbers and channel shapes, never the names', () => {
    const sign = (capacity: number, latency: number, channel = 'x', clock = 'ts') => {
      const code = new RowCode(TIMING, (name) => ({ name, capacity, sendLatency: latency, responseLatency: 1, width: 1 }));
      code.clock(`unit of ${clock}`, clock);
      const x = code.handoff(channel);
      return { code, signature: code.signature(`${x.send(clock, clock)} ${clock} += ${code.constant(3)};`) };
    };
    const base = sign(7, 1).signature;
    // Another channel's or unit's name (another head): the same signature, and the layout names them.
    const renamed = sign(7, 1, 'h1/x');
    expect(renamed.signature).toBe(base);
    expect(renamed.code.layout()).toEqual({ units: ['unit of ts'], channels: ['h1/x'] });
    // A capacity the code reads as a constant, a latency, an unbounded channel, another clock: another signature.
    for (const other of [sign(2, 1), sign(7, 5), sign(Infinity, 1), sign(7, 1, 'x', 'tr')]) expect(other.signature).not.toBe(base);
  });

  it('refuse anything but a finite number, so nothing else becomes code', () => {
    const { code } = oneChannel(2, []);
    for (const x of [NaN, Infinity, '1; process.exit()', undefined, { valueOf: () => 1 }]) {
      expect(() => code.constant(x as number)).toThrow(/not a finite number/);
    }
  });
});

describe('a handoff channel in a compiled schedule', () => {
  /**
   * Step m: the sender (clock m, never stalled) enqueues element m, which arrives at m + 1;
   * the receiver dequeues it at once, except that before element 511 its clock jumps to 600.
   * So D_m = m + 1 for m < 511 and max(600, m + 1) from 511 on. At E_m = m, for m from 512
   * to 599, elements 0-510 are out and 511 to m in: occupancy m - 510, largest (89) at
   * m = 599; everywhere else it is 1. Element 511 closes the first batch of 512, so the peak
   * lies where the count has to wait for a dequeue instant that is not yet written.
   */
  it.each([
    ['unbounded (dequeue instants in runs)', Infinity],
    ['capacity above the ring (acknowledgements from runs)', 5000],
    ['capacity within the ring', 100],
  ])('counts the peak occupancy exactly across batches: %s', (_, capacity) => {
    const { code, x, ch } = oneChannel(capacity, ['ts', 'tr']);
    const rows = code.compile(
      [],
      `
      ${x.room('ts')} ${x.enqueue('ts', 'ts')} ts += 1;
      if (i === 511) tr = 600;
      ${x.dequeue('tr')}`,
    );
    for (let m = 0; m < 1024; m++) rows.row(m, []);
    rows.finish();
    expect(ch.sent).toBe(1024);
    expect(ch.occupancy().peak).toBe(89);
    expect(value(rows, 'ts')).toBe(1024);
    expect(value(rows, 'tr')).toBe(1024);
  });

  /** Peak occupancy of an unbounded channel over 1,024 steps of `body` (the sender's clock `ts`, the receiver's `tr`). */
  function unboundedPeak(sender: string, receiver: string): number {
    const { code, x, ch } = oneChannel(Infinity, ['ts', 'tr']);
    const rows = code.compile(['m'], `${x.enqueue('ts', 'ts')} ${sender} ${x.dequeue('tr')} ${receiver}`);
    for (let m = 0; m < 1024; m++) rows.row(m, [m]);
    rows.finish();
    return ch.occupancy().peak;
  }

  // The count skips along stretches of enqueue instants a fixed step apart, where occupancy
  // cannot decrease; these two place the peak where a looser skip would jump over it. In
  // both, the second batch (elements 512-1023) is counted against the first batch's dequeue
  // instants, in runs.
  it('counts the peak where enqueues come sparser than dequeues', () => {
    // E_m = m, then E_m = 900 + 20 (m - 512) from m = 512; D_m = 1000 + 10m. Up to m = 511
    // nothing is out (occupancy m + 1); at E_516 = 980 still nothing: 517; at E_517 = 1000
    // one is out: 517; at E_518 = 1020 three: 516, and down from there by one per element.
    expect(unboundedPeak('ts += m < 511 ? 1 : m === 511 ? 389 : 20;', 'if (m === 0) tr = 1000; tr += 10;')).toBe(517);
  });

  it('counts the peak where the dequeue instants change pace', () => {
    // E_m = 5m. D_m = 2000 + 10m up to D_99 = 2990, then D_m = 3001 + (m - 100): two runs.
    // While only the first run is due occupancy grows, one element in two; at E_600 = 3000
    // the 100 of the first run are out: 501; at E_601 = 3005 five more: 497, and falling.
    expect(unboundedPeak('ts += 5;', 'if (m === 0) tr = 2000; tr += m < 99 ? 10 : m === 99 ? 11 : 1;')).toBe(501);
  });

  it('holds the sender until the acknowledgement of the element C places back (capacity 2, latencies 3 and 5)', () => {
    // Spec section 1: element m waits for D_(m-2) + Lr; it arrives at E_m + Ls; the receiver
    // takes one every 10 cycles. D_0 = 3, D_1 = 13, so E_2 = D_0 + 5 = 8, E_3 = 18, ...
    const { code, x, ch } = oneChannel(2, ['ts', 'tr', 'e'], 3, 5);
    const rows = code.compile(
      [],
      `
      ${x.room('ts')} ${x.room('ts')} e = ts; ${x.enqueue('ts', 'ts')}
      ${x.dequeue('tr')} tr += 10;`,
    );
    const enqueued = [];
    for (let m = 0; m < 5; m++) {
      rows.row(m, []);
      enqueued.push(value(rows, 'e'));
    }
    // D_m = 3 + 10m (the receiver is the slower one), E_m = D_(m-2) + 5 = 10m - 12 for m >= 2.
    expect(enqueued).toEqual([0, 0, 8, 18, 28]);
    rows.finish();
    // Full (2 held) from each enqueue that makes 2 until the next dequeue: [E_1, D_0) = [0, 3),
    // then [8, 13), [18, 23), [28, 33): 3 + 5 + 5 + 5 cycles.
    expect(ch.occupancy()).toEqual({ peak: 2, fullCycles: 18 });
  });
});
