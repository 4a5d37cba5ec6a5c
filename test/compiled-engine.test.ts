import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { random } from './helpers/random.js';
import { DESIGN_DEFS, ProgramError, runSdpa, sdpaProgram, simulate } from '../dist/index.js';
import { FAULTY_SCHEDULE } from './fixtures/faulty-schedule.mjs';
import { BROKEN_SCHEDULE } from './fixtures/broken-schedule.mjs';
import { NUMBERS_WRITTEN_FROM, writesNumbers } from '../dist/engines/compiled/row-code.js';
import { groupTiming } from '../dist/engines/compiled/group-timing.js';
import { scheduleGroups, scheduleKind } from '../dist/engines/compiled/row-order.js';
import { runModel } from './reference/dam-model.js';
import type { DesignName, SdpaRunConfig, SdpaRunResult } from '../dist/index.js';
import type { GroupTiming, GroupTimingOptions } from '../dist/engines/compiled/group-timing.js';

/** Spec section 3. */
const PUBLISHED: Record<DesignName, [number, number][]> = {
  naive: [
    [4, 92],
    [8, 196],
    [16, 596],
    [32, 2164],
    [64, 8372],
  ],
  modified: [
    [4, 78],
    [8, 174],
    [16, 558],
    [32, 2094],
    [64, 8238],
  ],
};

/** Random latencies, IIs and capacities, N in [minN, maxN]; some unbounded, some uniform. */
function randomConfig(seed: number, minN: number, maxN: number): SdpaRunConfig {
  const rnd = random(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const design: DesignName = rnd() < 0.5 ? 'naive' : 'modified';
  const def = DESIGN_DEFS[design];
  const n = int(minN, maxN);
  const latency: Record<string, number> = {};
  const ii: Record<string, number> = {};
  for (const u of def.units) {
    if (rnd() < 0.6) latency[u.name] = int(1, 60);
    if (rnd() < 0.4) ii[u.name] = int(1, 4);
  }
  const depth: Record<string, number> = {};
  for (const c of def.channels) if (rnd() < 0.6) depth[c.name] = int(1, 2 * n + 4);
  const shape = rnd();
  return {
    design,
    n,
    d: int(1, 3),
    heads: int(1, 2),
    seed,
    latency,
    ii,
    depth,
    ...(shape < 0.2 ? { unbounded: true } : shape < 0.5 ? { uniformDepth: int(1, 6) } : {}),
  };
}

/** What a run computes, without how or how fast. */
function figures(r: SdpaRunResult): unknown {
  const { wallSeconds: _w, engine: _e, workers: _k, placement: _p, execution: _x, outputs, ...rest } = r;
  return { ...rest, outputs: outputs.map((o) => Array.from(o)) };
}

describe('the compiled engine', () => {
  it.each(
    Object.entries(PUBLISHED).flatMap(([design, points]) => points.map(([n, cycles]) => ({ design: design as DesignName, n, cycles }))),
  )(
    '$design N=$n gives the published $cycles cycles, with and without fast-forward, and on the actors engine',
    async ({ design, n, cycles }) => {
      for (const config of [
        { design, n, engine: 'compiled' as const },
        { design, n, engine: 'compiled' as const, fastForward: false },
        { design, n, engine: 'actors' as const },
      ]) {
        const r = await runSdpa(config);
        expect(r.cycles, JSON.stringify(config)).toBe(cycles);
        expect(r.maxError!).toBeLessThan(1e-12);
      }
    },
  );

  it('matches the actors engine on 150 random configurations: clocks, channel statistics, outputs bit for bit', async () => {
    let deadlocks = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const config = randomConfig(seed, 1, 24);
      const compiled = await runSdpa({ ...config, engine: 'compiled', workers: 1 });
      const actors = await runSdpa({ ...config, engine: 'actors', workers: 1 });
      // A configuration the order does not fit deadlocks, and goes to the actors engine.
      if (actors.status === 'deadlock') {
        deadlocks++;
        expect(compiled.engine).toBe('actors');
      }
      expect(figures(compiled), `seed ${seed}: ${JSON.stringify(config)}`).toEqual(figures(actors));
    }
    expect(deadlocks).toBeGreaterThan(5);
  }, 60_000);
});

describe('fast-forward', () => {
  /** Runs with and without fast-forward, at several worker counts; everything must be equal bit for bit. */
  async function same(config: SdpaRunConfig, workers: readonly number[]): Promise<SdpaRunResult> {
    const full = await runSdpa({ ...config, engine: 'compiled', fastForward: false, workers: 1 });
    expect(full.execution!.groups.every((g) => g.rowsExtrapolated === 0)).toBe(true);
    let fast: SdpaRunResult | null = null;
    for (const w of workers) {
      fast = await runSdpa({ ...config, engine: 'compiled', workers: w });
      expect(fast.workers).toBe(w);
      expect(figures(fast), `${w} worker(s): ${JSON.stringify(config)}`).toEqual(figures(full));
    }
    return fast!;
  }

  it.each([
    ['period 1 (published FIFOs)', { design: 'modified', n: 256 }, 1],
    ['period 3 (uniform depth 2)', { design: 'modified', n: 256, uniformDepth: 2 }, 3],
    ['period 13 (QKT latency 50)', { design: 'modified', n: 256, latency: { qkt: 50 } }, 13],
    ['the naive design with bounded sources', { design: 'naive', n: 256, uniformDepth: 2, depth: { long: 300 } }, 3],
  ] as const)(
    'extrapolates a repeating timing exactly: %s, at 1, 2 and 3 workers',
    async (_label, config, period) => {
      const fast = await same({ ...config, d: 2, heads: 2, seed: 5 }, [1, 2, 3]);
      const [h0, h1] = fast.execution!.groups;
      expect(h0!.period).toBe(period);
      expect(h0!.rowsExtrapolated).toBeGreaterThan(50);
      // The second head is the same configuration on other data: its timing is the first's, renamed.
      expect(h1).toMatchObject({ timingOf: 'h0', rowsSimulated: 0, rowsExtrapolated: 0, period });
    },
    60_000,
  );

  it('extrapolates a drifting timing exactly (published naive: the generators run ahead; unbounded: FIFOs fill for ever)', async () => {
    for (const config of [
      { design: 'naive', n: 96 },
      { design: 'modified', n: 96, unbounded: true },
    ] as const) {
      const fast = await same(config, [1, 2]);
      const [group] = fast.execution!.groups;
      // A drift moves entries by different amounts: no single shift.
      expect(group!.shift).toBeNull();
      expect(group!.rowsExtrapolated).toBeGreaterThan(30);
    }
  }, 60_000);

  // RunningMax fills delta1, delta2, e1 and e2 (capacity 4,000) by 100 elements a row for 40
  // rows: every entry of the state moves by the same amount each row meanwhile, but the
  // acknowledgement's margin on them moves towards zero, and once they are full RunningMax
  // waits. Extrapolating the filling rows would run past that; only the regime after it may be.
  it('does not extrapolate a drift that ends (a FIFO still filling), however linear it looks', async () => {
    const config = {
      design: 'modified',
      n: 200,
      depth: { delta1: 4000, delta2: 4000, e1: 4000, e2: 4000, rowsum: 1, outp: 1, final: 1 },
    } as const;
    const fast = await same(config, [1]);
    expect(fast.execution!.groups[0]!.rowsSimulated).toBeGreaterThan(40);
  });

  it('gives the same peaks and clocks as a full simulation on 80 configurations prone to drift (unbounded FIFOs, N 20-160)', async () => {
    let drifts = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const rnd = random(seed);
      const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
      const config = randomConfig(seed, 20, 160);
      // Unbound a third of the channels, or all of them.
      const depth: Record<string, number | null> = { ...config.depth };
      for (const c of DESIGN_DEFS[config.design].channels) if (rnd() < 0.33) depth[c.name] = null;
      const drifting = {
        ...config,
        d: 1,
        heads: 1,
        depth,
        uniformDepth: undefined,
        ...(int(0, 3) === 0 ? { unbounded: true } : {}),
        timingOnly: true,
      };
      const full = await runSdpa({ ...drifting, engine: 'compiled', fastForward: false, workers: 1 });
      const fast = await runSdpa({ ...drifting, engine: 'compiled', workers: 1 });
      expect(figures(fast), `seed ${seed}: ${JSON.stringify(drifting)}`).toEqual(figures(full));
      if (fast.execution?.groups[0]?.shift === null && fast.execution.groups[0].period !== null) drifts++;
    }
    expect(drifts).toBeGreaterThan(30);
  }, 60_000);

  it('gives the same results as a full simulation on 40 random configurations (N 40-120), at 1 and 3 workers', async () => {
    let extrapolated = 0;
    for (let seed = 501; seed <= 540; seed++) {
      const config = randomConfig(seed, 40, 120);
      const full = await runSdpa({ ...config, engine: 'compiled', fastForward: false, workers: 1 });
      for (const workers of [1, 3]) {
        const fast = await runSdpa({ ...config, engine: 'compiled', workers });
        expect(figures(fast), `seed ${seed}, ${workers} worker(s): ${JSON.stringify(config)}`).toEqual(figures(full));
        if (fast.execution?.groups.some((g) => g.rowsExtrapolated > 0)) extrapolated++;
      }
    }
    expect(extrapolated).toBeGreaterThan(10);
  }, 120_000);

  // Code that fast-forward may end after a few rows keeps its numbers as arguments (a sweep's
  // configurations share it); a run that goes on for 2^22 elements without a repeat or a drift
  // proved, and has as many left, switches to code with its numbers written in, on the same
  // state. Few configurations go that long now: naive N = 200 with every FIFO unbounded but
  // long (6,000, which it fills by row 60 or so) proves its drift after 64 rows, so the switch
  // is moved to 4,096 elements (row 21) here.
  it('switches to code with its numbers written in partway through a run, exactly', async () => {
    expect(writesNumbers(NUMBERS_WRITTEN_FROM - 1)).toBe(false);
    const program = sdpaProgram({ design: 'naive', n: 200, unbounded: true, depth: { long: 6000 } });
    const timing = (options: GroupTimingOptions): GroupTiming => {
      const [group, parts] = [...scheduleGroups(program)][0]!;
      const steps = groupTiming(parts, group, scheduleKind(program.schedule!).order(program, group), options);
      for (;;) {
        const step = steps.next();
        if (step.done === true) return step.value;
      }
    };
    const switched = timing({ fastForward: true, numbersWrittenFrom: 4096 });
    expect(switched.rowsSimulated).toBeGreaterThan(21);
    expect(switched.rowsExtrapolated).toBeGreaterThan(0);
    const full = timing({ fastForward: false });
    for (const key of ['contexts', 'channels'] as const) expect(switched[key]).toEqual(full[key]);
    expect(timing({ fastForward: true })).toEqual(switched);
  });

  // A drift's proof (two periods in verify mode, then a sweep over the elements to come for a
  // channel's peak) ran as one step of the timing: the calling thread let no signal in for it,
  // 3 s at N = 2^20 on the naive design, 47 s at 2^24 (its rows take 0.1 s and 1.2 s). It is
  // yielded through now: each verified row a step, and the sweep in stretches (at N = 2^16, 64
  // steps where the rows done stay the same; there had been none, and the proof's one step
  // took 70 times a row's).
  it("a drift's proof yields as rows do: each verified row, and the peak's sweep in stretches", () => {
    const program = sdpaProgram({ design: 'naive', n: 65536 });
    const [group, parts] = [...scheduleGroups(program)][0]!;
    const steps = groupTiming(parts, group, scheduleKind(program.schedule!).order(program, group), { fastForward: true });
    let proofSteps = 0;
    let last = -1;
    for (;;) {
      const step = steps.next();
      if (step.done === true) {
        expect(step.value.rowsExtrapolated).toBeGreaterThan(0);
        // The two verified rows (a period of 1), two breaks between the proof's parts, and the sweep's stretches.
        expect(step.value.period).toBe(1);
        expect(proofSteps).toBeGreaterThan(2 * step.value.period! + 2 + 16);
        return;
      }
      if (step.value === last) proofSteps++;
      last = step.value;
    }
  });

  // A row ran whole, one step of the timing: the calling thread let no signal in for it (modified
  // N = 2^24: rows of 1.5-3 s; N = 6 x 10^7: a SIGINT waited 20 s for the first row). A row of
  // more than 2^20 elements runs in parts of 2^16, each a step; shorter rows are the code they were.
  it.each([
    ['modified', 2 ** 20, 0],
    ['modified', 2 ** 20 + 1, 16],
    // Two loops of N per row; its drift's proof verifies rows in parts too.
    ['naive', 2 ** 19 + 1, 16],
  ] as const)('a row of more than 2^20 elements runs in parts, each a step (%s N = %i)', (design, n, partsBefore) => {
    const program = sdpaProgram({ design, n });
    const [group, parts] = [...scheduleGroups(program)][0]!;
    const steps = groupTiming(parts, group, scheduleKind(program.schedule!).order(program, group), { fastForward: true });
    // Steps before the first row is done: the breaks between its parts.
    let firstRowSteps = 0;
    for (;;) {
      const step = steps.next();
      if (step.done === true) {
        // Spec section 3's published points: naive 2N^2 + 2N + 52, modified 2N^2 + 46, exactly.
        const cycles = Math.max(...step.value.contexts.map((c) => c.finalClock));
        expect(cycles).toBe(design === 'naive' ? 2 * n * n + 2 * n + 52 : 2 * n * n + 46);
        expect(step.value.rowsExtrapolated).toBeGreaterThan(0);
        break;
      }
      if (step.value === 0) firstRowSteps++;
    }
    expect(firstRowSteps).toBe(partsBefore);
  });

  it("--timing-only gives the full run's cycles and statistics, and no output", async () => {
    for (const config of [
      { design: 'modified', n: 80, uniformDepth: 2 },
      { design: 'naive', n: 40 },
      { design: 'modified', n: 40, heads: 3, unbounded: true },
    ] as const) {
      const full = await runSdpa(config);
      const timing = await runSdpa({ ...config, timingOnly: true });
      const { outputs: fullOutputs, maxError: fullError, config: fullConfig, ...fullRest } = figures(full) as Record<string, unknown>;
      const { outputs, maxError, config: timingConfig, ...rest } = figures(timing) as Record<string, unknown>;
      // The config says how the figures were made: timingOnly besides the full run's.
      expect(timingConfig).toEqual({ ...(fullConfig as object), timingOnly: true });
      expect(rest).toEqual(fullRest);
      expect(outputs).toEqual([]);
      expect(maxError).toBeNull();
      expect(fullOutputs).not.toEqual([]);
      expect(fullError).not.toBeNull();
    }
  });
});

describe('clocks', () => {
  // With unbounded FIFOs nothing pushes back, so a longer QKT latency delays every unit after
  // QKT by exactly the difference (the sources run free, and V arrives before RunningOut
  // wants it either way): the published 558 cycles at N = 16 become 558 + 2^32.
  it('stay exact past 2^32 on both engines, with and without fast-forward', async () => {
    for (const extra of [
      { engine: 'compiled' as const },
      { engine: 'compiled' as const, fastForward: false },
      { engine: 'actors' as const },
    ]) {
      const r = await runSdpa({ design: 'modified', n: 16, unbounded: true, latency: { qkt: 11 + 2 ** 32 }, ...extra });
      expect(r.cycles).toBe(558 + 2 ** 32);
    }
    // Bounded, so that the timing repeats and is extrapolated: against the independent model.
    const config = { design: 'modified', n: 64, latency: { div: 21 + 2 ** 40 } } as const;
    const bounded = await runSdpa(config);
    const zeros = new Float64Array(64);
    expect(bounded.cycles).toBe(runModel({ ...config, d: 1, q: zeros, k: zeros, v: zeros }).cycles);
    expect(bounded.cycles).toBeGreaterThan(2 ** 41);
    expect(bounded.execution!.groups[0]!.rowsExtrapolated).toBeGreaterThan(0);
  });

  it('are refused, never rounded, past 2^53', async () => {
    await expect(runSdpa({ design: 'modified', n: 4, latency: { qkt: 2 ** 53 - 1 } })).rejects.toThrow(ProgramError);
    await expect(runSdpa({ design: 'modified', n: 4, latency: { qkt: 2 ** 53 - 1 } })).rejects.toThrow(/2\^53/);
    // simulate on a compiled order, where runSdpa's refusal before the run does not come: it had
    // ended 'ok' with rounded cycles. The actors engine refuses the time where it is made.
    const program = sdpaProgram({ design: 'modified', n: 16, latency: { div: 2 ** 53 - 10 } });
    await expect(simulate(program, { engine: 'compiled' })).rejects.toThrow(/^this run's clocks passed 2\^53/);
    await expect(simulate(program, { engine: 'actors' })).rejects.toThrow(/unit 'h0\/div' failed: .*2\^53/);
    // An SDPA run refuses it alike on both engines (README: one line, exit 2), naming the unit on
    // the actors engine. Div's latency L passes the refusal before the run (N^2 plus the
    // latencies stays below 2^53), but Div stamps its first output at its clock plus L, and its
    // clock is past 2^53 - L by then (it waits for a whole row: 2N^2 cycles or so at N = 16).
    const late = { design: 'modified', n: 16, latency: { div: 2 ** 53 - 300 } } as const;
    for (const engine of ['actors', 'compiled'] as const)
      await expect(runSdpa({ ...late, engine, workers: 1 })).rejects.toThrow(ProgramError);
    await expect(runSdpa({ ...late, engine: 'actors', workers: 2 })).rejects.toThrow(
      /^this run's clocks passed 2\^53, where they are no longer exact integers \(unit 'h0\/div': enqueue on channel 'h0\/final'/,
    );
  });

  // The naive design's long is a kernel ring channel inside the compiled order, which refuses the
  // time where it is made. At N = 4 with QKTExp's latency L, RowSum takes its first element at
  // L + 1 or later, so the 14th score (short holds 13) waits for that acknowledgement and is
  // stamped past 2L > 2^53. That RangeError had escaped the run and crashed the CLI with a stack.
  it.each([1, 2])('are refused as a ProgramError when a ring channel of the order passes 2^53 (%i workers)', async (workers) => {
    const config = { design: 'naive', n: 4, latency: { qktexp: 2 ** 53 - 1000 } } as const;
    for (const timingOnly of [false, true]) {
      const run = runSdpa({ ...config, engine: 'compiled', workers, timingOnly });
      await expect(run).rejects.toThrow(ProgramError);
      await expect(runSdpa({ ...config, engine: 'compiled', workers, timingOnly })).rejects.toThrow(
        /^this run's clocks passed 2\^53.*'h0\/long'/,
      );
    }
    await expect(simulate(sdpaProgram(config), { engine: 'compiled', workers })).rejects.toThrow(ProgramError);
  });
});

describe('the compiled engine, further', () => {
  // On 3 workers the stuck timing job stops the board: the threads' values jobs end early.
  it.each([1, 3])(
    'falls back to the actors engine on a configuration it does not fit, which reports the deadlock (%i workers)',
    async (workers) => {
      const stuck = await runSdpa({ design: 'naive', n: 16, depth: { long: 15 }, engine: 'compiled', workers });
      expect(stuck.engine).toBe('actors');
      expect(stuck.status).toBe('deadlock');
      expect(stuck.deadlock!.blocked.map((b) => b.unit)).toContain('h0/qktexp');
    },
  );

  // A schedule kind's emit that writes no valid JavaScript (a user's own order, say) had thrown a
  // bare SyntaxError, naming neither the compiled row nor where it came from.
  it.each([1, 2])(
    "refuses an order whose code does not parse, naming the row and the schedule kind's emit (%i workers)",
    async (workers) => {
      const base = sdpaProgram({ design: 'modified', n: 64 });
      const program = {
        ...base,
        schedule: BROKEN_SCHEDULE,
        modules: [...base.modules, new URL('./fixtures/broken-schedule.mjs', import.meta.url).href],
      };
      await expect(simulate(program, { engine: 'compiled', workers })).rejects.toThrow(ProgramError);
      await expect(simulate(program, { engine: 'compiled', workers, timingOnly: true })).rejects.toThrow(
        /^the compiled order's timingRow is not valid JavaScript \(.+\): its schedule kind's emit wrote it$/,
      );
    },
  );

  // The fixture's check fails at head 0's last row and at every row of head 1, and checks head
  // 0's rows slowly: on several threads a job of head 1 fails first. The run still ends at head
  // 0's, the first failing job of the list, as in one thread (it had reported head 1's).
  // Checked: with the board stopped at the first failure instead, 2 and 3 workers fail here.
  it.each([1, 2, 3])('ends at the first failing job of the list, as in one thread (%i workers)', async (workers) => {
    const base = sdpaProgram({ design: 'modified', n: 2048, heads: 2 });
    const program = {
      ...base,
      schedule: FAULTY_SCHEDULE,
      modules: [...base.modules, new URL('./fixtures/faulty-schedule.mjs', import.meta.url).href],
    };
    for (let round = 0; round < 3; round++) {
      await expect(simulate(program, { engine: 'compiled', workers, check: true })).rejects.toThrow(
        "unit 'h0/sink' failed: output row 2047 fails on purpose",
      );
    }
  });

  // The naive order leaves a row in `long`; past 4,096 elements its ring grows mid-row.
  it('keeps every element when a ring grows (naive design, N above the 4,096-slot starting ring)', async () => {
    const result = await runSdpa({ design: 'naive', n: 4097, engine: 'compiled' });
    expect(result.engine).toBe('compiled');
    expect(result.maxError!).toBeLessThan(1e-12);
  }, 60_000);

  it('splits one head across the workers asked for, and names the jobs', async () => {
    const r = await runSdpa({ design: 'modified', n: 1024, workers: 2 });
    expect(r.workers).toBe(2);
    expect(r.execution!.valuesJobs).toBeGreaterThan(1);
    expect(r.execution!.blocksPerWorker.reduce((a, b) => a + b, 0)).toBeGreaterThan(1);
  });

  // Each worker a pool adds costs about what 4M score elements of values and checks do
  // (bench/RESULTS.md, "On 16 cores": one head at N = 4096 was fastest on 4 of 16 workers).
  it('on default flags, gives a run one worker per 4M score elements, up to the cores', async () => {
    const cores = os.availableParallelism();
    expect((await runSdpa({ design: 'modified', n: 1024 })).workers).toBe(1);
    expect((await runSdpa({ design: 'modified', n: 2048 })).workers).toBe(1);
    expect((await runSdpa({ design: 'modified', n: 2048, heads: 2 })).workers).toBe(Math.min(cores, 2));
    expect((await runSdpa({ design: 'modified', n: 4096, timingOnly: true, heads: 3 })).workers).toBe(1);
  }, 60_000);

  it('refuses a placement of units (an actors engine notion)', async () => {
    await expect(runSdpa({ design: 'modified', n: 8, engine: 'compiled' }, { placement: Array(9).fill(0) })).rejects.toThrow(/placement/);
  });
});
