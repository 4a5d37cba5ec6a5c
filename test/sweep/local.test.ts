import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { byHash, pointLabels, records, recordFigures, singleRunFigures, start, sweepDir, until } from '../helpers/sweep.js';
import { thisBuild } from '../../dist/sweep/build.js';
import type { JobRecord } from '../../dist/sweep/sweep-job.js';

/** 16 small jobs: both designs, three sizes, published and tight FIFOs (the naive design deadlocks there), d and a latency. */
const SWEEP = `
base: { design: modified, n: 16 }
grid:
  design: [naive, modified]
  n: [8, 16, 24]
list:
  - {}
  - { uniformDepth: 3 }
`;
const EXTRA = `  - { d: 2, latency.div: 30 }\n`;

/** Runs a sweep to completion; its records, in job order. */
function sweep(file: string, ...args: string[]): { stdout: string; list: JobRecord[]; results: string } {
  const results = join(file, '..', `${args.join('').replace(/\W/g, '') || 'plain'}.jsonl`);
  const r = damflow('sweep', file, '--results', results, ...args);
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, list: records(results).sort((a, b) => a.index - b.index), results };
}

/** A string as a regular expression matching it alone. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a record is the plain configuration's job: no engine or fast-forward asked for. */
const plainHash = (r: JobRecord): string => (r.config.engine === undefined && r.config.fastForward === undefined ? r.hash : '');

describe('damflow sweep on the local pool', () => {
  it('records for every job exactly what a single run of its configuration gives, with a summary table and a CSV', async () => {
    const { file } = sweepDir('s.yaml', SWEEP + EXTRA);
    const { stdout, list, results } = sweep(file, '--workers', '2');
    expect(list.map((r) => r.index)).toEqual([...Array(18).keys()]);
    for (const record of list) {
      expect(recordFigures(record)).toEqual(await singleRunFigures(record));
      expect(record.ranOn.via).toBe('pool');
      expect(record.wallSeconds).toBeGreaterThan(0);
    }
    expect(list.filter((r) => r.status === 'deadlock').map((r) => r.point)).toEqual(
      [8, 16, 24].map((n) => ({ design: 'naive', n, uniformDepth: 3 })),
    );
    expect(stdout).toMatch(/^18 jobs: 15 ok, 3 deadlock, 0 failed \(/m);
    // Each d = 1 shape has two jobs (published FIFOs and depth 3): one check of their outputs.
    expect(list.map((r) => r.check ?? null)).toEqual(list.map((r) => (r.status !== 'ok' ? null : r.config.d === 1 ? 'shared' : 'own')));
    expect(stdout).toMatch(/^outputs: 9 jobs of 6 shape\(s\) checked once per shape/m);
    // Run again, it runs nothing and checks nothing: the line had counted the earlier records.
    expect(sweep(file, '--workers', '2').stdout).not.toMatch(/^outputs:/m);
    expect(stdout).toMatch(/^7 +naive +24 +3 +deadlock +\d+ /m);
    // A deadlocked job's record says who waits on what, as damflow run --json does, so that nobody runs it again to see.
    const stuck = list.find((r) => r.status === 'deadlock')!;
    const run = damflow('run', '--design', 'naive', '--n', String(stuck.config.n), '--uniform-depth', '3', '--json');
    expect(stuck.deadlock).toEqual((JSON.parse(run.stdout) as { deadlock: unknown }).deadlock);
    expect(stuck.deadlock!.blocked.length).toBeGreaterThan(0);
    expect(list.filter((r) => r.status !== 'deadlock').every((r) => !('deadlock' in r))).toBe(true);

    const csv = readFileSync(results.replace(/\.jsonl$/, '.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = csv[0]!.split(',');
    expect(csv).toHaveLength(19);
    // The deadlock report is the JSON line's: no column of the CSV holds it.
    expect(header.some((name) => name.includes('deadlock') || name.includes('blocked'))).toBe(false);
    for (const line of csv.slice(1)) {
      const row = Object.fromEntries(line.split(',').map((cell, i) => [header[i], cell]));
      const record = list.find((r) => r.hash === row['hash'])!;
      expect(row).toMatchObject({
        status: record.status,
        design: record.config.design,
        n: String(record.config.n),
        cycles: String(record.cycles),
        build: record.build,
      });
      expect(row['peak.q']).toBe(String(record.peaks!['q']));
      expect(row['depth.rowsum']).toBe(String(record.config.depth['rowsum']));
    }
  });

  it('resumes after a kill where it stopped: finished jobs are not run again, a torn last line is dropped', async () => {
    const { file } = sweepDir('s.yaml', 'base: { design: modified }\ngrid:\n  n: { from: 128, to: 184, step: 8 }\n');
    const results = join(file, '..', 'resume.jsonl');
    const first = start('sweep', file, '--results', results, '--workers', '1');
    await until(
      () => (readFileSync(results, { encoding: 'utf8', flag: 'a+' }).match(/\n/g) ?? []).length >= 3,
      30_000,
      'three finished jobs',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const before = records(results);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(8);
    appendFileSync(results, '{"index":7,"hash":"torn'); // what a kill in the middle of a write leaves

    const second = damflow('sweep', file, '--results', results, '--workers', '2');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain(`${before.length} of 8 jobs already in`);
    expect(second.stderr).toContain(
      `damflow: the last line of '${results}' is torn (a kill while it was written?): cut off; its job runs again\n`,
    );
    const after = records(results);
    expect(after).toHaveLength(8);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).every((r) => r.ranOn.pid !== first.child.pid)).toBe(true);
    for (const record of after) expect(recordFigures(record)).toEqual(await singleRunFigures(record));
  });

  // Ctrl-C pressed twice, or `timeout -s INT`, which signals the process and then its group:
  // the second signal, after the sweep has said it stopped, had added a line of its own.
  it('says before it starts which job will take long by estimate; Ctrl-C then stops it and keeps what finished, in one line however often pressed', async () => {
    const { file } = sweepDir('s.yaml', 'base: { design: modified }\ngrid:\n  n: [16, 33554432]\n');
    const results = join(file, '..', 'long.jsonl');
    const running = start('sweep', file, '--results', results, '--workers', '2');
    try {
      await until(() => running.stderr.includes('will take about'), 30_000, 'the note');
      expect(running.stderr).toMatch(/^damflow: job 1 \(n=33554432\) will take about [\d.]+ years \(an estimate\), the longest/m);
      await until(() => existsSync(results) && records(results).length === 1, 30_000, 'the short job');
      running.child.kill('SIGINT');
      await until(() => running.stderr.includes('damflow: interrupted;'), 30_000, 'the line on the stop');
      running.child.kill('SIGINT');
      // Exit 130; or, when the second signal lands while Node closes its signal handlers at exit
      // (under load, about 1 run in 20), the signal's own end, which a shell reports as 130 too.
      const code = await running.exited;
      expect(code === 130 || (code === null && running.signal === 'SIGINT'), `${code} ${running.signal}: ${running.stderr}`).toBe(true);
      expect(running.stderr.match(/interrupted/g)).toHaveLength(1);
    } finally {
      // A failed wait must not leave a sweep of a year's job running.
      running.child.kill('SIGKILL');
    }
    expect(records(results).map((r) => r.config.n)).toEqual([16]);
  });

  it('compares engines and fast-forward: each is a job of its own, with the same figures, and says which it was', () => {
    const { dir, file } = sweepDir(
      'e.yaml',
      'base: { design: naive, n: 24, heads: 2 }\ngrid:\n  engine: [auto, compiled, actors]\n  fastForward: [true, false]\n  depth.h1/long: [null, 40]\n',
    );
    const results = join(dir, 'e.jsonl');
    const ran = damflow('sweep', file, '--results', results, '--workers', '2');
    expect(ran.status, ran.stderr).toBe(0);
    const list = records(results);
    expect(list).toHaveLength(12);
    expect(new Set(list.map((r) => r.hash)).size).toBe(12);
    // auto with fast-forward on is the configuration itself: its hash is the plain configuration's.
    const plain = list.find((r) => r.point['engine'] === 'auto' && r.point['fastForward'] === true && r.point['depth.h1/long'] === null)!;
    expect(plain.config).not.toHaveProperty('engine');
    expect(plain.config).not.toHaveProperty('fastForward');
    for (const r of list) {
      expect(r.config.engine).toBe(r.point['engine'] === 'auto' ? undefined : r.point['engine']);
      expect(r.config.fastForward).toBe(r.point['fastForward'] === true ? undefined : false);
      const twin = list.find((t) => t.point['depth.h1/long'] === r.point['depth.h1/long'] && t.hash === plainHash(t))!;
      expect([r.status, r.cycles, r.peaks, r.intermediateMemory, r.maxError]).toEqual([
        twin.status,
        twin.cycles,
        twin.peaks,
        twin.intermediateMemory,
        twin.maxError,
      ]);
    }
    const csv = readFileSync(join(dir, 'e.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    const rows = csv.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, k) => [header[k], cell])));
    expect(new Set(rows.map((row) => `${row['engine']} ${row['fast_forward']}`))).toEqual(
      new Set(['auto true', 'auto false', 'compiled true', 'compiled false', 'actors true', 'actors false']),
    );
    expect(new Set(rows.map((row) => row['head_settings']))).toEqual(new Set(['depth.h1/long=unbounded', 'depth.h1/long=40']));
  });

  // Spec section 1: timing never depends on the values, so a job without them has the full job's
  // figures; it had been refused in a sweep, where a large N pays minutes for the outputs' check.
  it("runs timing-only jobs: a job of its own, with the full job's figures and no maxError", () => {
    const { dir, file } = sweepDir(
      't.yaml',
      'base: { design: naive, n: 16 }\ngrid:\n  timingOnly: [false, true]\n  uniformDepth: [null, 4]\n',
    );
    const results = join(dir, 't.jsonl');
    const ran = damflow('sweep', file, '--results', results, '--workers', '2');
    expect(ran.status, ran.stderr).toBe(0);
    const list = records(results);
    expect(new Set(list.map((r) => r.hash)).size).toBe(4);
    for (const timing of list.filter((r) => r.point['timingOnly'] === true)) {
      const full = list.find((r) => r.point['timingOnly'] === false && r.point['uniformDepth'] === timing.point['uniformDepth'])!;
      expect(timing.config.timingOnly).toBe(true);
      expect(full.config).not.toHaveProperty('timingOnly');
      expect([timing.status, timing.cycles, timing.peaks, timing.intermediateMemory]).toEqual([
        full.status,
        full.cycles,
        full.peaks,
        full.intermediateMemory,
      ]);
      expect([timing.maxError, timing.check]).toEqual([null, undefined]);
      if (full.status === 'ok') expect(full.maxError).toBeLessThan(1e-12);
    }
    const csv = readFileSync(join(dir, 't.csv'), 'utf8').trim().split('\n');
    const column = csv[0]!.split(',').indexOf('timing_only');
    expect(new Set(csv.slice(1).map((line) => line.split(',')[column]))).toEqual(new Set(['true', 'false']));
  });

  it('runs as a job array: --list, --only I into files of their own, sweep merge: the same results', () => {
    const { dir, file } = sweepDir('s.yaml', 'base: { design: naive, n: 8 }\ngrid:\n  n: [8, 12]\n  uniformDepth: [3, null, 40]\n');
    const local = sweep(file, '--workers', '2').list;
    const listed = damflow('sweep', file, '--list').stdout.trim().split('\n').slice(2);
    expect(listed).toHaveLength(6);
    const parts: string[] = [];
    for (let i = 5; i >= 0; i--) {
      const r = damflow('sweep', file, '--only', String(i));
      expect(r.status, r.stderr).toBe(0);
      parts.push(join(dir, `s.job-${i}.results.jsonl`));
      expect(r.stdout).toContain(`job ${i} (`);
    }
    expect(damflow('sweep', file, '--only', '6').stderr).toMatch(/^damflow: --only 6: '.*' has jobs 0 to 5\n$/);
    const merged = join(dir, 'merged.jsonl');
    const r = damflow('sweep', 'merge', '--into', merged, ...parts, parts[0]!);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/6 job\(s\) added, 1 already there/);
    const list = records(merged);
    expect(list.map((x) => x.index)).toEqual([...Array(6).keys()]);
    expect(list.every((x) => x.ranOn.via === 'array')).toBe(true);
    expect(byHash(list)).toEqual(byHash(local));
  });

  it('draws the sweep as SVG or HTML whose points are the sweep figures', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    const svg = join(dir, 'chart.svg');
    const html = join(dir, 'chart.html');
    const results = join(dir, 'plot.jsonl');
    expect(damflow('sweep', file, '--results', results, '--plot', svg).status).toBe(0);
    const list = records(results);
    // Every job is in the results file now: this one only draws.
    const again = damflow('sweep', file, '--results', results, '--plot', html);
    expect(again.stderr).toContain('12 of 12 jobs already in');
    const text = readFileSync(svg, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const expected = list.flatMap((r) => {
      if (r.status !== 'ok') return [];
      // The list's first entry leaves uniformDepth at the base's: its label does not name it.
      const depth = r.point['uniformDepth'];
      const series = `(design=${r.config.design}${depth === undefined ? '' : `, uniformDepth=${String(depth)}`})`;
      const at = `at n=${r.config.n} ${series}`;
      return [
        `job ${r.index}: cycles ${r.cycles} ${at}`,
        `job ${r.index}: memory ${r.intermediateMemory!.capacity} ${at}`,
        `job ${r.index}: peak ${r.intermediateMemory!.peakOccupancy} ${at}`,
      ];
    });
    expect(pointLabels(text).sort()).toEqual(expected.sort());
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(pointLabels(page.slice(page.indexOf('<svg'), page.indexOf('</svg>') + 6)).sort()).toEqual(expected.sort());
    expect(damflow('sweep', file, '--plot', join(dir, 'chart.png')).stderr).toMatch(/--plot must name a \.svg or \.html file/);
  });

  it('writes the same report page as damflow report on its results, and refuses a page it cannot write, or threads it cannot hold, before running', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    const page = join(dir, 'sweep.html');
    const { stdout, results } = sweep(file, '--report', page);
    expect(stdout).toContain(`report: ${page}`);
    const again = join(dir, 'again.html');
    expect(damflow('report', results, '--out', again).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(page, 'utf8')).toBe(readFileSync(again, 'utf8'));
    const refused = damflow('sweep', file, '--results', join(dir, 'never.jsonl'), '--report', join(dir, 'no', 'such.html'));
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
    // Threads whose memory no machine has: refused in one line, before anything runs.
    const threads = damflow('sweep', file, '--results', join(dir, 'never.jsonl'), '--workers', '100000');
    expect(threads.status).toBe(2);
    expect(threads.stderr.trim().split('\n')).toEqual([expect.stringMatching(/100000 threads need about .*: fewer workers$/)]);
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
  });

  it('refuses, in one line and before running, a results file, a merge target or a chart it could not write', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    const missing = join(dir, 'no', 'such');
    writeFileSync(join(dir, 'part.jsonl'), '');
    for (const args of [
      ['sweep', file, '--results', join(missing, 'r.jsonl')],
      ['sweep', file, '--only', '0', '--results', join(missing, 'r.jsonl')],
      ['sweep', 'merge', join(dir, 'part.jsonl'), '--into', join(missing, 'm.jsonl')],
      ['sweep', file, '--results', join(dir, 'r.jsonl'), '--plot', join(missing, 'p.svg')],
      ['size', '--design', 'modified', '--n', '8', '--plot', join(missing, 'p.svg')],
      ['demo', '--plot', join(missing, 'd.svg')],
    ]) {
      const r = damflow(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        expect.stringMatching(/cannot write --(results|into|plot) .*does not exist$/),
      ]);
    }
    expect(existsSync(join(dir, 'r.jsonl'))).toBe(false);
    expect(damflow('sweep', file, '--x', 'n').stderr).toBe("damflow: --x picks the x axis of --plot's chart: give --plot too\n");
    expect(damflow('sweep', file, '--queue-name', 'mine').stderr).toBe(
      'damflow: --queue-name names the queue of --queue: give --queue too\n',
    );
  });

  // `--results r.csv` had written the JSON lines into r.csv and the CSV into r.csv.csv; a later
  // `--results r` then wrote its CSV over r.csv.
  it('refuses a results file or a merge target named as a CSV, which is what it writes beside it', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    writeFileSync(join(dir, 'part.jsonl'), '');
    for (const [option, args] of [
      ['--results', ['sweep', file, '--results', join(dir, 'r.csv')]],
      ['--into', ['sweep', 'merge', join(dir, 'part.jsonl'), '--into', join(dir, 'm.CSV')]],
    ] as const) {
      const r = damflow(...args);
      expect([r.status, r.stderr.trim().split('\n')], args.join(' ')).toEqual([
        2,
        [
          expect.stringMatching(
            new RegExp(`${option} names the JSON lines file, and its CSV is written beside it: give FILE\\.jsonl, got '.*'$`),
          ),
        ],
      ]);
    }
    expect(['r.csv', 'r.csv.csv', 'm.CSV', 'm.CSV.csv'].filter((f) => existsSync(join(dir, f)))).toEqual([]);
  });

  it("leaves a file at the CSV's place that is not a results CSV: refused, one line, nothing written", () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    const mine = join(dir, 'fresh.csv');
    writeFileSync(mine, 'my,own,data\n');
    const r = damflow('sweep', file, '--results', join(dir, 'fresh'));
    expect([r.status, r.stderr]).toEqual([
      2,
      `damflow: '${mine}' is there and is not a results CSV, and the results' CSV would be written over it: give the results file another name, or move that file away\n`,
    ]);
    expect(readFileSync(mine, 'utf8')).toBe('my,own,data\n');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    // An empty file, or a results CSV (of an older damflow too: columns were added after the first), is written over.
    writeFileSync(mine, '');
    expect(damflow('sweep', file, '--results', join(dir, 'fresh')).status).toBe(0);
    writeFileSync(mine, 'index,hash,status,design\n');
    expect(damflow('sweep', file, '--results', join(dir, 'fresh')).status).toBe(0);
    expect(readFileSync(mine, 'utf8')).toMatch(/^index,hash,status,design,n,/);
  });

  // The message had named --results, which the command line did not give.
  it('names the results file it could not write as the default one when no --results named it', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    for (const [results, args] of [
      ['s.results.jsonl', []],
      ['s.job-1.results.jsonl', ['--only', '1']],
    ] as const) {
      mkdirSync(join(dir, results));
      const r = damflow('sweep', file, ...args);
      expect([r.status, r.stderr], args.join(' ')).toEqual([
        2,
        `damflow: cannot write the results file '${join(dir, results)}': it is a folder; give a file name\n`,
      ]);
    }
  });

  it('never cuts, or resumes from, a file that is not a results file; a merge needs every part', () => {
    const { dir, file } = sweepDir('s.yaml', SWEEP);
    const notes = join(dir, 'notes.txt');
    // No newline at its end, as a torn record has: still not a record.
    writeFileSync(notes, 'my notes');
    const odd = join(dir, 'odd.jsonl');
    const oddText = '{"index":0,"hash":"ab","status":"weird","cycles":"lots","config":{},"point":{}}\n';
    writeFileSync(odd, oddText);
    for (const [args, message] of [
      [['sweep', file, '--results', notes], /results file '.*notes\.txt' line 1 is not a job record/],
      [['sweep', file, '--results', odd], /results file '.*odd\.jsonl' line 1 is not a job record/],
      [['sweep', 'merge', odd, '--into', join(dir, 'm.jsonl')], /results file '.*odd\.jsonl' line 1 is not a job record/],
      [['sweep', 'merge', join(dir, 'typo.jsonl'), '--into', join(dir, 'm.jsonl')], /cannot read results file '.*typo\.jsonl'/],
      [['sweep', file, '--results', '/dev/null'], /cannot write --results '\/dev\/null': it is not a plain file$/],
    ] as [string[], RegExp][]) {
      const r = damflow(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    expect(readFileSync(notes, 'utf8')).toBe('my notes');
    expect(readFileSync(odd, 'utf8')).toBe(oddText);
    // A refused merge leaves no merged file, nor its CSV.
    expect(existsSync(join(dir, 'm.jsonl')) || existsSync(join(dir, 'm.csv'))).toBe(false);
  });

  it('refuses a merge that would write over one of its parts, before touching anything', () => {
    const { dir, file } = sweepDir('s.yaml', 'base: { design: modified, n: 8 }\ngrid: { n: [8, 12] }\n');
    for (const i of [0, 1]) expect(damflow('sweep', file, '--only', String(i)).status).toBe(0);
    const [a, b] = [0, 1].map((i) => join(dir, `s.job-${i}.results.jsonl`)) as [string, string];
    // A part named as the merged file's CSV (a copy of a part, say), or as the merged file itself, directly or through a link.
    const csvPart = join(dir, 'part.csv');
    copyFileSync(a, csvPart);
    symlinkSync(a, join(dir, 'link.jsonl'));
    const before = [a, b, csvPart].map((f) => readFileSync(f, 'utf8'));
    for (const [args, message] of [
      [['--into', join(dir, 'part.jsonl'), csvPart], `damflow: --into's CSV '${join(dir, 'part.csv')}' is the same file as a part`],
      [['--into', a, a, b], `damflow: --into '${a}' is the same file as a part`],
      [['--into', join(dir, 'link.jsonl'), b, a], `damflow: --into '${join(dir, 'link.jsonl')}' is the same file as a part`],
    ] as [string[], string][]) {
      const r = damflow('sweep', 'merge', ...args);
      expect([r.status, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(new RegExp(`^${escape(message)}[^\n]*\n$`))]);
    }
    expect([a, b, csvPart].map((f) => readFileSync(f, 'utf8'))).toEqual(before);
    expect(existsSync(join(dir, 'part.jsonl'))).toBe(false);
    // The same part twice is read twice, and written nowhere: allowed.
    expect(damflow('sweep', 'merge', '--into', join(dir, 'm.jsonl'), a, a, b).status).toBe(0);
  });

  it('says what a merge did: nothing written for parts without a record, a torn last line of a part left out, with a note', () => {
    const { dir, file } = sweepDir('s.yaml', 'base: { design: modified, n: 8 }\ngrid: { n: [8, 12] }\n');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const into = join(dir, 'm.jsonl');
    const none = damflow('sweep', 'merge', '--into', into, empty, empty);
    expect([none.status, none.stdout, none.stderr]).toEqual([
      0,
      `merged 2 file(s): they hold no job record; nothing written to ${into}\n`,
      '',
    ]);
    expect(existsSync(into) || existsSync(join(dir, 'm.csv'))).toBe(false);

    expect(damflow('sweep', file, '--only', '0').status).toBe(0);
    const part = join(dir, 's.job-0.results.jsonl');
    appendFileSync(part, '{"index":1,"hash":"torn'); // a second record whose write a kill cut short
    const text = readFileSync(part, 'utf8');
    const torn = damflow('sweep', 'merge', '--into', into, part);
    expect(torn.status, torn.stderr).toBe(0);
    expect(torn.stderr).toBe(`damflow: the last line of '${part}' is torn (a kill while it was written?): left out\n`);
    expect(torn.stdout).toBe(`merged 1 file(s): 1 job(s) added, 0 already there; 1 in ${into}, ${join(dir, 'm.csv')}\n`);
    expect(records(into).map((r) => r.index)).toEqual([0]);
    // A part is read, never repaired.
    expect(readFileSync(part, 'utf8')).toBe(text);
    // The merged file itself torn: cut off as a sweep does its own, and said.
    appendFileSync(into, '{"index":1,"hash":"torn');
    const again = damflow('sweep', 'merge', '--into', into, empty);
    expect([again.status, again.stderr]).toEqual([
      0,
      `damflow: the last line of '${into}' is torn (a kill while it was written?): cut off\n`,
    ]);
    expect(again.stdout).toMatch(/: 0 job\(s\) added, 0 already there; 1 in /);
    expect(readFileSync(into, 'utf8').endsWith('\n')).toBe(true);
  });

  it('numbers the results file as the sweep file now reads, after an edit: one record per number, a merge into it works', () => {
    const grid = (ns: number[]): string => `base: { design: modified, n: 16 }\ngrid:\n  n: [${ns.join(', ')}]\n`;
    const { dir, file } = sweepDir('s.yaml', grid([16, 32, 64]));
    const results = join(dir, 's.results.jsonl');
    /** Each record's number and its n, by n, with the CSV's index column alongside: they must agree. */
    const numbers = (): Record<number, number | null> => {
      const list = records(results);
      const csv = readFileSync(join(dir, 's.results.csv'), 'utf8').trim().split('\n').slice(1);
      expect(csv.map((line) => line.split(',')[0])).toEqual(list.map((r) => (r.index === null ? '' : String(r.index))));
      const indices = list.flatMap((r) => (r.index === null ? [] : [r.index]));
      expect(new Set(indices).size).toBe(indices.length);
      for (const r of list) if (r.index !== null) expect(r.point).toEqual({ n: r.config.n });
      return Object.fromEntries(list.map((r) => [r.config.n, r.index]));
    };
    expect(damflow('sweep', file, '--quiet').status).toBe(0);
    writeFileSync(file, grid([8, 16, 32, 64]));
    expect(damflow('sweep', file, '--quiet').status).toBe(0);
    expect(numbers()).toEqual({ 8: 0, 16: 1, 32: 2, 64: 3 });
    for (const i of ['1', '0']) {
      expect(damflow('sweep', file, '--only', i).status).toBe(0);
      const merged = damflow('sweep', 'merge', '--into', results, join(dir, `s.job-${i}.results.jsonl`));
      expect([merged.status, merged.stderr]).toEqual([0, '']);
      expect(merged.stdout).toMatch(/: 0 job\(s\) added, 1 already there; 4 in /);
    }
    // A job the sweep no longer has: kept, under its hash, without a number another job now has.
    writeFileSync(file, grid([8, 32, 64]));
    const dropped = damflow('sweep', file);
    expect(dropped.status).toBe(0);
    expect(dropped.stderr).toContain(
      `1 result(s) in '${results}' are not jobs of '${file}' (of an earlier version of it?): kept without a job number`,
    );
    expect(numbers()).toEqual({ 8: 0, 16: null, 32: 1, 64: 2 });

    // Parts of an edited sweep merged into the file as an earlier version numbered it: numbered as the parts are.
    writeFileSync(file, grid([4, 8, 32, 64]));
    const parts = [0, 1, 2, 3].map((i) => {
      expect(damflow('sweep', file, '--only', String(i)).status).toBe(0);
      return join(dir, `s.job-${i}.results.jsonl`);
    });
    const stale = damflow('sweep', 'merge', '--into', results, ...parts);
    expect(stale.status, stale.stderr).toBe(0);
    expect(stale.stderr).toBe(
      `damflow: the parts number their jobs as another version of the sweep file than '${results}' did: 3 of its result(s) renumbered as the parts number them, 0 kept without a number\n`,
    );
    expect(numbers()).toEqual({ 4: 0, 8: 1, 16: null, 32: 2, 64: 3 });
    // Another sweep's part, which shares no job with the file and numbers its own job 0: refused, the file untouched.
    const other = join(dir, 'o.yaml');
    writeFileSync(other, 'base: { design: naive, n: 8 }\ngrid: { n: [8, 12] }\n');
    expect(damflow('sweep', other, '--only', '0').status).toBe(0);
    const before = readFileSync(results, 'utf8');
    const theirs = damflow('sweep', 'merge', '--into', results, join(dir, 'o.job-0.results.jsonl'));
    expect([theirs.status, theirs.stderr]).toEqual([
      2,
      `damflow: job 0 is in '${join(dir, 'o.job-0.results.jsonl')}' and in '${results}' with different configurations, and no job in common: they are results of different sweeps\n`,
    ]);
    expect(readFileSync(results, 'utf8')).toBe(before);
    // A file an older damflow numbered twice (every record job 0, say): a merge of it says what to do, and a sweep numbers it anew.
    const legacy = join(dir, 'legacy.jsonl');
    writeFileSync(
      legacy,
      records(results)
        .map((r) => `${JSON.stringify({ ...r, index: 0 })}\n`)
        .join(''),
    );
    const twice = damflow('sweep', 'merge', '--into', join(dir, 'new.jsonl'), legacy);
    expect([twice.status, twice.stderr]).toEqual([
      2,
      expect.stringMatching(/holds two configurations numbered job 0 .*: run the sweep on it once/),
    ]);
    expect(damflow('sweep', file, '--results', legacy, '--quiet').status).toBe(0);
    expect(Object.fromEntries(records(legacy).map((r) => [r.config.n, r.index]))).toEqual({ 4: 0, 8: 1, 16: null, 32: 2, 64: 3 });
  });

  it('runs a failed job again when the sweep resumes (a worker that died need not fail twice); a deadlock stays recorded', () => {
    const { dir, file } = sweepDir('s.yaml', 'base: { design: naive, n: 8 }\ngrid:\n  uniformDepth: [3, null]\n');
    const results = join(dir, 'r.jsonl');
    expect(damflow('sweep', file, '--results', results, '--quiet').status).toBe(0);
    const [stuck, ok] = records(results).sort((a, b) => a.index - b.index) as [JobRecord, JobRecord];
    expect([stuck.status, ok.status]).toEqual(['deadlock', 'ok']);
    // The ok job's record as a worker that died under it would have left it.
    const { check: _check, ...figures } = ok;
    const died = {
      ...figures,
      status: 'failed',
      cycles: null,
      intermediateMemory: null,
      peaks: null,
      maxError: null,
      error: 'a worker died',
    };
    const withFailure = `${JSON.stringify(stuck)}\n${JSON.stringify(died)}\n`;
    writeFileSync(results, withFailure);
    const resumed = damflow('sweep', file, '--results', results);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`damflow: 1 of 2 jobs already in '${results}', and 1 that failed there run again: resuming\n`);
    const after = records(results);
    expect(after).toHaveLength(2);
    expect(after.find((r) => r.index === 0)).toEqual(stuck);
    expect(recordFigures(after.find((r) => r.index === 1)!)).toEqual(recordFigures(ok));
    const csv = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n').slice(1);
    expect(csv.map((line) => line.split(',')[2]).sort()).toEqual(['deadlock', 'ok']);
    // An array task's file likewise.
    writeFileSync(results, withFailure);
    const only = damflow('sweep', file, '--only', '1', '--results', results);
    expect([only.status, only.stdout]).toEqual([0, expect.stringMatching(/^job 1 \(uniformDepth=none\): ok, \d+ cycles/)]);
    expect(records(results).map((r) => r.status)).toEqual(['deadlock', 'ok']);
    // Its record merged into the file that holds the failure takes the failure's place.
    writeFileSync(results, withFailure);
    expect(damflow('sweep', file, '--only', '1').status).toBe(0);
    const merged = damflow('sweep', 'merge', '--into', results, join(dir, 's.job-1.results.jsonl'));
    expect([merged.status, merged.stderr]).toEqual([0, '']);
    expect(merged.stdout).toMatch(/: 1 job\(s\) added \(1 in place of failed ones\), 0 already there; 2 in /);
    expect(records(results).map((r) => r.status)).toEqual(['deadlock', 'ok']);
  });

  it("keeps two sweeps' results apart: a results file or a merge of another sweep's jobs is refused, untouched", () => {
    const { dir, file } = sweepDir('a.yaml', 'base: { design: modified, n: 8 }\ngrid: { n: [8, 12] }\n');
    const other = join(dir, 'b.yaml');
    writeFileSync(other, 'base: { design: naive, n: 8 }\ngrid: { n: [8, 12] }\n');
    const theirs = join(dir, 'b.jsonl');
    expect(damflow('sweep', other, '--results', theirs, '--quiet').status).toBe(0);
    const before = readFileSync(theirs, 'utf8');
    const into = damflow('sweep', file, '--results', theirs);
    expect([into.status, into.stderr]).toEqual([
      2,
      `damflow: results file '${theirs}' holds 2 result(s), none of them a job of '${file}': give this sweep its own --results file\n`,
    ]);
    const part = join(dir, 'a.job-0.results.jsonl');
    expect(damflow('sweep', file, '--only', '0').status).toBe(0);
    const merged = damflow('sweep', 'merge', '--into', join(dir, 'm.jsonl'), part, theirs);
    expect(merged.status).toBe(2);
    expect(merged.stderr).toMatch(/^damflow: job 0 is in '.*a\.job-0\.results\.jsonl' and in '.*b\.jsonl' with different configurations/);
    expect(readFileSync(theirs, 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'm.jsonl'))).toBe(false);
    // An earlier version of the same sweep: its results are kept, and the note counts those that are no longer jobs.
    writeFileSync(other, 'base: { design: naive, n: 8 }\ngrid: { n: [8, 16] }\n');
    const edited = damflow('sweep', other, '--results', theirs);
    expect(edited.status).toBe(0);
    expect(edited.stderr).toContain(`damflow: 1 result(s) in '${theirs}' are not jobs of '${other}' (of an earlier version of it?)`);
  });

  it("keeps the results of two builds apart: a resume, an array task or a merge of another build's results is refused, untouched", () => {
    const { dir, file } = sweepDir('b.yaml', 'base: { design: modified, n: 8 }\ngrid: { n: [8, 12] }\n');
    const results = join(dir, 'r.jsonl');
    const first = damflow('sweep', file, '--results', results, '--quiet');
    expect(first.status, first.stderr).toBe(0);
    const build = thisBuild();
    expect(records(results).map((r) => r.build)).toEqual([build, build]);
    // The first record as another damflow, or one that recorded no build, would have written it.
    const [one, two] = records(results) as [JobRecord, JobRecord];
    const { build: _none, ...older } = one;
    const written = (first: object): string => `${JSON.stringify(first)}\n${JSON.stringify(two)}\n`;
    for (const [record, who] of [
      [{ ...one, build: '0.0.9+000000000000' }, 'damflow 0.0.9+000000000000'],
      [older, 'a damflow that recorded no build (an older one)'],
    ] as const) {
      writeFileSync(results, written(record));
      const resumed = damflow('sweep', file, '--results', results);
      expect([resumed.status, resumed.stderr]).toEqual([
        2,
        `damflow: results file '${results}' holds 1 result(s) of ${who}, not of this build (damflow ${build}): results of two builds are not put together, since their cycles may differ; give this sweep another --results file (or move that one away)\n`,
      ]);
      expect(readFileSync(results, 'utf8')).toBe(written(record));
      const only = damflow('sweep', file, '--only', '1', '--results', results);
      expect([only.status, only.stderr]).toEqual([
        2,
        expect.stringMatching(/^damflow: results file .* holds 1 result\(s\) of .*, not of this build/),
      ]);
      expect(readFileSync(results, 'utf8')).toBe(written(record));
    }
    // Parts of two builds, or a part and a merged file of two builds: refused, nothing written.
    const part = (i: number, record: JobRecord | object): string => {
      const path = join(dir, `b.job-${i}.results.jsonl`);
      writeFileSync(path, `${JSON.stringify(record)}\n`);
      return path;
    };
    const ours = part(1, two);
    const theirs = part(0, { ...one, build: '0.0.9+000000000000' });
    const mixed = damflow('sweep', 'merge', '--into', join(dir, 'm.jsonl'), theirs, ours);
    expect([mixed.status, mixed.stderr]).toEqual([
      2,
      `damflow: '${theirs}' holds results of damflow 0.0.9+000000000000 and '${ours}' of damflow ${build}: results of two builds are not merged, since their cycles may differ\n`,
    ]);
    expect(existsSync(join(dir, 'm.jsonl'))).toBe(false);
    const into = join(dir, 'into.jsonl');
    writeFileSync(into, `${JSON.stringify({ ...one, build: '0.0.9+000000000000' })}\n`);
    const merged = damflow('sweep', 'merge', '--into', into, ours);
    expect([merged.status, merged.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^damflow: '.*b\.job-1\.results\.jsonl' holds results of damflow .* and '.*into\.jsonl' of damflow 0\.0\.9\+000000000000: /,
      ),
    ]);
    // Of one build, whichever it is, they merge: a merge runs nothing.
    const alike = damflow('sweep', 'merge', '--into', into, part(2, { ...two, build: '0.0.9+000000000000' }));
    expect(alike.status, alike.stderr).toBe(0);
  });

  it('lets one process at a time write a results file: a second sweep of it is refused, a lock left by a dead process is taken over', async () => {
    const { dir, file } = sweepDir('l.yaml', 'base: { design: modified, n: 8 }\ngrid: { n: [8, 12] }\n');
    const results = join(dir, 'r.jsonl');
    const lock = `${results}.lock`;
    // Held by a process of another machine: nobody here can tell whether it still runs.
    writeFileSync(lock, JSON.stringify({ host: 'elsewhere', pid: 4242, since: '2026-11-29T04:00:00.000Z' }));
    const held = damflow('sweep', file, '--results', results);
    expect([held.status, held.stderr]).toEqual([
      2,
      `damflow: results file '${results}' is being written by process 4242 on elsewhere (since 2026-11-29T04:00:00.000Z): one process at a time writes it; wait for that one, or give this one another file (if no such process runs, remove '${lock}')\n`,
    ]);
    expect(existsSync(results)).toBe(false);
    const merge = damflow('sweep', 'merge', '--into', results, join(dir, 'none.jsonl'));
    expect(merge.status).toBe(2);
    // Held by a process of this machine that has ended (a sweep killed outright): taken over, and let go at the end.
    const ended = start('--version');
    await ended.exited;
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: ended.child.pid, since: '2026-11-29T04:00:00.000Z' }));
    const taken = damflow('sweep', file, '--results', results);
    expect(taken.status, taken.stderr).toBe(0);
    expect(records(results)).toHaveLength(2);
    expect(existsSync(lock)).toBe(false);
    // Refused when one runs: this test's own process holds it.
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, since: '2026-11-29T04:00:00.000Z' }));
    expect(damflow('sweep', file, '--results', results).stderr).toMatch(
      new RegExp(`^damflow: results file '.*' is being written by process ${process.pid} on `),
    );
  });

  it("draws the demo's memory sweep and says where", () => {
    const { dir } = sweepDir('unused.yaml', '');
    const svg = join(dir, 'demo.svg');
    const r = damflow('demo', '--plot', svg);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^256 +336 +302 +44 +22$/m); // the printed table is kept
    expect(r.stdout).toContain(`Chart (cycles, intermediate memory and peak occupancy against N): ${svg}`);
    const labels = pointLabels(readFileSync(svg, 'utf8'));
    expect(labels).toContain('job 4: memory 336 at n=256 (design=naive)');
    expect(labels).toContain('job 9: peak 22 at n=256 (design=modified)');
    expect(labels).toHaveLength(30);
    const twice = damflow('demo', '--plot', svg, '--plot', join(dir, 'other.svg'));
    expect([twice.status, twice.stderr]).toEqual([2, 'damflow: --plot given twice\n']);
  });
});
