import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../../src/kernel/program.js';
import { registerUnitKind } from '../../src/kernel/registry.js';
import { channel, clock, run } from './helpers.js';

/**
 * Takes `k` elements of `in`, then one of `gate`, then waits for ever on `x`,
 * which only its own output would feed (through 'test-echo'): a deadlock that leaves `in`'s
 * sender running on, its channel stranded.
 */
registerUnitKind<{ k: number }>({
  kind: 'test-take-then-wait',
  ports: () => ({ inputs: ['in', 'gate', 'x'], outputs: ['o'] }),
  *run(ctx, { k }) {
    const input = ctx.input('in');
    for (let j = 0; j < k; j++) {
      while (!input.ready()) yield;
      input.dequeue();
    }
    const gate = ctx.input('gate');
    while (!gate.ready()) yield;
    gate.dequeue();
    const x = ctx.input('x');
    while (!x.ready()) yield;
    x.dequeue();
  },
});

registerUnitKind({
  kind: 'test-echo',
  ports: () => ({ inputs: ['o'], outputs: ['x'] }),
  *run(ctx) {
    const o = ctx.input('o');
    while (!o.ready()) yield;
    o.dequeue();
  },
});

/** A generator of `count` into an unbounded `c` to a unit that takes 3 and, after the gate element at `gateAt`, deadlocks. */
function flood(count: number, gateAt: number, latency = 1) {
  return new ProgramBuilder()
    .unit('g', 'generator', { count })
    .unit('gate', 'generator', { values: [0], times: [gateAt] })
    .unit('r', 'test-take-then-wait', { k: 3 })
    .unit('s', 'test-echo')
    .channel('c', 'g.out', 'r.in', { latency })
    .channel('gc', 'gate.out', 'r.gate', { capacity: 1 })
    .channel('o', 'r.o', 's.o', { capacity: 1 })
    .channel('x', 's.x', 'r.x', { capacity: 1 })
    .build();
}

describe('a stranded stream sent at once (Output.sendUndequeued)', () => {
  // By hand: g sends element j at clock j, time j + 1 (send latency 1); r takes elements 0-2 at
  // 1, 2 and 3 (one cycle of waiting each), then the gate's element at 5,000,000, and waits on
  // x for ever; s waits on o. g runs on to its end: clock 10^7, every element in c but 3.
  // r's clock passed its last dequeue from c long before g's: the form holds once g's clock
  // is past that dequeue (it had waited for r's clock, sending millions one by one).
  it("holds where the receiver's clock jumped past its last dequeue", () => {
    const r = run(flood(1e7, 5e6));
    expect(r.status).toBe('deadlock');
    expect(['g', 'gate', 'r', 's'].map((u) => clock(r, u))).toEqual([1e7, 5e6 - 1, 5e6, 0]);
    const c = channel(r, 'c');
    expect([c.tokens, c.peakOccupancy, c.fullCycles, c.emptyWaitCycles]).toEqual([1e7, 1e7 - 3, 0, 3]);
  });

  // Element j is enqueued at clock j, stamped j + 1, its time j + 5: j = 2^53 - 5 is the first
  // whose time reaches 2^53. The form sends every element before it and leaves that one to
  // the enqueue, which refuses it; it had sent nothing, and the run went on one by one for
  // longer than anyone waits.
  it('sends up to the last element below 2^53, whose successor fails, naming its unit', () => {
    expect(() => run(flood(2 ** 53 - 1, 10, 5))).toThrow(
      /unit 'g' failed: enqueue on channel 'c': the element's time, max\(stamp 9007199254740988, clock 9007199254740987 \+ send latency 5\), reaches 2\^53/,
    );
  });
});
