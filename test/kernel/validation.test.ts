import { describe, expect, it } from 'vitest';
import { ProgramError } from '../../src/kernel/errors.js';
import { ProgramBuilder, validateProgram } from '../../src/kernel/program.js';
import { simulate } from '../../src/engines/simulate.js';
import { openSession } from '../../src/session/open-session.js';
import type { ChannelOptions } from '../../src/kernel/program.js';
import './helpers.js';

function pair(options: ChannelOptions = {}, name = 'link') {
  return new ProgramBuilder().unit('g', 'generator', { count: 1 }).unit('s', 'sink').channel(name, 'g.out', 's.in', options);
}

function fails(build: () => unknown, ...patterns: RegExp[]) {
  expect(build).toThrow(ProgramError);
  for (const p of patterns) expect(build).toThrow(p);
}

describe('ProgramBuilder validation', () => {
  it('accepts a well-formed program', () => {
    expect(() => pair({ capacity: 2, latency: 3, responseLatency: 4, width: 1 }).build()).not.toThrow();
  });

  it('duplicate unit name', () => {
    fails(() => pair().unit('g', 'sink').build(), /'g'/, /twice/);
  });

  it('duplicate channel name', () => {
    fails(
      () =>
        new ProgramBuilder()
          .unit('g', 'generator', { count: 1 })
          .unit('s', 'sink')
          .unit('g2', 'generator', { count: 1 })
          .unit('s2', 'sink')
          .channel('dup', 'g.out', 's.in')
          .channel('dup', 'g2.out', 's2.in')
          .build(),
      /'dup'/,
      /twice/,
    );
  });

  it('unknown kind names the unit and the kind', () => {
    fails(() => new ProgramBuilder().unit('mystery', 'no-such-kind').build(), /'mystery'/, /no-such-kind/);
  });

  it('unknown unit in a channel (sender and receiver)', () => {
    fails(() => new ProgramBuilder().unit('s', 'sink').channel('c1', 'ghost.out', 's.in').build(), /'c1'/, /'ghost'/);
    fails(
      () => new ProgramBuilder().unit('g', 'generator', { count: 1 }).channel('c2', 'g.out', 'phantom.in').build(),
      /'c2'/,
      /'phantom'/,
    );
  });

  it('unknown port', () => {
    fails(
      () => new ProgramBuilder().unit('g', 'generator', { count: 1 }).unit('s', 'sink').channel('c3', 'g.nope', 's.in').build(),
      /'c3'/,
      /'nope'/,
    );
    fails(
      () => new ProgramBuilder().unit('g', 'generator', { count: 1 }).unit('s', 'sink').channel('c4', 'g.out', 's.zzz').build(),
      /'c4'/,
      /'zzz'/,
    );
  });

  it('endpoint not written unit.port', () => {
    fails(() => new ProgramBuilder().unit('s', 'sink').channel('c5', 'noport', 's.in').build(), /'c5'/);
  });

  it('port connected twice', () => {
    fails(
      () =>
        new ProgramBuilder()
          .unit('g', 'generator', { count: 1 })
          .unit('s', 'sink')
          .unit('s2', 'sink')
          .channel('first', 'g.out', 's.in')
          .channel('second', 'g.out', 's2.in')
          .build(),
      /'second'/,
      /'first'/,
      /g\.out/,
    );
  });

  it('unconnected port (input and output)', () => {
    fails(() => new ProgramBuilder().unit('lonely', 'sink').build(), /'lonely'/, /'in'/, /not connected/);
    fails(() => new ProgramBuilder().unit('g', 'generator', { count: 1 }).build(), /'g'/, /'out'/, /not connected/);
  });

  for (const field of ['capacity', 'latency', 'responseLatency', 'width'] as const) {
    for (const bad of [0, 1.5, -1, Number.NaN]) {
      it(`${field} = ${bad} is rejected naming the channel`, () => {
        fails(() => pair({ [field]: bad }, 'badchan').build(), /'badchan'/, /positive integer/);
      });
    }
  }

  it('bad unit parameters name the unit', () => {
    fails(
      () =>
        new ProgramBuilder()
          .unit('g', 'generator', { count: 1 })
          .unit('bc', 'broadcast', { outputs: 0 })
          .channel('c', 'g.out', 'bc.in')
          .build(),
      /'bc'/,
      /outputs/,
    );
    fails(() => new ProgramBuilder().unit('m', 'merge', { inputs: 1.5 }).build(), /'m'/, /inputs/);
    fails(() => new ProgramBuilder().unit('gen', 'generator', { count: -1 }).build(), /'gen'/, /count/);
    fails(() => new ProgramBuilder().unit('gt', 'generator', { count: 2, times: [3, 1] }).build(), /'gt'/, /decrease/);
    // Stamped at least one cycle after the clock's start: 0 had been emitted at 1 without a word.
    fails(
      () => new ProgramBuilder().unit('g0', 'generator', { count: 1, times: [0] }).build(),
      /'g0'/,
      /times\[0\] must be a positive integer/,
    );
    fails(() => new ProgramBuilder().unit('ck', 'checker', { expected: [1], tolerance: -1 }).build(), /'ck'/, /tolerance/);
  });

  it('a misspelt unit parameter is refused, naming the unit, the name and what the kind takes', () => {
    fails(
      () => new ProgramBuilder().unit('g', 'generator', { count: 2 }).unit('bc', 'broadcast', { outputs: 1, latecy: 5 }).build(),
      /'bc'/,
      /broadcast: unknown parameter 'latecy' \(known: outputs, latency, ii\)/,
    );
    fails(() => pair().unit('s2', 'sink', { colect: true }).build(), /'s2'/, /unknown parameter 'colect'/);
    fails(() => pair().unit('s3', 'sink', { collect: 'yes' }).build(), /'s3'/, /collect must be true or false, got "yes"/);
  });

  it('a generator takes its elements from one source: values, or count with start and step or fn', () => {
    const generator = (params: unknown) => () =>
      new ProgramBuilder().unit('gen', 'generator', params).unit('s', 'sink').channel('c', 'gen.out', 's.in').build();
    fails(generator({ values: [1, 2], count: 5 }), /'gen'/, /not values and count/);
    fails(generator({ values: [1, 2], start: 3 }), /'gen'/, /not values and start/);
    fails(generator({ count: 2, fn: (i: number) => i, step: 2 }), /'gen'/, /fn or start and step, not both/);
    fails(generator({ count: 2, start: '1' }), /'gen'/, /start must be a finite number, got "1"/);
    fails(generator({ count: 2 ** 53 }), /'gen'/, /count \(or values\) must be below 2\^53/);
    expect(generator({ count: 2, start: 1, step: 0.5 })).not.toThrow();
  });

  // Each of these had built, and failed as a UnitError at the first element once the run was under way.
  it('a channel whose width the unit cannot carry is refused, naming the unit, its port and the channel', () => {
    const into = (params: unknown, width?: number) => () =>
      new ProgramBuilder().unit('g', 'generator', params).unit('s', 'sink').channel('c', 'g.out', 's.in', { width }).build();
    fails(into({ values: [[1, 2], [3]] }, 2), /'g'/, /generator values must be all numbers, or all vectors of numbers of one length/);
    fails(into({ values: [1, [2]] }, 1), /'g'/, /all numbers, or all vectors/);
    fails(into({ values: [[1, 2]] }), /unit 'g': port 'out' carries width 2 \(its parameters\), but channel 'c' has width 1/);
    fails(into({ count: 3 }, 2), /unit 'g': port 'out' carries width 1 \(its parameters\), but channel 'c' has width 2/);
    expect(into({ values: [[1, 2]] }, 2)).not.toThrow();
    // A typed array is a vector too, as enqueueVector takes it.
    expect(into({ values: [Float64Array.of(1, 2), Float64Array.of(3, 4)] }, 2)).not.toThrow();
    // fn's elements are known only as it runs: any width builds.
    expect(into({ count: 1, fn: () => 1 }, 2)).not.toThrow();
    fails(
      () =>
        new ProgramBuilder()
          .unit('g', 'generator', { values: [[1, 2]] })
          .unit('k', 'checker', { expected: [3] })
          .channel('c', 'g.out', 'k.in', { width: 2 })
          .build(),
      /unit 'k': port 'in' carries width 1 \(its parameters\), but channel 'c' has width 2/,
    );
    const fanned = (width: number) => () =>
      new ProgramBuilder()
        .unit('g', 'generator', { count: 3 })
        .unit('b', 'broadcast', { outputs: 2 })
        .unit('m', 'merge', { inputs: 2 })
        .unit('s', 'sink')
        .channel('a', 'g.out', 'b.in')
        .channel('x', 'b.out0', 'm.in0')
        .channel('y', 'b.out1', 'm.in1', { width })
        .channel('z', 'm.out', 's.in')
        .build();
    fails(fanned(2), /unit 'b': ports in, out0, out1 carry one width, but channel 'a' has width 1 and channel 'y' width 2/);
    expect(fanned(1)).not.toThrow();
  });

  it('a built program is frozen: what was validated is what runs', () => {
    const program = pair({ capacity: 2 }).build();
    expect(() => ((program.channels[0] as { capacity: number | null }).capacity = 0)).toThrow(TypeError);
    expect(() => (program.units as unknown[]).push({ name: 'x', kind: 'sink' })).toThrow(TypeError);
    expect(() => ((program.channels[0]!.to as { port: string }).port = 'nope')).toThrow(TypeError);
    expect(program.channels[0]!.capacity).toBe(2);
  });
});

describe('programs given to the engines as plain data', () => {
  it('are validated as ProgramBuilder validates them, before anything runs', async () => {
    const built = pair().build();
    const plain = (channel: Record<string, unknown>) => ({ ...built, channels: [{ ...built.channels[0]!, ...channel }] });
    // A latency "5" ran as 65 cycles, NaN gave a peak of 0 and an 'ok', a capacity of 0 a deadlock.
    for (const [channel, message] of [
      [{ latency: '5' }, /latency must be a positive integer/],
      [{ latency: Number.NaN }, /latency must be a positive integer, got NaN/],
      [{ capacity: 0 }, /capacity must be a positive integer, got 0/],
      [{ capacity: 2 ** 60 }, /capacity must be below 2\^53/],
    ] as [Record<string, unknown>, RegExp][]) {
      await expect(simulate(plain(channel) as never, { workers: 1 })).rejects.toThrow(message);
      await expect(openSession(plain(channel) as never)).rejects.toThrow(message);
    }
    await expect(simulate(null as never)).rejects.toThrow(ProgramError);
    await expect(openSession(undefined as never)).rejects.toThrow(/a program has units and channels/);
    expect((await simulate(plain({}) as never, { workers: 1 })).status).toBe('ok');
  });

  // A builder passed without .build() had been told "a program's modules must be an array ...,
  // got {}" (its modules are a Set), and {} "got [object Object]": neither said what was wrong.
  it('say so when given a ProgramBuilder not built, or something that is no program', async () => {
    const builder = pair({ capacity: 2 });
    const notBuilt = /^got a ProgramBuilder, not a program: call its \.build\(\)/;
    await expect(simulate(builder as never)).rejects.toThrow(notBuilt);
    await expect(simulate(builder as never, { workers: 2 })).rejects.toThrow(notBuilt);
    await expect(openSession(builder as never)).rejects.toThrow(notBuilt);
    fails(() => validateProgram(builder as never), notBuilt);
    fails(() => validateProgram(null as never), /a program has units and channels .*got null$/);
    await expect(simulate({} as never)).rejects.toThrow(/a program has units and channels .*got \{\}$/);
    expect((await simulate(builder.build(), { workers: 1 })).status).toBe('ok');
  });

  it('list their modules as build() does, at every worker count and in a session (none at all had run on one thread only)', async () => {
    const { units, channels } = pair({ capacity: 2 }).build();
    const notAList = (got: string) =>
      new RegExp(`^a program's modules must be an array of .* unit modules, .*\\(\\[\\] for none\\), got ${got}$`);
    for (const [program, message] of [
      [{ units, channels }, notAList('undefined')],
      [{ units, channels, modules: null }, notAList('null')],
      [{ units, channels, modules: 'utility.js' }, notAList('"utility.js"')],
      [{ units, channels, modules: [42] }, /^a unit module is a URL or a package name, not 42/],
      [{ units, channels, modules: ['./units.js'] }, /^a unit module is a URL or a package name, not "\.\/units\.js"/],
    ] as [object, RegExp][]) {
      for (const workers of [1, 2]) {
        const run = simulate(program as never, { workers });
        await expect(run).rejects.toThrow(ProgramError);
        await expect(run).rejects.toThrow(message);
      }
      await expect(openSession(program as never)).rejects.toThrow(message);
    }
    expect((await simulate({ units, channels, modules: [] } as never, { workers: 1 })).status).toBe('ok');
  });
});
