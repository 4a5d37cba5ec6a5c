#!/usr/bin/env node
/**
 * `npm run bench:targets`: issue 13's targets for long sequences, each a whole `damflow run`
 * process as a user starts it (node start-up, the pool, the run, the reference check), timed
 * with its peak RSS, on this machine. Writes bench/results/targets.json, which `npm run bench`
 * folds into RESULTS.md. About 5-9 minutes on 2 cores, as fast as the VM is that hour (the
 * plain loop timed first says how fast that is). Flags: --only TEXT (targets whose name
 * has TEXT; their figures go to results/targets-partial.json, which git ignores), --rounds N
 * (alternations for the speedup figures, default 3).
 *
 *   4 heads, modified, N = 4096, default flags: >= 1.7x faster than --workers 1, and not
 *     slower than any explicit engine and worker choice (beside it, in the same rounds, the
 *     same arithmetic as a plain program in 1 and 2 threads: what the machine gives then);
 *   one head, modified, N = 16384, default flags: within 1.5x of a plain single-thread
 *     streaming-SDPA loop doing the same arithmetic (bench/lib.mjs plainSdpa);
 *   modified, N = 32768 (the published run, 3.5 hours in DAM): under 25 s, 2,147,483,694 cycles;
 *   naive, N = 32768: under 60 s, peak RSS under 256 MiB;
 *   --timing-only, modified, N = 1,048,576: exact cycles (2N^2 + 46) in under 3 s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { bestTime, fmtMs, machine, plainHeadsRun, plainSdpa, sdpaInputs, wholeRun } from './lib.mjs';
import { readOptions } from './options.mjs';

const options = readOptions(
  'Usage: npm run bench:targets (builds first), or node bench/targets.mjs [--only TEXT] [--rounds N] after a build',
  {
    '--only': 'text',
    '--rounds': { min: 1, integer: true },
  },
);
const only = options['--only'];
const rounds = options['--rounds'] ?? 3;
const log = (s) => process.stderr.write(`${s}\n`);

/**
 * The faster of `rounds` runs of each variant, alternated so that a busy spell on a shared
 * machine falls on all, with every round's time (`rounds`, in order). A variant is `damflow
 * run`'s arguments, or a function that runs a process.
 */
function alternated(variants) {
  const best = new Map(variants.map(([name]) => [name, null]));
  const times = new Map(variants.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, runArgs] of variants) {
      const run = typeof runArgs === 'function' ? runArgs() : wholeRun(runArgs);
      log(`  ${name}: ${fmtMs(run.wallMs)} (${run.engine}, ${run.workers} worker(s))`);
      times.get(name).push(run.wallMs);
      const kept = best.get(name);
      if (kept === null || run.wallMs < kept.wallMs) best.set(name, run);
    }
  }
  for (const [name, run] of best) run.rounds = times.get(name);
  return best;
}

/** Each round's ratio of two variants' times (a over b), run minutes apart at most: `1.82x/1.95x/1.57x`. */
const roundRatios = (a, b) => a.rounds.map((t, r) => `${(t / b.rounds[r]).toFixed(2)}x`).join('/');

const targets = [];
// The absolute targets were set on a machine whose plain loop took 4.2 s at N = 16384 (the
// issue's 19.5 s at 4.6x); this VM's speed drifts by up to 2x through a day. A short plain
// loop, timed first, says how fast the machine is now, and each absolute target reads against
// the plain loop's time at its N (N^2 from N = 4096, best of 3).
const calibration = bestTime(() => plainSdpa(sdpaInputs(4096, 1, 1, 1), 4096, 1), { minReps: 3, maxReps: 3, minMs: 0 });
const plainAt = (n) => calibration.ms * (n / 4096) ** 2;
log(`calibration: plain streaming-SDPA loop, N = 4096: ${fmtMs(calibration.ms)}`);
const PLAIN_ONE = 'plain program, 1 thread';
const PLAIN_TWO = 'plain program, 2 threads';
const want = (name) => only === undefined || name.includes(only);
const pass = (ok) => (ok ? 'PASS' : 'MISS');

{
  const name = '4 heads, modified, N = 4096, default flags: >= 1.7x faster than --workers 1, and not slower than any explicit choice';
  if (want(name)) {
    log(name);
    const base = ['--design', 'modified', '--n', '4096', '--heads', '4'];
    const runs = alternated([
      ['default', base],
      ['--workers 1', [...base, '--workers', '1']],
      ['--engine compiled --workers 2', [...base, '--engine', 'compiled', '--workers', '2']],
      ['--engine compiled --workers 4', [...base, '--engine', 'compiled', '--workers', '4']],
      ['--engine compiled --workers 2 --no-fast-forward', [...base, '--engine', 'compiled', '--workers', '2', '--no-fast-forward']],
      ['--engine actors --workers 2', [...base, '--engine', 'actors', '--workers', '2']],
      // The machine's ceiling in the same minutes: the same arithmetic with no simulation.
      [PLAIN_ONE, () => plainHeadsRun(4096, 4, 1)],
      [PLAIN_TWO, () => plainHeadsRun(4096, 4, 2)],
    ]);
    const ceiling = runs.get(PLAIN_ONE).wallMs / runs.get(PLAIN_TWO).wallMs;
    // An explicit choice that names what the default chose (same engine, workers, fast-forward)
    // is the same run: its times and the default's are pooled, and it is not a rival.
    const same = ([n, r]) =>
      r.engine === runs.get('default').engine && r.workers === runs.get('default').workers && !n.includes('--no-fast-forward');
    const twins = [...runs.entries()].filter(([n, r]) => n !== 'default' && same([n, r]));
    const def = [runs.get('default'), ...twins.map(([, r]) => r)].reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const speedup = runs.get('--workers 1').wallMs / def.wallMs;
    const fastest = [...runs.entries()]
      .filter(([n, r]) => n !== 'default' && r.engine !== 'plain' && !same([n, r]))
      .reduce((a, b) => (b[1].wallMs < a[1].wallMs ? b : a));
    // "Not slower": within the noise of the faster-of-N measurement (5%).
    const notSlower = def.wallMs <= fastest[1].wallMs * 1.05;
    targets.push({
      target: name,
      status: pass(speedup >= 1.7 && notSlower),
      detail: `default ${fmtMs(def.wallMs)} (${def.workers} workers${twins.length > 0 ? `, best with ${twins.map(([n]) => n).join(', ')}, the same run` : ''}), --workers 1 ${fmtMs(runs.get('--workers 1').wallMs)}: ${speedup.toFixed(2)}x; fastest explicit choice ${fastest[0]} ${fmtMs(fastest[1].wallMs)}${notSlower ? '' : ': the default is slower'}; the same arithmetic as a plain program (bench/plain-heads.mjs) ${fmtMs(runs.get(PLAIN_ONE).wallMs)} in 1 thread, ${fmtMs(runs.get(PLAIN_TWO).wallMs)} in 2: ${ceiling.toFixed(2)}x, the machine's ceiling in these minutes; round by round, --workers 1 over default ${roundRatios(runs.get('--workers 1'), runs.get('default'))}, the plain program ${roundRatios(runs.get(PLAIN_ONE), runs.get(PLAIN_TWO))}`,
      ceiling,
      runs: Object.fromEntries([...runs.entries()].map(([n, r]) => [n, r.wallMs])),
    });
  }
}

{
  const name = 'one head, modified, N = 16384, default flags: within 1.5x of a plain single-thread streaming-SDPA loop';
  if (want(name)) {
    log(name);
    const runs = alternated([['default', ['--design', 'modified', '--n', '16384']]]);
    const run = runs.get('default');
    const inputs = sdpaInputs(16384, 1, 1, 1);
    const plain = bestTime(() => plainSdpa(inputs, 16384, 1), { minReps: 2, maxReps: 3, minMs: 0 });
    const ratio = run.wallMs / plain.ms;
    targets.push({
      target: name,
      status: pass(ratio <= 1.5),
      detail: `${fmtMs(run.wallMs)} (${run.workers} workers, rows simulated ${run.execution?.groups?.[0]?.rowsSimulated}) against the plain loop's ${fmtMs(plain.ms)}: ${ratio.toFixed(2)}x`,
      wallMs: run.wallMs,
      plainMs: plain.ms,
    });
  }
}

for (const [design, limitS, cycles, rssLimit] of [
  ['modified', 25, 2_147_483_694, null],
  ['naive', 60, null, 256],
]) {
  const name = `${design}, N = 32768, default flags: under ${limitS} s${cycles ? `, ${cycles.toLocaleString('en-US')} cycles` : ''}${rssLimit ? `, peak RSS under ${rssLimit} MiB` : ''}`;
  if (!want(name)) continue;
  log(name);
  const run = wholeRun(['--design', design, '--n', '32768']);
  const ok = run.wallMs <= limitS * 1000 && (cycles === null || run.cycles === cycles) && (rssLimit === null || run.peakRssMiB < rssLimit);
  targets.push({
    target: name,
    status: pass(ok),
    detail: `${fmtMs(run.wallMs)}, ${run.cycles.toLocaleString('en-US')} cycles, peak RSS ${run.peakRssMiB?.toFixed(0)} MiB, ${run.workers} workers, timing: ${run.execution?.groups?.[0]?.rowsSimulated} rows simulated; the plain loop would take ${fmtMs(plainAt(32768))} here (${(run.wallMs / plainAt(32768)).toFixed(2)}x)`,
    wallMs: run.wallMs,
    plainEstimateMs: plainAt(32768),
    cycles: run.cycles,
    peakRssMiB: run.peakRssMiB,
  });
}

{
  const n = 1_048_576;
  const name = `--timing-only, modified, N = ${n.toLocaleString('en-US')}: exact cycles (2N^2 + 46) in under 3 s`;
  if (want(name)) {
    log(name);
    const run = wholeRun(['--design', 'modified', '--n', String(n), '--timing-only']);
    const expected = 2 * n * n + 46;
    targets.push({
      target: name,
      status: pass(run.cycles === expected && run.wallMs < 3000),
      detail: `${fmtMs(run.wallMs)}, ${run.cycles.toLocaleString('en-US')} cycles (2N^2 + 46 = ${expected.toLocaleString('en-US')}), peak RSS ${run.peakRssMiB?.toFixed(0)} MiB`,
      wallMs: run.wallMs,
      cycles: run.cycles,
    });
  }
}

for (const t of targets) log(`${t.status} ${t.target}: ${t.detail}`);
if (targets.length === 0) {
  log(`no target's name has '${only}'`);
  process.exit(2);
}
const report = {
  date: new Date().toISOString(),
  machine: machine(),
  loadavg: os.loadavg(),
  plainLoopN4096Ms: calibration.ms,
  only: only ?? null,
  targets,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}${only === undefined ? 'targets' : 'targets-partial'}.json`, `${JSON.stringify(report, null, 2)}\n`);
if (targets.some((t) => t.status !== 'PASS')) process.exitCode = 1;
