import { describe, expect, it } from 'vitest';
import { UnitError } from '../../src/kernel/errors.js';
import { ProgramBuilder } from '../../src/kernel/program.js';
import { registerUnitKind } from '../../src/kernel/registry.js';
import { describeDeadlock } from '../../src/engines/run-result.js';
import { SingleThreadExecutor } from '../../src/engines/actors/single-thread-executor.js';
import { clock, run } from './helpers.js';

// Optionally incr(first), then wait for data on 'in' and forward it to 'out'.
registerUnitKind<{ first?: number }>({
  kind: 'test-echo',
  ports: () => ({ inputs: ['in'], outputs: ['out'] }),
  *run(ctx, params) {
    const input = ctx.input('in');
    const out = ctx.output('out');
    ctx.incr(params?.first ?? 0);
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      const v = input.dequeue();
      while (!out.ready()) yield;
      out.enqueue(v, ctx.time + 1);
    }
  },
});

// Sends two elements on 'bulk' (incr 1 after each), then one on 'go'.
registerUnitKind({
  kind: 'test-pusher',
  ports: () => ({ inputs: [], outputs: ['bulk', 'go'] }),
  *run(ctx) {
    const bulk = ctx.output('bulk');
    const go = ctx.output('go');
    for (let i = 0; i < 2; i++) {
      while (!bulk.ready()) yield;
      bulk.enqueue(i, ctx.time + 1);
      ctx.incr(1);
    }
    while (!go.ready()) yield;
    go.enqueue(0, ctx.time + 1);
  },
});

// Waits on 'go' first, then drains 'bulk'.
registerUnitKind({
  kind: 'test-go-first',
  ports: () => ({ inputs: ['bulk', 'go'], outputs: [] }),
  *run(ctx) {
    const go = ctx.input('go');
    const bulk = ctx.input('bulk');
    while (!go.ready()) yield;
    go.dequeue();
    for (;;) {
      while (!bulk.ready()) yield;
      if (bulk.ended) return;
      bulk.dequeue();
    }
  },
});

const cleanedUp: string[] = [];
registerUnitKind({
  kind: 'test-cleanup',
  ports: () => ({ inputs: ['in'], outputs: [] }),
  *run(ctx) {
    const input = ctx.input('in');
    try {
      for (;;) {
        while (!input.ready()) yield;
        if (input.ended) return;
        input.dequeue();
      }
    } finally {
      cleanedUp.push(ctx.name);
    }
  },
});

registerUnitKind({
  kind: 'test-boom',
  ports: () => ({ inputs: [], outputs: ['out'] }),
  *run(ctx) {
    const out = ctx.output('out');
    while (!out.ready()) yield;
    out.enqueue(1, ctx.time + 1);
    ctx.incr(4);
    throw new Error('kaput');
  },
});

describe('deadlock', () => {
  it('two units each waiting for data from the other', () => {
    // a: incr(5), waits for data on 'ba' from b at clock 5.  b: waits for data on 'ab' from a at 0.
    const p = new ProgramBuilder()
      .unit('a', 'test-echo', { first: 5 })
      .unit('b', 'test-echo')
      .channel('ab', 'a.out', 'b.in', { capacity: 2 })
      .channel('ba', 'b.out', 'a.in', { capacity: 2 })
      .build();
    const r = run(p);
    expect(r.status).toBe('deadlock');
    expect(r.cycles).toBe(5);
    expect(r.deadlock).not.toBeNull();
    expect(r.deadlock!.blocked).toEqual([
      { unit: 'a', clock: 5, waits: [{ on: 'data', channel: 'ba', peer: 'b' }] },
      { unit: 'b', clock: 0, waits: [{ on: 'data', channel: 'ab', peer: 'a' }] },
    ]);
    const text = describeDeadlock(r.deadlock!);
    expect(text).toMatch(/'a' at clock 5/);
    expect(text).toMatch(/'ba'/);
    // A unit with no wait in simulated time (held back by the simulator's buffer) is said to be
    // held back, not to wait 'for ' nothing.
    expect(describeDeadlock({ blocked: [{ unit: 'g', clock: 7, waits: [] }] }).split('\n')[1]).toBe("  'g' at clock 7 is held back");
  });

  it('a bounded channel cycle: sender waits for room, receiver waits for data on another channel', () => {
    // pusher: bulk e0 enq@0, t=1; bulk e1 needs the ack of e0 (capacity 1): none -> waits for room at 1.
    // taker waits for data on 'go' (from pusher) at clock 0 first. Neither can proceed.
    const p = new ProgramBuilder()
      .unit('pusher', 'test-pusher')
      .unit('taker', 'test-go-first')
      .channel('bulk', 'pusher.bulk', 'taker.bulk', { capacity: 1 })
      .channel('go', 'pusher.go', 'taker.go', { capacity: 1 })
      .build();
    const r = run(p);
    expect(r.status).toBe('deadlock');
    expect(r.deadlock!.blocked).toEqual([
      { unit: 'pusher', clock: 1, waits: [{ on: 'room', channel: 'bulk', peer: 'taker' }] },
      { unit: 'taker', clock: 0, waits: [{ on: 'data', channel: 'go', peer: 'pusher' }] },
    ]);
    expect(r.cycles).toBe(1);
  });
});

describe('unit failure', () => {
  it('a throwing unit gives a UnitError naming it, and every other body is closed', () => {
    cleanedUp.length = 0;
    const p = new ProgramBuilder()
      // boom comes last so that every other body has started (a generator body that never
      // started has no finally to run: JS semantics).
      .unit('watcher', 'test-cleanup')
      .unit('other', 'test-cleanup')
      .unit('gen', 'generator', { count: 1_000_000 })
      .unit('boom', 'test-boom')
      .channel('c', 'boom.out', 'watcher.in')
      .channel('d', 'gen.out', 'other.in', { capacity: 1 })
      .build();
    const exec = new SingleThreadExecutor(p);
    let caught: unknown;
    try {
      exec.run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnitError);
    const e = caught as UnitError;
    expect(e.unit).toBe('boom');
    expect(e.message).toMatch(/'boom'/);
    expect(e.message).toMatch(/kaput/);
    expect(e.reason).toBe('kaput');
    // both cleanup units ran their finally blocks (order not part of the contract)
    expect([...cleanedUp].sort()).toEqual(['other', 'watcher']);
  });

  it('sanity: without the failure both cleanup units finish normally', () => {
    cleanedUp.length = 0;
    const p = new ProgramBuilder()
      .unit('gen', 'generator', { count: 2 })
      .unit('other', 'test-cleanup')
      .channel('d', 'gen.out', 'other.in')
      .build();
    const r = run(p);
    // gen times 1, 2; other dequeues at 1, 2 -> cycles 2
    expect(r.cycles).toBe(2);
    expect(clock(r, 'other')).toBe(2);
    expect(cleanedUp).toEqual(['other']);
  });
});
