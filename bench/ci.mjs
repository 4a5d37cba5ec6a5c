#!/usr/bin/env node
/**
 * `npm run bench:ci`: is this tree slower than the baseline commit named in
 * bench/baseline.json? The baseline commit is built next to this tree (git archive into a
 * temporary folder, compiled with this tree's tsc and node_modules), and both builds run the
 * same fixed figures in the same processes, alternating round by round. A shared 2-core VM's
 * speed drifts by 2x within an hour and differs from one machine to the next by more than a
 * calibration loop can factor out (a token's cost moved 3x where the loop moved 1.6x), so
 * only figures taken side by side, at the same moment, compare.
 *
 * Each figure: in each of --procs fresh processes (JIT decisions differ more between
 * processes than between repetitions), one uncounted run of each build, then --rounds
 * rounds (more for a short figure) of one run each, the order swapped every round. A round's
 * two runs are a moment apart, so their ratio (this tree / baseline build) sees the same
 * machine; the figure's ratio is the median over all rounds of all processes, which a spell
 * of noise or a process whose JIT chose badly moves little. Exits 1 when a ratio exceeds
 * 1 + --tolerance (0.25); a figure the baseline build cannot run is shown as new.
 *
 * `--against REF` compares with another commit instead of the baseline's. `--write-baseline`
 * (npm run bench:baseline) makes HEAD the baseline commit; the tree must be committed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './lib.mjs';
import { readOptions } from './options.mjs';

const USAGE =
  'Usage: npm run bench:ci (builds first), or node bench/ci.mjs [--procs P] [--rounds R] [--tolerance T] [--against REF] [--write-baseline] after a build';
const FLAGS = {
  '--procs': { min: 1, integer: true },
  '--rounds': { min: 1, integer: true },
  '--tolerance': { min: 0 },
  '--against': 'text',
  '--write-baseline': 'switch',
};
// A child measures one build's figures in a fresh process: `--child ROOT` and its parent's --rounds.
const args = process.argv.slice(2);
const child = args[0] === '--child' ? args[1] : null;
const options = readOptions(USAGE, FLAGS, child === null ? args : args.slice(2));
const PROCS = options['--procs'] ?? 3;
const ROUNDS = options['--rounds'] ?? 5;
const TOLERANCE = options['--tolerance'] ?? 0.25;
/** Short figures get more rounds, up to 4 x --rounds, within this much time per process. */
const FIGURE_MS = 3000;
const repo = fileURLToPath(new URL('..', import.meta.url));
const baselinePath = join(repo, 'bench', 'baseline.json');

/** The fixed figures, built from one build's own library and benchmark programs. */
async function figuresOf(root) {
  const load = (path) => import(pathToFileURL(join(root, path)).href);
  const [{ sdpaProgram, simulate }, { mergeProgram, adderTreeProgram }, { pipeProgram }] = await Promise.all([
    load('dist/index.js'),
    load('bench/lib.mjs'),
    load('bench/micro.mjs'),
  ]);
  const wallMs = async (build, engine = 'actors', fastForward = true) => {
    const program = build();
    const t0 = performance.now();
    const r = await simulate(program, { workers: 1, engine, fastForward });
    const ms = performance.now() - t0;
    // A build older than the engine field ran its one engine, the actors engine.
    if (r.status !== 'ok' || (r.engine ?? 'actors') !== engine)
      throw new Error(`run ended in ${r.status} on the ${r.engine ?? 'actors'} engine`);
    return ms;
  };
  const sdpa = (design, n) => () => sdpaProgram({ design, n, d: 1, heads: 1, seed: 1 });
  const TOKENS = 2_000_000;
  return [
    [
      'token cost, generator -> sink unbounded (2M tokens)',
      'ns/token',
      async () => ((await wallMs(() => pipeProgram(TOKENS, null))) * 1e6) / TOKENS,
    ],
    ['SDPA modified N=512 d=1 (published FIFOs)', 'ms', () => wallMs(sdpa('modified', 512))],
    ['SDPA modified N=512 d=1 (published FIFOs), compiled engine, every row', 'ms', () => wallMs(sdpa('modified', 512), 'compiled', false)],
    ['SDPA naive N=2048 d=1 (published FIFOs), compiled engine, fast-forward', 'ms', () => wallMs(sdpa('naive', 2048), 'compiled', true)],
    ['SDPA naive N=512 d=1 (published FIFOs)', 'ms', () => wallMs(sdpa('naive', 512))],
    ['merge 2 x 2^18 timed elements', 'ms', () => wallMs(() => mergeProgram({ elements: 2 ** 18, copies: 1 }))],
    ['adder tree 1024 leaves x 2^10 (2048 contexts)', 'ms', () => wallMs(() => adderTreeProgram({ leaves: 1024, elements: 2 ** 10 }))],
  ];
}

/**
 * One process: both builds, each figure alternated round by round. Returns each build's
 * best, and the ratio of each round's pair (this tree / baseline build), taken a moment apart.
 */
async function measureHere(baseRoot) {
  const [head, base] = await Promise.all([figuresOf(repo), figuresOf(baseRoot)]);
  const measured = {};
  for (const [i, [name, unit, runHead]] of head.entries()) {
    const runBase = base.find(([n]) => n === name)?.[2];
    let baseError = runBase === undefined ? 'no such figure' : null;
    const best = { head: Infinity, base: Infinity };
    const ratios = [];
    const once = async (which) => {
      if (which === 'head') return runHead();
      try {
        return await runBase();
      } catch (e) {
        baseError = e instanceof Error ? e.message : String(e);
        return NaN;
      }
    };
    const started = performance.now();
    for (let r = -1; r < ROUNDS || (r < 4 * ROUNDS && performance.now() - started < FIGURE_MS); r++) {
      const order = (r + i) % 2 === 0 ? ['head', 'base'] : ['base', 'head'];
      const pair = {};
      for (const which of order) if (which === 'head' || baseError === null) pair[which] = await once(which);
      if (r === -1) continue; // the warm-up runs are not counted
      best.head = Math.min(best.head, pair.head);
      if (baseError !== null) continue;
      best.base = Math.min(best.base, pair.base);
      ratios.push(pair.head / pair.base);
    }
    measured[name] = { unit, head: best.head, base: baseError === null ? best.base : null, baseError, ratios };
  }
  return measured;
}

function git(...gitArgs) {
  const r = spawnSync('git', gitArgs, { cwd: repo, encoding: 'utf8', maxBuffer: 2 ** 30 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function fail(message, code = 2) {
  console.error(`bench:ci: ${message}`);
  process.exit(code);
}

/** The commit built beside this tree, in a temporary folder reused while it is there. */
function baselineBuild(sha) {
  const dir = join(tmpdir(), `damflow-bench-${sha.slice(0, 12)}`);
  const modules = join(dir, 'node_modules');
  if (existsSync(join(dir, 'dist', 'index.js'))) {
    // Built by another checkout, perhaps one since removed: its modules link points to this one's.
    rmSync(modules, { force: true });
    symlinkSync(join(repo, 'node_modules'), modules, 'dir');
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', sha], { cwd: repo, maxBuffer: 2 ** 30 });
  if (archive.status !== 0) fail(`git archive ${sha} failed: ${archive.stderr}`);
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (tar.status !== 0) fail(`unpacking ${sha} failed: ${tar.stderr}`);
  symlinkSync(join(repo, 'node_modules'), modules, 'dir');
  const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
  });
  if (tsc.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    fail(`the baseline commit ${sha} does not build: ${tsc.stdout.split('\n')[0]}`);
  }
  return dir;
}

if (child !== null) {
  process.stdout.write(`RESULT ${JSON.stringify(await measureHere(child))}\n`);
  process.exit(0);
}

if (options['--write-baseline']) {
  const dirty = git('status', '--porcelain', '--untracked-files=no');
  if (dirty === null) fail('not in a git checkout');
  if (dirty !== '') fail('commit first: the baseline is a commit, and this tree has uncommitted changes');
  const commit = git('rev-parse', 'HEAD');
  const baseline = {
    note: 'Written by `npm run bench:baseline`: bench:ci builds this commit beside the tree under test and fails when a figure, taken side by side, is more than 25% slower.',
    commit,
    subject: git('log', '-1', '--format=%s', commit).slice(0, 200),
    createdAt: new Date().toISOString(),
  };
  writeFileSync(baselinePath, `${JSON.stringify(baseline, null, 2)}\n`);
  console.log(`wrote ${baselinePath}: baseline commit ${commit}`);
  process.exit(0);
}

const against = options['--against'] ?? (existsSync(baselinePath) ? JSON.parse(readFileSync(baselinePath, 'utf8')).commit : undefined);
if (against === undefined) fail('no bench/baseline.json: run `npm run bench:baseline` first');
const sha = git('rev-parse', '--verify', '--quiet', `${against}^{commit}`);
if (sha === null) fail(`the baseline commit ${against} is not in this clone (a shallow clone? git fetch --unshallow)`);
const t0 = performance.now();
const baseRoot = baselineBuild(sha);
console.log(`baseline build: ${sha.slice(0, 12)} (${git('log', '-1', '--format=%s', sha).slice(0, 80)}) in ${baseRoot}`);

const best = {};
for (let p = 0; p < PROCS; p++) {
  // The rounds asked for are the children's to run: they had always run 5.
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', baseRoot, '--rounds', String(ROUNDS)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.status !== 0 || line === undefined) fail(`measuring process ${p + 1} failed (exit ${run.status})`, 3);
  const measured = JSON.parse(line.slice('RESULT '.length));
  for (const [name, f] of Object.entries(measured)) {
    const b = (best[name] ??= { unit: f.unit, head: Infinity, base: Infinity, baseError: null, ratios: [] });
    b.head = Math.min(b.head, f.head);
    b.ratios.push(...f.ratios);
    if (f.base === null) b.baseError = f.baseError;
    else b.base = Math.min(b.base, f.base);
  }
  const shown = Object.entries(measured).map(([n, f]) => `${n.split(' (')[0]} ${f.head.toFixed(1)}/${f.base?.toFixed(1) ?? '-'}`);
  process.stderr.write(`process ${p + 1}/${PROCS} (this tree/baseline): ${shown.join('; ')}\n`);
}

const rows = [['figure', 'unit', 'baseline best', 'this tree best', 'ratio', '']];
let failed = 0;
for (const [name, f] of Object.entries(best)) {
  if (f.baseError !== null) {
    rows.push([name, f.unit, '-', f.head.toFixed(2), '-', `new (the baseline build: ${f.baseError})`]);
    continue;
  }
  const ratio = median(f.ratios);
  const bad = ratio > 1 + TOLERANCE;
  if (bad) failed++;
  rows.push([name, f.unit, f.base.toFixed(2), f.head.toFixed(2), ratio.toFixed(3), bad ? `WORSE (> ${(1 + TOLERANCE).toFixed(2)})` : 'ok']);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, c) => (c === 0 || c === 1 || c === 5 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(
  `${ROUNDS} or more alternated rounds in each of ${PROCS} processes, both builds side by side; ` +
    `ratio = the median over the rounds of this tree / baseline, each pair a moment apart; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
if (rows.slice(1).every((r) => r[4] === '-')) fail('no figure could be compared with the baseline build');
if (failed > 0) fail(`FAILED: ${failed} figure(s) more than ${(TOLERANCE * 100).toFixed(0)}% slower than the baseline commit`, 1);
console.log('bench:ci passed');
