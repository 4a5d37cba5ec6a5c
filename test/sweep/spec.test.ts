import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { records, sweepDir } from '../helpers/sweep.js';
import { sweepTable } from '../../dist/reports/sweep-table.js';
import { expandSweep, parseSweepSpec } from '../../dist/sweep/sweep-spec.js';
import { canonicalJson, jobHash } from '../../dist/sweep/job-hash.js';
import { resolveSdpaConfig } from '../../dist/designs/sdpa/design.js';

const expand = (raw: unknown) => expandSweep(parseSweepSpec(raw, 's.yaml'), 's.yaml');

describe('sweep files', () => {
  it("expands the README's sweep file to the jobs it says", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const text = /```yaml\n(# sweep\.yaml: .*?)```/s.exec(readme)![1]!;
    const jobs = Number(/= (\d+) jobs/.exec(text)![1]);
    const { file } = sweepDir('sweep.yaml', text);
    const listed = damflow('sweep', file, '--list', '--json');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(jobs);
  });

  it('expands a grid (first axis slowest), ranges, and a list crossed with the grid', () => {
    const { jobs, repeated } = expand({
      base: { design: 'modified', n: 8 },
      grid: { design: ['naive', 'modified'], n: { from: 8, to: 32, times: 2 } },
      list: [{}, { 'latency.div': 30 }],
    });
    expect(repeated).toBe(0);
    expect(jobs.map((j) => j.point)).toEqual(
      ['naive', 'modified'].flatMap((design) =>
        [8, 16, 32].flatMap((n) => [
          { design, n },
          { design, n, 'latency.div': 30 },
        ]),
      ),
    );
    expect(jobs.map((j) => j.index)).toEqual([...jobs.keys()]);
    expect(jobs[1]!.resolved.latency['div']).toBe(30);
    expect(
      expand({ base: { design: 'naive' }, grid: { n: { from: 4, to: 12, step: 4 }, 'depth.long': [null, 40] } }).jobs.map(
        (j) => j.resolved.depth['long'],
      ),
    ).toEqual([null, 40, null, 40, null, 40]);
    // Seeds count from 0, in a range as in a list.
    expect(
      expand({ base: { design: 'naive', n: 4 }, grid: { seed: { from: 0, to: 2, step: 1 } } }).jobs.map((j) => j.resolved.seed),
    ).toEqual([0, 1, 2]);
  });

  it('runs a configuration once however it is spelled: the hash is of the resolved configuration', () => {
    const { jobs, repeated } = expand({
      base: { design: 'modified', n: 8 },
      list: [{ uniformDepth: 2 }, { 'depth.qk': 2, uniformDepth: 2 }, { 'latency.qkt': 11 }, {}],
    });
    expect(repeated).toBe(2);
    expect(jobs).toHaveLength(2);
    const resolved = resolveSdpaConfig({ design: 'modified', n: 8 });
    expect(jobs[1]!.hash).toBe(jobHash(resolved));
    // Canonical JSON does not depend on key order; the hash is SHA-256 hex.
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"x":null,"y":1}]},"b":1}');
    expect(jobHash({ a: 1, b: 2 })).toBe(jobHash({ b: 2, a: 1 }));
    expect(jobHash(resolved)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a bad job before any runs, naming the file, the job and the field', () => {
    const cases: [unknown, RegExp][] = [
      [
        { base: { design: 'naive' }, grid: { n: [4, 8], 'latency.div': [3, 0] } },
        /job 1 \(n=4 latency\.div=0\): latency\.div must be a positive integer, got 0/,
      ],
      [{ base: { design: 'naive', n: 4 }, grid: { 'latency.qkt': [3] } }, /job 0 \(latency\.qkt=3\): unknown unit 'qkt' for latency/],
      [
        { base: { design: 'naive', n: 4 }, list: [{ 'depth.long': 40 }, { 'depth.lung': 40 }] },
        /job 1 \(depth\.lung=40\): unknown channel 'lung'/,
      ],
      [
        { base: { design: 'naive', n: 4, workers: 2 } },
        /base\.workers cannot be set in a sweep \(every job runs in one thread of the pool\)/,
      ],
      [
        { base: { design: 'modified' }, grid: { n: { from: 4, to: 2, step: 1 } } },
        /grid\.n\.to must be at least 4 \(its from: a range counts up, from 2 to 4 is written so\), got 2/,
      ],
      [
        { base: { design: 'modified' }, grid: { n: { from: 4, to: 2 ** 53 + 2, step: 1 } } },
        /grid\.n\.to must be an integer below 2\^53, got/,
      ],
      [{ base: { design: 'modified' }, grid: { n: { from: 0, to: 8, times: 2 } } }, /grid\.n\.from must be at least 1, got 0/],
      // YAML's .inf and .nan: the message had read 'got null' (JSON has neither).
      [
        { base: { design: 'modified' }, grid: { n: Infinity } },
        /grid\.n: an axis is a list of values or a range \{ from, to, step \| times \}, got Infinity$/,
      ],
      [
        { base: { design: 'modified' }, grid: { n: { from: 4, to: Infinity, times: 2 } } },
        /grid\.n\.to must be an integer below 2\^53, got Infinity$/,
      ],
      [
        { base: { design: 'modified' }, grid: { n: { from: 4, to: 8, step: Number.NaN } } },
        /grid\.n\.step must be an integer below 2\^53, got NaN$/,
      ],
      [{ base: { design: 'modified' }, grid: { n: { from: 0, to: 8, step: 4 } } }, /job 0 \(n=0\): n must be a positive integer, got 0/],
      [{ base: { design: 'modified' }, grid: { nn: [4] } }, /grid: unknown axis 'nn'/],
      [{ base: { design: 'modified', n: '8' } }, /job 0: n must be a positive integer, got "8"/],
      [{ base: { design: 'modified', n: 8, unbounded: 'yes' } }, /unbounded must be true or false/],
      [{ base: { design: 'modified', n: 8 }, list: [{ n: 4 }], grid: { n: [4] } }, /list\[0\]: axis 'n' is in the grid too/],
      // The points are the jobs: an empty list had run the base as one job.
      [{ base: { design: 'modified', n: 8 }, list: [] }, /: list is empty: give it a point, or leave it out$/],
      // A named field is not an axis; its entries are (the message had named an index [0] of nothing).
      [
        { base: { design: 'modified', n: 8 }, list: [{ depth: { qk: 8 } }] },
        /list\[0\]: 'depth' is not an axis: its entries are, each as depth\.NAME$/,
      ],
      [{ base: { design: 'modified', n: 8 }, list: [{ 'depth.qk': { a: 1 } }] }, /list\[0\]\.depth\.qk: an axis value is a number/],
      // No machine runs it: refused with the file's other mistakes.
      [{ base: { design: 'modified' }, grid: { n: [16, 1e8] } }, /job 1 \(n=100000000\): this run needs clocks past 2\^53/],
      // Counted before any point is made (9 million took 12 s and 2 GB to be refused).
      [
        { base: { design: 'modified' }, grid: { n: { from: 1, to: 3000, step: 1 }, d: { from: 1, to: 3000, step: 1 } } },
        /expands into 9000000 jobs \(at most 100000\)/,
      ],
    ];
    for (const [raw, message] of cases) {
      expect(() => expand(raw)).toThrow(message);
      expect(() => expand(raw)).toThrow(/^sweep file 's\.yaml'/);
    }
  });

  it('names, for an unknown base field, the fields a sweep accepts (not workers, which it refuses)', () => {
    const message = (raw: unknown): string => {
      try {
        expand(raw);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(message({ base: { design: 'modified', n: 16, uniformdepth: 3 } })).toBe(
      "sweep file 's.yaml', base: unknown field 'uniformdepth' (known: design, n, d, heads, seed, latency, ii, depth, uniformDepth, unbounded, engine, fastForward, timingOnly)",
    );
    // The axes' list names the same fields, but for the named settings.
    expect(message({ base: { design: 'modified', n: 16 }, grid: { uniformdepth: [3] } })).toBe(
      "sweep file 's.yaml', grid: unknown axis 'uniformdepth' (axes: design, n, d, heads, seed, uniformDepth, unbounded, engine, fastForward, timingOnly, latency.NAME, ii.NAME, depth.NAME)",
    );
  });

  it("refuses a job this machine's memory cannot hold before any runs on its pool; a job run alone records why it failed", () => {
    const { dir, file } = sweepDir('mem.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  d: [1, 100000000]\n');
    const r = damflow('sweep', file, '--results', join(dir, 'r.jsonl'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^damflow: sweep file '.*mem\.yaml', job 1 \(d=100000000\): this run needs about [\d.]+ GiB of memory/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'r.jsonl'))).toBe(false);
    const alone = damflow('sweep', file, '--only', '1', '--results', join(dir, 'one.jsonl'));
    expect(alone.status).toBe(1);
    expect(alone.stdout).toMatch(/^job 1 \(d=100000000\): failed, this run needs about/);
    // A sweep's closing table says why each job failed.
    const table = sweepTable(records(join(dir, 'one.jsonl')), 2, 1, join(dir, 'one.jsonl'));
    expect(table).toMatch(/\njob 1 failed: this run needs about [\d.]+ GiB of memory/);
  });

  it("names an unbounded capacity 'unbounded' in the closing table, and says how to write one in a file", () => {
    const { dir, file } = sweepDir('u.yaml', 'base: { design: naive, n: 16 }\ngrid:\n  depth.long: [null, 16]\n');
    const r = damflow('sweep', file, '--workers', '1', '--no-progress', '--results', join(dir, 'u.jsonl'));
    expect(r.status, r.stderr).toBe(0);
    // Spec section 3: the published naive design at N = 16 takes 596 cycles, as with long unbounded.
    expect(r.stdout).toMatch(/^0\s+unbounded\s+ok\s+596\s/m);
    const { file: word } = sweepDir('w.yaml', 'base: { design: naive, n: 16 }\ngrid:\n  depth.long: [unbounded]\n');
    const refused = damflow('sweep', word);
    expect([refused.status, refused.stderr]).toEqual([
      2,
      expect.stringMatching(/depth\.long must be a positive integer, or null for unbounded, got "unbounded"\n$/),
    ]);
  });

  it('reports a bad sweep file on the command line in one line, exit 2, and runs nothing', () => {
    for (const [text, message] of [
      [
        'base: {design: naive}\ngrid:\n  n: [4, 8]\n  latency.div: [3, 0]\n',
        /job 1 \(n=4 latency\.div=0\): latency\.div must be a positive integer/,
      ],
      ['base: {design: modified\n', /is not valid YAML/],
      // One line with where it is, as a JSON error has; no advice to call the yaml library.
      ['base: {design: modified, n: 16}\ngrid:\n\tn: [16]\n', /is not valid YAML: Tabs are not allowed as indentation \(line 3\)\n$/],
      [
        'base: {design: modified, n: 16}\n---\nbase: {design: naive, n: 16}\n',
        /is not valid YAML: it holds more than one document \(a second ---\): a sweep file is one \(line 2\)\n$/,
      ],
      // JSON.parse would keep the last n: a repeated key is refused in JSON as in YAML.
      ['{"base": {"design": "modified", "n": 16, "n": 32}}', /is not valid JSON: "n" is given twice in one object \(line 1\)/],
    ] as const) {
      const { dir, file } = sweepDir(text.startsWith('{') ? 'bad.json' : 'bad.yaml', text);
      const r = damflow('sweep', file);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^damflow: [^\n]+\n$/);
      expect(r.stderr).toContain(`sweep file '${file}'`);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(dir, 'bad.results.jsonl'))).toBe(false);
    }
  });

  it('reads JSON as well as YAML, and lists the jobs without running them', () => {
    const { file } = sweepDir('s.json', JSON.stringify({ base: { design: 'naive', n: 4 }, grid: { n: [4, 8], d: [1, 2] } }));
    const r = damflow('sweep', file, '--list', '--json');
    expect(r.status, r.stderr).toBe(0);
    const listed = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; point: unknown; hash: string });
    expect(listed.map((j) => j.point)).toEqual([
      { n: 4, d: 1 },
      { n: 4, d: 2 },
      { n: 8, d: 1 },
      { n: 8, d: 2 },
    ]);
    expect(damflow('sweep', file, '--list').stdout).toMatch(/^3 +[0-9a-f]{12} +n=8 d=2$/m);
    // A capacity of null reads as the table and the chart name it: it had read depth.qk=null.
    const { file: depths } = sweepDir('d.json', JSON.stringify({ base: { design: 'modified', n: 4 }, grid: { 'depth.qk': [2, null] } }));
    expect(damflow('sweep', depths, '--list').stdout).toMatch(/^1 +[0-9a-f]{12} +depth\.qk=unbounded$/m);
    // The local pool's size means nothing to a list or a single job: refused, not ignored.
    for (const mode of [['--list'], ['--only', '1']]) {
      const refused = damflow('sweep', file, ...mode, '--workers', '2');
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/^damflow: --workers sizes the local pool, which --list, --only and --queue do not use/);
    }
  });
});
