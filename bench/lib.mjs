/**
 * Shared pieces of the benchmarks: workload programs, the plain (unsimulated) loops they are
 * compared with, the calibration loop, machine facts and formatting. Runs the compiled
 * library in dist/ (build first: `npx tsc -p .`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProgramBuilder, UTILITY_UNITS_MODULE, sdpaProgram, sdpaMatrix, simulate } from '../dist/index.js';
import { exp } from '../dist/designs/sdpa/exp.js';
import { BENCH_UNITS_MODULE } from './units.mjs';

export { simulate };

// ---------------------------------------------------------------------------------------
// Machine and calibration

export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * A fixed float64 arithmetic loop (2e7 dependent multiply-adds). Its time, taken in the same
 * process as a figure, factors the machine's single-thread speed out of that figure.
 */
export function calibrationLoop() {
  let x = 0.5;
  let y = 1.5;
  for (let i = 0; i < 20_000_000; i++) {
    x = x * 1.0000001 + y * 1e-9;
    y = y * 0.9999999 + x * 1e-9;
  }
  return x + y;
}

/** Best of `reps` timings of the calibration loop, in milliseconds. */
export function calibrate(reps = 5) {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    sink += calibrationLoop();
    best = Math.min(best, performance.now() - t0);
  }
  if (!Number.isFinite(sink)) throw new Error('calibration loop diverged');
  return best;
}

/** Peak resident set size of this process so far, MiB. */
export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

// ---------------------------------------------------------------------------------------
// Workload programs

/** `copies` independent time-ordered merges of two timed streams of `elements` each. */
export function mergeProgram({ elements, copies = 1, capacity = 8 }) {
  const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE).module(BENCH_UNITS_MODULE);
  for (let c = 0; c < copies; c++) {
    const g = `c${c}`;
    b.unit(`${g}/a`, 'bench.timed-source', { count: elements, seed: 2 * c + 1, maxGap: 4 }, g);
    b.unit(`${g}/b`, 'bench.timed-source', { count: elements, seed: 2 * c + 2, maxGap: 4 }, g);
    b.unit(`${g}/merge`, 'merge', { inputs: 2 }, g);
    b.unit(`${g}/sink`, 'sink', {}, g);
    b.channel(`${g}/a`, `${g}/a.out`, `${g}/merge.in0`, { capacity });
    b.channel(`${g}/b`, `${g}/b.out`, `${g}/merge.in1`, { capacity });
    b.channel(`${g}/out`, `${g}/merge.out`, `${g}/sink.in`, { capacity });
  }
  return b.build();
}

/**
 * A binary adder tree over `leaves` generators (a power of two) of `elements` each:
 * leaves generators + (leaves - 1) adders + 1 sink = 2 * leaves contexts. Subtrees of
 * `leaves / groups` leaves share a group (kept on one worker by a pool).
 */
export function adderTreeProgram({ leaves, elements, capacity = 8, groups = 8 }) {
  if (!Number.isInteger(Math.log2(leaves))) throw new Error('leaves must be a power of two');
  const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE).module(BENCH_UNITS_MODULE);
  const perGroup = Math.max(1, leaves / groups);
  let level = [];
  for (let i = 0; i < leaves; i++) {
    const name = `gen${i}`;
    b.unit(name, 'generator', { count: elements }, `t${Math.floor(i / perGroup)}`);
    level.push({ name, port: 'out', lo: i, hi: i + 1 });
  }
  let nextId = 0;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i];
      const right = level[i + 1];
      const name = `add${nextId++}`;
      const gl = Math.floor(left.lo / perGroup);
      const group = gl === Math.floor((right.hi - 1) / perGroup) ? `t${gl}` : 'root';
      b.unit(name, 'bench.adder', {}, group);
      b.channel(`${left.name}->${name}`, `${left.name}.${left.port}`, `${name}.in0`, { capacity });
      b.channel(`${right.name}->${name}`, `${right.name}.${right.port}`, `${name}.in1`, { capacity });
      next.push({ name, port: 'out', lo: left.lo, hi: right.hi });
    }
    level = next;
  }
  b.unit('sink', 'sink', {}, 'root');
  b.channel(`${level[0].name}->sink`, `${level[0].name}.out`, 'sink.in', { capacity });
  return b.build();
}

// ---------------------------------------------------------------------------------------
// Plain loops: the same arithmetic, no simulation

/**
 * Streaming SDPA as the modified design computes it (running max, running sum, running
 * output, one divide per row), for every head; returns head 0's output rows. Its exp is the
 * designs' own (src/designs/sdpa/exp.ts), so that the yardstick does the same arithmetic: with
 * Math.exp it took 1.1-1.3x as long (node bench/check-cost.mjs --n 2048, before and after).
 */
export function plainSdpa(inputs, n, d) {
  const scale = 1 / Math.sqrt(d);
  const o = new Float64Array(d);
  let first;
  for (const { q, k, v } of inputs) {
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      let r = 0;
      o.fill(0);
      const qi = i * d;
      for (let j = 0; j < n; j++) {
        const kj = j * d;
        let s = 0;
        for (let x = 0; x < d; x++) s += q[qi + x] * k[kj + x];
        s *= scale;
        const next = s > m ? s : m;
        const delta = exp(m - next);
        const e = exp(s - next);
        m = next;
        r = r * delta + e;
        for (let x = 0; x < d; x++) o[x] = o[x] * delta + e * v[kj + x];
      }
      for (let x = 0; x < d; x++) out[qi + x] = o[x] / r;
    }
    first ??= out;
  }
  return first;
}

export function sdpaInputs(n, d, heads, seed) {
  const inputs = [];
  for (let h = 0; h < heads; h++) {
    inputs.push({ q: sdpaMatrix(seed, h, 'q', n, d), k: sdpaMatrix(seed, h, 'k', n, d), v: sdpaMatrix(seed, h, 'v', n, d) });
  }
  return inputs;
}

function xorshift32(x) {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** The merge workload without simulation: generate both timed streams and merge them by time. */
export function plainMerge(elements, copies) {
  let checksum = 0;
  for (let c = 0; c < copies; c++) {
    let sa = ((2 * c + 1) * 0x9e3779b1) >>> 0 || 1;
    let sb = ((2 * c + 2) * 0x9e3779b1) >>> 0 || 1;
    sa = xorshift32(sa);
    sb = xorshift32(sb);
    let ta = 1 + (sa % 4);
    let tb = 1 + (sb % 4);
    let i = 0;
    let j = 0;
    while (i < elements || j < elements) {
      if (j >= elements || (i < elements && ta <= tb)) {
        checksum += i + ta;
        i++;
        sa = xorshift32(sa);
        ta += 1 + (sa % 4);
      } else {
        checksum += j + tb;
        j++;
        sb = xorshift32(sb);
        tb += 1 + (sb % 4);
      }
    }
  }
  return checksum;
}

/** The adder tree without simulation: per element, reduce the leaves pairwise. */
export function plainAdderTree(leaves, elements) {
  const buf = new Float64Array(leaves);
  let checksum = 0;
  for (let e = 0; e < elements; e++) {
    buf.fill(e);
    for (let width = leaves; width > 1; width >>= 1) {
      for (let i = 0; i < width / 2; i++) buf[i] = buf[2 * i] + buf[2 * i + 1];
    }
    checksum += buf[0];
  }
  return checksum;
}

/** The median of some figures (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Best time (ms) of fn over repetitions: at least `minReps`, until `minMs` in total, at most `maxReps`. */
export function bestTime(fn, { minReps = 2, maxReps = 50, minMs = 300 } = {}) {
  let best = Infinity;
  let total = 0;
  let value;
  for (let r = 0; r < maxReps && (r < minReps || total < minMs); r++) {
    const t0 = performance.now();
    value = fn();
    const ms = performance.now() - t0;
    total += ms;
    best = Math.min(best, ms);
  }
  return { ms: best, value };
}

// ---------------------------------------------------------------------------------------
// Whole processes

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

/**
 * Runs the CLI as a whole process: wall time in ms, stdout, and the CPU time of the process
 * (every thread, V8's own included, from bash's `time`), which says how many cores it used.
 */
export function timedCli(...cliArgs) {
  const dir = mkdtempSync(join(os.tmpdir(), 'damflow-bench-run-'));
  const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...cliArgs].map(quote).join(' ');
  const started = performance.now();
  const child = spawnSync(
    'bash',
    ['-c', `TIMEFORMAT='%3U %3S'; time ${command} > ${quote(join(dir, 'out'))} 2> ${quote(join(dir, 'err'))}`],
    {
      encoding: 'utf8',
    },
  );
  const wallMs = performance.now() - started;
  const stdout = readFileSync(join(dir, 'out'), 'utf8');
  const stderr = readFileSync(join(dir, 'err'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`damflow ${cliArgs.join(' ')} exited ${child.status}: ${stderr}`);
  const [user, sys] = child.stderr.trim().split(/\s+/).map(Number);
  return { wallMs, stdout, cpuMs: (user + sys) * 1000 };
}

/**
 * One whole `damflow run` process as a user starts it: wall time, peak RSS (by GNU time,
 * where the machine has it) and what the run reported.
 */
export function wholeRun(runArgs) {
  const command = [CLI, 'run', ...runArgs, '--json', '--quiet'];
  const timed = existsSync(GNU_TIME);
  const started = performance.now();
  const child = timed
    ? spawnSync(GNU_TIME, ['-f', 'RSS_KB %M', process.execPath, ...command], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 })
    : spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`damflow run ${runArgs.join(' ')} exited ${child.status}: ${child.stderr}`);
  const rss = /RSS_KB (\d+)/.exec(child.stderr ?? '');
  const result = JSON.parse(child.stdout);
  return {
    wallMs,
    peakRssMiB: rss ? Number(rss[1]) / 1024 : null,
    cycles: result.cycles,
    engine: result.engine,
    workers: result.workers,
    execution: result.execution ?? null,
  };
}

/**
 * One whole process of bench/plain-heads.mjs (`heads` heads of the plain loop at N, twice each,
 * on `threads` threads): the machine's ceiling for a multi-head run, in the shape wholeRun returns.
 */
export function plainHeadsRun(n, heads, threads) {
  const script = fileURLToPath(new URL('./plain-heads.mjs', import.meta.url));
  const started = performance.now();
  const child = spawnSync(process.execPath, [script, '--n', String(n), '--heads', String(heads), '--threads', String(threads)], {
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`plain-heads.mjs exited ${child.status}: ${child.stderr}`);
  return { wallMs, peakRssMiB: null, cycles: null, engine: 'plain', workers: threads, execution: null };
}

// ---------------------------------------------------------------------------------------
// Scenarios (one per child process in workloads.mjs)

export function scenarioName(spec) {
  const w = `w${spec.workers ?? 1}`;
  switch (spec.kind) {
    case 'sdpa': {
      const variant = spec.unbounded
        ? `${spec.design} unbounded`
        : spec.design === 'modified'
          ? 'modified (published FIFOs)'
          : 'naive (published FIFOs)';
      const engine = spec.engine === 'compiled' ? (spec.fastForward === false ? ' compiled every row' : ' compiled') : '';
      return `SDPA ${variant} N=${spec.n} d=${spec.d ?? 1} heads=${spec.heads ?? 1} ${w}${engine}`;
    }
    case 'merge':
      return `merge 2x2^${Math.log2(spec.elements)} x${spec.copies} ${w}`;
    case 'adder':
      return `adder tree ${spec.leaves} leaves x2^${Math.log2(spec.elements)} ${w}`;
    default:
      throw new Error(`unknown scenario kind ${spec.kind}`);
  }
}

export function buildScenarioProgram(spec) {
  switch (spec.kind) {
    case 'sdpa':
      return sdpaProgram({
        design: spec.design,
        n: spec.n,
        d: spec.d ?? 1,
        heads: spec.heads ?? 1,
        unbounded: !!spec.unbounded,
        seed: spec.seed ?? 1,
      });
    case 'merge':
      return mergeProgram(spec);
    case 'adder':
      return adderTreeProgram(spec);
    default:
      throw new Error(`unknown scenario kind ${spec.kind}`);
  }
}

/** Runs one scenario in this process: the simulation, then its plain loop. */
export async function runScenario(spec) {
  const workers = spec.workers ?? 1;
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
  const tb = performance.now();
  const program = buildScenarioProgram(spec);
  const buildMs = performance.now() - tb;
  const t0 = performance.now();
  // The actors engine unless the scenario names another; the compiled one with or without fast-forward.
  const result = await simulate(program, { workers, engine: spec.engine ?? 'actors', fastForward: spec.fastForward ?? true });
  const wallMs = performance.now() - t0;
  const peakRss = peakRssMiB();
  if (result.status !== 'ok') throw new Error(`${scenarioName(spec)}: ${result.status}`);
  const tokens = result.channels.reduce((sum, ch) => sum + ch.tokens, 0);

  let plain;
  let check;
  if (spec.kind === 'sdpa') {
    const n = spec.n;
    const d = spec.d ?? 1;
    const inputs = sdpaInputs(n, d, spec.heads ?? 1, spec.seed ?? 1);
    plain = bestTime(() => plainSdpa(inputs, n, d));
    const simulated = result.reports['h0/sink'];
    let maxAbsDiff = 0;
    for (let i = 0; i < n * d; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(simulated[i] - plain.value[i]));
    check = { maxAbsDiff, ok: maxAbsDiff < 1e-9 };
  } else if (spec.kind === 'merge') {
    plain = bestTime(() => plainMerge(spec.elements, spec.copies ?? 1));
    const counts = Object.values(result.reports).map((r) => r.count);
    check = { sinkCounts: [...new Set(counts)], ok: counts.every((c) => c === 2 * spec.elements) };
  } else {
    plain = bestTime(() => plainAdderTree(spec.leaves, spec.elements));
    const count = result.reports['sink'].count;
    check = { sinkCount: count, ok: count === spec.elements };
  }

  return {
    name: scenarioName(spec),
    spec,
    workers,
    workersUsed: result.workers,
    cutChannels: result.placement?.cut?.length ?? 0,
    contexts: result.contexts.length,
    channels: result.channels.length,
    buildMs,
    wallMs,
    cycles: result.cycles,
    tokens,
    cyclesPerSec: result.cycles / (wallMs / 1000),
    tokensPerSec: tokens / (wallMs / 1000),
    peakRssMiB: peakRss,
    rssBeforeMiB,
    plainMs: plain.ms,
    ratioToPlain: wallMs / plain.ms,
    check,
  };
}

// ---------------------------------------------------------------------------------------
// Formatting

export function fmtMs(ms) {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRate(x) {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(0);
}

export function markdownTable(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}
