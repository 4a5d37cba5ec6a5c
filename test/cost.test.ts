import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateCost, poolCost, refuseWhatCannotFit } from '../dist/designs/sdpa/cost.js';
import { resolveSdpaConfig } from '../dist/designs/sdpa/design.js';
import { measuredDamflow, tempFile } from './helpers/cli.js';
import { sweepDir } from './helpers/sweep.js';
import type { SdpaRunConfig } from '../dist/designs/sdpa/config.js';

const MiB = 2 ** 20;
/** A JavaScript heap small enough to reach in seconds: about 304 MB with V8's young generation. */
const SMALL_HEAP = ['--max-old-space-size=256'];

const cost = (config: SdpaRunConfig) => estimateCost(resolveSdpaConfig(config), config);

describe('run cost: the estimate bounds the peak memory of what it lets run', () => {
  // One of each kind of memory the estimate counts, each large enough to outweigh Node's own
  // (about 60 MB), in a child process of its own: peak RSS, worker threads included, against
  // the estimate `--json` gives. On this project's 2-core VM the estimates are 1.2-1.7 times
  // the peaks (2026-11-29); before, several were below them.
  const cases: [string, readonly string[], string[]][] = [
    // Q, K and V of each head, and of the one before until the collector frees them.
    ['values of 4 heads on one thread', [], ['run', '--design', 'modified', '--n', '32', '--d', '65536', '--heads', '4', '--workers', '1']],
    ['the programs of many heads', [], ['run', '--design', 'naive', '--n', '16', '--heads', '4000', '--timing-only', '--workers', '1']],
    [
      'the actors engine on a pool, in a small heap',
      SMALL_HEAP,
      ['run', '--design', 'modified', '--n', '4', '--heads', '1500', '--engine', 'actors', '--timing-only', '--workers', '2'],
    ],
    [
      "a FIFO that fills irregularly, every row simulated (the naive design's K and V instants)",
      [],
      ['run', '--design', 'naive', '--n', '2048', '--timing-only', '--depth', 'div=3', '--no-fast-forward', '--workers', '1'],
    ],
    [
      'a timeline cut at its cap',
      [],
      ['run', '--design', 'naive', '--n', '512', '--trace', tempFile('cut.json'), '--trace-max-events', '1000000', '--workers', '1'],
    ],
    ["a sizing's searches on two workers", [], ['size', '--design', 'naive', '--n', '4096', '--workers', '2']],
  ];

  it.each(cases)('%s', (_, node, args) => {
    const r = measuredDamflow(node, ...args, '--json');
    expect(r.status, r.stderr).toBe(0);
    const estimate = (JSON.parse(r.stdout) as { estimate: { memoryBytes: number } }).estimate.memoryBytes;
    const shown = `estimate ${Math.round(estimate / MiB)} MiB, peak ${Math.round(r.peakRss! / MiB)} MiB`;
    expect(estimate, shown).toBeGreaterThanOrEqual(r.peakRss!);
    // And not so far above that it refuses what fits.
    expect(estimate, shown).toBeLessThan(3 * r.peakRss!);
  });
});

describe('run cost: the time it says of a long run', () => {
  const seconds = (config: SdpaRunConfig): number => cost(config).seconds;

  // N = 64, d = 10^6 took 41 s (6.2-7.1 ns per score element and unit of d on a quiet VM),
  // estimated at 8 s; the actors engine's units compute the values as they go, timing only or
  // not (modified N = 1024, d = 1024, timing only: 12.9 s, estimated at 0.9 s).
  it('grows with d, on either engine', () => {
    expect(seconds({ design: 'modified', n: 64, d: 1e6, workers: 1 })).toBeGreaterThan(30);
    const actors = { design: 'modified', n: 1024, engine: 'actors', timingOnly: true, workers: 1 } as const;
    expect(seconds({ ...actors, d: 1024 })).toBeGreaterThan(8);
    expect(seconds({ ...actors, d: 1024 }) / seconds({ ...actors, d: 1 })).toBeGreaterThan(5);
  });

  // 3,000 modified heads at N = 16 took 6.2 s on the actors engine, estimated at 3.7 s.
  it("counts an actors head's own time by design", () => {
    const heads = { n: 16, heads: 3000, engine: 'actors', workers: 1 } as const;
    expect(seconds({ ...heads, design: 'modified' })).toBeGreaterThan(6.2);
    expect(seconds({ ...heads, design: 'modified' })).toBeGreaterThan(2 * seconds({ ...heads, design: 'naive' }));
  });
});

describe('run cost: what cannot fit is refused before it starts', () => {
  // Counted at 24 KB a head, 6,500 modified heads on the actors engine (about 47 KB each in the
  // heap) were let into a heap of 304 MB and aborted V8 (signal 6, a stack trace) after 11 s.
  it('refuses an actors program that the JavaScript heap cannot hold, in one line, exit 2', () => {
    const r = measuredDamflow(
      SMALL_HEAP,
      'run',
      '--design',
      'modified',
      '--n',
      '4',
      '--heads',
      '6500',
      '--engine',
      'actors',
      '--timing-only',
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^damflow: this run's program and statistics need about \d+ MiB of JavaScript heap, .*: fewer heads/),
    ]);
  });

  // A sweep's records stay in this thread: 30,000 jobs under a heap of 304 MB.
  it('refuses a sweep whose records the heap cannot hold, in one line, exit 2, before any job runs', () => {
    const { dir, file } = sweepDir('many.yaml', 'base: { design: modified, n: 2 }\ngrid:\n  seed: { from: 1, to: 30000, step: 1 }\n');
    const results = join(dir, 'r.jsonl');
    const r = measuredDamflow(SMALL_HEAP, 'sweep', file, '--workers', '2', '--results', results);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^damflow: sweep file '.*': the records of its 30000 jobs on 2 worker\(s\) need about \d+ MiB of JavaScript heap, .*: fewer jobs/,
      ),
    ]);
    expect(existsSync(results)).toBe(false);
  });

  // Each job fits alone; as many at once as there are workers, they do not.
  it('counts the jobs a pool runs at once, and what each lane keeps of the jobs before', () => {
    const job = cost({ design: 'modified', n: 64, d: 65536, workers: 1 });
    const budget = 2.5 * job.bytes;
    expect(() => refuseWhatCannotFit(job, budget)).not.toThrow();
    expect(() => refuseWhatCannotFit(poolCost([job, job, job, job], 1, 'its 4 jobs on 1 worker(s)'), budget)).not.toThrow();
    expect(() => refuseWhatCannotFit(poolCost([job, job, job, job], 4, 'its 4 jobs on 4 worker(s)'), budget)).toThrow(
      /^its 4 jobs on 4 worker\(s\) need about .* of memory \(the lanes: .*\), more than the .* this machine can give: fewer workers$/,
    );
    // A lane that ran small jobs keeps about 160 MB of them: 60 naive N = 4096 jobs took 225 MiB of peak RSS on one.
    const small = cost({ design: 'naive', n: 4096, workers: 1 });
    expect(poolCost(Array(60).fill(small), 1, 'x').bytes).toBeGreaterThan(225 * MiB);
  });

  // `--depth div=3 --no-fast-forward` at N = 65,536 grew to 23 GB and was killed by the system,
  // estimated at 96 MB; the published capacities at the same N take 70 MB.
  it("counts the naive design's K and V instants where a FIFO may fill irregularly, and only there", () => {
    const run = { design: 'naive', n: 65536, timingOnly: true, fastForward: false, workers: 1 } as const;
    const irregular = cost({ ...run, depth: { div: 3 } });
    expect(irregular.largest.what).toBe('the dequeue instants of K and V');
    expect(irregular.bytes).toBeGreaterThan(65536 ** 2 * 20);
    expect(() => refuseWhatCannotFit(irregular, 16 * 2 ** 30)).toThrow(
      /: lower N or heads, or run on the compiled engine with fast-forward$/,
    );
    expect(cost({ ...run, latency: { div: 20 } }).largest.what).toBe('the dequeue instants of K and V');
    for (const regular of [run, { ...run, unbounded: true }, { ...run, design: 'modified', depth: { qk: 2 } }] as const)
      expect(cost(regular).bytes, JSON.stringify(regular)).toBeLessThan(200 * MiB);
    // With fast-forward, its simulated rows and their proof: up to 12 KB a row (div=1: 2.9 GiB at N = 262,144).
    expect(cost({ ...run, n: 262144, fastForward: true, depth: { div: 1 } }).bytes).toBeGreaterThan(2.9 * 2 ** 30);
  });
});
