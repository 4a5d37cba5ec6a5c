import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  ProgramBuilder,
  ProgramError,
  RunAborted,
  UTILITY_UNITS_MODULE,
  UnitError,
  type Progress,
  registerUnitKind,
  runSdpa,
  sdpaProgram,
  simulate,
} from '../dist/index.js';
import { openSession } from '../dist/session/open-session.js';
import { TEST_UNITS_MODULE } from './fixtures/test-units.mjs';
import { MAIN } from './helpers/cli.js';

/** Unit `name`, of `kind` with `params`, into a sink over channel 'c' of capacity 2. */
const intoSink = (name: string, kind: string, params: object = {}) =>
  new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .module(TEST_UNITS_MODULE)
    .unit(name, kind, params)
    .unit('sink', 'sink')
    .channel('c', `${name}.out`, 'sink.in', { capacity: 2 })
    .build();

/** A source and its sink in one thread, and in two. */
const ONE_AND_TWO_WORKERS = [
  [0, 0],
  [0, 1],
];

/** A unit that never yields, into a sink. */
const runaway = intoSink('spin', 'test.runaway');

/** A unit whose clock takes one bad call, into a sink. */
const badClock = (op: string, value: unknown) => intoSink('clock', 'test.clock', { op, value });

describe('the library, misused', () => {
  it('a throwing onProgress rejects the run with its error (on the compiled engine it had ended the process)', async () => {
    for (const workers of [1, 2]) {
      const run = simulate(sdpaProgram({ design: 'modified', n: 2048 }), {
        workers,
        progressEveryMs: 5,
        onProgress: () => {
          throw new Error('from the callback');
        },
      });
      await expect(run).rejects.toThrow('from the callback');
    }
  });

  it('a progressEveryMs past what a timer holds (2^31 - 1 ms) reports at the end only (the compiled engine had reported every ms)', async () => {
    for (const engine of ['compiled', 'actors'] as const) {
      const reports: Progress[] = [];
      // Some 0.3 s of work: the calling thread lets timers in every 50 ms or so.
      const result = await simulate(sdpaProgram({ design: 'naive', n: engine === 'compiled' ? 2048 : 128 }), {
        engine,
        workers: engine === 'compiled' ? 2 : 1,
        progressEveryMs: 3e9,
        onProgress: (p) => reports.push(p),
      });
      // The last report is the run's end: every row (compiled), or the cycles (actors).
      const end =
        engine === 'compiled'
          ? { done: reports[0]?.total, total: reports[0]?.total, unit: 'rows' }
          : { done: result.cycles, total: null, unit: 'cycles' };
      expect(reports, engine).toEqual([end]);
    }
  });

  it('12 runs at once on one signal, interruptible, warn of no leak, and leave no listener (each had added one: MaxListenersExceededWarning from the 11th)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const program = sdpaProgram({ design: 'naive', n: 16 });
      const runs = Array.from({ length: 12 }, () =>
        simulate(program, { engine: 'actors', workers: 1, signal: controller.signal, interruptible: true }),
      );
      // Spec section 3: naive N = 16.
      expect((await Promise.all(runs)).map((r) => r.cycles)).toEqual(Array(12).fill(596));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
      // One abort still stops every run sharing the signal, each with its reason.
      const stopped = Array.from({ length: 12 }, () => simulate(program, { engine: 'actors', workers: 1, signal: controller.signal }));
      controller.abort('enough');
      for (const run of stopped) await expect(run).rejects.toThrow(RunAborted);
      expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a unit that ends its worker thread (process.exit) is named, on a pool and in a session (the run had said only "worker exited")', async () => {
    const exits = intoSink('quitter', 'test.exit');
    const named = "unit 'quitter' failed: it ended its worker thread (exit code 7): a unit must not call process.exit()";
    for (const placement of [
      [0, 1],
      [1, 0],
    ]) {
      const run = simulate(exits, { engine: 'actors', placement });
      await expect(run).rejects.toThrow(UnitError);
      await expect(run).rejects.toThrow(named);
    }
    const session = await openSession(exits);
    await expect(session.runUntil(100)).rejects.toThrow(named);
    await session.close();
  });

  it("an abort during a run rejects with RunAborted whose cause is the abort's reason, on every engine", async () => {
    for (const options of [
      { engine: 'actors', workers: 1 },
      { engine: 'actors', workers: 2 },
      { engine: 'compiled', workers: 1 },
    ] as const) {
      const controller = new AbortController();
      setTimeout(() => controller.abort('enough'), 100);
      const error: unknown = await simulate(sdpaProgram({ design: 'modified', n: 4096, heads: 2 }), {
        ...options,
        signal: controller.signal,
      }).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(RunAborted);
      expect((error as RunAborted).cause, JSON.stringify(options)).toBe('enough');
    }
  });

  it('an abort stops a pool whose unit never yields: its thread is ended, the run rejects', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    await expect(simulate(runaway, { engine: 'actors', placement: [0, 1], signal: controller.signal })).rejects.toThrow(RunAborted);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a signal aborted before the run: nothing runs, on any engine and worker count, and the reason is the cause', async () => {
    const controller = new AbortController();
    const reason = new Error('not now');
    controller.abort(reason);
    for (const options of [{ workers: 1 }, { workers: 2 }, { engine: 'actors' as const, workers: 1 }]) {
      const run = simulate(sdpaProgram({ design: 'modified', n: 16 }), { ...options, signal: controller.signal });
      await expect(run).rejects.toThrow(RunAborted);
      await expect(run).rejects.toHaveProperty('cause', reason);
    }
  });

  it.each([
    ['incr', 0.5, /incr\(0\.5\): cycles must be a non-negative integer/],
    ['incr', '5', /incr\("5"\): cycles must be a non-negative integer/],
    ['incr', Infinity, /incr\(Infinity\): cycles must be a non-negative integer/],
    ['incr', 2 ** 53 + 10, /the clock would pass 2\^53/],
    ['advance', 7.25, /advance\(7\.25\): a clock is an integer below 2\^53/],
    ['advance', Number.NaN, /advance\(NaN\)/],
  ])('%s(%s) fails the unit, naming it, on 1 and 2 workers alike', async (op, value, message) => {
    for (const placement of ONE_AND_TWO_WORKERS) {
      const run = simulate(badClock(op, value), { engine: 'actors', placement });
      await expect(run).rejects.toThrow(UnitError);
      await expect(run).rejects.toThrow(message);
      await expect(run).rejects.toHaveProperty('unit', 'clock');
    }
  });

  it('a report that cannot cross threads fails its unit, on 1 and 2 workers alike', async () => {
    const program = intoSink('reporter', 'test.badReport');
    for (const placement of ONE_AND_TWO_WORKERS) {
      const run = simulate(program, { engine: 'actors', placement });
      await expect(run).rejects.toThrow(/unit 'reporter' failed: report\(\): a report is plain data/);
    }
  });

  it('a unit that finishes without taking its input is the one blamed, not its sender', async () => {
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .module(TEST_UNITS_MODULE)
      .unit('src', 'generator', { count: 20 })
      .unit('mid', 'test.early')
      .unit('sink', 'sink')
      .channel('a', 'src.out', 'mid.in', { capacity: 2 })
      .channel('b', 'mid.out', 'sink.in', { capacity: 2 })
      .build();
    for (const placement of [
      [0, 0, 0],
      [0, 1, 0],
    ]) {
      const run = simulate(program, { engine: 'actors', placement });
      await expect(run).rejects.toHaveProperty('unit', 'mid');
      await expect(run).rejects.toThrow("unit 'mid' failed: it finished without taking the elements of channel 'a'");
    }
  });

  it.each([
    [{ value: 'hello', stamp: 1 }, `the value must be a number, got "hello"`],
    [{ value: { a: 1 }, stamp: 1 }, 'the value must be a number, got {"a":1}'],
    [{ value: 1, stamp: Number.NaN }, 'the stamp must be an integer clock below 2^53, got NaN'],
    [{ value: 1, stamp: 'abc' }, 'the stamp must be an integer clock below 2^53, got "abc"'],
  ])('enqueue(%o) fails the unit, naming it', async (params, message) => {
    const program = intoSink('send', 'test.send', params);
    await expect(simulate(program, { engine: 'actors', workers: 1 })).rejects.toThrow(
      `unit 'send' failed: enqueue on channel 'c': ${message}`,
    );
  });

  it('simulate refuses a misspelt option or one of the wrong type, as runSdpa does (wrkers: 2 had run in one thread)', async () => {
    const program = intoSink('send', 'test.send', { value: 1, stamp: 1 });
    await expect(simulate(program, { wrkers: 2 } as never)).rejects.toThrow(
      "simulate: unknown option 'wrkers' (known: engine, workers, placement, fastForward, timingOnly, check, onProgress, progressEveryMs, signal, interruptible)",
    );
    await expect(simulate(program, { fastForward: 'false' } as never)).rejects.toThrow(`simulate's option fastForward cannot be "false"`);
    await expect(simulate(program, { progressEveryMs: 0 })).rejects.toThrow(ProgramError);
  });

  it('a kind with no name, no ports() or no run is refused when registered, the same at any worker count', () => {
    const register = (kind: unknown) => () => registerUnitKind(kind as never);
    expect(register({ kind: '', ports: () => ({ inputs: [], outputs: [] }), *run() {} })).toThrow(
      `a unit kind needs a name (kind: 'my.unit'), got ""`,
    );
    expect(register({ kind: 'misuse.noRun', ports: () => ({ inputs: [], outputs: [] }) })).toThrow(
      "unit kind 'misuse.noRun': run must be a function (a generator function, function*), got undefined",
    );
    expect(register({ kind: 'misuse.portsList', ports: { inputs: [], outputs: [] }, *run() {} })).toThrow(ProgramError);
  });

  it('a kind whose ports() gives no port lists, or a port twice, is refused at build, naming the unit', () => {
    registerUnitKind({ kind: 'misuse.noPorts', ports: () => null as never, *run() {} });
    registerUnitKind({ kind: 'misuse.twice', ports: () => ({ inputs: ['in', 'in'], outputs: [] }), *run() {} });
    expect(() => new ProgramBuilder().unit('u', 'misuse.noPorts').build()).toThrow(
      "unit 'u': its kind's ports() must give { inputs: string[], outputs: string[] }, got null",
    );
    expect(() => new ProgramBuilder().unit('u', 'misuse.twice').build()).toThrow(
      `unit 'u': its kind's ports() names a port twice: ["in","in"]`,
    );
  });

  it('a unit module that is not there is a ProgramError naming it', async () => {
    const program = new ProgramBuilder().module('/nonexistent/units.mjs').build();
    await expect(simulate(program)).rejects.toThrow(ProgramError);
    await expect(simulate(program)).rejects.toThrow(
      "the program's unit module '/nonexistent/units.mjs' cannot be loaded: Cannot find module",
    );
    // One that fails as it loads is a ProgramError naming it too (it had been the module's bare Error).
    const failing = new URL('./fixtures/throws-on-load.mjs', import.meta.url).href;
    await expect(simulate(new ProgramBuilder().module(failing).build())).rejects.toThrow(
      `the program's unit module '${failing}' failed as it loaded: cannot load: on purpose`,
    );
    // A relative path would be read from damflow's own folder.
    expect(() => new ProgramBuilder().module('./units.mjs')).toThrow(
      'a unit module is a URL or a package name, not "./units.mjs": give new URL("./units.mjs", import.meta.url).href',
    );
  });

  it("a generator's fn on a pool or in a session is refused before any thread starts, naming the unit", async () => {
    const program = intoSink('gen', 'generator', { count: 4, fn: (i: number) => i * i });
    expect((await simulate(program, { workers: 1 })).status).toBe('ok');
    await expect(simulate(program, { engine: 'actors', placement: [0, 1] })).rejects.toThrow(
      /^unit 'gen': its params cannot be sent to another thread \(.*\): run it in one thread \(workers: 1\)$/,
    );
    await expect(openSession(program)).rejects.toThrow(
      /^unit 'gen': its params cannot be sent to another thread .*: a session runs in a thread of its own/,
    );
  });

  it('a kind whose run is not a generator function fails its unit at once, saying so (an async one had spun for ever)', async () => {
    registerUnitKind({ kind: 'misuse.async', ports: () => ({ inputs: [], outputs: [] }), run: async function* () {} as never });
    registerUnitKind({
      kind: 'misuse.iterator',
      ports: () => ({ inputs: [], outputs: [] }),
      run: (() => ({ next: () => ({ done: false }) })) as never,
    });
    for (const [kind, gave] of [
      ['misuse.async', 'an async generator'],
      ['misuse.iterator', 'an object'],
    ]) {
      const run = simulate(new ProgramBuilder().unit('u', kind!).build(), { workers: 1 });
      await expect(run).rejects.toThrow(
        `unit 'u' failed: its kind's run must be a generator function (function*), which yields when it waits; it gave ${gave}`,
      );
    }
  });

  it('a unit that yields for ever waiting on nothing fails, named, on 1 and 2 workers alike (it had livelocked)', async () => {
    const program = intoSink('idle', 'test.idle');
    for (const placement of ONE_AND_TWO_WORKERS) {
      const run = simulate(program, { engine: 'actors', placement });
      await expect(run).rejects.toThrow(/^unit 'idle' failed: it yielded 1000000 times in a row at clock 0 without waiting on anything/);
    }
  });

  it('a misspelt channel option is refused, naming the channel (it had made an unbounded channel)', () => {
    expect(() => new ProgramBuilder().channel('c', 'a.out', 'b.in', { capacty: 2 } as never)).toThrow(
      "channel 'c': unknown option 'capacty' (known: capacity, latency, responseLatency, width)",
    );
  });

  it('a placement and a worker count that disagree are refused; a bad placement entry is named as it is', async () => {
    const program = badClock('incr', 1);
    await expect(simulate(program, { workers: 1, placement: [1, 0] })).rejects.toThrow(
      'the placement puts units on 2 workers, and workers is 1: give one of them',
    );
    // A worker with no unit would be a thread started for nothing ([0, 40] had started 41).
    await expect(simulate(program, { placement: [0, 40] })).rejects.toThrow(
      'a placement numbers its workers 0, 1, ... without gaps: workers 1 to 39 would hold no unit',
    );
    await expect(simulate(program, { placement: ['0', '1'] as never })).rejects.toThrow('a placement lists workers 0, 1, ...: got "0"');
    await expect(simulate(program, { placement: [-1, 0] })).rejects.toThrow('a placement lists workers 0, 1, ...: got -1');
    await expect(simulate(sdpaProgram({ design: 'modified', n: 64 }), { workers: 1_000_000 })).rejects.toThrow(
      /^1000000 threads need about/,
    );
  });

  it('runSdpa reads its configuration strictly, and messages quote a string given for a number', async () => {
    await expect(runSdpa({ design: 'modified', n: 16, heds: 4 } as never)).rejects.toThrow(/unknown field 'heds'/);
    await expect(runSdpa({ design: 'modified', n: 16, fastForward: 'false' } as never)).rejects.toThrow(
      'fastForward must be true or false, got "false"',
    );
    await expect(simulate(badClock('incr', 1), { workers: '2' as never })).rejects.toThrow(
      `workers must be a positive integer or 'auto', got "2"`,
    );
    const session = await openSession(sdpaProgram({ design: 'modified', n: 16 }));
    try {
      await expect(session.runUntil('200' as never)).rejects.toThrow('a cycle must be a non-negative integer below 2^53, got "200"');
      await expect(session.runUntil(2 ** 53)).rejects.toThrow('a cycle must be a non-negative integer below 2^53, got 9007199254740992');
    } finally {
      await session.close();
    }
  });

  // `{ workers: 3, engine: 'actors' }` in the options had run compiled, in one thread, silently.
  it('runSdpa refuses in its options what belongs to the configuration, a misspelt option, and options that are not an object', async () => {
    const config = { design: 'modified', n: 16 } as const;
    await expect(runSdpa(config, { workers: 3, engine: 'actors' } as never)).rejects.toThrow(
      "runSdpa: 'workers', 'engine' belong to the configuration (the first argument), not the options",
    );
    await expect(runSdpa(config, { timingOnly: true } as never)).rejects.toThrow("runSdpa: 'timingOnly' belongs to the configuration");
    await expect(runSdpa(config, { wrkers: 2 } as never)).rejects.toThrow(
      "runSdpa: unknown option 'wrkers' (known: onProgress, progressEveryMs, signal, interruptible, placement)",
    );
    await expect(runSdpa(config, null as never)).rejects.toThrow("runSdpa's options must be an object, got null");
    expect((await runSdpa(config, { progressEveryMs: 10 })).cycles).toBe(558); // spec section 3: modified N = 16
  });

  it('session calls made at once run one after another, each with its own answer', async () => {
    const session = await openSession(sdpaProgram({ design: 'modified', n: 64 }));
    try {
      const [a, b] = await Promise.all([session.runUntil(600), session.runUntil(1200)]);
      expect(a.cycle).toBeGreaterThanOrEqual(600);
      expect(a.cycle).toBeLessThan(1200);
      expect(b.cycle).toBeGreaterThanOrEqual(1200);
    } finally {
      await session.close();
    }
  });

  it('step() on a program with no sink says so, and what to do instead (it had said "the sinks have taken 0 rows already")', async () => {
    const session = await openSession(new ProgramBuilder().module(TEST_UNITS_MODULE).unit('alone', 'test.alone').build());
    await expect(session.step(1)).rejects.toThrow(
      'this program has no sink (a unit with inputs and no outputs) whose rows could be counted: run to a cycle instead',
    );
    expect((await session.resume()).cycles).toBe(5);
    await session.close();
  });

  it('closing a session whose unit never yields ends its thread within the grace', async () => {
    const session = await openSession(runaway);
    const call = session.runUntil(10);
    call.catch(() => undefined);
    const started = performance.now();
    await session.close();
    expect(performance.now() - started).toBeLessThan(5000);
    await session.exited;
    // The call under way was stopped, as an aborted run is (it had been a ProgramError 'exited (code 1)').
    await expect(call).rejects.toThrow(RunAborted);
    await expect(call).rejects.toThrow(/^the session was closed (while|before) this call ran$/);
  });

  it('a session left open does not keep a script from ending; threads start under node --input-type=module -e', () => {
    // Worker threads refuse --input-type: inherited, it had killed every thread at its start.
    const script = `
      import { openSession } from ${JSON.stringify(new URL('../dist/session/open-session.js', import.meta.url).href)};
      import { sdpaProgram, simulate } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const pooled = await simulate(sdpaProgram({ design: 'modified', n: 16, heads: 2 }), { engine: 'actors', workers: 2 });
      const session = await openSession(sdpaProgram({ design: 'modified', n: 16 }));
      const seen = await session.runUntil(50);
      console.log(pooled.workers, seen.cycle >= 50 ? 'paused' : 'not paused');`;
    const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect([ran.status, ran.stdout.trim(), ran.stderr]).toEqual([0, '2 paused', '']);
    // With V8's options too, which a thread refuses when they are given it explicitly.
    const both = spawnSync(process.execPath, ['--max-old-space-size=1024', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect([both.status, both.stdout.trim(), both.stderr]).toEqual([0, '2 paused', '']);
  });

  it('threads start under node --max-old-space-size (ERR_WORKER_INVALID_EXEC_ARGV had ended every run on threads)', () => {
    for (const engine of ['compiled', 'actors']) {
      const ran = spawnSync(
        process.execPath,
        [
          '--max-old-space-size=1024',
          MAIN,
          'run',
          '--design',
          'modified',
          '--n',
          '64',
          '--heads',
          '2',
          '--workers',
          '2',
          '--engine',
          engine,
          '--json',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect([ran.status, ran.stderr], engine).toEqual([0, '']);
      expect((JSON.parse(ran.stdout) as { workers: number }).workers, engine).toBe(2);
    }
  });
});
