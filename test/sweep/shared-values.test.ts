import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputsKey } from '../../dist/designs/sdpa/outputs-key.js';
import { sdpaMaxError } from '../../dist/designs/sdpa/outputs.js';
import { DESIGN_DEFS, resolveSdpaConfig } from '../../dist/designs/sdpa/design.js';
import { runSdpa } from '../../dist/designs/sdpa/run.js';
import { runOnPool } from '../../dist/sweep/pool-sweep.js';
import { SharedChecks, sharedKey } from '../../dist/sweep/shared-checks.js';
import { createJob } from '../../dist/sweep/sweep-spec.js';
import type { SdpaRunConfig } from '../../dist/designs/sdpa/config.js';
import type { JobPool } from '../../dist/sweep/job-pool.js';
import type { OutputsCheck } from '../../dist/sweep/job-worker.js';
import type { JobRecord, SweepJob } from '../../dist/sweep/sweep-job.js';

/** A configuration's shape (what outputsKey covers) and a random timing for it: capacities, latencies, IIs. */
const timedConfig = fc
  .record({
    design: fc.constantFrom('naive' as const, 'modified' as const),
    n: fc.integer({ min: 2, max: 24 }),
    d: fc.integer({ min: 1, max: 3 }),
    heads: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    timing: fc.record({
      unbounded: fc.boolean(),
      depth: fc.integer({ min: 1, max: 40 }),
      latency: fc.integer({ min: 1, max: 30 }),
      ii: fc.integer({ min: 1, max: 4 }),
      pick: fc.nat(),
    }),
  })
  .map(({ design, n, d, heads, seed, timing }): { shape: SdpaRunConfig; timed: SdpaRunConfig } => {
    const units = DESIGN_DEFS[design].units.map((u) => u.name);
    const channels = DESIGN_DEFS[design].channels.map((c) => c.name);
    const unit = units[timing.pick % units.length]!;
    const channel = channels[timing.pick % channels.length]!;
    const shape = { design, n, d, heads, seed, workers: 1 };
    const capacities = timing.unbounded ? { unbounded: true } : { depth: { [channel]: timing.depth } };
    return { shape, timed: { ...shape, ...capacities, latency: { [unit]: timing.latency }, ii: { [unit]: timing.ii } } };
  });

describe('outputs shared by configurations of one shape', () => {
  it('are bit for bit the same whatever the capacities, latencies and IIs, and sdpaMaxError is the run maxError', async () => {
    await fc.assert(
      fc.asyncProperty(timedConfig, async ({ shape, timed }) => {
        expect(outputsKey(resolveSdpaConfig(timed))).toBe(outputsKey(resolveSdpaConfig(shape)));
        const [plain, moved] = await Promise.all([runSdpa(shape), runSdpa(timed)]);
        if (moved.status !== 'ok') return; // a deadlock has no outputs
        expect(moved.outputs.map((o) => Array.from(o))).toEqual(plain.outputs.map((o) => Array.from(o)));
        expect(await sdpaMaxError(timed)).toBe(moved.maxError);
      }),
      { numRuns: 40 },
    );
  });

  it("are checked in parts as a whole: the parts follow the heads' rows one after another", async () => {
    const config: SdpaRunConfig = { design: 'naive', n: 10, d: 2, heads: 3, seed: 3 };
    const whole = await sdpaMaxError(config);
    expect(whole).toBe((await runSdpa({ ...config, workers: 1 })).maxError);
    const cuts = [0, 4, 10, 17, 29, 30];
    const parts = await Promise.all(cuts.slice(1).map((to, k) => sdpaMaxError(config, { from: cuts[k]!, to })));
    expect(Math.max(...parts)).toBe(whole);
  });

  it('are the same on the actors engine', async () => {
    const shape: SdpaRunConfig = { design: 'modified', n: 12, d: 2, heads: 2, seed: 7, workers: 1 };
    const actors = await runSdpa({ ...shape, engine: 'actors', uniformDepth: 3, latency: { div: 40 } });
    const compiled = await runSdpa(shape);
    expect(actors.outputs.map((o) => Array.from(o))).toEqual(compiled.outputs.map((o) => Array.from(o)));
  });

  it('differ with the design, N, d, the heads or the seed', () => {
    const base = resolveSdpaConfig({ design: 'modified', n: 8 });
    for (const change of [{ design: 'naive' as const }, { n: 9 }, { d: 2 }, { heads: 2 }, { seed: 2 }]) {
      expect(outputsKey(resolveSdpaConfig({ design: 'modified', n: 8, ...change }))).not.toBe(outputsKey(base));
    }
  });
});

/** A pool of `workers` threads that answers from tables: what each job's timing gives, and each check of rows. */
function fakePool(
  timing: (job: SweepJob, timingOnly: boolean) => JobRecord,
  check: (config: SdpaRunConfig, from: number, to: number) => OutputsCheck,
  workers = 2,
) {
  const calls: string[] = [];
  const pool = {
    workers,
    run: (job: SweepJob, _signal?: AbortSignal, timingOnly = false) => {
      calls.push(`${timingOnly ? 'timing' : 'full'} ${job.index}`);
      return Promise.resolve(timing(job, timingOnly));
    },
    checkOutputs: (config: SdpaRunConfig, from: number, to: number) => {
      calls.push(`check n=${config.n} rows ${from}-${to}`);
      return Promise.resolve(check(config, from, to));
    },
  };
  return { pool: pool as unknown as JobPool, calls };
}

function record(job: SweepJob, status: JobRecord['status'], maxError: number | null): JobRecord {
  return {
    index: job.index,
    hash: job.hash,
    point: job.point,
    config: job.resolved,
    status,
    cycles: status === 'failed' ? null : 100,
    intermediateMemory: null,
    peaks: null,
    maxError,
    error: null,
    wallSeconds: 0.01,
    ranOn: { host: 'h', pid: 1, via: 'pool' },
    finishedAt: '',
  };
}

describe('runOnPool with shared outputs', () => {
  const jobs = [
    createJob(0, { uniformDepth: 2 }, { design: 'modified', n: 8, uniformDepth: 2 }),
    createJob(1, { uniformDepth: 3 }, { design: 'modified', n: 8, uniformDepth: 3 }),
    createJob(2, { n: 6 }, { design: 'modified', n: 6 }),
    createJob(3, { engine: 'actors' }, { design: 'modified', n: 8, engine: 'actors' }),
  ];

  it('checks each shared shape once, runs the sharing jobs timing only, and the others in full', async () => {
    const { pool, calls } = fakePool(
      (job, timingOnly) => record(job, 'ok', timingOnly ? null : 0.5),
      () => ({ maxError: 0.25, error: null }),
    );
    const got: JobRecord[] = [];
    await runOnPool(pool, jobs, (r) => got.push(r));
    expect(calls.sort()).toEqual(['check n=8 rows 0-8', 'full 2', 'full 3', 'timing 0', 'timing 1']);
    expect(Object.fromEntries(got.map((r) => [r.index, r.maxError]))).toEqual({ 0: 0.25, 1: 0.25, 2: 0.5, 3: 0.5 });
    expect(Object.fromEntries(got.map((r) => [r.index, r.check]))).toEqual({ 0: 'shared', 1: 'shared', 2: undefined, 3: undefined });
  });

  it('fails the jobs of a shape whose check fails where their timing finished, as a single run would; a deadlock stays one', async () => {
    const { pool } = fakePool(
      (job) => record(job, job.index === 1 ? 'deadlock' : 'ok', null),
      () => ({ maxError: null, error: "unit 'h0/sink' failed: output row 3 column 0 is 7, reference 0.5" }),
    );
    const got: JobRecord[] = [];
    await runOnPool(pool, jobs.slice(0, 2), (r) => got.push(r));
    const byIndex = new Map(got.map((r) => [r.index, r]));
    expect(byIndex.get(0)).toMatchObject({ status: 'failed', cycles: null, error: expect.stringMatching(/h0\/sink.*row 3/) });
    expect(byIndex.get(1)).toMatchObject({ status: 'deadlock', maxError: null });
  });

  // Each finished job of the shape had run the failed check again (6 checks for 6 jobs).
  it('runs a check that finds the outputs wrong once for the whole shape', async () => {
    const { pool, calls } = fakePool(
      (job) => record(job, 'ok', null),
      () => ({ maxError: null, error: "unit 'h0/sink' failed: output row 3 column 0 is 7, reference 0.5" }),
    );
    // The jobs end one after another, each after the check before has ended.
    const run = pool.run.bind(pool);
    pool.run = (job, signal, timingOnly) =>
      new Promise((resolve) => setTimeout(resolve, 10 * job.index)).then(() => run(job, signal, timingOnly));
    const shape = [2, 3, 4].map((depth, index) =>
      createJob(index, { uniformDepth: depth }, { design: 'modified', n: 8, uniformDepth: depth }),
    );
    const got: JobRecord[] = [];
    await runOnPool(pool, shape, (r) => got.push(r));
    expect(got.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(calls.filter((c) => c.startsWith('check'))).toEqual(['check n=8 rows 0-8']);
  });

  // Two deadlocking jobs at N = 32768 were recorded 22 s after they ended: their shape's check,
  // queued first, held the pool's threads, for outputs nobody reads.
  it('checks no outputs of a shape none of whose jobs finished', async () => {
    const { pool, calls } = fakePool(
      (job) => record(job, 'deadlock', null),
      () => ({ maxError: 0.25, error: null }),
    );
    const got: JobRecord[] = [];
    await runOnPool(pool, jobs.slice(0, 2), (r) => got.push(r));
    expect(got.map((r) => r.status)).toEqual(['deadlock', 'deadlock']);
    expect(calls.sort()).toEqual(['timing 0', 'timing 1']);
  });

  it("splits a long shape's check across the pool in row order; the first failing block gives the reason", async () => {
    const long = [4096, 8192].map((depth, index) =>
      createJob(index, { uniformDepth: depth }, { design: 'modified', n: 4096, heads: 2, uniformDepth: depth }),
    );
    const { pool, calls } = fakePool(
      (job) => record(job, 'ok', null),
      (_config, from) => (from === 0 ? { maxError: 1e-17, error: null } : { maxError: null, error: `row ${from} off` }),
      3,
    );
    const got: JobRecord[] = [];
    await runOnPool(pool, long, (r) => got.push(r));
    expect(calls.filter((c) => c.startsWith('check'))).toEqual([
      'check n=4096 rows 0-2731',
      'check n=4096 rows 2731-5462',
      'check n=4096 rows 5462-8192',
    ]);
    expect(got.map((r) => r.error)).toEqual(['row 2731 off', 'row 2731 off']);
  });
});

// A queue worker cannot know which jobs will come to it: it shares every shape it meets.
describe('SharedChecks, as a queue worker keeps them', () => {
  const shape = (index: number, depth: number): SweepJob =>
    createJob(index, { uniformDepth: depth }, { design: 'modified', n: 8, uniformDepth: depth });

  it('checks a shape once over the jobs that come one after another, even a shape met once', async () => {
    const { pool, calls } = fakePool(
      (job) => record(job, 'ok', null),
      () => ({ maxError: 0.25, error: null }),
    );
    const checks = new SharedChecks(pool);
    const single = createJob(9, { n: 6 }, { design: 'modified', n: 6 });
    const got: JobRecord[] = [];
    for (const job of [shape(0, 2), shape(1, 3), single, shape(2, 4)]) got.push(await checks.run(job, sharedKey(job)));
    expect(calls).toEqual(['timing 0', 'check n=8 rows 0-8', 'timing 1', 'timing 9', 'check n=6 rows 0-6', 'timing 2']);
    expect(got.map((r) => [r.maxError, r.check])).toEqual(Array.from({ length: 4 }, () => [0.25, 'shared']));
    expect(sharedKey(createJob(3, {}, { design: 'modified', n: 8, engine: 'actors' }))).toBeUndefined();
  });

  it('checks again after a check that did not finish (a worker that died), and keeps the most recent shapes', async () => {
    let died = true;
    const { pool, calls } = fakePool(
      (job) => record(job, 'ok', null),
      () =>
        died
          ? ((died = false), { maxError: null, error: 'worker failed: out of memory', workerFailed: true as const })
          : { maxError: 0.5, error: null },
    );
    const checks = new SharedChecks(pool, 1);
    const first = await checks.run(shape(0, 2), sharedKey(shape(0, 2)));
    expect(first).toMatchObject({ status: 'failed', error: 'worker failed: out of memory' });
    expect(await checks.run(shape(1, 3), sharedKey(shape(1, 3)))).toMatchObject({ status: 'ok', maxError: 0.5 });
    const other = createJob(5, { n: 6 }, { design: 'modified', n: 6 });
    await checks.run(other, sharedKey(other));
    // Keeping one shape, n = 6 pushed n = 8 out: its next job checks it again.
    await checks.run(shape(2, 4), sharedKey(shape(2, 4)));
    expect(calls.filter((c) => c.startsWith('check'))).toEqual([
      'check n=8 rows 0-8',
      'check n=8 rows 0-8',
      'check n=6 rows 0-6',
      'check n=8 rows 0-8',
    ]);
  });
});
