import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { codeFamily } from '../../dist/sweep/code-family.js';
import { Lanes } from '../../dist/sweep/lanes.js';
import { resolveSdpaConfig } from '../../dist/designs/sdpa/design.js';
import type { Piscina } from 'piscina';

/** Lanes over fake one-thread pools whose tasks end when the test says: `ran` lists 'lane:task' as each starts. */
function fakeLanes(threads: number) {
  const ran: string[] = [];
  const pending = new Map<string, () => void>();
  let made = 0;
  const lanes = new Lanes<string, string>(threads, () => {
    const lane = made++;
    return {
      run: (task: string) =>
        new Promise<string>((resolve) => {
          ran.push(`${lane}:${task}`);
          pending.set(task, () => resolve(`${task} done`));
        }),
      destroy: () => Promise.resolve(),
    } as unknown as Piscina<string, string>;
  });
  /** Ends a running task, and lets the lanes take the next. */
  const finish = async (task: string): Promise<void> => {
    pending.get(task)!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { lanes, ran, finish };
}

describe('lanes', () => {
  it('send a task to a thread that ran its family, spread new families, and leave no thread idle while tasks wait', async () => {
    const { lanes, ran, finish } = fakeLanes(2);
    // Families A and B, given interleaved; then C.
    const results = ['a1', 'b1', 'a2', 'b2', 'a3', 'c1'].map((task) => lanes.run(task[0]!.toUpperCase(), task));
    expect(ran).toEqual(['0:a1', '1:b1']);
    await finish('b1');
    // Thread 1 ran B: it takes b2, though a2 came first.
    expect(ran.at(-1)).toBe('1:b2');
    await finish('a1');
    expect(ran.at(-1)).toBe('0:a2');
    await finish('b2');
    // No B left: thread 1 takes C, a family no thread has run, before A's a3.
    expect(ran.at(-1)).toBe('1:c1');
    await finish('c1');
    // Only A waits: thread 1 takes it rather than idle.
    expect(ran.at(-1)).toBe('1:a3');
    await finish('a2');
    await finish('a3');
    expect(await Promise.all(results)).toEqual(['a1 done', 'b1 done', 'a2 done', 'b2 done', 'a3 done', 'c1 done']);
    await lanes.close();
  });

  // A shape's output check, given after the timings, had waited behind every timing of a family
  // the threads had run, and every finished job of the shape with it (a sweep's records all
  // came at its end, and an interrupted sweep kept none).
  it('send an urgent task before every other, whatever its family', async () => {
    const { lanes, ran, finish } = fakeLanes(1);
    const results = [lanes.run('A', 'a1'), lanes.run('A', 'a2'), lanes.run('A', 'a3'), lanes.run('V', 'check', undefined, true)];
    await finish('a1');
    expect(ran).toEqual(['0:a1', '0:check']);
    for (const task of ['check', 'a2', 'a3']) await finish(task);
    expect(ran).toEqual(['0:a1', '0:check', '0:a2', '0:a3']);
    await Promise.all(results);
    await lanes.close();
  });

  it('start the threads past the eager ones only when a task needs them', async () => {
    let made = 0;
    const lanes = new Lanes<string, string>(
      300,
      () => {
        made++;
        return { run: (task: string) => Promise.resolve(`${task} done`), destroy: () => Promise.resolve() } as unknown as Piscina<
          string,
          string
        >;
      },
      2,
    );
    expect(made).toBe(2);
    expect(await Promise.all(['a1', 'a2', 'a3'].map((task) => lanes.run('A', task)))).toEqual(['a1 done', 'a2 done', 'a3 done']);
    // Three tasks at once: a third thread, none beyond.
    expect(made).toBe(3);
    await lanes.close();
  });

  it('give up a waiting task whose signal aborts, and run the others', async () => {
    const { lanes, ran, finish } = fakeLanes(1);
    const stop = new AbortController();
    const first = lanes.run('A', 'a1');
    const dropped = lanes.run('A', 'a2', stop.signal);
    const last = lanes.run('A', 'a3');
    stop.abort(new Error('stopped'));
    await expect(dropped).rejects.toThrow('stopped');
    await finish('a1');
    await finish('a3');
    expect(ran).toEqual(['0:a1', '0:a3']);
    expect([await first, await last]).toEqual(['a1 done', 'a3 done']);
    await expect(lanes.run('A', 'a4', stop.signal)).rejects.toThrow('stopped');
  });

  // A listener a waiting task had made a sweep's start quadratic: EventTarget looks through its
  // listeners at each add (100,000 jobs waited over 30 s for the first to start).
  it('listen once on a signal for all the tasks waiting on it, and not at all once none waits', async () => {
    const { lanes, ran, finish } = fakeLanes(1);
    const stop = new AbortController();
    const tasks = Array.from({ length: 5000 }, (_, k) => lanes.run(k % 2 === 0 ? 'A' : 'B', `t${k}`, stop.signal));
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    await finish('t0');
    expect(ran).toEqual(['0:t0', '0:t2']);
    const all = Promise.allSettled(tasks);
    stop.abort(new Error('stopped'));
    // The fake thread does not heed the signal: t2, under way, ends.
    await finish('t2');
    const settled = await all;
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(4998);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);

    const go = new AbortController();
    const two = [lanes.run('A', 'u1', go.signal), lanes.run('A', 'u2', go.signal)];
    expect(getEventListeners(go.signal, 'abort')).toHaveLength(1);
    await finish('u1');
    await finish('u2');
    expect(await Promise.all(two)).toEqual(['u1 done', 'u2 done']);
    expect(getEventListeners(go.signal, 'abort')).toHaveLength(0);
    await lanes.close();
  });
});

describe('codeFamily', () => {
  it('tells apart what changes a compiled row, and not the numbers in it', () => {
    const family = (config: Parameters<typeof resolveSdpaConfig>[0]): string => codeFamily(resolveSdpaConfig(config));
    expect(family({ design: 'modified', n: 256, uniformDepth: 4 })).toBe(family({ design: 'modified', n: 2048, uniformDepth: 16 }));
    expect(family({ design: 'modified', n: 256, latency: { qkt: 50 } })).toBe(family({ design: 'modified', n: 512 }));
    const base = family({ design: 'modified', n: 256, uniformDepth: 4 });
    for (const other of [
      { design: 'naive' as const, n: 256, uniformDepth: 4 },
      { design: 'modified' as const, n: 256, unbounded: true },
      { design: 'modified' as const, n: 256, uniformDepth: 1 },
      { design: 'modified' as const, n: 256, uniformDepth: 5000 },
      { design: 'modified' as const, n: 256, uniformDepth: 4, d: 2 },
    ]) {
      expect(family(other), JSON.stringify(other)).not.toBe(base);
    }
  });
});
