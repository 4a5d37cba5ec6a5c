import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarginOf, Margins } from '../../src/engines/compiled/margins.js';
import { RunLog } from '../../src/engines/compiled/run-log.js';
import { WindowRuns } from '../../src/engines/compiled/window-runs.js';
import { MAIN } from '../helpers/cli.js';
import { toEnd } from '../helpers/steps.js';

/** Sequences as a verify-mode row logs them: arithmetic stretches, repeats and jumps. */
const stretches = fc
  .array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 6 })), { maxLength: 12 })
  .map((parts) => parts.flatMap(([start, step, count]) => Array.from({ length: count }, (_, k) => start + step * k)));

function logOf(values: readonly number[]): RunLog {
  const log = new RunLog();
  for (const v of values) log.push(v);
  return log;
}

describe('RunLog', () => {
  it('reads back every element by index, also after more are logged', () => {
    fc.assert(
      fc.property(stretches, stretches, (first, more) => {
        const log = logOf(first);
        expect(first.map((_, k) => log.at(k))).toEqual(first);
        for (const v of more) log.push(v);
        const all = [...first, ...more];
        expect(all.map((_, k) => log.at(k))).toEqual(all);
      }),
    );
  });

  it('compares two logs element by element', () => {
    fc.assert(
      fc.property(stretches, stretches, (a, b) => {
        const want = a.length === b.length && a.every((x, k) => x <= b[k]!);
        expect(toEnd(logOf(a).everyPair(logOf(b), (x, y) => x <= y)).value).toBe(want);
      }),
    );
  });

  // A drift's proof compares logs of millions of margins and instants (naive N = 2^22: 1-2 s in
  // one go, in which the calling thread let no signal in): in stretches, yielding between them.
  it('compares long logs in stretches of 65,536 pairs, yielding between them', () => {
    const [a, b] = [logOf(Array.from({ length: 200_000 }, (_, k) => k % 7)), logOf(Array.from({ length: 200_000 }, (_, k) => (k % 7) + 1))];
    expect(toEnd(a.everyPair(b, (x, y) => x < y))).toEqual({ value: true, yields: 3 });
    expect(toEnd(b.everyPair(a, (x, y) => x < y))).toEqual({ value: false, yields: 0 });
  });

  it('holds a long arithmetic stream in one run', () => {
    const log = logOf(Array.from({ length: 1_000_000 }, (_, k) => 7 + 3 * k));
    expect(log.runs).toBe(1);
    expect(log.at(999_999)).toBe(7 + 3 * 999_999);
  });
});

describe('WindowRuns', () => {
  /** The window as runs, greedily, instant by instant: each run as long as its first step holds. */
  function greedy(instants: readonly number[]): { out: number[]; layout: number[] } {
    const out: number[] = [];
    const layout: number[] = [instants.length];
    for (let k = 0; k < instants.length;) {
      const step = k + 1 < instants.length ? instants[k + 1]! - instants[k]! : 0;
      let end = k + 1;
      while (end < instants.length && instants[end]! - instants[end - 1]! === step) end++;
      out.push(instants[k]!);
      layout.push(step, end - k);
      k = end;
    }
    return { out, layout };
  }

  it('gives the same runs from instants in any pieces as instant by instant', () => {
    // Non-decreasing integer instants, cut into pieces that are arithmetic runs of any length.
    const pieces = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 7 })), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(pieces, (parts) => {
        let t = 1000;
        const runs = parts.map(([gap, step, count]) => {
          const start = (t += gap);
          t = start + step * (count - 1);
          return [start, step, count] as const;
        });
        const instants = runs.flatMap(([start, step, count]) => Array.from({ length: count }, (_, k) => start + step * k));
        const out: number[] = [];
        const layout: number[] = [];
        const window = new WindowRuns(instants.length, out, layout);
        for (const [start, step, count] of runs) window.add(start, step, count);
        window.end();
        expect({ out, layout }).toEqual(greedy(instants));
      }),
    );
  });
});

describe('Margins', () => {
  /** Two periods' margins of one max. */
  const periods = (first: number[], second: number[]): [Margins, Margins] => {
    const [a, b] = [new Margins(), new Margins()];
    for (const m of first) a.log(0, MarginOf.Arrival, m);
    for (const m of second) b.log(0, MarginOf.Arrival, m);
    return [a, b];
  };
  /** Is every later margin as far from zero on the same side? */
  const stable = (first: number[], second: number[]): boolean => {
    const [a, b] = periods(first, second);
    return toEnd(a.periodsOnSide(b)).value === Infinity;
  };

  it('holds a max on its side while its margin keeps its sign and does not shrink', () => {
    expect(stable([3, -2, 0], [3, -5, 0])).toBe(true);
    expect(stable([3, -2, 0], [2, -2, 0])).toBe(false); // moves towards zero
    expect(stable([3, -2, 0], [3, 1, 0])).toBe(false); // changes side
    expect(stable([3, -2, 0], [3, -2, 1])).toBe(false); // leaves a tie
    expect(stable([3, -2], [3, -2, 0])).toBe(false); // not the same maxes
  });

  it('says for how many more periods every max surely keeps its side while margins shrink at the same pace', () => {
    const onSide = (first: number[], second: number[]): number => {
      const [a, b] = periods(first, second);
      return toEnd(a.periodsOnSide(b)).value;
    };
    expect(onSide([3, -2, 0], [3, -5, 0])).toBe(Infinity);
    // 10 -> 8 goes on 6, 4, 2 (3 periods) before 0; -6 -> -4 goes on -2 (1) before 0.
    expect(onSide([10], [8])).toBe(3);
    expect(onSide([-6], [-4])).toBe(1);
    expect(onSide([10, -6, 0], [8, -4, 0])).toBe(1);
    expect(onSide([9], [8])).toBe(7);
    expect(onSide([3], [-1])).toBe(0); // changed side already
    expect(onSide([0], [1])).toBe(0); // left a tie
    expect(onSide([3, -2], [3, -2, 0])).toBe(0); // not the same maxes
  });

  it('keeps each channel and kind of max apart, so interleaved maxes are compared with themselves', () => {
    const [a, b] = [new Margins(), new Margins()];
    a.log(0, MarginOf.Room, 5);
    a.log(1, MarginOf.Arrival, -1);
    b.log(1, MarginOf.Arrival, -1);
    b.log(0, MarginOf.Room, 6);
    expect(toEnd(a.periodsOnSide(b)).value).toBe(Infinity);
    const c = new Margins();
    c.log(0, MarginOf.Stamp, 5);
    c.log(1, MarginOf.Arrival, -1);
    expect(toEnd(a.periodsOnSide(c)).value).not.toBe(Infinity);
  });
});

describe('fast-forward at long rows', () => {
  // The published naive points (spec section 3, N = 4 to 512) are 2N^2 + 2N + 52 exactly. The
  // proof that the naive drift goes on for ever once held a naive row's worth of numbers per
  // verified margin and instant, and 33 copies of the state with its acknowledgement windows:
  // N = 4,194,304 ran out of memory. Now a JavaScript heap of 64 MiB is enough at N = 2^17.
  it('runs naive N = 131,072 --timing-only in a 64 MiB heap, extrapolating all but a few rows', () => {
    const n = 131_072;
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=64', MAIN, 'run', '--design', 'naive', '--n', String(n), '--timing-only', '--json'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { cycles: number; execution: { groups: { rowsExtrapolated: number }[] } };
    expect(result.cycles).toBe(2 * n * n + 2 * n + 52);
    expect(result.execution.groups[0]!.rowsExtrapolated).toBeGreaterThan(n - 100);
  }, 60_000);

  // With `long` unbounded, its sender drifts ahead of its receiver: the FIFO fills for ever and
  // no drift proof can hold. The detector used to try at every row, counting the other FIFOs'
  // peaks over the rest of the run each time (N = 2048: 73 s); now it stops at the first such drift.
  it('extrapolates a FIFO that fills for ever (naive, unbounded: long), equal to the full simulation', () => {
    const n = 1024;
    const run = (
      ...extra: string[]
    ): Record<string, unknown> & { cycles: number; execution: { groups: { rowsExtrapolated: number }[] } } => {
      const r = spawnSync(
        process.execPath,
        [MAIN, 'run', '--design', 'naive', '--n', String(n), '--unbounded', '--timing-only', '--json', ...extra],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as never;
    };
    const fast = run();
    const full = run('--no-fast-forward');
    expect(fast.cycles).toBe(2 * n * n + 2 * n + 52);
    expect(fast.execution.groups[0]!.rowsExtrapolated).toBeGreaterThan(n - 10);
    expect(full.execution.groups[0]!.rowsExtrapolated).toBe(0);
    for (const key of ['cycles', 'units', 'channels', 'intermediateMemory']) expect(fast[key], key).toEqual(full[key]);
    // The sender of long runs ahead of its receiver by half a row more every row: its peak is reached at the end.
    const long = (fast.channels as { name: string; peakOccupancy: number }[]).find((c) => c.name === 'long')!;
    expect(long.peakOccupancy).toBeGreaterThan((n * n) / 4);
  }, 60_000);
});
