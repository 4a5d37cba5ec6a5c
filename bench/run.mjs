#!/usr/bin/env node
/**
 * `npm run bench`: micro-benchmarks + workload benchmarks; writes bench/results/latest.json
 * and bench/RESULTS.md. Flags: --full (adds N = 8192 / 16384 / 32768 and the big merge and
 * adder sizes: takes a long time), --skip-micro, --only TEXT (workloads whose name has TEXT).
 * A partial run (--only or --skip-micro) writes bench/results/partial.{json,md} instead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { calibrate, fmtMs, fmtRate, machine, markdownTable } from './lib.mjs';
import { runMicro } from './micro.mjs';
import { runWorkloads } from './workloads.mjs';
import { sweepSection } from './sweep-report.mjs';
import { measureSpeedup } from './speedup.mjs';
import { readOptions } from './options.mjs';

// Read before any work: `--help` (or a mistyped flag) had started the whole benchmark, minutes
// of it, and rewritten bench/RESULTS.md.
const options = readOptions(
  'Usage: npm run bench (builds first), or node bench/run.mjs [--full] [--skip-micro] [--only TEXT] after a build',
  {
    '--full': 'switch',
    '--skip-micro': 'switch',
    '--only': 'text',
  },
);
const full = options['--full'] === true;
const only = options['--only'];
const log = (s) => process.stderr.write(`${s}\n`);

const startedAt = new Date();
const loadBefore = os.loadavg();
const mach = machine();
log(`machine: ${mach.cores} cores, ${mach.cpuModel}, Node ${mach.node}`);
const calibrationMs = calibrate();
log(`calibration loop: ${calibrationMs.toFixed(1)} ms`);
let micro = null;
if (options['--skip-micro'] !== true) {
  log('micro-benchmarks ...');
  micro = await runMicro({ workers: 1 });
}
const workloads = runWorkloads({ full, only, log });
const speedup = only === undefined ? measureSpeedup({ n: full ? 4096 : 2048, log }) : null;
const finishedAt = new Date();
const loadAfter = os.loadavg();

// Long scenarios (--full sizes) run one at a time with `node bench/scenario.mjs` and recorded
// in results/long-runs.json stand in for targets this run did not measure.
const longRunsPath = fileURLToPath(new URL('./results/long-runs.json', import.meta.url));
const longRuns = existsSync(longRunsPath) ? JSON.parse(readFileSync(longRunsPath, 'utf8')) : [];
const find = (pred) =>
  workloads.find((r) => !r.error && pred(r.spec)) ?? longRuns.map((l) => ({ ...l.result, recordedOn: l.date })).find((r) => pred(r.spec));
const sdpa = (design, n, unbounded = false, engine = 'actors') =>
  find(
    (s) =>
      s.kind === 'sdpa' &&
      s.design === design &&
      s.n === n &&
      (s.d ?? 1) === 1 &&
      (s.heads ?? 1) === 1 &&
      !!s.unbounded === unbounded &&
      s.workers === 1 &&
      (s.engine ?? 'actors') === engine &&
      (engine !== 'compiled' || s.fastForward === false),
  );

function missing(fullOnly) {
  if (fullOnly && !full) return 'only measured with --full';
  return only !== undefined ? `not run (--only "${only}")` : 'scenario failed';
}

function timeTarget(label, r, limitMs, dam, extra, fullOnly = false) {
  if (!r) return { target: label, status: 'not measured', detail: missing(fullOnly) };
  const okTime = r.wallMs <= limitMs;
  let detail = okTime
    ? `${fmtMs(r.wallMs)}: ${(limitMs / r.wallMs).toFixed(2)}x under the ${fmtMs(limitMs)} limit`
    : `${fmtMs(r.wallMs)}: ${(r.wallMs / limitMs).toFixed(2)}x over the ${fmtMs(limitMs)} limit (needs ${(((r.wallMs - limitMs) / r.wallMs) * 100).toFixed(0)}% less time)`;
  if (dam !== undefined) detail += `; ${(dam / r.wallMs).toFixed(1)}x faster than DAM's ${fmtMs(dam)}`;
  if (r.recordedOn) detail += ` (separate run on ${r.recordedOn}, results/long-runs.json)`;
  let ok = okTime;
  if (extra) {
    const okRatio = r.ratioToPlain <= extra;
    ok = ok && okRatio;
    detail += `; ${r.ratioToPlain.toFixed(1)}x the plain loop (${fmtMs(r.plainMs)}), limit ${extra}x: ${okRatio ? 'met' : `${(r.ratioToPlain / extra).toFixed(1)}x over`}`;
  }
  return { target: label, status: ok ? 'PASS' : 'MISS', detail, measured: r.wallMs };
}

const targets = [];
for (const engine of ['actors', 'compiled']) {
  const on = engine === 'compiled' ? ' [compiled engine, every row simulated]' : ` [${engine} engine]`;
  targets.push(
    timeTarget(
      `N=4096 modified (published FIFOs) ≤ 2 s and ≤ 10x the plain loop (DAM: 193 s)${on}`,
      sdpa('modified', 4096, false, engine),
      2000,
      193_000,
      10,
    ),
  );
  targets.push(timeTarget(`N=4096 naive ≤ 2.1 s (DAM: 20.9 s)${on}`, sdpa('naive', 4096, false, engine), 2100, 20_900));
  targets.push(timeTarget(`N=4096 modified unbounded ≤ 2.2 s (DAM: 8.7 s)${on}`, sdpa('modified', 4096, true, engine), 2200, 8_700));
  targets.push(
    timeTarget(
      `N=16384 modified (published FIFOs) ≤ 30 s${on}`,
      sdpa('modified', 16384, false, engine),
      30_000,
      undefined,
      undefined,
      true,
    ),
  );
}
{
  const r = sdpa('naive', 32768);
  const label = 'N=32768 naive peak RSS < 256 MiB';
  if (!r) targets.push({ target: label, status: 'not measured', detail: missing(true) });
  else {
    const ok = r.peakRssMiB < 256;
    const when = r.recordedOn ? `; separate run on ${r.recordedOn}, results/long-runs.json` : '';
    targets.push({
      target: label,
      status: ok ? 'PASS' : 'MISS',
      detail: `${r.peakRssMiB.toFixed(0)} MiB (${ok ? `${(256 - r.peakRssMiB).toFixed(0)} MiB under` : `${(r.peakRssMiB - 256).toFixed(0)} MiB over`}); ${(r.wallMs / 1000).toFixed(0)} s, ${r.cycles.toLocaleString('en-US')} cycles${when}`,
      measured: r.peakRssMiB,
    });
  }
}
{
  const measured = [...workloads.filter((r) => !r.error), ...longRuns.map((l) => l.result)];
  const runs = measured
    .filter(
      (r) =>
        r.spec.kind === 'sdpa' &&
        r.spec.design === 'modified' &&
        !r.spec.unbounded &&
        (r.spec.d ?? 1) === 1 &&
        (r.spec.heads ?? 1) === 1 &&
        r.spec.workers === 1,
    )
    .filter((r, i, all) => all.findIndex((o) => o.spec.n === r.spec.n) === i)
    .sort((a, b) => a.spec.n - b.spec.n);
  const label = 'modified (published FIFOs) peak RSS does not grow with N (largest N ≤ smallest N + 10%)';
  if (runs.length < 2) targets.push({ target: label, status: 'not measured', detail: 'needs two sizes' });
  else {
    const lo = runs[0];
    const hi = runs[runs.length - 1];
    const growth = hi.peakRssMiB / lo.peakRssMiB - 1;
    const series = runs.map((r) => `N=${r.spec.n}: ${r.peakRssMiB.toFixed(1)}`).join(', ');
    targets.push({
      target: label,
      status: growth <= 0.1 ? 'PASS' : 'MISS',
      detail: `${series} MiB; ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% from N=${lo.spec.n} to N=${hi.spec.n}`,
      measured: growth,
    });
  }
}

{
  const label = '4 independent heads: 2 workers ≥ 1.8x faster than 1 (whole process, modified design)';
  if (speedup === null) targets.push({ target: label, status: 'not measured', detail: missing(false) });
  else {
    const ok = speedup.speedup >= 1.8;
    const each = (ms) => ms.map((m) => fmtMs(m)).join(', ');
    const detail = `N=${speedup.n}: ${fmtMs(speedup.oneWorkerMs)} at 1 worker, ${fmtMs(speedup.twoWorkersMs)} at 2: ${speedup.speedup.toFixed(2)}x${ok ? '' : ` (${(1.8 / speedup.speedup).toFixed(2)}x short)`}; faster of ${speedup.oneMs.length} alternating processes each (1 worker: ${each(speedup.oneMs)}; 2 workers: ${each(speedup.twoMs)})`;
    targets.push({ target: label, status: ok ? 'PASS' : 'MISS', detail, measured: speedup.speedup });
  }
}

const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  loadavg: { before: loadBefore, after: loadAfter },
  full,
  only: only ?? null,
  machine: mach,
  calibrationMs,
  micro,
  workloads,
  speedup,
  targets,
};
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
// A partial run (--only, --skip-micro) must not overwrite the complete results.
const partial = only !== undefined || micro === null;
const jsonPath = `${resultsDir}${partial ? 'partial' : 'latest'}.json`;
const mdPath = partial ? `${resultsDir}partial.md` : fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeFileSync(`${jsonPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
renameSync(`${jsonPath}.tmp`, jsonPath);

// ---- RESULTS.md
const md = [];
md.push('# damflow benchmark results', '');
md.push(
  `Written by \`npm run bench${full ? ' -- --full' : ''}\`${only ? ` (only "${only}")` : ''} on ${startedAt.toISOString().slice(0, 10)}; raw figures in \`bench/results/${partial ? 'partial' : 'latest'}.json\`.`,
  '',
);
md.push(
  markdownTable(
    ['machine', ''],
    [
      ['date', `${startedAt.toISOString()} (took ${((finishedAt - startedAt) / 1000).toFixed(0)} s)`],
      ['cores', `${mach.cores} (available parallelism ${mach.availableParallelism})`],
      ['CPU', mach.cpuModel],
      ['memory', `${mach.totalMemMiB} MiB`],
      ['Node', `${mach.node} (V8 ${mach.v8})`],
      ['platform', mach.platform],
      [
        'load average (1/5/15 min)',
        `${loadBefore.map((x) => x.toFixed(2)).join(' / ')} at start, ${loadAfter.map((x) => x.toFixed(2)).join(' / ')} at end`,
      ],
      ['calibration loop', `${calibrationMs.toFixed(1)} ms (2e7 float64 multiply-adds, best of 5)`],
    ],
  ),
  '',
);

md.push('## Targets', '');
md.push(
  markdownTable(
    ['target', 'result', 'by how much'],
    targets.map((t) => [t.target, `**${t.status}**`, t.detail]),
  ),
  '',
);
md.push('Where the time goes for the missed targets, and what to do next: [PROFILE.md](PROFILE.md).', '');

// Issue 13's targets, whole `damflow run` processes measured by `npm run bench:targets`.
const targetsPath = fileURLToPath(new URL('./results/targets.json', import.meta.url));
if (existsSync(targetsPath)) {
  const recorded = JSON.parse(readFileSync(targetsPath, 'utf8'));
  md.push('## Long sequences on every core', '');
  md.push(
    `Whole \`damflow run\` processes as a user starts them, measured by \`npm run bench:targets\` on ${recorded.date.slice(0, 10)} (${recorded.machine.cores} cores, ${recorded.machine.cpuModel}; load average ${recorded.loadavg.map((x) => x.toFixed(2)).join(' / ')}; the plain streaming-SDPA loop at N = 4096 took ${fmtMs(recorded.plainLoopN4096Ms)}, which says how fast the machine was that hour, and the absolute targets read against it); raw figures in \`bench/results/targets.json\`.`,
    '',
  );
  md.push(
    markdownTable(
      ['target', 'result', 'measured'],
      recorded.targets.map((t) => [t.target, `**${t.status}**`, t.detail]),
    ),
    '',
  );
}

// The 16-core figures: written by hand from the device runs (bench/device.sh), since such a
// machine is lent rarely and this script cannot measure them again.
const devicePath = fileURLToPath(new URL('./results/device/section.md', import.meta.url));
if (existsSync(devicePath)) md.push(readFileSync(devicePath, 'utf8').trimEnd(), '');

if (micro) {
  md.push('## Micro-benchmarks', '');
  md.push(
    'tinybench 6: mean over at least 10 samples and 500 ms per task (after 100 ms warm-up); one worker (in-thread) unless stated.',
    '',
  );
  md.push(
    markdownTable(
      ['figure', 'value', '± (rme)', 'how'],
      micro.figures.map((f) => [
        f.name,
        f.value === null ? 'skipped' : `${f.value.toFixed(1)} ${f.unit}`,
        f.rmePercent === undefined ? '' : `${f.rmePercent.toFixed(1)}%`,
        f.note ?? '',
      ]),
    ),
    '',
  );
}

md.push('## Workloads', '');
md.push(
  'One child process per scenario (peak RSS = `process.resourceUsage().maxRSS` of that process, including Node itself, about 45-50 MiB). Wall time is the `simulate()` call (loading unit modules, instantiating, running). Cycles/s = simulated cycles (the largest final clock) / wall time; tokens/s = tokens over all channels / wall time. "plain" is the same arithmetic without simulation in the same process (SDPA: the streaming loop of the modified design - running max, sum and output - for every head; merge: generate both timed streams and merge by time; adder tree: pairwise reduction per element), best of several repetitions. `workers` is what was passed to `simulate()`.',
  '',
);
/** One row of a workload table. */
function workloadRow(r) {
  if (r.error) return [r.name, String(r.spec.workers ?? 1), '', '', 'FAILED', '', '', '', '', '', '', r.error.split('\n')[0]];
  const check =
    r.spec.kind === 'sdpa' ? `max abs diff vs plain ${r.check.maxAbsDiff.toExponential(1)}` : r.check.ok ? 'counts ok' : 'COUNTS WRONG';
  return [
    r.name.replace(/ w\d+$/, ''),
    `${r.workers} / ${r.workersUsed ?? 1}`,
    String(r.contexts),
    String(r.cutChannels ?? 0),
    fmtMs(r.wallMs),
    r.cycles.toLocaleString('en-US'),
    fmtRate(r.cyclesPerSec),
    fmtRate(r.tokensPerSec),
    r.peakRssMiB.toFixed(0),
    fmtMs(r.plainMs),
    `${r.ratioToPlain.toFixed(0)}x`,
    `${r.check.ok ? '' : 'FAIL: '}${check}`,
  ];
}
const WORKLOAD_COLUMNS = [
  'scenario',
  'workers',
  'contexts',
  'cut',
  'wall',
  'cycles',
  'cycles/s',
  'tokens/s',
  'peak RSS MiB',
  'plain',
  'ratio',
  'check',
];
md.push(markdownTable(WORKLOAD_COLUMNS, workloads.map(workloadRow)), '');

if (longRuns.length > 0) {
  md.push('## Long runs', '');
  md.push(
    'The `--full`-only scenarios, each recorded on its own by `node bench/long.mjs` (one process per scenario, same columns as above) in [results/long-runs.json](results/long-runs.json), on this kind of machine; `npm run bench` lists them and uses them for the targets it did not measure itself.',
    '',
  );
  md.push(
    markdownTable(
      ['date', ...WORKLOAD_COLUMNS],
      longRuns.map((l) => [l.date, ...workloadRow(l.result)]),
    ),
    '',
  );
}

// The sweep targets are measured apart (`node bench/sweep.mjs`): their section is carried over.
const sweepPath = fileURLToPath(new URL('./results/sweep.json', import.meta.url));
if (existsSync(sweepPath)) md.push(...sweepSection(JSON.parse(readFileSync(sweepPath, 'utf8'))));

md.push('## Notes', '');
md.push(
  '- `workers` is passed to `simulate()`; with 1 the program runs on the calling thread (single-thread executor), with more on the worker pool, whose partitioner places the units ("workers" column: requested / used; "cut": channels between workers). On a 2-core machine the coordinator and 2 workers share 2 cores.',
);
md.push(
  '- Each workload figure is one run in a fresh process (the plain loops: best of several). On a small shared VM the spread between whole `npm run bench` runs can reach 20-25% (see the load average above); `npm run bench:ci` is the noise-hardened regression check.',
);
md.push(
  '- Cross-worker channel micro-benchmarks are timed directly (best of 3, pool start-up subtracted), not with tinybench: each run starts a pool.',
);
md.push(
  '- Merge scenarios: `copies` independent copies of (two timed sources with random gaps of 1-4 cycles -> time-ordered `merge` -> `sink`), channels of capacity 8. Adder tree: 1,024 `generator`s, 1,023 `bench.adder`s (bench/units.mjs) and one `sink` = 2,048 contexts, channels of capacity 8.',
);
md.push(
  full
    ? '- Full sizes (`--full`): SDPA up to N = 16384, naive N = 32768, merge 2^24 and adder 2^18 elements per leaf.'
    : '- Default sizes; `npm run bench -- --full` adds SDPA N = 8192 and 16384, naive N = 32768 (RSS target), merge 2^24 and adder 2^18 elements per leaf (long: minutes per scenario). `node bench/long.mjs [--only TEXT]` runs just those, one at a time, into the long-runs table.',
);
md.push(
  '- Regression check: `npm run bench:ci` (short, normalised by the calibration loop, compared with bench/baseline.json); `npm run bench:baseline` rewrites the baseline.',
  '',
);
writeFileSync(mdPath, md.join('\n'));
log(`wrote ${jsonPath} and ${mdPath}`);
for (const t of targets) log(`target ${t.status.padEnd(12)} ${t.target}: ${t.detail}`);
if (workloads.some((r) => r.error || !r.check.ok)) process.exitCode = 1;
