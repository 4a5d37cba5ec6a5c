import { describe, expect, it } from 'vitest';
import { ProgramBuilder, ProgramError, UTILITY_UNITS_MODULE, simulate } from '../dist/index.js';
import { rowPipe } from './fixtures/row-pipe.mjs';
import { UNLISTED_SCHEDULE } from './fixtures/row-pipe-unlisted.mjs';
import type { Program, Simulation } from '../dist/index.js';

/**
 * A design written as a library user writes one (test/fixtures/row-pipe.mjs, the public exports
 * alone): its unit kinds and a schedule kind of its own, run on both engines.
 */
const pipe = (config: Record<string, unknown>): Program =>
  rowPipe(new ProgramBuilder().module(UTILITY_UNITS_MODULE), { l1: 3, ii1: 1, l2: 5, ii2: 2, ca: 2, cb: 2, cc: 1, ...config }) as Program;

const figures = (r: Simulation): unknown => ({
  status: r.status,
  cycles: r.cycles,
  contexts: r.contexts,
  channels: r.channels,
  output: Array.from(r.reports['g0/sink'] as Float64Array),
});

const RUNS = [
  { engine: 'actors', workers: 1 },
  { engine: 'actors', workers: 2 },
  { engine: 'compiled', workers: 1 },
  { engine: 'compiled', workers: 2 },
  { engine: 'compiled', workers: 1, fastForward: false },
  { engine: 'compiled', workers: 2, fastForward: false },
] as const;

describe("a user's design with a schedule kind of its own", () => {
  // 2 rows of 4, source -> scale (L 3, II 1) -> rowsum (L 5, II 2) -> sink, capacities 2, 2, 1,
  // every channel latency 1, worked by hand from spec section 1: with E and D each element's
  // enqueue and dequeue instants, a: E 0 1 2 3 4 7 9 11, D 1 2 3 6 8 10 12 14; b: E 1 2 5 7 9 11
  // 13 15, D 4 6 8 10 12 14 16 18; c: E 10 18, D 15 23. Occupancy [E, D) (section 4) peaks at
  // 2, 2, 1 and is full 5, 8 and 10 cycles; scale waited 1 for a and 7 for room on b, the
  // source 4 for room on a, rowsum 4 for b, the sink 15 + 8 for c.
  it.each(RUNS)('gives the hand-worked figures: %o', async (options) => {
    const r = await simulate(pipe({ rows: 2, n: 4 }), options);
    expect(r.engine).toBe(options.engine);
    expect(r.cycles).toBe(23);
    expect(r.contexts.map((c) => [c.finalClock, c.busyCycles, c.inputStallCycles, c.roomStallCycles])).toEqual([
      [12, 8, 0, 4],
      [16, 8, 1, 7],
      [20, 16, 4, 0],
      [23, 0, 23, 0],
    ]);
    expect(r.channels.map((c) => [c.tokens, c.peakOccupancy, c.fullCycles, c.emptyWaitCycles, c.roomWaitCycles])).toEqual([
      [8, 2, 5, 1, 4],
      [8, 2, 8, 4, 7],
      [2, 1, 10, 23, 0],
    ]);
    // Row sums of 2 x (0, 1, ..., 7).
    expect(Array.from(r.reports['g0/sink'] as Float64Array)).toEqual([12, 44]);
  });

  // From row 1 on, rowsum (II 2, 4 elements a row) is the bottleneck: every row ends 8 cycles
  // after the one before, the sink takes row r at 15 + 8r, so 40 rows take 15 + 8 x 39 = 327.
  it('is fast-forwarded: the repeat found, most rows extrapolated, the figures the same', async () => {
    const program = pipe({ rows: 40, n: 4 });
    const results = await Promise.all(RUNS.map((options) => simulate(program, options)));
    for (const r of results) expect(figures(r)).toEqual(figures(results[0]!));
    expect(results[0]!.cycles).toBe(327);
    const fast = results[2]!.execution!.groups[0]!;
    expect(fast).toMatchObject({ period: 1, shift: 8 });
    expect(fast.rowsExtrapolated).toBeGreaterThan(30);
    expect(results[4]!.execution!.groups[0]).toMatchObject({ rowsSimulated: 40, rowsExtrapolated: 0 });
  });

  // The kind is known in the calling thread (this file imports its module) but not in the
  // workers, which import the program's modules alone. A worker that took a job had failed on
  // 'unknown schedule kind', one that took none had not: the run passed or failed by how the
  // threads ran (a short run always passed, its jobs all taken by the calling thread).
  it.each([4, 3000])('refuses a schedule kind no listed module registers, on a pool, at any size (%i rows)', async (rows) => {
    const program = pipe({ rows, n: 4, schedule: UNLISTED_SCHEDULE });
    expect((await simulate(program, { workers: 1 })).cycles).toBe(15 + 8 * (rows - 1));
    const run = simulate(program, { workers: 2 });
    await expect(run).rejects.toThrow(ProgramError);
    await expect(run).rejects.toThrow(
      `schedule kind '${UNLISTED_SCHEDULE}' is not registered in the worker threads, which import only the program's modules`,
    );
  });
});
