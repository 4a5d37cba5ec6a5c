#!/usr/bin/env node
/**
 * Micro-benchmarks (tinybench): the cost of one token through an in-thread channel, of a
 * context switch in the executor, of publishing a clock through shared memory, and (timed
 * directly) of a token through a cross-worker channel of the worker pool.
 * Usage: node bench/micro.mjs [--json] [--workers N] [--time MS]
 */
import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';
import { ProgramBuilder, UTILITY_UNITS_MODULE, simulate } from '../dist/index.js';
import { BENCH_UNITS_MODULE } from './units.mjs';
import { readOptions } from './options.mjs';

/** generator (count tokens) -> sink through one channel. */
export function pipeProgram(tokens, capacity) {
  return new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .unit('gen', 'generator', { count: tokens })
    .unit('sink', 'sink')
    .channel('ch', 'gen.out', 'sink.in', { capacity })
    .build();
}

/** ping <-> pong, capacity 1 both ways: every round trip is two context switches. */
export function pingPongProgram(rounds) {
  return new ProgramBuilder()
    .module(BENCH_UNITS_MODULE)
    .unit('ping', 'bench.ping', { count: rounds })
    .unit('pong', 'bench.pong')
    .channel('there', 'ping.out', 'pong.in', { capacity: 1 })
    .channel('back', 'pong.out', 'ping.in', { capacity: 1 })
    .build();
}

const CLOCK_OPS = 10_000;

/** Atomics.store of a clock then Atomics.load, on a SharedArrayBuffer BigInt64Array. */
export function clockBigInt(view, ops = CLOCK_OPS) {
  let acc = 0n;
  for (let i = 0; i < ops; i++) {
    Atomics.store(view, 0, BigInt(i));
    acc += Atomics.load(view, 0);
  }
  return acc;
}

/**
 * The same through a seqlock: Int32 sequence (odd while writing) + Float64 clock in one
 * SharedArrayBuffer. Writer: seq++, store, seq++; reader: load seq, read, re-check seq.
 */
export function clockSeqlock(seq, clock, ops = CLOCK_OPS) {
  let acc = 0;
  for (let i = 0; i < ops; i++) {
    Atomics.add(seq, 0, 1);
    clock[0] = i;
    Atomics.add(seq, 0, 1);
    let v;
    let s0;
    do {
      s0 = Atomics.load(seq, 0);
      v = clock[0];
    } while ((s0 & 1) !== 0 || Atomics.load(seq, 0) !== s0);
    acc += v;
  }
  return acc;
}

export async function runMicro({ workers = 1, time = 500 } = {}) {
  const PIPE_TOKENS = 50_000;
  const ROUNDS = 20_000;
  const bigView = new BigInt64Array(new SharedArrayBuffer(8));
  const sab = new SharedArrayBuffer(16);
  const seq = new Int32Array(sab, 0, 1);
  const clock = new Float64Array(sab, 8, 1);
  const programs = {
    empty: pipeProgram(0, null),
    unbounded: pipeProgram(PIPE_TOKENS, null),
    cap2: pipeProgram(PIPE_TOKENS, 2),
    pingpong: pingPongProgram(ROUNDS),
  };
  const bench = new Bench({ time, warmupTime: 100, iterations: 10 });
  const check = async (program, expected) => {
    const r = await simulate(program, { workers });
    if (r.status !== 'ok') throw new Error(`micro program: ${r.status}`);
    if (expected !== undefined && r.reports['sink']?.count !== expected) throw new Error('micro program: wrong count');
  };
  bench
    .add('empty program (gen 0 -> sink)', () => check(programs.empty, 0))
    .add('channel unbounded', () => check(programs.unbounded, PIPE_TOKENS))
    .add('channel capacity 2', () => check(programs.cap2, PIPE_TOKENS))
    .add('ping-pong capacity 1', () => check(programs.pingpong))
    .add('clock BigInt64Array', () => clockBigInt(bigView))
    .add('clock Float64+Int32 seqlock', () => clockSeqlock(seq, clock));
  await bench.run();

  const mean = (name) => {
    const task = bench.tasks.find((t) => t.name === name);
    const result = task?.result;
    if (!result || !('latency' in result)) throw new Error(`micro task '${name}' failed: ${result?.error?.stack ?? result?.state}`);
    return { ms: result.latency.mean, rme: result.latency.rme, samples: result.latency.samplesCount };
  };
  const empty = mean('empty program (gen 0 -> sink)');
  const figures = [];
  const add = (name, perOp, unit, task, note) =>
    figures.push({ name, value: perOp, unit, rmePercent: task?.rme, samples: task?.samples, note });
  add('empty program: simulate(gen 0 -> sink)', empty.ms * 1000, 'µs/run', empty, 'fixed cost of one simulate() call');
  for (const [label, task, cap] of [
    ['unbounded', 'channel unbounded', 'unbounded'],
    ['capacity 2', 'channel capacity 2', 'capacity 2'],
  ]) {
    const m = mean(task);
    add(
      `token through in-thread channel, ${label}`,
      (m.ms * 1e6) / PIPE_TOKENS,
      'ns/token',
      m,
      `generator -> sink, ${PIPE_TOKENS} tokens, ${cap}; amortised over the run`,
    );
    add(
      `token through in-thread channel, ${label}, marginal`,
      ((m.ms - empty.ms) * 1e6) / PIPE_TOKENS,
      'ns/token',
      m,
      'run time minus the empty program, per token',
    );
  }
  const pp = mean('ping-pong capacity 1');
  add(
    'context switch (ping-pong, capacity 1)',
    ((pp.ms - empty.ms) * 1e6) / (2 * ROUNDS),
    'ns/switch',
    pp,
    `${ROUNDS} round trips = ${2 * ROUNDS} switches; includes a token each way`,
  );
  const cb = mean('clock BigInt64Array');
  add(
    'clock publication: Atomics.store+load, BigInt64Array (SAB)',
    (cb.ms * 1e6) / CLOCK_OPS,
    'ns/store+load',
    cb,
    'BigInt(i) conversion included',
  );
  const cs = mean('clock Float64+Int32 seqlock');
  add(
    'clock publication: Float64 + Int32 seqlock (SAB)',
    (cs.ms * 1e6) / CLOCK_OPS,
    'ns/write+read',
    cs,
    'writer: 2 Atomics.add + store; reader: 2 Atomics.load + read',
  );
  figures.push(...(await crossWorker()));
  return { workers, figures };
}

/**
 * generator -> sink with the two units placed on different workers of the pool, so the
 * channel is a shared-memory link. Each run starts a pool, so tinybench (>= 10 samples) would
 * take too long: each figure is the best of `reps` direct timings, minus the best time of the
 * same program with 0 tokens (pool start-up and teardown).
 */
export async function crossWorker(reps = 3) {
  const place = { placement: [0, 1] };
  const best = async (program) => {
    let ms = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const result = await simulate(program, place);
      ms = Math.min(ms, performance.now() - t0);
      if (result.status !== 'ok' || result.placement?.cut?.length !== 1) throw new Error('cross-worker micro: not one cut channel');
    }
    return ms;
  };
  const startup = await best(pipeProgram(0, 2));
  const figures = [
    {
      name: 'pool start-up + teardown: simulate(gen 0 -> sink) on 2 workers',
      value: startup,
      unit: 'ms/run',
      note: `best of ${reps}; placement [0, 1]`,
    },
  ];
  for (const [tokens, capacity] of [
    [200_000, 64],
    [20_000, 2],
  ]) {
    const ms = await best(pipeProgram(tokens, capacity));
    figures.push({
      name: `token through cross-worker channel, capacity ${capacity}`,
      value: ((ms - startup) * 1e6) / tokens,
      unit: 'ns/token',
      note: `generator and sink on different workers, ${tokens} tokens; best of ${reps}, minus the pool start-up`,
    });
  }
  return figures;
}

/** ns per token of generator -> sink, unbounded, one simulate() timed directly (for bench:ci). */
export async function tokenCostNs(tokens = 200_000, workers = 1) {
  const program = pipeProgram(tokens, null);
  const t0 = performance.now();
  const r = await simulate(program, { workers });
  const ms = performance.now() - t0;
  if (r.reports['sink']?.count !== tokens) throw new Error('token cost: wrong count');
  return (ms * 1e6) / tokens;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = readOptions('Usage: node bench/micro.mjs [--json] [--workers N] [--time MS] (after a build)', {
    '--json': 'switch',
    '--workers': { min: 1, integer: true },
    '--time': { min: 1 },
  });
  const micro = await runMicro({ workers: options['--workers'] ?? 1, time: options['--time'] ?? 500 });
  if (options['--json']) console.log(JSON.stringify(micro, null, 2));
  else {
    for (const f of micro.figures) {
      const v = f.value === null ? 'skipped' : `${f.value.toFixed(1)} ${f.unit}`;
      console.log(`${f.name.padEnd(62)} ${v.padStart(18)}  ${f.note ?? ''}`);
    }
  }
}
