import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder, RunAborted, UTILITY_UNITS_MODULE, UnitError, runSdpa, sdpaProgram, simulate } from '../dist/index.js';
import { runOnPool } from '../dist/engines/actors/pool-executor.js';
import { place } from '../dist/engines/simulate.js';
import { poolOptions } from '../dist/engines/worker-pool.js';
import { TEST_UNITS_MODULE } from './fixtures/test-units.mjs';
import { SLOW_LOADING_MODULE } from './fixtures/slow-loading-units.mjs';
import type { Program, Progress, Simulation } from '../dist/index.js';

/** Everything a run computes, without where it ran. */
function outcome(run: Simulation): unknown {
  const { placement: _placement, workers: _workers, ...rest } = run;
  return rest;
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/**
 * Independent structures of: a timed generator, a broadcast to two relay chains of random
 * length, latency and depth, and a time-ordered merge of the two chains into a sink.
 */
function randomGraph(seed: number): Program {
  const r = random(seed);
  const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE);
  const fifo = () => ({ capacity: 1 + r(6), latency: 1 + r(4), responseLatency: 1 + r(3) });
  for (let s = 0; s < 3; s++) {
    const count = 20 + r(40);
    const times: number[] = [];
    for (let i = 0, t = 1; i < count; i++) times.push((t += r(3)));
    b.unit(`g${s}`, 'generator', { values: times.map((_, i) => i + 100 * s), times });
    b.unit(`fan${s}`, 'broadcast', { outputs: 2, latency: 1 + r(3) });
    b.channel(`g${s}-fan`, `g${s}.out`, `fan${s}.in`, fifo());
    b.unit(`merge${s}`, 'merge', { latency: 1 + r(2) });
    for (const branch of [0, 1]) {
      let from = `fan${s}.out${branch}`;
      const relays = 1 + r(3);
      for (let k = 0; k < relays; k++) {
        const name = `relay${s}.${branch}.${k}`;
        b.unit(name, 'broadcast', { outputs: 1, latency: 1 + r(5), ii: 1 + r(2) });
        b.channel(`${name}-in`, from, `${name}.in`, fifo());
        from = `${name}.out0`;
      }
      b.channel(`merge${s}-in${branch}`, from, `merge${s}.in${branch}`, fifo());
    }
    b.unit(`sink${s}`, 'sink', { collect: true });
    b.channel(`merge${s}-out`, `merge${s}.out`, `sink${s}.in`, fifo());
  }
  return b.build();
}

describe('worker pool: same results at any worker count and placement', () => {
  for (const design of ['naive', 'modified'] as const) {
    it(`${design} design, 3 heads, at 1, 2 and 3 workers and with a head split across workers`, async () => {
      const program = sdpaProgram({ design, n: 16, heads: 3 });
      const reference = await simulate(program, { engine: 'actors', workers: 1 });
      expect(reference.status).toBe('ok');
      for (const workers of [2, 3]) {
        const run = await simulate(program, { engine: 'actors', workers });
        expect(run.placement.workers).toBe(workers);
        expect(outcome(run)).toEqual(outcome(reference));
      }
      // Head 0 cut between every stage: units alternate between workers 0 and 1.
      const split = program.units.map((u, i) => (u.name.startsWith('h0/') ? i % 2 : 2));
      const run = await simulate(program, { engine: 'actors', placement: split });
      expect(run.placement.cut.length).toBeGreaterThan(0);
      expect(outcome(run)).toEqual(outcome(reference));
    });
  }

  it('random graphs (broadcast fan-out, timed-peek merge fan-in) under random placements', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const program = randomGraph(seed);
      const reference = await simulate(program, { engine: 'actors', workers: 1 });
      expect(reference.status).toBe('ok');
      const r = random(seed * 7919);
      const placement = program.units.map(() => r(3));
      const run = await simulate(program, { engine: 'actors', placement });
      expect(outcome(run), `seed ${seed}`).toEqual(outcome(reference));
    }
  });

  // Head 2 on worker 0 and head 0 on worker 2: the reports had come worker by worker, so the
  // results differed as JSON (key order) from one thread's.
  it("gives the units' reports in the program's order at any placement", async () => {
    const program = sdpaProgram({ design: 'modified', n: 8, heads: 3 });
    const placement = program.units.map((u) => 2 - Number(u.name[1]));
    const run = await simulate(program, { engine: 'actors', placement });
    expect(Object.keys(run.reports)).toEqual(['h0/sink', 'h1/sink', 'h2/sink']);
    expect(JSON.stringify(run.reports)).toBe(JSON.stringify((await simulate(program, { engine: 'actors', workers: 1 })).reports));
  });

  it('more workers than cores', async () => {
    const program = sdpaProgram({ design: 'modified', n: 8, heads: 6 });
    const reference = await simulate(program, { engine: 'actors', workers: 1 });
    const run = await simulate(program, { engine: 'actors', workers: 6 });
    expect(run.placement.workers).toBe(6);
    expect(outcome(run)).toEqual(outcome(reference));
  });
});

describe('placement', () => {
  // gen -> a -> b -> sink, capacity 2 throughout, no groups: one tightly coupled pipeline.
  const chain = new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .unit('gen', 'generator', { count: 10 })
    .unit('a', 'broadcast', { outputs: 1 })
    .unit('b', 'broadcast', { outputs: 1 })
    .unit('sink', 'sink')
    .channel('gen-a', 'gen.out', 'a.in', { capacity: 2 })
    .channel('a-b', 'a.out0', 'b.in', { capacity: 2 })
    .channel('b-sink', 'b.out0', 'sink.in', { capacity: 2 })
    .build();

  it("'auto' spreads independent heads and keeps one pipeline in one thread", () => {
    expect(place(chain, { workers: 'auto' })).toEqual({ workers: 1, of: [0, 0, 0, 0], cut: [] });
    const heads = place(sdpaProgram({ design: 'modified', n: 8, heads: 2 }), { workers: 'auto' });
    expect(heads.cut).toEqual([]);
    expect(heads.workers).toBe(Math.min(2, os.availableParallelism()));
  });

  it("'auto' cuts a big connected graph only where at most one channel in 64 crosses", () => {
    // 128 generators feeding a chain of 127 merges, in 8 groups of 16 generators and their
    // merges (t0: 31 units, t1-t6: 32, t7: 33 with the sink): 255 channels. The groups form a
    // chain; joined up to the fair share of 128 units they become t0-t3 (127), t4-t6 (96)
    // and t7 (33), which two workers take as 127 and 129 units: one channel cut, t3 -> t4
    // (a64, channel 126), and 1 * 64 <= 255.
    const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE);
    let from = 'g0.out';
    b.unit('g0', 'generator', { count: 1 }, 't0');
    for (let i = 1; i < 128; i++) {
      b.unit(`g${i}`, 'generator', { count: 1 }, `t${i >> 4}`);
      b.unit(`m${i}`, 'merge', {}, `t${i >> 4}`);
      b.channel(`a${i}`, from, `m${i}.in0`, { capacity: 4 });
      b.channel(`b${i}`, `g${i}.out`, `m${i}.in1`, { capacity: 4 });
      from = `m${i}.out`;
    }
    b.unit('sink', 'sink', {}, 't7');
    b.channel('out', from, 'sink.in', { capacity: 4 });
    const program = b.build();
    const explicit = place(program, { workers: 2 });
    expect(explicit.cut).toEqual([126]);
    const auto = place(program, { workers: 'auto' });
    expect(auto.cut.length * 64).toBeLessThanOrEqual(program.channels.length);
    expect(auto.workers).toBe(Math.min(2, os.availableParallelism()));
  });

  it('balances a tree whose branches all meet in one root group', () => {
    // 16 leaf generators in 4 groups of 4 with their 3 merges each (7 units), the 3 merges
    // above them and the sink in group 'root' (4 units): 32 units. Joining along equally
    // tight channels until 2 parts remain would give the root with 3 branches against 1
    // (25 against 7); the fair share (16) lets at most 2 branches join the root.
    const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE);
    let level: string[] = [];
    for (let i = 0; i < 16; i++) {
      b.unit(`g${i}`, 'generator', { count: 4 }, `t${i >> 2}`);
      level.push(`g${i}.out`);
    }
    for (let id = 0, span = 2; level.length > 1; span *= 2) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += 2, id++) {
        b.unit(`m${id}`, 'merge', {}, span <= 4 ? `t${(i * span) >> 3}` : 'root');
        b.channel(`c${id}a`, level[i]!, `m${id}.in0`, { capacity: 4 });
        b.channel(`c${id}b`, level[i + 1]!, `m${id}.in1`, { capacity: 4 });
        next.push(`m${id}.out`);
      }
      level = next;
    }
    b.unit('sink', 'sink', {}, 'root');
    b.channel('out', level[0]!, 'sink.in', { capacity: 4 });
    const placed = place(b.build(), { workers: 2 });
    const loads = [0, 0];
    for (const w of placed.of) loads[w]!++;
    expect(loads.sort()).toEqual([14, 18]);
    expect(placed.cut).toHaveLength(2);
  });

  it('an explicit worker count cuts the slackest channel', () => {
    const slack = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('gen', 'generator', { count: 10 })
      .unit('a', 'broadcast', { outputs: 1 })
      .unit('sink', 'sink')
      .channel('tight', 'gen.out', 'a.in', { capacity: 2 })
      .channel('slack', 'a.out0', 'sink.in', { capacity: 64, latency: 5 })
      .build();
    const placed = place(slack, { workers: 2 });
    expect(placed.workers).toBe(2);
    expect(placed.cut).toEqual([1]);
    expect(placed.of[0]).toBe(placed.of[1]);
    expect(place(chain, { workers: 2 }).cut).toHaveLength(1);
  });
});

describe('worker pool: scale', () => {
  it('runs a program of over 10,000 contexts (1,112 heads of 9 units) to completion', async () => {
    const program = sdpaProgram({ design: 'modified', n: 4, heads: 1112 });
    expect(program.units.length).toBeGreaterThanOrEqual(10_000);
    const run = await simulate(program, { engine: 'actors', workers: 2 });
    expect(run.status).toBe('ok');
    // Every head is the published modified design at N = 4 (spec section 3).
    expect(run.cycles).toBe(78);
  });
});

describe('actors engine: progress', () => {
  it('never goes back, and the last report is the run at its end, at 1 and 2 workers (it had ended at 0)', async () => {
    for (const workers of [1, 2]) {
      const reports: Progress[] = [];
      const run = await simulate(sdpaProgram({ design: 'modified', n: 512 }), {
        engine: 'actors',
        workers,
        onProgress: (progress) => reports.push(progress),
        progressEveryMs: 1,
      });
      expect(reports.length, `${workers} worker(s)`).toBeGreaterThan(1);
      for (let i = 1; i < reports.length; i++)
        expect(reports[i]!.done, `${workers} worker(s), report ${i}`).toBeGreaterThanOrEqual(reports[i - 1]!.done);
      // The published modified design at N = 512 (spec section 3).
      expect(run.cycles).toBe(524_334);
      expect(reports.at(-1), `${workers} worker(s)`).toEqual({ done: 524_334, total: null, unit: 'cycles' });
    }
  });

  // Head 1 deadlocks at once (long = 100), its matvec and sink blocked at clock 0 and its sources
  // at their rings, until head 0 ends and the deadlock is found. The least clock over live units
  // had read 0 cycles for the whole run (the CLI's bar: `0/... cycles | 0 cycles/s`).
  it('moves with the heads that run while another is deadlocked, at 1 and 2 workers (it had read 0 throughout)', async () => {
    for (const workers of [1, 2]) {
      const reports: Progress[] = [];
      const run = await simulate(sdpaProgram({ design: 'naive', n: 1024, heads: 2, depth: { 'h1/long': 100 } }), {
        engine: 'actors',
        workers,
        onProgress: (progress) => reports.push(progress),
        progressEveryMs: 1,
      });
      const label = `${workers} worker(s)`;
      expect(run.status, label).toBe('deadlock');
      // Head 0's sink: naive N = 1024 runs 2,099,252 cycles (as one head alone does).
      expect(run.cycles, label).toBe(2_099_252);
      expect(reports.at(-1), label).toEqual({ done: run.cycles, total: null, unit: 'cycles' });
      for (let i = 1; i < reports.length; i++)
        expect(reports[i]!.done, `${label}, report ${i}`).toBeGreaterThanOrEqual(reports[i - 1]!.done);
      // Before the end: well past head 1's clocks (at most its rings' 4,096), on the way to the end.
      const before = reports.slice(0, -1).map((r) => r.done);
      expect(Math.max(...before), label).toBeGreaterThan(run.cycles / 4);
      expect(new Set(before.filter((done) => done > 4096)).size, label).toBeGreaterThan(1);
    }
  });
});

describe('worker pool: faults', () => {
  it('reports a deadlock spanning two workers exactly as one thread does', async () => {
    const program = new ProgramBuilder()
      .module(TEST_UNITS_MODULE)
      .unit('a', 'test.waiter', { startAt: 5 })
      .unit('b', 'test.waiter', { startAt: 0 })
      .channel('ab', 'a.out', 'b.in', { capacity: 2 })
      .channel('ba', 'b.out', 'a.in', { capacity: 2 })
      .build();
    const reference = await simulate(program, { engine: 'actors', workers: 1 });
    // Worked out by hand: a waits at clock 5 for data from b, b at clock 0 for data from a.
    expect(reference.deadlock).toEqual({
      blocked: [
        { unit: 'a', clock: 5, waits: [{ on: 'data', channel: 'ba', peer: 'b' }] },
        { unit: 'b', clock: 0, waits: [{ on: 'data', channel: 'ab', peer: 'a' }] },
      ],
    });
    const run = await simulate(program, { engine: 'actors', placement: [0, 1] });
    expect(run.placement.cut).toHaveLength(2);
    expect(outcome(run)).toEqual(outcome(reference));
  });

  // An abort that came while the pool loaded piscina (before anything listened for it) had
  // left the workers to run the whole program, 3.7 s here, before the run rejected (now 0.17 s).
  it('an abort that came while the pool started stops its workers at once', async () => {
    const program = sdpaProgram({ design: 'modified', n: 2048, heads: 2 });
    const controller = new AbortController();
    controller.abort('before');
    const started = performance.now();
    await expect(runOnPool(program, place(program, { workers: 2 }), { signal: controller.signal })).rejects.toThrow(RunAborted);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  // An abort waited up to a second (the grace a unit's failure gives the others) for threads to
  // stop by themselves, and threads still loading their modules took it: a Ctrl-C then took a
  // second. They are ended at once now: the module that takes 400 ms to load never gets there.
  it('an abort while the threads load their modules ends them there, without waiting', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'damflow-slow-load-'));
    const loaded = join(dir, 'loaded');
    process.env.DAMFLOW_TEST_LOADED = loaded;
    try {
      const program = new ProgramBuilder()
        .module(UTILITY_UNITS_MODULE)
        .module(SLOW_LOADING_MODULE)
        .unit('source', 'generator', { values: [1, 2, 3], times: [1, 2, 3] })
        .unit('sink', 'sink')
        .channel('c', 'source.out', 'sink.in', { capacity: 2 })
        .build();
      const controller = new AbortController();
      controller.abort('at once');
      await expect(runOnPool(program, place(program, { workers: 2 }), { signal: controller.signal })).rejects.toThrow(RunAborted);
      // The pool is destroyed when the run rejects: a thread that had not written it never will.
      expect(existsSync(loaded)).toBe(false);
    } finally {
      delete process.env.DAMFLOW_TEST_LOADED;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A thread that died as it stopped (here its unit ends it, after the abort) had its failure
  // reported in the abort's place: after a Ctrl-C, a stray error rather than 'interrupted'.
  it('reports an abort as the abort, though a worker dies as it stops', async () => {
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .module(TEST_UNITS_MODULE)
      .unit('crash', 'test.exitAfterSpin', { spinMs: 300 })
      .unit('sink', 'sink')
      .channel('c', 'crash.out', 'sink.in', { capacity: 2 })
      .build();
    for (let round = 0; round < 3; round++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort('stop'), 100);
      await expect(runOnPool(program, place(program, { workers: 2 }), { signal: controller.signal })).rejects.toThrow(RunAborted);
    }
  });

  /** source -> faulty (throws at its 10th element) -> sink: units 0, 1 and 2. */
  const faultyPipe = (): ProgramBuilder =>
    new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .module(TEST_UNITS_MODULE)
      .unit('source', 'generator', { count: 1000 })
      .unit('faulty', 'test.faulty', { throwAfter: 10 })
      .unit('sink', 'sink')
      .channel('in', 'source.out', 'faulty.in', { capacity: 4 })
      .channel('out', 'faulty.out', 'sink.in', { capacity: 4 });

  it('a unit that throws inside a worker ends the run with its name', async () => {
    const program = faultyPipe().build();
    const failure = simulate(program, { engine: 'actors', placement: [0, 1, 0] });
    await expect(failure).rejects.toThrow(UnitError);
    await expect(failure).rejects.toThrow(/unit 'faulty' failed: failing on purpose after 10 elements/);
  });

  it('a unit that throws ends the run with its name while a unit on another worker never yields: that thread is ended', async () => {
    const program = faultyPipe()
      .unit('spin', 'test.runaway')
      .unit('spinSink', 'sink')
      .channel('spun', 'spin.out', 'spinSink.in', { capacity: 2 })
      .build();
    const started = performance.now();
    const failure = simulate(program, { engine: 'actors', placement: [0, 0, 0, 1, 1] });
    await expect(failure).rejects.toThrow(UnitError);
    await expect(failure).rejects.toThrow(/unit 'faulty' failed: failing on purpose after 10 elements/);
    // A hang detector, not a speed figure: the stop's grace (1 s) and a loaded machine; it had never ended.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['SIGINT', 'compiled', '2'],
    ['SIGTERM', 'compiled', '1'],
    ['SIGTERM', 'actors', '1'],
    ['SIGINT', 'actors', '2'],
  ] as const)('%s stops a run (%s engine, %s worker(s)): exit 130, one line, nothing left running', async (signal, engine, workers) => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [
      cli,
      'run',
      '--design',
      'naive',
      '--n',
      '12000',
      '--heads',
      '2',
      '--no-fast-forward',
      '--engine',
      engine,
      '--workers',
      workers,
    ]);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    // Listened for from the start: a run over before the signal must fail here, not hang the test.
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const started = performance.now();
    child.kill(signal);
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr.trim()).toBe('damflow: interrupted; the run was stopped and nothing is left running');
    // A hang detector, not a speed figure: generous for a loaded 2-core machine.
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  // The reference check of an actors run ran synchronously after the pool had stopped listening:
  // a signal then was heard by nobody until the result was printed (a run interrupted in its
  // last half second exited 0, its result printed, about 1 time in 2). The abort comes here in
  // the run's last progress report, once every unit has finished: the check must stop.
  it('an abort after the simulation, during the reference check, stops the run (it had returned the result)', async () => {
    const config = { design: 'naive', n: 256, engine: 'actors', workers: 2 } as const;
    // Reports at the run's end only: its cycles.
    const { cycles } = await runSdpa(config, { progressEveryMs: 1e9 });
    const controller = new AbortController();
    const reported: number[] = [];
    const onProgress = (progress: Progress): void => {
      reported.push(progress.done);
      controller.abort('after the simulation');
    };
    const run = runSdpa(config, { signal: controller.signal, onProgress, progressEveryMs: 1e9 });
    await expect(run).rejects.toThrow(RunAborted);
    expect(reported).toEqual([cycles]);
    await expect(run).rejects.toHaveProperty('cause', 'after the simulation');
  });

  // A command ends in a synchronous stretch (its result built and printed), after which Node
  // exited without polling for signals again: a SIGINT then was swallowed, exit 0. The
  // interrupt fallback gives the event loop one more turn. The stretch here ends only once the
  // signal has been sent.
  it('a SIGINT during the synchronous end of a command is not lost: one line, exit 130', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'damflow-late-signal-'));
    try {
      const flag = join(dir, 'signalled');
      const fallback = new URL('../dist/cli/interrupt-fallback.js', import.meta.url).href;
      writeFileSync(
        join(dir, 'command.mjs'),
        [
          `import ${JSON.stringify(fallback)};`,
          "import { existsSync } from 'node:fs';",
          "console.log('ready');",
          `while (!existsSync(${JSON.stringify(flag)}));`,
          // Time for whichever thread took the signal to hand it to the event loop.
          'for (const until = performance.now() + 50; performance.now() < until; );',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [join(dir, 'command.mjs')]);
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.kill('SIGINT');
      writeFileSync(flag, '');
      expect(await exited).toBe(130);
      expect(stderr).toBe('damflow: interrupted\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // After a run's last job its pool is destroyed, and the signals heard meanwhile aborted what
  // nothing looked at any more: the run printed its result and exited 0, without a word (a
  // compiled run on 2 workers, 6 of 6; the last case of a check, an actors run that deadlocked,
  // 2 of 2). The fixture sends the signal as the pool is to be destroyed, and destroys it once
  // the signal is heard.
  const interruptedLine = 'damflow: interrupted; the run was stopped and nothing is left running';
  it.each([
    ['SIGINT', ['run', '--design', 'modified', '--n', '256', '--workers', '2']],
    ['SIGTERM', ['run', '--design', 'modified', '--n', '256', '--workers', '2']],
    ['SIGINT', ['run', '--design', 'modified', '--n', '4096', '--workers', '2', '--timing-only']],
    ['SIGINT', ['check', 'CHECK_FILE']],
  ] as const)('%s heard as a pool is destroyed after the last job stops %j: one line, exit 130', async (signal, args) => {
    const dir = mkdtempSync(join(os.tmpdir(), 'damflow-signal-at-destroy-'));
    try {
      const file = join(dir, 'check.json');
      const deadlocks = { design: 'naive', n: 64, uniformDepth: 4, engine: 'actors', workers: 2, expectedStatus: 'deadlock' };
      writeFileSync(file, JSON.stringify({ cases: [deadlocks] }));
      const fixture = new URL('./fixtures/signal-at-pool-destroy.mjs', import.meta.url).pathname;
      const child = spawn(process.execPath, [fixture, ...args.map((a) => (a === 'CHECK_FILE' ? file : a))], {
        env: { ...process.env, DAMFLOW_TEST_SIGNAL: signal },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += String(chunk)));
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(stderr).toBe(`${interruptedLine}\n`);
      expect(code).toBe(130);
      // A run's result is not printed; a check prints each case as it ends, and no summary.
      if (args[0] === 'run') expect(stdout).toBe('');
      else expect(stdout).not.toMatch(/passed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * piscina loads a handler with require(), which on Node 20 loads an ES module synchronously;
   * a thread terminated while that load instantiates the graph aborted the whole process
   * (V8 FATAL "IsGraphAsync must be used on an instantiated module"; with piscina's own load
   * this test crashed 3 runs of 4). Pools load their modules with import() (esm-handler.cts).
   * Pools destroyed around the end of a large graph's load, two threads each, must leave this
   * process alive, and a pool that waits still runs.
   */
  it('a pool destroyed while its threads load their module leaves the process alive', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'damflow-slow-module-'));
    try {
      // A root over 40 modules over 40 each: 1,641 files, shallow enough to load in any stack.
      const width = 40;
      const module = (name: string, children: readonly string[]): void =>
        writeFileSync(
          join(dir, `${name}.mjs`),
          `${children.map((c, k) => `import { v as v${k} } from './${c}.mjs';`).join('\n')}\nexport const v = 1${children.map((_, k) => ` + v${k}`).join('')};\n`,
        );
      const files = 1 + width + width * width;
      for (let a = 0; a < width; a++) {
        const leaves = Array.from({ length: width }, (_, b) => `a${a}_${b}`);
        for (const leaf of leaves) module(leaf, []);
        module(`a${a}`, leaves);
      }
      module(
        'root',
        Array.from({ length: width }, (_, a) => `a${a}`),
      );
      writeFileSync(join(dir, 'handler.mjs'), `import { v } from './root.mjs';\nexport default (task) => task + v;\n`);
      const handler = pathToFileURL(join(dir, 'handler.mjs')).href;
      // How long a synchronous load takes here: the graph is instantiated at its end, where a
      // termination did the harm, so the pools are destroyed around then (a thread starts in
      // about 30 ms).
      const started = performance.now();
      createRequire(import.meta.url)(join(dir, 'handler.mjs'));
      const load = performance.now() - started;
      for (let i = 0; i < 16; i++) {
        const pool = new Piscina(poolOptions(handler, 2));
        await new Promise((resolve) => setTimeout(resolve, load * (0.7 + i * 0.05)));
        await pool.destroy();
      }
      const pool = new Piscina<number, number>(poolOptions(handler, 1));
      expect(await pool.run(1)).toBe(1 + files);
      await pool.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
