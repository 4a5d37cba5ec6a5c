import { registerUnitKind } from '../../src/kernel/registry.js';
import { SingleThreadExecutor } from '../../src/engines/actors/single-thread-executor.js';
import type { Program } from '../../src/kernel/program.js';
import type { RunResult } from '../../src/engines/run-result.js';
import '../../src/units/index.js';

/** Dequeues to end of stream; records [value, clock just after dequeue]; then incr(ii). */
export const recorder = registerUnitKind<{ ii?: number } | undefined>({
  kind: 'test-recorder',
  ports() {
    return { inputs: ['in'], outputs: [] };
  },
  *run(ctx, params) {
    const input = ctx.input('in');
    const ii = params?.ii ?? 0;
    const got: [number, number][] = [];
    ctx.report(got);
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      const v = input.dequeue();
      got.push([v, ctx.time]);
      ctx.incr(ii);
    }
  },
});

/** Emits `count` elements: wait for room, enqueue(i, t + offset) (offset default 1), incr(ii). */
export const emitter = registerUnitKind<{ count: number; offset?: number; ii?: number; first?: number }>({
  kind: 'test-emitter',
  ports() {
    return { inputs: [], outputs: ['out'] };
  },
  *run(ctx, params) {
    const out = ctx.output('out');
    ctx.incr(params.first ?? 0);
    for (let i = 0; i < params.count; i++) {
      while (!out.ready()) yield;
      out.enqueue(i, ctx.time + (params.offset ?? 1));
      ctx.incr(params.ii ?? 1);
    }
  },
});

export function run(program: Program): RunResult {
  return new SingleThreadExecutor(program).run();
}

export function clock(result: RunResult, unit: string): number {
  const c = result.contexts.find((x) => x.name === unit);
  if (c === undefined) throw new Error(`no context ${unit}`);
  return c.finalClock;
}

export function channel(result: RunResult, name: string) {
  const c = result.channels.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no channel ${name}`);
  return c;
}
