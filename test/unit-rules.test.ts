import { describe, expect, it } from 'vitest';
import { ProgramBuilder, UTILITY_UNITS_MODULE, UnitError, simulate } from '../dist/index.js';
import { TEST_UNITS_MODULE } from './fixtures/test-units.mjs';
import type { Program, SimulateOptions } from '../dist/index.js';

/** source -> `kind` -> sink; `kind` comes first, so one thread runs it before its input has data. */
function between(kind: string, params: unknown): Program {
  return new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .module(TEST_UNITS_MODULE)
    .unit('middle', kind, params)
    .unit('source', 'generator', { count: 100 })
    .unit('sink', 'sink')
    .channel('in', 'source.out', 'middle.in', { capacity: 4 })
    .channel('out', 'middle.out', 'sink.in', { capacity: 1 })
    .build();
}

/** The same rule holds whatever the worker count: one thread, and the unit on a worker of its own. */
const WORKERS: [string, SimulateOptions][] = [
  ['1 worker', { workers: 1 }],
  ['2 workers', { placement: [1, 0, 0] }],
];

/** The options for a program of two units: on two workers, one unit each. */
const twoUnits = (options: SimulateOptions): SimulateOptions => (options.placement === undefined ? options : { placement: [1, 0] });

describe.each(WORKERS)('unit rules on %s', (_label, options) => {
  it('a unit error keeps the unit and its own error (message and stack) as the cause', async () => {
    const error: unknown = await simulate(between('test.faulty', { throwAfter: 10 }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitError);
    const failure = error as UnitError;
    expect(failure.message).toBe("unit 'middle' failed: failing on purpose after 10 elements");
    expect(failure.cause).toBeInstanceOf(Error);
    expect((failure.cause as Error).message).toBe('failing on purpose after 10 elements');
    expect((failure.cause as Error).stack).toMatch(/^Error: failing on purpose after 10 elements\n\s+at .*test-units\.mjs:\d+/);
  });

  // A thrown string had been the cause as it was in one thread, and an Error on a worker.
  it('a unit that throws what is not an Error: the cause is an Error of its text, with no stack', async () => {
    const error: unknown = await simulate(between('test.faulty', { throwAfter: 10, throwText: true }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitError);
    expect((error as UnitError).message).toBe("unit 'middle' failed: failing on purpose after 10 elements");
    expect((error as UnitError).cause).toBeInstanceOf(Error);
    expect(((error as UnitError).cause as Error).message).toBe('failing on purpose after 10 elements');
    expect(((error as UnitError).cause as Error).stack).toBeUndefined();
  });

  it.each([
    ['never waits for room', 0],
    ['enqueues twice per wait for room', 2],
  ])('an enqueue without a ready() since the last one is refused: a unit that %s', async (_what, readyEvery) => {
    const run = simulate(between('test.faulty', { readyEvery }), options);
    await expect(run).rejects.toThrow(UnitError);
    await expect(run).rejects.toThrow(
      "unit 'middle' failed: enqueued on channel 'out' without waiting for room: write 'while (!out.ready()) yield;' before each enqueue",
    );
  });

  it('a read without a ready() that saw the element is refused, whether or not the element is there (it had passed on one worker, failed on two)', async () => {
    const reader = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .module(TEST_UNITS_MODULE)
      .unit('source', 'generator', { count: 5 })
      .unit('reader', 'test.unasked', { read: 'dequeue' })
      .channel('in', 'source.out', 'reader.in', { capacity: 8 })
      .build();
    const run = simulate(reader, twoUnits(options));
    await expect(run).rejects.toThrow(UnitError);
    await expect(run).rejects.toThrow(
      /^unit 'reader' failed: read (channel 'in' without asking whether an element is there|from empty channel 'in')/,
    );
  });

  it('a unit that spins on peek() answering Nothing, without yielding, is stopped (it had hung)', async () => {
    const spinner = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .module(TEST_UNITS_MODULE)
      // First, so that on one thread it asks before the source has run.
      .unit('spinner', 'test.unasked', { read: 'peek' })
      .unit('source', 'generator', { count: 1 })
      .channel('in', 'source.out', 'spinner.in', { capacity: 8 })
      .build();
    await expect(simulate(spinner, twoUnits(options))).rejects.toThrow(
      /^unit 'spinner' failed: peek\(\) on channel 'in' answered Nothing 1000000 times in a row at one clock/,
    );
  });

  it.each(['in', 'out'])('a unit that waits on its %s channel without yielding is stopped, naming both', async (side) => {
    const run = simulate(between('test.faulty', { spin: side }), options);
    await expect(run).rejects.toThrow(UnitError);
    await expect(run).rejects.toThrow(
      new RegExp(`^unit 'middle' failed: keeps waiting on channel '${side}' without yielding .*must be followed by 'yield'`),
    );
  });
});
