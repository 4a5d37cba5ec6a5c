// Tests of the independent reference model itself (test/reference/dam-model.ts) against the
// spec's published points, its worked examples, the golden timing file and basic invariants.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import {
  runModel,
  publishedCapacity,
  publishedIi,
  publishedLatency,
  type Design,
  type ModelConfig,
  type ModelResult,
} from './dam-model.js';

/** Small deterministic PRNG (mulberry32), values in [-1, 1). */
function randomMatrix(n: number, d: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const m = new Float64Array(n * d);
  for (let i = 0; i < m.length; i++) m[i] = next() * 2 - 1;
  return m;
}

function inputs(n: number, d: number, seed = 1): Pick<ModelConfig, 'q' | 'k' | 'v'> {
  return {
    q: randomMatrix(n, d, seed * 3 + 1),
    k: randomMatrix(n, d, seed * 3 + 2),
    v: randomMatrix(n, d, seed * 3 + 3),
  };
}

function run(design: Design, n: number, extra: Partial<ModelConfig> = {}): ModelResult {
  const d = extra.d ?? 1;
  return runModel({ design, n, d, ...inputs(n, d), ...extra });
}

/** Plain softmax(Q K^T / sqrt(d)) V, with the max subtracted. */
function plainSdpa(n: number, d: number, q: Float64Array, k: Float64Array, v: Float64Array): Float64Array {
  const out = new Float64Array(n * d);
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    const s = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let x = 0; x < d; x++) dot += q[i * d + x]! * k[j * d + x]!;
      s[j] = dot * scale;
    }
    const max = Math.max(...s);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(s[j]! - max);
    for (let j = 0; j < n; j++) {
      const p = Math.exp(s[j]! - max) / sum;
      for (let x = 0; x < d; x++) out[i * d + x] += p * v[j * d + x]!;
    }
  }
  return out;
}

/** Invariants every finished run must satisfy. */
function checkInvariants(r: ModelResult, design: Design, n: number, cfg: Partial<ModelConfig>): void {
  expect(r.cycles).toBe(Math.max(...Object.values(r.clocks)));
  const cap = publishedCapacity(design, n);
  for (const name of Object.keys(cap)) {
    if (cfg.uniformDepth !== undefined) cap[name] = cfg.uniformDepth;
    if (cfg.unbounded) cap[name] = Infinity;
  }
  Object.assign(cap, cfg.depth ?? {});
  expect(Object.keys(r.channels).sort()).toEqual(Object.keys(cap).sort());
  for (const [name, c] of Object.entries(r.channels)) {
    expect(c.peak, `peak of ${name}`).toBeLessThanOrEqual(cap[name]!);
    if (c.tokens > 0) expect(c.peak, `peak of ${name}`).toBeGreaterThanOrEqual(1);
  }
}

// ---------------------------------------------------------------------------------------------

describe('reference model: published points (spec section 3, d = 1)', () => {
  const points: Array<[number, number, number]> = [
    [4, 92, 78],
    [8, 196, 174],
    [16, 596, 558],
    [32, 2164, 2094],
    [64, 8372, 8238],
  ];
  for (const [n, naive, modified] of points) {
    it(`N = ${n}: naive ${naive}, modified ${modified} (bounded and unbounded)`, () => {
      const a = run('naive', n);
      expect(a.status).toBe('ok');
      expect(a.cycles).toBe(naive);
      checkInvariants(a, 'naive', n, {});

      const b = run('modified', n);
      expect(b.status).toBe('ok');
      expect(b.cycles).toBe(modified);
      checkInvariants(b, 'modified', n, {});

      const c = run('modified', n, { unbounded: true });
      expect(c.status).toBe('ok');
      expect(c.cycles).toBe(modified);
      checkInvariants(c, 'modified', n, { unbounded: true });
    });
  }

  it('token counts: K and V streamed N times, Q once, one output per row', () => {
    const n = 8;
    const a = run('naive', n);
    expect(a.channels['q']!.tokens).toBe(n);
    expect(a.channels['k']!.tokens).toBe(n * n);
    expect(a.channels['v']!.tokens).toBe(n * n);
    for (const c of ['short', 'long', 'div']) expect(a.channels[c]!.tokens).toBe(n * n);
    expect(a.channels['rowsum']!.tokens).toBe(n);
    expect(a.channels['out']!.tokens).toBe(n);
    const b = run('modified', n);
    for (const c of ['k', 'v', 'qk', 'delta1', 'delta2', 'e1', 'e2']) expect(b.channels[c]!.tokens).toBe(n * n);
    for (const c of ['q', 'rowsum', 'outp', 'final']) expect(b.channels[c]!.tokens).toBe(n);
  });

  it("the naive design's peak grows with N (long), the modified design's does not", () => {
    const longPeaks = [8, 16, 32].map((n) => run('naive', n).channels['long']!.peak);
    expect(longPeaks[0]!).toBeLessThan(longPeaks[1]!);
    expect(longPeaks[1]!).toBeLessThan(longPeaks[2]!);
    const sumPeaks = (r: ModelResult): number =>
      ['qk', 'delta1', 'delta2', 'e1', 'e2', 'rowsum', 'outp'].reduce((s, c) => s + r.channels[c]!.peak, 0);
    expect(sumPeaks(run('modified', 16))).toBe(sumPeaks(run('modified', 64)));
  });
});

describe('reference model: worked examples of spec section 1 (stamp fixed before the wait)', () => {
  it('naive N = 4, Div latency 40: 146 cycles', () => {
    const r = run('naive', 4, { latency: { div: 40 } });
    expect(r.status).toBe('ok');
    expect(r.cycles).toBe(146);
  });
  it('naive N = 8, div capacity 1, Div latency 5: 286 cycles', () => {
    const r = run('naive', 8, { depth: { div: 1 }, latency: { div: 5 } });
    expect(r.status).toBe('ok');
    expect(r.cycles).toBe(286);
  });
});

interface GoldenCase {
  name: string;
  design: Design;
  n: number;
  d?: number;
  seed?: number;
  latency?: Record<string, number>;
  ii?: Record<string, number>;
  depth?: Record<string, number>;
  uniformDepth?: number;
  unbounded?: boolean;
  expectedCycles?: number;
  expectedPeaks?: Record<string, number>;
  expectedStatus?: 'deadlock';
}

const goldenUrl = new URL('../fixtures/dam-timing.json', import.meta.url);
const goldenText = readFileSync(goldenUrl, 'utf8');
const golden = (JSON.parse(goldenText) as { cases: GoldenCase[] }).cases;

describe('reference model: golden timing file (shared/golden/dam-timing.json)', () => {
  it('holds 120 cases', () => {
    expect(golden.length).toBe(120);
  });

  const shared = new URL('../../../shared/golden/dam-timing.json', import.meta.url);
  it.skipIf(!existsSync(shared))('the fixture is a byte-identical copy of ../shared', () => {
    expect(readFileSync(goldenUrl).equals(readFileSync(shared))).toBe(true);
  });

  for (const c of golden) {
    it(c.name, () => {
      const d = c.d ?? 1;
      const cfg: Partial<ModelConfig> = {
        d,
        ...(c.latency ? { latency: c.latency } : {}),
        ...(c.ii ? { ii: c.ii } : {}),
        ...(c.depth ? { depth: c.depth } : {}),
        ...(c.uniformDepth !== undefined ? { uniformDepth: c.uniformDepth } : {}),
        ...(c.unbounded ? { unbounded: true } : {}),
      };
      const r = runModel({ design: c.design, n: c.n, ...inputs(c.n, d, c.seed ?? 1), ...cfg } as ModelConfig);
      if (c.expectedStatus === 'deadlock') {
        expect(r.status).toBe('deadlock');
        expect(r.output).toBeNull();
        return;
      }
      expect(r.status).toBe('ok');
      expect(r.cycles).toBe(c.expectedCycles);
      const peaks = Object.fromEntries(Object.entries(r.channels).map(([name, s]) => [name, s.peak]));
      expect(peaks).toEqual(c.expectedPeaks);
      checkInvariants(r, c.design, c.n, cfg);
    });
  }
});

describe('reference model: deadlock', () => {
  for (const n of [4, 8, 16]) {
    for (const long of [1, n - 1]) {
      it(`naive N = ${n} with long capacity ${long} (< N) deadlocks`, () => {
        const r = run('naive', n, { depth: { long } });
        expect(r.status).toBe('deadlock');
        expect(r.output).toBeNull();
        expect(r.cycles).toBe(Math.max(...Object.values(r.clocks)));
        // Nothing reaches the sink, and long is full when it stops.
        expect(r.channels['out']!.tokens).toBe(0);
        expect(r.channels['long']!.peak).toBe(long);
      });
    }
  }
  it('naive N = 8 with long capacity N does not deadlock', () => {
    expect(run('naive', 8, { depth: { long: 8 } }).status).toBe('ok');
  });
});

describe('reference model: numerics and API', () => {
  for (const design of ['naive', 'modified'] as const) {
    for (const d of [1, 2, 3, 8]) {
      it(`${design} output matches plain SDPA (N = 16, d = ${d})`, () => {
        const n = 16;
        const data = inputs(n, d, 7 + d);
        const r = runModel({ design, n, d, ...data });
        expect(r.status).toBe('ok');
        const want = plainSdpa(n, d, data.q, data.k, data.v);
        for (let i = 0; i < n * d; i++) expect(r.output![i]).toBeCloseTo(want[i]!, 12);
      });
    }
  }

  it('the modified design survives scores that overflow exp; the naive one does not', () => {
    const n = 4,
      d = 1;
    const q = new Float64Array([800, 1, 2, 3]);
    const k = new Float64Array([1, 0.5, 0.25, 1]);
    const v = new Float64Array([1, 2, 3, 4]);
    const m = runModel({ design: 'modified', n, d, q, k, v });
    expect(Array.from(m.output!).every(Number.isFinite)).toBe(true);
    const a = runModel({ design: 'naive', n, d, q, k, v });
    expect(Number.isFinite(a.output![0]!)).toBe(false);
  });

  it('timing does not depend on data or on d', () => {
    for (const design of ['naive', 'modified'] as const) {
      const a = runModel({ design, n: 8, d: 1, ...inputs(8, 1, 3) });
      const b = runModel({ design, n: 8, d: 5, ...inputs(8, 5, 4) });
      expect(b.cycles).toBe(a.cycles);
      expect(b.clocks).toEqual(a.clocks);
    }
  });

  it('published parameters', () => {
    expect(publishedLatency('naive')).toEqual({ qktexp: 11, rowsum: 23, div: 8, matvec: 13 });
    expect(publishedIi('naive')).toEqual({ qktexp: 1, rowsum: 2, div: 1, matvec: 2 });
    expect(publishedLatency('modified')).toEqual({ qkt: 11, runningmax: 3, runningsum: 8, runningout: 12, div: 21 });
    expect(publishedIi('modified')).toEqual({ qkt: 1, runningmax: 1, runningsum: 2, runningout: 2, div: 1 });
    expect(publishedCapacity('naive', 10)).toEqual({
      q: 100,
      k: 100,
      v: 100,
      short: 13,
      long: 44,
      rowsum: 24,
      div: 9,
      out: 10,
    });
    expect(publishedCapacity('modified', 10)).toEqual({
      q: 2,
      k: 2,
      v: 2,
      qk: 12,
      delta1: 2,
      delta2: 2,
      e1: 2,
      e2: 2,
      rowsum: 10,
      outp: 14,
      final: 22,
    });
  });

  it('unit and channel names', () => {
    expect(Object.keys(run('naive', 4).clocks).sort()).toEqual(
      ['source-q', 'source-k', 'source-v', 'qktexp', 'rowsum', 'div', 'matvec', 'sink'].sort(),
    );
    expect(Object.keys(run('modified', 4).clocks).sort()).toEqual(
      ['source-q', 'source-k', 'source-v', 'qkt', 'runningmax', 'runningsum', 'runningout', 'div', 'sink'].sort(),
    );
  });

  it('unknown unit or channel names throw', () => {
    expect(() => run('naive', 4, { latency: { qkt: 3 } })).toThrow();
    expect(() => run('modified', 4, { ii: { qktexp: 3 } })).toThrow();
    expect(() => run('naive', 4, { depth: { qk: 3 } })).toThrow();
    expect(() => run('modified', 4, { depth: { long: 3 } })).toThrow();
  });

  it('N = 64, d = 3 runs well under a second per design', () => {
    for (const design of ['naive', 'modified'] as const) {
      run(design, 64, { d: 3 }); // warm up
      const t0 = performance.now();
      const r = run(design, 64, { d: 3 });
      const ms = performance.now() - t0;
      expect(r.status).toBe('ok');
      expect(ms).toBeLessThan(1000);
    }
  });
});
