import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, DESIGNS, DESIGN_DEFS, depthFormula, publishedDepth } from '../dist/designs/sdpa/design.js';
import { formatCount, formatTable } from '../dist/reports/table.js';
import { damflow, MAIN, tempFile } from './helpers/cli.js';

describe('damflow run', () => {
  it('prints one JSON object with --json', () => {
    const r = damflow('run', '--design', 'modified', '--n', '8', '--workers', 'auto', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ design: 'modified', n: 8, d: 1, heads: 1, engine: 'compiled', workers: 1, status: 'ok', cycles: 174 });
    expect(out['intermediateMemory']).toEqual({ capacity: 44, peakOccupancy: expect.any(Number) });
    expect(out['maxError']).toBeLessThan(1e-12);
    expect(out).not.toHaveProperty('deadlock');
  });

  it("--timing-only's config says so: made a check case, it runs timing-only as the run did", () => {
    const r = damflow('run', '--design', 'modified', '--n', '8', '--timing-only', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { config: Record<string, unknown>; cycles: number; maxError: number | null };
    expect(out.config['timingOnly']).toBe(true);
    expect(out.maxError).toBeNull();
    // Spec section 4: the modified design's published run takes 2N^2 + 46 cycles.
    const file = tempFile('timing-only-case.json');
    writeFileSync(file, JSON.stringify({ cases: [{ ...out.config, expectedCycles: 2 * 8 * 8 + 46 }] }));
    const check = damflow('check', file);
    expect(check.status, check.stderr).toBe(0);
    // A run with the outputs keeps its config as it was: no timingOnly field.
    const full = JSON.parse(damflow('run', '--design', 'modified', '--n', '8', '--json').stdout) as { config: Record<string, unknown> };
    expect(full.config).not.toHaveProperty('timingOnly');
  });

  it('--depth CHANNEL=unbounded leaves one channel without a bound, as null does in a file', () => {
    const r = damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=unbounded', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { cycles: number; channels: { name: string; capacity: number | null }[] };
    expect(out.channels.find((c) => c.name === 'long')!.capacity).toBeNull();
    // The long FIFO holds a row at its published capacity already: unbounded, the run is the published one (spec section 3).
    expect(out.cycles).toBe(596);
  });

  it('says so when --engine compiled runs on the actors engine (a configuration its order does not fit), unless --quiet', () => {
    const args = ['run', '--design', 'naive', '--n', '16', '--depth', 'long=8', '--engine', 'compiled'];
    const r = damflow(...args);
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n')[0]).toBe(
      'damflow: ran on the actors engine: the compiled order does not fit this configuration (it deadlocks), and the actors engine reports how',
    );
    expect(damflow(...args, '--quiet').stderr).not.toContain('ran on the actors engine');
    // On the default engine (auto) the fallback is the documented choice: no note.
    expect(damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=8').stderr).not.toContain('ran on the actors engine');
  });

  it('gives the same figures on either engine', () => {
    const run = (engine: string): Record<string, unknown> => {
      const r = damflow('run', '--design', 'naive', '--n', '16', '--d', '2', '--engine', engine, '--json');
      expect(r.status).toBe(0);
      // What a run computes, without how (engine, workers, placement or execution), how fast, or its estimate.
      const {
        wallSeconds: _wall,
        estimate: _estimate,
        engine: _engine,
        workers: _workers,
        placement: _placement,
        execution: _execution,
        ...figures
      } = JSON.parse(r.stdout) as Record<string, unknown>;
      return figures;
    };
    expect(run('compiled')).toEqual(run('actors'));
  });

  it('carries the whole configuration that produced it, and that configuration reproduces it', () => {
    const r = damflow(
      'run',
      '--design',
      'naive',
      '--n',
      '12',
      '--seed',
      '42',
      '--latency',
      'div=40',
      '--depth',
      'div=1',
      '--depth',
      'h1/long=20',
      '--heads',
      '2',
      '--json',
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { config: Record<string, unknown>; cycles: number };
    expect(out.config).toEqual({
      design: 'naive',
      n: 12,
      d: 1,
      heads: 2,
      seed: 42,
      latency: { qktexp: 11, rowsum: 23, div: 40, matvec: 13 },
      ii: { qktexp: 1, rowsum: 2, div: 1, matvec: 2 },
      depth: { q: 144, k: 144, v: 144, short: 13, long: 46, rowsum: 24, div: 1, out: 12, 'h1/long': 20 },
    });
    const file = tempFile('again.json');
    writeFileSync(file, JSON.stringify({ cases: [{ ...out.config, expectedCycles: out.cycles }] }));
    expect(damflow('check', file).status).toBe(0);
  });

  it('shows the published reference in the readable summary', () => {
    const r = damflow('run', '--design', 'naive', '--n', '16');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/cycles: 596/);
    expect(r.stdout).toMatch(/published: 596 \(match\)/);
    expect(r.stdout).toMatch(/intermediate memory: capacity 96/);
    // However the published configuration is spelt; not for any other.
    expect(damflow('run', '--design', 'naive', '--n', '16', '--depth', 'short=13', '--latency', 'div=8').stdout).toMatch(
      /published: 596 \(match\)/,
    );
    expect(damflow('run', '--design', 'naive', '--n', '16', '--depth', 'short=14').stdout).not.toMatch(/published:/);
  });

  // Backpressure is what sizing a FIFO is about: the summary had left the room waits to the JSON.
  it("shows each channel's room waits in the readable summary, as the JSON counts them", () => {
    const args = ['run', '--design', 'naive', '--n', '4', '--depth', 'long=4'];
    const json = JSON.parse(damflow(...args, '--json').stdout) as { channels: { name: string; roomWaitCycles: number }[] };
    const text = damflow(...args).stdout;
    expect(text).toMatch(/ sender waiting for room$/m);
    for (const c of json.channels) expect(text).toMatch(new RegExp(`^${c.name} .* ${c.roomWaitCycles}$`, 'm'));
    expect(json.channels.find((c) => c.name === 'long')!.roomWaitCycles).toBeGreaterThan(0);
  });

  it("names the receiver's waits for data by what they are, not 'empty': the FIFO holds elements in flight meanwhile", () => {
    // Naive N = 4 (spec 2.1, by hand): the sink waits its whole 92 cycles for 'out', while MatVec
    // sends row 0 at its clock 55 (due at 68) and row 1 at 63: 'out' holds 1 or 2 elements then.
    const text = damflow('run', '--design', 'naive', '--n', '4').stdout;
    expect(text).not.toMatch(/empty/);
    expect(text).toMatch(/ receiver waiting for data +sender waiting for room$/m);
    expect(text).toMatch(/^out +4 +2 +4 +0 +92 +0$/m);
  });

  it('dumps Q, K, V and the output indexed [head][row][column]', () => {
    const file = tempFile('dump.json');
    const r = damflow('run', '--design', 'modified', '--n', '4', '--d', '3', '--heads', '2', '--dump', file, '--json');
    expect(r.status).toBe(0);
    const dump = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number[][][]>;
    for (const m of ['q', 'k', 'v', 'o']) {
      expect(dump[m]).toHaveLength(2);
      expect(dump[m]![1]).toHaveLength(4);
      expect(dump[m]![1]![3]).toHaveLength(3);
    }
  });

  it('writes through a link to a file, and refuses what is not a file (a FIFO) before running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'damflow-special-'));
    writeFileSync(join(dir, 'real.json'), 'old');
    symlinkSync('real.json', join(dir, 'link.json'));
    expect(damflow('run', '--design', 'modified', '--n', '4', '--dump', join(dir, 'link.json'), '--quiet').status).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real.json'), 'utf8'))).toHaveProperty('o');
    execFileSync('mkfifo', [join(dir, 'fifo.html')]);
    for (const option of ['--dump', '--trace', '--report']) {
      const r = damflow('run', '--design', 'modified', '--n', '4', option, join(dir, 'fifo.html'));
      expect([r.status, r.stdout, r.stderr]).toEqual([
        2,
        '',
        `damflow: cannot write ${option} '${join(dir, 'fifo.html')}': it is not a plain file\n`,
      ]);
    }
    expect(lstatSync(join(dir, 'fifo.html')).isFIFO()).toBe(true);
  });

  it('exits 3 and reports the long FIFO when the naive design cannot hold a score row', () => {
    const r = damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=8', '--json');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^deadlock/);
    expect(r.stderr).toContain('long');
    const out = JSON.parse(r.stdout) as { status: string; deadlock: unknown; maxError: unknown };
    expect(out.status).toBe('deadlock');
    expect(out.maxError).toBeNull();
    expect(JSON.stringify(out.deadlock)).toContain('long');
    // With --dump too: the same report and exit, a note, and no file (there are no outputs).
    const dump = tempFile('deadlock.json');
    const dumped = damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=8', '--json', '--dump', dump);
    expect(dumped.status).toBe(3);
    expect(dumped.stdout).toBe(r.stdout.replace(/"wallSeconds": [\d.e-]+/, () => /"wallSeconds": [\d.e-]+/.exec(dumped.stdout)![0]));
    expect(dumped.stderr).toMatch(/^damflow: no dump written to '.*': the run deadlocked, so it has no outputs\ndeadlock/);
    expect(existsSync(dump)).toBe(false);
  });

  it('says when the actors engine ran on fewer workers than asked for', () => {
    const r = damflow('run', '--design', 'naive', '--n', '32', '--unbounded', '--engine', 'actors', '--workers', '2', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { workers: number }).workers).toBe(1);
    expect(r.stderr).toMatch(/^damflow: ran on 1 of the 2 workers asked for: the actors engine could not spread the units further/);
  });

  it('runs when the long FIFO holds exactly one score row', () => {
    expect(damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=16').status).toBe(0);
  });

  const design = ['--design', 'naive', '--n', '4'];
  it.each([
    ['unknown flag', ['--bogus']],
    ['unknown design', ['--design', 'fast', '--n', '4']],
    ['missing design', ['--n', '4']],
    ['missing N', ['--design', 'naive']],
    ['zero N', ['--design', 'naive', '--n', '0']],
    ['non-integer N', ['--design', 'naive', '--n', '2.5']],
    ['zero d', [...design, '--d', '0']],
    ['negative heads', [...design, '--heads', '-1']],
    ['zero workers', [...design, '--workers', '0']],
    ['non-integer workers', [...design, '--workers', 'many']],
    ['unknown engine', [...design, '--engine', 'fast']],
    ['unknown channel', [...design, '--depth', 'nope=3']],
    ['zero capacity', [...design, '--depth', 'long=0']],
    ['a capacity that is no number nor unbounded', [...design, '--depth', 'long=null']],
    ['zero uniform depth', [...design, '--uniform-depth', '0']],
    ['unknown unit', [...design, '--latency', 'zzz=3']],
    ['zero latency', [...design, '--latency', 'div=0']],
    ['non-integer II', [...design, '--ii', 'div=x']],
    ['zero II', [...design, '--ii', 'div=0']],
    ['malformed KEY=V', [...design, '--ii', 'div']],
    ['a flag given twice', [...design, '--n', '5']],
    ['a channel given twice', [...design, '--depth', 'long=9', '--depth', 'long=10']],
    ['unbounded and a uniform depth', [...design, '--unbounded', '--uniform-depth', '4']],
    ['a seed past 32 bits', [...design, '--seed', '4294967296']],
    ['a head that does not exist', [...design, '--depth', 'h1/long=9']],
    ['--dump with --timing-only', [...design, '--timing-only', '--dump', join(tmpdir(), 'never.json')]],
    ['one file for --trace and --report', [...design, '--trace', join(tmpdir(), 'same.html'), '--report', join(tmpdir(), 'same.html')]],
    ['a report that is not an HTML file', [...design, '--report', join(tmpdir(), 'report.svg')]],
    [
      'a trace window past the rows, found before the run',
      [...design, '--trace', join(tmpdir(), 'never.json'), '--trace-window', 'rows:0:100'],
    ],
    ['a trace window without a trace', [...design, '--trace-window', '0:10']],
    ['a trace cap without a trace', [...design, '--trace-max-events', '5']],
    // Checked as head 1, but the program names it h1: it applied to nothing.
    ['a head written with a leading zero', [...design, '--heads', '2', '--depth', 'h01/long=9']],
    ['clocks past 2^53', ['--design', 'modified', '--n', '1000000000000']],
    ['a latency that takes clocks past 2^53', [...design, '--latency', 'div=9007199254740991']],
    // RunningSum issues every score element at II 2: 2 N^2 passes 2^53 where N^2 does not.
    ['an N whose IIs take clocks past 2^53, refused before it runs', ['--design', 'modified', '--n', '70000000', '--timing-only']],
    ['an II that takes clocks past 2^53', [...design, '--ii', 'matvec=9007199254740991']],
    ['outputs beyond any memory', [...design, '--d', '10000000000']],
    ['heads beyond any memory', [...design, '--heads', '100000000']],
    ['threads beyond any memory (each started, whatever the run)', [...design, '--workers', '100000']],
    ["a head's channel the design has not", [...design, '--depth', 'h0/qk=4']],
    ['a switch given twice', [...design, '--json', '--json']],
    ['--quiet given twice', [...design, '--quiet', '--quiet']],
    ['a stray word', [...design, 'extra']],
    ['options after the end of options', [...design, '--', '--seed', '5']],
  ])('exits 2 with one line on stderr: %s', (_label, args) => {
    const r = damflow('run', ...args);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^damflow: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('one file in two roles, where one writes it, is refused before anything runs', () => {
  const folder = mkdtempSync(join(tmpdir(), 'damflow-roles-'));
  const at = (name: string): string => join(folder, name);
  writeFileSync(at('s.yaml'), 'base: { design: modified, n: 16 }\ngrid: { n: [16, 32] }\n');
  writeFileSync(at('cases.json'), JSON.stringify({ cases: [{ design: 'naive', n: 8, expectedCycles: 196 }] }));
  writeFileSync(at('result.json'), damflow('run', '--design', 'naive', '--n', '8', '--json').stdout);
  symlinkSync('trace.json', at('link.json'));
  const inputs = ['s.yaml', 'cases.json', 'result.json'].map((name) => [name, readFileSync(at(name), 'utf8')] as const);

  it.each([
    [
      'report over its own result',
      ['report', at('result.json'), '--out', at('result.json')],
      /--out '.*' is the same file as the result file/,
    ],
    [
      'a sweep report over the sweep file',
      ['sweep', at('s.yaml'), '--report', at('s.yaml')],
      /--report '.*' is the same file as the sweep file/,
    ],
    [
      'a sweep report over its results',
      ['sweep', at('s.yaml'), '--results', at('r.jsonl'), '--report', at('r.jsonl')],
      /--report .* --results/,
    ],
    ["a sweep report over the results' CSV", ['sweep', at('s.yaml'), '--report', at('s.results.csv')], /the results' CSV/],
    ['a sweep plot and report in one file', ['sweep', at('s.yaml'), '--plot', at('same.html'), '--report', at('same.html')], /--plot/],
    ['a JUnit file over the cases', ['check', at('cases.json'), '--junit', at('cases.json')], /--junit .* the check file/],
    [
      'a trace and a dump through a link to a file not made yet',
      ['run', '--design', 'naive', '--n', '8', '--trace', at('trace.json'), '--dump', at('link.json')],
      /--trace '.*trace.json' is the same file as --dump/,
    ],
  ])('%s', (_label, args, message) => {
    const r = damflow(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    for (const [name, text] of inputs) expect(readFileSync(at(name), 'utf8')).toBe(text);
    expect(existsSync(at('trace.json'))).toBe(false);
  });
});

/** A channel's figures in the run JSON. */
interface ChannelFigures {
  name: string;
  head: number;
  capacity: number | null;
  peakOccupancy: number;
}

describe('damflow run: options', () => {
  it("sets one head's channel with --depth h0/qk=4", () => {
    const r = damflow('run', '--design', 'modified', '--n', '8', '--heads', '2', '--depth', 'h0/qk=4', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { config: { depth: Record<string, number> }; channels: ChannelFigures[] };
    expect(out.config.depth['h0/qk']).toBe(4);
    const qk = out.channels.filter((c) => c.name === 'qk');
    expect(qk.map((c) => [c.head, c.capacity])).toEqual([
      [0, 4],
      [1, publishedDepth(DESIGN_DEFS.modified.channels.find((c) => c.name === 'qk')!.capacity, 8)],
    ]);
    expect(qk[0]!.peakOccupancy).toBeLessThanOrEqual(4);
  });

  it('--quiet and --no-progress change nothing but the notes on stderr', () => {
    const plain = damflow('run', '--design', 'naive', '--n', '8', '--json');
    for (const flag of ['--quiet', '--no-progress']) {
      const r = damflow('run', '--design', 'naive', '--n', '8', '--json', flag);
      expect([r.status, r.stderr]).toEqual([0, '']);
      const { wallSeconds: _a, ...figures } = JSON.parse(r.stdout) as Record<string, unknown>;
      const { wallSeconds: _b, ...expected } = JSON.parse(plain.stdout) as Record<string, unknown>;
      expect(figures).toEqual(expected);
    }
  });

  it('--version and -V print the package version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(damflow(flag)).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('run --help lists every default: seed, d, heads, and each latency, II and capacity', () => {
    const r = damflow('run', '--help');
    expect(r.status).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`Defaults (spec section 2; seed ${DEFAULT_SEED}, d 1, heads 1):`);
    for (const design of DESIGNS) {
      const def = DESIGN_DEFS[design];
      expect(help).toContain(`${design}: units (latency/II) ${def.units.map((u) => `${u.name} ${u.latency}/${u.ii}`).join(', ')}`);
      expect(help).toContain(`channels (capacity) ${def.channels.map((c) => `${c.name} ${depthFormula(c.capacity)}`).join(', ')}`);
    }
  });
});

describe('damflow run: output', () => {
  it('lays out a table of more rows than a call takes arguments (the channels of 20,000 heads)', () => {
    const rows = Array.from({ length: 220_000 }, (_, i) => [String(i % 20_000), 'final', '22', '3', '4']);
    const table = formatTable(['head', 'channel', 'capacity', 'peak', 'tokens'], rows).split('\n');
    expect(table).toHaveLength(220_002);
    expect(table[1]).toBe('-----  -------  --------  ----  ------');
    expect(table.at(-1)).toBe('19999    final        22     3       4');
  });

  it.each([
    [
      'a folder that does not exist',
      '/nonexistent/x.json',
      /^damflow: cannot write --dump '\/nonexistent\/x\.json': folder '\/nonexistent' does not exist$/,
    ],
    ['a folder', tmpdir(), /^damflow: cannot write --dump '.*': it is a folder; give a file name$/],
    ['no name', '', /^damflow: --dump needs a file name$/],
  ])('refuses --dump to %s before the run, in one line (exit 2)', (_what, path, message) => {
    const started = performance.now();
    // A run of about 15 s: refused first, it never starts.
    const r = damflow('run', '--design', 'modified', '--n', '16384', '--dump', path);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });
});

// `> /dev/full`: a disk full under standard output had ended every command in a stack trace.
describe.runIf(existsSync('/dev/full'))('standard output that cannot be written', () => {
  it.each([
    ['run', '--design', 'naive', '--n', '16'],
    ['run', '--design', 'naive', '--n', '16', '--json'],
    ['check', fileURLToPath(new URL('./fixtures/dam-timing.json', import.meta.url))],
    ['size', '--design', 'modified', '--n', '16'],
  ])('is one line and exit 2: damflow %s', (...args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [MAIN, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toBe('damflow: cannot write standard output: ENOSPC: no space left on device, write\n');
    } finally {
      closeSync(full);
    }
  });
});

describe('formatCount', () => {
  it("groups an integer's digits as toLocaleString('en-US') does, without loading ICU", () => {
    const integer = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -999_999, max: 999_999 }));
    fc.assert(fc.property(integer, (x) => formatCount(x) === x.toLocaleString('en-US')));
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }),
        (b) => formatCount(Number(b)) === Number(b).toLocaleString('en-US'),
      ),
    );
    for (const x of [0, -0, 1.5, 2 ** 60, Number.NaN]) expect(formatCount(x)).toBe(x.toLocaleString('en-US'));
    expect(formatCount(null)).toBe('unbounded');
  });
});

describe('damflow demo', () => {
  it('is the default command and matches the published counts', () => {
    const r = damflow();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/naive\s+8,372\s+8,372\s+yes/);
    expect(r.stdout).toMatch(/modified\s+8,238\s+8,238\s+yes/);
  });
});
