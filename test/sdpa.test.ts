import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSdpa } from '../dist/designs/sdpa/run.js';
import { checkOutput, referenceSdpa } from '../dist/designs/sdpa/data.js';
import { DESIGNS, resolveSdpaConfig } from '../dist/designs/sdpa/design.js';
import { expandSweep } from '../dist/sweep/sweep-spec.js';
import { rescaleFactor } from '../dist/designs/sdpa/running-max.js';
import { exp } from '../dist/designs/sdpa/exp.js';
import { inexactClocks } from '../dist/designs/sdpa/exact-clocks.js';
import { ProgramError, UnitError } from '../dist/kernel/errors.js';

describe('runSdpa numerics', () => {
  it.each(
    DESIGNS.flatMap((design) => [
      { design, n: 16, d: 1, heads: 1 },
      { design, n: 16, d: 16, heads: 1 },
      { design, n: 8, d: 64, heads: 1 },
      { design, n: 12, d: 4, heads: 3 },
    ]),
  )('$design N=$n d=$d heads=$heads matches the reference', async (config) => {
    const result = await runSdpa(config);
    expect(result.status).toBe('ok');
    expect(result.maxError).not.toBeNull();
    expect(result.maxError!).toBeLessThan(1e-12);
    expect(result.outputs).toHaveLength(config.heads);
    expect(result.channels).toHaveLength(config.heads * (config.design === 'naive' ? 8 : 11));
  });

  it('runs the heads as independent pipelines in simulated time', async () => {
    const one = await runSdpa({ design: 'modified', n: 8 });
    const three = await runSdpa({ design: 'modified', n: 8, heads: 3 });
    expect(three.cycles).toBe(one.cycles);
    expect(three.intermediateMemory.capacity).toBe(3 * one.intermediateMemory.capacity!);
    expect(three.intermediateMemory.peakOccupancy).toBe(3 * one.intermediateMemory.peakOccupancy);
  });

  it('uses the workers asked for, and rejects zero workers', async () => {
    expect((await runSdpa({ design: 'naive', n: 4, workers: 3 })).workers).toBe(3);
    expect((await runSdpa({ design: 'naive', n: 4, heads: 2, workers: 2, engine: 'actors' })).workers).toBe(2);
    await expect(runSdpa({ design: 'naive', n: 4, workers: 0 })).rejects.toThrow(ProgramError);
  });
});

describe('rescaleFactor', () => {
  it('is exactly exp(m - next) (exp.ts), the shortcut where the max stays included', () => {
    const values = [-Infinity, -1e308, -2.5, -1, -0, 0, 5e-324, 1e-300, 0.1, 1, 2.5, 1e308, Infinity, NaN];
    for (const m of values) {
      for (const s of values) {
        const next = s > m ? s : m;
        expect(Object.is(rescaleFactor(m, next), exp(m - next)), `m=${m} s=${s}`).toBe(true);
      }
    }
  });
});

describe('referenceSdpa', () => {
  /** The textbook: scores, their max, Math.exp of each minus it, the weights' sum, the weighted sum of V. */
  function textbook(q: Float64Array, k: Float64Array, v: Float64Array, n: number, d: number): Float64Array {
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const s = Array.from({ length: n }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[i * d + c]! * k[j * d + c]!;
        return dot / Math.sqrt(d);
      });
      const max = Math.max(...s);
      const w = s.map((x) => Math.exp(x - max));
      const sum = w.reduce((a, b) => a + b, 0);
      for (let c = 0; c < d; c++) out[i * d + c] = w.reduce((a, wj, j) => a + wj * v[j * d + c]!, 0) / sum;
    }
    return out;
  }

  // Inputs in [-1, 1) shift the scores by a bound on them (one pass); inputs in the thousands
  // put the bound out of exp's range, and those rows take the row max first.
  it.each([
    ['scores shifted by their bound', 1],
    ['scores shifted by the row max', 3000],
  ])('is the textbook softmax within 1e-12: %s', (_, size) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, d, seed) => {
        let state = seed >>> 0;
        const next = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1) * size;
        const [q, k, v] = [0, 1, 2].map(() => Float64Array.from({ length: n * d }, next));
        const want = textbook(q!, k!, v!, n, d);
        const got = referenceSdpa(q!, k!, v!, n, d);
        for (let i = 0; i < n * d; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('exp', () => {
  const ULP = 2 ** -52;
  /** Relative error against Math.exp where the result is normal; absolute below that. */
  const error = (x: number): number => {
    const want = Math.exp(x);
    return want >= 2 ** -1022 ? Math.abs(exp(x) - want) / want : Math.abs(exp(x) - want);
  };

  it('is within 3 ulps of Math.exp over the scores a check meets and the whole range', () => {
    // A check takes exp of score - row max: at most 0, about -2 sqrt(d) at the least.
    fc.assert(
      fc.property(fc.double({ min: -80, max: 0, noNaN: true }), (x) => error(x) <= 3 * ULP),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.double({ min: -745, max: 709, noNaN: true }), (x) => error(x) <= 3 * ULP),
      { numRuns: 20_000 },
    );
  });

  it('is Math.exp at the ends: 1 at 0, 0 and Infinity beyond the range, NaN for NaN', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(-800)).toBe(0);
    expect(exp(710)).toBe(Infinity);
    expect(exp(Number.NaN)).toBeNaN();
    for (const x of [-745, -744.9, -708.5, 708.9, -1e-300, 1e-300, Math.LN2, -Math.LN2])
      expect(error(x), `x=${x}`).toBeLessThanOrEqual(3 * ULP);
  });
});

describe('checkOutput', () => {
  const ref = Float64Array.from([0.5, -0.25, 0.125, 1]);

  it('accepts rounding differences and returns the largest', async () => {
    // Powers of two keep the differences exact.
    const out = Float64Array.from([0.5 + 2 ** -45, -0.25, 0.125 - 2 ** -40, 1]);
    expect(checkOutput('h0/sink', out, ref, 2)).toBe(2 ** -40);
  });

  it.each([
    ['a wrong value', Float64Array.from([0.5, -0.25, 0.126, 1])],
    ['NaN', Float64Array.from([0.5, Number.NaN, 0.125, 1])],
  ])('fails the run on %s, naming the row and column', (_label, out) => {
    expect(() => checkOutput('h0/sink', out, ref, 2)).toThrow(UnitError);
    expect(() => checkOutput('h0/sink', out, ref, 2)).toThrow(/h0\/sink.*row [01] column [01]/);
  });
});

describe('runSdpa intermediate memory', () => {
  it('grows with N for the naive design (the long FIFO) and stays flat for the modified one', async () => {
    const naive = await Promise.all([16, 32].map(async (n) => (await runSdpa({ design: 'naive', n })).intermediateMemory));
    const modified = await Promise.all([16, 32].map(async (n) => (await runSdpa({ design: 'modified', n })).intermediateMemory));
    // long is N + 34; the other naive FIFOs (short 13, rowsum 24, div 9) do not depend on N.
    expect(naive.map((m) => m.capacity)).toEqual([16 + 34 + 46, 32 + 34 + 46]);
    expect(naive[1]!.peakOccupancy - naive[0]!.peakOccupancy).toBe(16);
    // qk 12, four delta/e FIFOs of 2, rowsum 10, outp 14.
    expect(modified.map((m) => m.capacity)).toEqual([44, 44]);
    expect(modified[1]!.peakOccupancy).toBe(modified[0]!.peakOccupancy);
  });

  it('is unbounded (null) when any intermediate FIFO is', async () => {
    expect((await runSdpa({ design: 'modified', n: 4, unbounded: true })).intermediateMemory.capacity).toBeNull();
  });
});

describe('inexactClocks', () => {
  // Spec section 1: QKT's latency is added once to every row; a latency of 2^53 - 92 plus N^2 = 64
  // and the other stages' latencies passes 2^53 on any head that has it.
  const past = 2 ** 53 - 92;
  it('looks at the heads without a latency of their own too, when head 0 has one (it had stood for them)', () => {
    const config = (latency: Record<string, number>) => resolveSdpaConfig({ design: 'modified', n: 8, heads: 3, latency });
    expect(inexactClocks(config({ qkt: past, 'h0/qkt': 1 }))).toMatch(/needs clocks past 2\^53/);
    expect(inexactClocks(config({ qkt: past, 'h0/qkt': 1, 'h1/qkt': 1, 'h2/qkt': 1 }))).toBeNull();
    expect(inexactClocks(config({ 'h2/qkt': past }))).toMatch(/needs clocks past 2\^53/);
  });
});

describe('runSdpa overrides worked out by hand', () => {
  // The last compute unit emits each output row at t + L into a channel the sink drains as soon
  // as a row arrives. While that channel never fills (at most its capacity of rows: N <= 22 for
  // `final`, N = capacity for `out`) nothing upstream depends on the unit's latency, so the
  // sink, which finishes last, finishes exactly X cycles later when L grows by X.
  it("raising the latency of the modified design's div by X adds X cycles", async () => {
    const base = (await runSdpa({ design: 'modified', n: 16 })).cycles;
    expect(base).toBe(558);
    expect((await runSdpa({ design: 'modified', n: 16, latency: { div: 21 + 5 } })).cycles).toBe(base + 5);
  });

  it("raising the latency of the naive design's matvec by X adds X cycles", async () => {
    const base = (await runSdpa({ design: 'naive', n: 16 })).cycles;
    expect(base).toBe(596);
    expect((await runSdpa({ design: 'naive', n: 16, latency: { matvec: 13 + 7 } })).cycles).toBe(base + 7);
  });

  // Spec section 2.2: the modified design's capacities do not limit throughput at all.
  it("unbounded FIFOs leave the modified design's cycle count unchanged", async () => {
    expect((await runSdpa({ design: 'modified', n: 32, unbounded: true })).cycles).toBe(2094);
  });

  it('a long FIFO below N deadlocks the naive design; exactly N runs', async () => {
    const stuck = await runSdpa({ design: 'naive', n: 16, depth: { long: 8 } });
    expect(stuck.status).toBe('deadlock');
    expect(stuck.maxError).toBeNull();
    expect(JSON.stringify(stuck.deadlock)).toContain('long');
    expect((await runSdpa({ design: 'naive', n: 16, depth: { long: 16 } })).status).toBe('ok');
  });

  // By hand (spec section 2.1): the input FIFOs hold N^2, so after the deadlock every source
  // runs on to its end, one row per cycle, as in DAM. qktexp took Q's first row and 9 of K
  // (8 scores sit in long, the 9th waits for room); matvec took nothing of V. The K and V
  // sources send 2 x 2^26 rows that nobody reads: they are counted at once (Output.
  // sendUndequeued), where one by one they had taken seconds.
  it('after a deadlock the sources run on to their ends: N^2 rows of K and V at N = 8192, its figures by hand', async () => {
    const n = 8192;
    const run = await runSdpa({ design: 'naive', n, depth: { long: 8 } });
    expect([run.status, run.cycles]).toEqual(['deadlock', n * n]);
    const clock = (name: string) => run.units.find((u) => u.name === name)!.finalClock;
    expect([clock('source-q'), clock('source-k'), clock('source-v')]).toEqual([n, n * n, n * n]);
    const channel = (name: string) => {
      const c = run.channels.find((c) => c.name === name)!;
      return [c.tokens, c.peakOccupancy];
    };
    expect([channel('q'), channel('k'), channel('v')]).toEqual([
      [n, n - 1],
      [n * n, n * n - 9],
      [n * n, n * n],
    ]);
    expect(run.deadlock!.blocked.map((b) => b.unit).sort()).toEqual(['h0/div', 'h0/matvec', 'h0/qktexp', 'h0/rowsum', 'h0/sink']);
  });
});

describe('one configuration, one resolved form', () => {
  it("drops a head's own value equal to the shared one, and makes every head's same value the shared one: a sweep ran such points twice", () => {
    const base = { design: 'modified', n: 16, heads: 2 } as const;
    const forms = [
      [{}, { 'h1/qk': 12 }],
      [{ qk: 3 }, { 'h0/qk': 3, 'h1/qk': 3 }],
    ];
    for (const [a, b] of forms) expect(resolveSdpaConfig({ ...base, depth: b! })).toEqual(resolveSdpaConfig({ ...base, depth: a! }));
    // A head that differs keeps its own value.
    expect(resolveSdpaConfig({ ...base, depth: { 'h1/qk': 3 } }).depth).toMatchObject({ qk: 12, 'h1/qk': 3 });
    const { jobs, repeated } = expandSweep(
      { base, grid: [], list: [{}, { 'depth.h1/qk': 12 }, { 'depth.qk': 3 }, { 'depth.h0/qk': 3, 'depth.h1/qk': 3 }] },
      's.yaml',
    );
    expect([jobs.length, repeated]).toEqual([2, 2]);
  });
});
