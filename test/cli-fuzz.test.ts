import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Property-based fuzzing of the CLI's argument handling: argument lists built from the real
 * flags and from good, bad, huge, negative, empty, unicode, repeated and unknown values, run
 * by the built CLI in a child process. Good values stay small (N <= 16, d <= 4, heads <= 3,
 * workers <= 2), so every accepted run takes well under a second. DAMFLOW_FUZZ_SEED replays a
 * failure; DAMFLOW_FUZZ_RUNS runs more.
 */
const SEED = Number(process.env['DAMFLOW_FUZZ_SEED'] ?? 20240611);
const RUNS = Number(process.env['DAMFLOW_FUZZ_RUNS'] ?? 40);
const CLI = fileURLToPath(new URL('./fixtures/measured-cli.mjs', import.meta.url));
/** Per run: past it the run counts as a hang. */
const TIME_LIMIT_MS = 15_000;
const HEAP_MB = 256;
/** Peak resident memory of one accepted run: the heap above, V8's code and worker threads. */
const MAX_RSS = 400 * 2 ** 20;

const dir = mkdtempSync(join(tmpdir(), 'damflow-fuzz-'));
const checkFile = join(dir, 'check.json');
writeFileSync(checkFile, JSON.stringify({ cases: [{ design: 'naive', n: 4, expectedCycles: 92 }] }));
const notJson = join(dir, 'not.json');
writeFileSync(notJson, '{ "cases": [');

const count = (max: number): fc.Arbitrary<string> => fc.integer({ min: 1, max }).map(String);
const channel = fc.constantFrom('q', 'k', 'long', 'div', 'qk', 'e2', 'final', 'h0/long', 'h1/qk', 'h9/q', 'nope', '', 'ü');
const unit = fc.constantFrom('qktexp', 'rowsum', 'div', 'matvec', 'qkt', 'runningmax', 'runningout', 'h0/div', 'zzz', '');
const assignment = (names: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(names, value).map(([name, v]) => `${name}=${v}`);
/**
 * Values every flag may get: malformed, negative, empty, unicode, past 2^53; all refused where a
 * number is due (a huge valid size is a memory estimate's business, not argument handling's).
 */
const bad = fc.constantFrom(
  '0',
  '-1',
  '-0',
  '+3',
  '2.5',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  'abc',
  '',
  ' ',
  '٣',
  '日本語',
  '🙂',
  '99999999999999999999',
  '--n',
  'naive',
  'x=',
  '=3',
  'long=0',
  'long=-2',
  'div=1.5',
);
const dumpFile = join(dir, 'dump.json');
const files = fc.constantFrom(dumpFile, join(dir, 'junit.xml'), '/nonexistent/x.json', '', dir);
/** Good values, per flag that takes one. */
const GOOD: Record<string, fc.Arbitrary<string>> = {
  '--design': fc.constantFrom('naive', 'modified'),
  '--n': count(16),
  '--d': count(4),
  '--heads': count(3),
  '--workers': fc.constantFrom('1', '2', 'auto'),
  '--engine': fc.constantFrom('auto', 'compiled', 'actors'),
  // Up to 2^32, one past the last seed.
  '--seed': fc.integer({ min: 0, max: 2 ** 32 }).map(String),
  '--uniform-depth': count(64),
  '--depth': assignment(channel, count(1e9)),
  '--latency': assignment(unit, count(1000)),
  '--ii': assignment(unit, count(20)),
  '--dump': files,
  '--junit': files,
};
const SWITCHES = [
  '--unbounded',
  '--timing-only',
  '--no-fast-forward',
  '--json',
  '--no-progress',
  '--quiet',
  '--update',
  '--help',
  '-h',
  '--version',
  '-V',
];
const UNKNOWN = ['--bogus', '-x', '--N', '---n', '--design-x', '—design', '--', 'extra', '-'];

const valued = fc
  .constantFrom(...Object.keys(GOOD))
  .chain((flag) => fc.oneof({ weight: 3, arbitrary: GOOD[flag]! }, { weight: 1, arbitrary: bad }).map((value) => [flag, value] as const));
const option: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: valued.map(([flag, value]) => [flag, value]) },
  { weight: 1, arbitrary: valued.map(([flag, value]) => [`${flag}=${value}`]) },
  { weight: 3, arbitrary: fc.constantFrom(...SWITCHES).map((s) => [s]) },
  { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN).map((s) => [s]) },
);
const options = fc.array(option, { maxLength: 5 }).map((list) => list.flat());

/** Mostly runs that may be accepted; then check files of every kind; then anything at all. */
const argv: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(GOOD['--design']!, GOOD['--n']!, options).map(([d, n, rest]) => ['run', '--design', d, '--n', n, ...rest]),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(checkFile, notJson, '/nonexistent.json', dir, ''), options)
      .map(([f, rest]) => ['check', f, ...rest]),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('run', 'check', 'runn', 'RUN', 'help', '☃', ''), options)
      .map(([command, rest]) => [command, ...rest]),
  },
  // The demo takes about a second: only with options, which it refuses.
  { weight: 1, arbitrary: fc.tuple(option, options).map(([first, rest]) => ['demo', ...first, ...rest]) },
);

interface Ran {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory in bytes, or null when the process died before it could say. */
  readonly peakRss: number | null;
}

function damflow(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, ...args], {
      // In a folder of its own: a value taken for a file name (--junit 1e3) lands there.
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: TIME_LIMIT_MS,
      killSignal: 'SIGKILL',
    });
    const streams = [child.stdout!, child.stderr!, child.stdio[3] as NodeJS.ReadableStream];
    const text = ['', '', ''];
    streams.forEach((stream, i) => stream.on('data', (chunk) => (text[i] += String(chunk))));
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({ status, signal, stdout: text[0]!, stderr: text[1]!, peakRss: text[2] === '' ? null : Number(text[2]) }),
    );
  });
}

function expectHandled(args: readonly string[], r: Ran): void {
  const shown = `damflow ${args.map((a) => JSON.stringify(a)).join(' ')}\nexit ${r.status} ${r.signal ?? ''}\n${r.stderr}`;
  expect(r.signal, `killed (a hang past ${TIME_LIMIT_MS} ms, or memory): ${shown}`).toBeNull();
  expect([0, 1, 2, 3], shown).toContain(r.status);
  expect(r.stderr, shown).not.toMatch(/\n\s+at /);
  if (r.status === 2) expect(r.stderr.trimEnd().split('\n'), shown).toHaveLength(1);
  expect(r.peakRss, shown).not.toBeNull();
  expect(r.peakRss!, shown).toBeLessThan(MAX_RSS);
}

describe('damflow CLI under fuzzed arguments', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`exits 0-3, in one line when it refuses, without a hang, in bounded memory (seed ${SEED})`, async () => {
    // Two command lines at a time: the suite's two cores.
    const property = fc.asyncProperty(fc.tuple(argv, argv), async (pair) => {
      const ran = await Promise.all(pair.map(damflow));
      pair.forEach((args, i) => expectHandled(args, ran[i]!));
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS });
    } catch (error) {
      console.error(`CLI fuzz failed: replay with DAMFLOW_FUZZ_SEED=${SEED}`);
      throw error;
    }
  }, 300_000);
});
