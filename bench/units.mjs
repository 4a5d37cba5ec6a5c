/**
 * Unit kinds used only by the benchmarks. Importing this module registers them; programs
 * that use them list it with `ProgramBuilder.module(BENCH_UNITS_MODULE)`, so a worker thread
 * can import it too. Parameters are plain data (no functions, no big arrays).
 */
import { registerUnitKind } from '../dist/index.js';

export const BENCH_UNITS_MODULE = import.meta.url;

function integer(value, what, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** in0 + in1 -> out at t + latency, then incr(ii); ends when either input ends. */
registerUnitKind({
  kind: 'bench.adder',
  ports(params) {
    integer(params?.latency, 'bench.adder latency', 1);
    integer(params?.ii, 'bench.adder ii', 1);
    return { inputs: ['in0', 'in1'], outputs: ['out'] };
  },
  *run(ctx, params) {
    const a = ctx.input('in0');
    const b = ctx.input('in1');
    const out = ctx.output('out');
    const latency = params?.latency ?? 1;
    const ii = params?.ii ?? 1;
    for (;;) {
      while (!a.ready()) yield;
      if (a.ended) return;
      while (!b.ready()) yield;
      if (b.ended) return;
      const sum = a.dequeue() + b.dequeue();
      while (!out.ready()) yield;
      out.enqueue(sum, ctx.time + latency);
      ctx.incr(ii);
    }
  },
});

/**
 * A timed stream of `count` elements (value i) whose stamps rise by 1 .. maxGap cycles,
 * drawn from a seeded xorshift32: the times are computed on the fly, so memory stays flat.
 */
registerUnitKind({
  kind: 'bench.timed-source',
  ports(params) {
    integer(params?.count, 'bench.timed-source count');
    integer(params?.seed, 'bench.timed-source seed', 1);
    integer(params?.maxGap, 'bench.timed-source maxGap', 4);
    return { inputs: [], outputs: ['out'] };
  },
  *run(ctx, params) {
    const out = ctx.output('out');
    const count = params.count;
    const maxGap = Math.max(1, params.maxGap ?? 4);
    let state = ((params.seed ?? 1) * 0x9e3779b1) >>> 0 || 1;
    let t = 0;
    for (let i = 0; i < count; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      t += 1 + (state % maxGap);
      while (!out.ready()) yield;
      const stamp = t > ctx.time ? t : ctx.time + 1;
      ctx.advance(stamp - 1);
      out.enqueue(i, stamp);
    }
  },
});

/** Ping: send i, wait for the echo, `count` times (a context switch each way). */
registerUnitKind({
  kind: 'bench.ping',
  ports(params) {
    integer(params?.count, 'bench.ping count');
    return { inputs: ['in'], outputs: ['out'] };
  },
  *run(ctx, params) {
    const input = ctx.input('in');
    const out = ctx.output('out');
    for (let i = 0; i < params.count; i++) {
      while (!out.ready()) yield;
      out.enqueue(i, ctx.time + 1);
      ctx.incr(1);
      while (!input.ready()) yield;
      input.dequeue();
    }
  },
});

/** Pong: echo every element until the input ends. */
registerUnitKind({
  kind: 'bench.pong',
  ports() {
    return { inputs: ['in'], outputs: ['out'] };
  },
  *run(ctx) {
    const input = ctx.input('in');
    const out = ctx.output('out');
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      const v = input.dequeue();
      while (!out.ready()) yield;
      out.enqueue(v, ctx.time + 1);
      ctx.incr(1);
    }
  },
});
