import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { pointLabels, records, sweepDir } from '../helpers/sweep.js';

describe('sweep --plot', () => {
  it('takes a varying axis with an unbounded value as x, in the sweep order, rather than one that does not vary', () => {
    const { dir, file } = sweepDir('depth.yaml', 'base: { design: modified, n: 32 }\ngrid:\n  depth.qk: [2, 4, 8, null]\n');
    const svg = join(dir, 'chart.svg');
    const ran = damflow('sweep', file, '--plot', svg);
    expect(ran.status, ran.stderr).toBe(0);
    const cycles = records(join(dir, 'depth.results.jsonl'))
      .sort((a, b) => a.index - b.index)
      .map((r) => `job ${r.index}: cycles ${r.cycles}`);
    const labels = pointLabels(readFileSync(svg, 'utf8')).filter((l) => l.includes(': cycles '));
    expect(labels.sort()).toEqual(['2', '4', '8', 'unbounded'].map((qk, i) => `${cycles[i]} at depth.qk=${qk} (all)`));
    // The axis reads in the sweep's order (2, 4, 8, unbounded), not sorted as text.
    const text = readFileSync(svg, 'utf8');
    const ticks = ['>2<', '>4<', '>8<', '>unbounded<'].map((tick) => text.indexOf(tick));
    expect(ticks.every((at, i) => at > 0 && (i === 0 || at > ticks[i - 1]!))).toBe(true);
  });

  it('writes no chart when no job finished, and says so; a chart leaving jobs out says how many', () => {
    const { dir, file } = sweepDir('stuck.yaml', 'base: { design: naive, n: 16, uniformDepth: 2 }\ngrid:\n  n: [16, 32]\n');
    const svg = join(dir, 'chart.svg');
    const ran = damflow('sweep', file, '--plot', svg);
    expect(ran.status).toBe(0);
    expect(ran.stderr).toContain(
      `damflow: no chart written to '${svg}': no job finished (2 of 2 jobs left out, unfinished: 2 deadlocked)\n`,
    );
    expect(existsSync(svg)).toBe(false);
    // A chart already at that path stays, but is said to be old: it charts an earlier sweep.
    writeFileSync(svg, '<svg/>');
    const again = damflow('sweep', file, '--plot', svg, '--results', join(dir, 'again.jsonl'));
    expect(again.stderr).toContain(`damflow: no chart written to '${svg}' (the file there is from before): no job finished`);
    expect(readFileSync(svg, 'utf8')).toBe('<svg/>');

    const mixed = sweepDir('mixed.yaml', 'base: { design: naive, n: 16 }\ngrid:\n  uniformDepth: [2, 32]\n');
    const chart = join(mixed.dir, 'chart.svg');
    const drawn = damflow('sweep', mixed.file, '--plot', chart, '--x', 'uniformDepth');
    expect(drawn.status, drawn.stderr).toBe(0);
    expect(drawn.stdout).toContain(`chart: ${chart} (1 of 2 jobs left out, unfinished: 1 deadlocked)`);
    expect(readFileSync(chart, 'utf8')).toContain('1 of 2 jobs left out, unfinished: 1 deadlocked');
  });

  it('refuses, before running, an x axis along which the jobs do not differ', () => {
    const { dir, file } = sweepDir('n.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  n: [16, 32]\n');
    for (const [x, message] of [
      ['d', '--x d: every job of this sweep has d = 1, so every point would stand at one x; the axes that vary: n'],
      [
        'depth.nope',
        '--x depth.nope: every job of this sweep has depth.nope = null, so every point would stand at one x; the axes that vary: n',
      ],
    ]) {
      const refused = damflow('sweep', file, '--plot', join(dir, 'c.svg'), '--x', x!);
      expect([refused.status, refused.stderr]).toEqual([2, `damflow: ${message}\n`]);
    }
    expect(existsSync(join(dir, 'n.results.jsonl'))).toBe(false);
  });

  it("--report's table of runs gives each axis that varies a column, so that runs of one shape can be told apart", () => {
    const { dir, file } = sweepDir(
      'axes.yaml',
      'base: { design: naive, n: 16 }\ngrid:\n  latency.div: [3, 8]\n  unbounded: [false, true]\n',
    );
    const page = join(dir, 'r.html');
    expect(damflow('sweep', file, '--report', page).status).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<th>heads</th><th>latency.div</th><th>unbounded</th><th>status</th>');
    const list = records(join(dir, 'axes.results.jsonl')).sort((a, b) => a.index - b.index);
    const shown = [...html.matchAll(/data-field="latency\.div" data-value="(\d+)">\d+<\/span><\/td><td>(true|false)<\/td>/g)].map((m) => [
      Number(m[1]),
      m[2] === 'true',
    ]);
    expect(shown).toEqual(list.map((r) => [r.point['latency.div'], r.point['unbounded']]));
  });

  it('labels a channel a job does not have as none, never unbounded, and a head left at the channel as the channel', () => {
    // The modified design has no `long` and the naive design no `qk`; head 1 of job 2 keeps
    // qk's published 12 (spec section 2.2): none of them is an unbounded FIFO.
    const { dir, file } = sweepDir(
      'mixed.yaml',
      'base: { n: 16, heads: 2 }\nlist:\n  - { design: naive, depth.long: 40 }\n  - { design: modified, depth.h1/qk: 4 }\n  - { design: modified }\n',
    );
    const svg = join(dir, 'chart.svg');
    const page = join(dir, 'r.html');
    const ran = damflow('sweep', file, '--plot', svg, '--report', page);
    expect(ran.status, ran.stderr).toBe(0);
    const labels = pointLabels(readFileSync(svg, 'utf8'))
      .filter((l) => l.includes(': cycles '))
      .map((l) => l.replace(/cycles \d+ /, ''))
      .sort();
    expect(labels).toEqual([
      'job 0: at design=naive (depth.long=40)',
      'job 1: at design=modified (depth.h1/qk=4)',
      'job 2: at design=modified (depth.h1/qk=12)',
    ]);
    const html = readFileSync(page, 'utf8');
    expect(html).not.toContain('unbounded');
  });

  // Three panels with an x scale each: the memory panel, which the unbounded job has no number
  // for, had its own, its 2, 4 and 8 under other points than the cycles of the same jobs, and
  // nothing said where the unbounded job's line went. A whole-number axis read 2.0, 2.2, 2.4.
  it('draws the panels on one x scale, says which jobs a panel leaves out, and labels no tick between whole numbers', () => {
    const { dir, file } = sweepDir('qk.yaml', 'base: { design: modified, n: 32 }\ngrid:\n  depth.qk: [2, 4, 8, null]\n');
    const svg = join(dir, 'chart.svg');
    expect(damflow('sweep', file, '--plot', svg).status).toBe(0);
    const text = readFileSync(svg, 'utf8');
    const axes = [...text.matchAll(/aria-label="X-axis titled 'depth\.qk' for (a discrete scale with [^"]*)"/g)].map((m) => m[1]);
    expect(axes).toEqual(Array(3).fill('a discrete scale with 4 values: 2, 4, 8, unbounded'));
    expect(text).toContain(
      'aria-label="Title text \'intermediate memory (sum of capacities); not drawn: 1 job(s) with an unbounded FIFO\'"',
    );
    expect(text).toContain('aria-label="Title text \'peak occupancy (sum over intermediate FIFOs)\'"');

    const small = sweepDir('small.yaml', 'base: { design: modified, n: 32 }\ngrid:\n  depth.qk: [2, 3, 4]\n');
    const chart = join(small.dir, 'chart.svg');
    expect(damflow('sweep', small.file, '--plot', chart).status).toBe(0);
    const labels = [...readFileSync(chart, 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
      .map((m) => m[1]!)
      .filter((t) => /^[\d.,]+$/.test(t));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((t) => t.includes('.'))).toEqual([]);
    expect(labels.slice(0, 3)).toEqual(['2', '3', '4']);
  });
});
