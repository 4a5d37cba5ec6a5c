import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, damflow } from './helpers/cli.js';
import { memorySeries } from '../dist/reports/memory-chart.js';
import { resolveSdpaConfig } from '../dist/designs/sdpa/design.js';
import type { BrowserContext, Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it when missing). */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots kept for people to look at (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'damflow-report-'));

if (CHROMIUM === undefined) console.warn('report tests skipped: no chromium at /usr/bin/chromium (apt-get install -y chromium)');

interface Shown {
  page: Page;
  errors: string[];
}

describe.skipIf(CHROMIUM === undefined)('HTML report in a real browser', () => {
  let browser: BrowserContext;
  beforeAll(async () => {
    // A fresh profile each time (playwright passes it as --user-data-dir).
    const profile = mkdtempSync(join(tmpdir(), 'damflow-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());

  /** Opens a page with every request beyond the file refused, and keeps its console errors. */
  async function open(path: string, screenshot: string): Promise<Shown> {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    const errors: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:') ? route.continue() : (errors.push(`fetched ${route.request().url()}`), route.abort()),
    );
    await page.goto(`file://${path}`);
    await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
    return { page, errors };
  }

  const labels = (page: Page, selector: string): Promise<string[]> =>
    page.$$eval(`${selector} [aria-label]`, (marks) => marks.map((m) => m.getAttribute('aria-label')!));

  /** A table row's cells that hold a number, by their data-field. */
  const figures = (page: Page, row: string): Promise<Record<string, number>> =>
    page.$$eval(`${row} [data-value]`, (cells) =>
      Object.fromEntries(cells.map((c) => [c.getAttribute('data-field'), Number(c.getAttribute('data-value'))])),
    );

  it("run --report: the result table, every unit's and channel's figures and each channel's occupancy peak are the result's numbers", async () => {
    const path = join(folder, 'run.html');
    const ran = damflow('run', '--design', 'naive', '--n', '16', '--json', '--report', path);
    expect(ran.status).toBe(0);
    const result = JSON.parse(ran.stdout) as {
      cycles: number;
      units: { head: number; name: string; finalClock: number; busyCycles: number; inputStallCycles: number; roomStallCycles: number }[];
      channels: {
        head: number;
        name: string;
        capacity: number;
        peakOccupancy: number;
        tokens: number;
        fullCycles: number;
        emptyWaitCycles: number;
        roomWaitCycles: number;
      }[];
    };
    const { page, errors } = await open(path, 'report-run.png');
    expect(errors).toEqual([]);
    expect(await page.$eval('[data-field="cycles"]', (e) => Number(e.getAttribute('data-value')))).toBe(result.cycles);
    for (const { head, name, ...unit } of result.units) expect(await figures(page, `tr[data-unit="h${head}/${name}"]`), name).toEqual(unit);
    for (const ch of result.channels) {
      const name = `h${ch.head}/${ch.name}`;
      expect(await figures(page, `tr[data-channel="${name}"]`), name).toEqual({
        capacity: ch.capacity,
        peak: ch.peakOccupancy,
        tokens: ch.tokens,
        fullCycles: ch.fullCycles,
        emptyWaitCycles: ch.emptyWaitCycles,
        roomWaitCycles: ch.roomWaitCycles,
      });
      const marks = await labels(page, `figure.occupancy[data-channel="${name}"]`);
      const peak = marks.find((m) => m.startsWith(`${name}: peak occupancy`));
      expect(peak, name).toMatch(new RegExp(`^${name}: peak occupancy ${ch.peakOccupancy} at cycle \\d+$`));
    }
    // The charts are drawn: one SVG per channel, with a line in each.
    expect(await page.$$eval('figure.occupancy svg path', (paths) => paths.length)).toBeGreaterThan(result.channels.length);
  });

  it("a window's charts mark the window's peak and say so, beside the table's peaks of the whole run", async () => {
    const path = join(folder, 'window.html');
    const ran = damflow('run', '--design', 'naive', '--n', '16', '--json', '--report', path, '--trace-window', '100:150');
    expect(ran.status).toBe(0);
    const { page, errors } = await open(path, 'report-window.png');
    expect(errors).toEqual([]);
    expect(await page.$eval('p.note[data-start]', (p) => p.textContent)).toMatch(/tables' figures are the whole run's/);
    // v holds 164 at most in the run, 111 in these cycles.
    const marks = await labels(page, 'figure.occupancy[data-channel="h0/v"]');
    expect(marks).toContain('h0/v: peak occupancy 111 at cycle 148 in the window (cycles 100 to 150)');
    expect(await figures(page, 'tr[data-channel="h0/v"]')).toMatchObject({ peak: 164 });
  });

  it('damflow report of a deadlocked run draws who waits on whom, on which channel, at which clock', async () => {
    const json = join(folder, 'deadlock.json');
    const ran = damflow('run', '--design', 'naive', '--n', '8', '--depth', 'long=4', '--json');
    expect(ran.status).toBe(3);
    writeFileSync(json, ran.stdout);
    const made = damflow('report', json);
    // Without --out the page's name comes from RESULT's, and is said.
    expect([made.status, made.stdout, made.stderr]).toEqual([0, `report: ${join(folder, 'deadlock.html')}\n`, '']);
    const { page, errors } = await open(join(folder, 'deadlock.html'), 'report-deadlock.png');
    expect(errors).toEqual([]);
    const deadlock = (
      JSON.parse(ran.stdout) as {
        deadlock: { blocked: { unit: string; clock: number; waits: { on: string; channel: string; peer: string }[] }[] };
      }
    ).deadlock;
    const drawn = await page.$$eval('svg.deadlock-graph g.wait', (edges) =>
      edges.map((e) => [
        e.getAttribute('data-unit'),
        Number(e.getAttribute('data-clock')),
        e.getAttribute('data-on'),
        e.getAttribute('data-channel'),
        e.getAttribute('data-peer'),
      ]),
    );
    expect(drawn).toEqual(deadlock.blocked.flatMap((b) => b.waits.map((w) => [b.unit, b.clock, w.on, w.channel, w.peer])));
    expect(await page.$$eval('svg.deadlock-graph g.unit', (nodes) => nodes.length)).toBe(5);
  });

  it("a sweep's results draw memory against N for each design", async () => {
    const runs: { config: { design: string; n: number }; intermediateMemory: { capacity: number; peakOccupancy: number } }[] = [];
    for (const design of ['naive', 'modified']) {
      for (const n of [8, 16, 32]) {
        const ran = damflow('run', '--design', design, '--n', String(n), '--json');
        runs.push(JSON.parse(ran.stdout) as (typeof runs)[number]);
      }
    }
    const json = join(folder, 'sweep.jsonl');
    writeFileSync(json, runs.map((r) => JSON.stringify(r)).join('\n'));
    const made = damflow('report', json, '--out', join(folder, 'sweep.html'));
    expect([made.status, made.stderr]).toEqual([0, '']);
    const { page, errors } = await open(join(folder, 'sweep.html'), 'report-sweep.png');
    expect(errors).toEqual([]);
    const marks = await labels(page, 'figure.memory-chart');
    for (const r of runs) {
      const { design, n } = r.config;
      expect(marks).toContain(`${design} N=${n}: peak occupancy ${r.intermediateMemory.peakOccupancy}`);
      expect(marks).toContain(`${design} N=${n}: capacity ${r.intermediateMemory.capacity}`);
    }
    // The naive design's memory grows with N, the modified design's does not.
    const peak = (design: string, n: number): number =>
      runs.find((r) => r.config.design === design && r.config.n === n)!.intermediateMemory.peakOccupancy;
    expect(peak('naive', 32)).toBeGreaterThan(peak('naive', 8));
    expect(peak('modified', 32)).toBe(peak('modified', 8));
  });
});

/** A sweep record as `damflow report` reads one: what its runs table and memory chart draw. */
const TWO_RUNS_RECORD = {
  status: 'ok',
  cycles: 92,
  config: { design: 'naive', n: 4 },
  intermediateMemory: { capacity: 84, peakOccupancy: 50 },
};

describe('damflow report input', () => {
  // A record without its intermediate memory (written by hand, or by another tool) had ended in
  // a TypeError and its stack trace, exit 1.
  it("refuses, in one line, a sweep's record without its intermediate memory, or one of another shape", () => {
    const { intermediateMemory: _, ...bare } = TWO_RUNS_RECORD;
    for (const [name, runs] of [
      ['bare', [bare, bare]],
      ['odd', [TWO_RUNS_RECORD, { ...TWO_RUNS_RECORD, intermediateMemory: 5 }]],
    ] as const) {
      const file = join(folder, `${name}.json`);
      writeFileSync(file, JSON.stringify(runs));
      const ran = damflow('report', file);
      expect([ran.status, ran.stderr.trim().split('\n')], name).toEqual([
        2,
        [expect.stringMatching(/^damflow: result file '.*' run \d: intermediateMemory must be \{ capacity, peakOccupancy \}/)],
      ]);
    }
    // Null is a run without figures (a failed job's record): drawn as none.
    const failed = join(folder, 'failed.json');
    writeFileSync(
      failed,
      JSON.stringify([TWO_RUNS_RECORD, { ...TWO_RUNS_RECORD, status: 'failed', cycles: null, intermediateMemory: null }]),
    );
    expect(damflow('report', failed).status).toBe(0);
  });

  // Edited by hand, a run's fields had ended the page in a TypeError and its stack trace, exit 1,
  // with the timeline drawn or not (the comparison with a re-run skips the figures a file lacks).
  it("refuses, in one line, a run whose units, channels or deadlock are not the shape 'run --json' writes", () => {
    const result = JSON.parse(damflow('run', '--design', 'naive', '--n', '4', '--json').stdout) as Record<string, unknown[]>;
    for (const [field, value, message] of [
      ['units', 5, /units must be a list of \{ head, name, finalClock/],
      ['channels', [{ x: 1 }, ...result['channels']!.slice(1)], /channels must be a list of \{ head, name, capacity/],
      ['deadlock', 5, /deadlock must be null, or \{ blocked: /],
    ] as const) {
      const file = join(folder, `shape-${field}.json`);
      writeFileSync(file, JSON.stringify({ ...result, [field]: value }));
      for (const timeline of [[], ['--no-timeline']]) {
        const ran = damflow('report', file, ...timeline, '--out', join(folder, `shape-${field}.html`));
        expect([ran.status, ran.stderr.trim().split('\n')], field).toEqual([2, [expect.stringMatching(message)]]);
      }
    }
  });

  it('bad input is one line and exit 2', () => {
    const notJson = join(folder, 'bad.json');
    writeFileSync(notJson, '{"status": "ok"');
    const noConfig = join(folder, 'noconfig.json');
    writeFileSync(noConfig, JSON.stringify({ status: 'ok', cycles: 3 }));
    const badConfig = join(folder, 'badconfig.json');
    writeFileSync(badConfig, JSON.stringify({ status: 'ok', cycles: 3, config: { design: 'naive', n: -1 } }));
    for (const file of [join(folder, 'missing.json'), notJson, noConfig, badConfig]) {
      const ran = damflow('report', file);
      expect(ran.status, file).toBe(2);
      expect(ran.stderr.trim().split('\n'), ran.stderr).toHaveLength(1);
    }
    expect(readFileSync(notJson, 'utf8')).toBe('{"status": "ok"');
    for (const bound of [
      ['--trace-window', '0:4'],
      ['--trace-max-events', '9'],
    ]) {
      const ran = damflow('report', noConfig, '--no-timeline', ...bound);
      expect([ran.status, ran.stderr]).toEqual([2, `damflow: ${bound[0]} bounds a timeline: --no-timeline draws none\n`]);
      // A sweep's results (several runs) have no timeline either: the bound had been ignored without a word.
      const sweep = join(folder, 'two-runs.json');
      writeFileSync(sweep, JSON.stringify([1, 2].map(() => ({ ...TWO_RUNS_RECORD }))));
      const page = join(folder, 'two-runs.html');
      const refused = damflow('report', sweep, ...bound);
      expect([refused.status, refused.stderr]).toEqual([2, `damflow: ${bound[0]} bounds a timeline: a sweep's page draws none\n`]);
      expect(existsSync(page)).toBe(false);
    }
  });

  it('a result whose figures its configuration does not give is refused: the page would set a timeline beside figures it contradicts', () => {
    // Naive N = 16 takes 596 cycles, N = 8 196 (spec section 3).
    const result = JSON.parse(damflow('run', '--design', 'naive', '--n', '16', '--json').stdout) as Record<string, unknown>;
    const edited = join(folder, 'edited.json');
    writeFileSync(edited, JSON.stringify({ ...result, cycles: 5 }));
    const refused = damflow('report', edited, '--out', join(folder, 'edited.html'));
    expect([refused.status, refused.stderr]).toEqual([
      2,
      `damflow: result file '${edited}' does not match its configuration as this damflow runs it: cycles: 5 in the file, 596 here. ` +
        'Was it edited, or made by another version? (--no-timeline draws its figures without running it again)\n',
    ]);
    expect(existsSync(join(folder, 'edited.html'))).toBe(false);
    const other = join(folder, 'other-n.json');
    writeFileSync(other, JSON.stringify({ ...result, config: { ...(result['config'] as object), n: 8 } }));
    expect(damflow('report', other, '--out', join(folder, 'other-n.html')).stderr).toMatch(
      /: n: 16 in the file, 8 here \(and \d+ more\)\. Was it edited/,
    );
    expect(damflow('report', edited, '--out', join(folder, 'edited.html'), '--no-timeline').status).toBe(0);
  });

  it("every figure the configuration fixes is compared, the first that differs named: units', channels', memory, the deadlock report", () => {
    interface Figures {
      units: Record<string, unknown>[];
      channels: Record<string, unknown>[];
      intermediateMemory: Record<string, unknown>;
      deadlock?: { blocked: Record<string, unknown>[] };
    }
    const ok = JSON.parse(damflow('run', '--design', 'naive', '--n', '8', '--json').stdout) as Figures;
    const stuck = JSON.parse(damflow('run', '--design', 'naive', '--n', '8', '--depth', 'long=4', '--json').stdout) as Figures;
    const edits: [Figures, (r: Figures) => unknown, string][] = [
      [ok, (r) => (r.channels[0]!.capacity = 5), 'channels[0] (h0/q).capacity: 5 in the file, 64 here'],
      [ok, (r) => (r.intermediateMemory.peakOccupancy = 1), 'intermediateMemory.peakOccupancy: 1 in the file, 54 here'],
      [ok, (r) => r.channels.pop(), 'channels[7] (h0/out): not in the file'],
      [ok, (r) => (r.channels[3]!.fullCycles = 0), 'channels[3] (h0/short).fullCycles: 0 in the file, 50 here'],
      [ok, (r) => (r.channels[0]!.emptyWaitCycles = 0), 'channels[0] (h0/q).emptyWaitCycles: 0 in the file, 1 here'],
      [ok, (r) => (r.channels[3]!.roomWaitCycles = 0), 'channels[3] (h0/short).roomWaitCycles: 0 in the file, 49 here'],
      [ok, (r) => (r.units[3]!.roomStallCycles = 0), 'units[3] (h0/qktexp).roomStallCycles: 0 in the file, 49 here'],
      [ok, (r) => (r.deadlock = stuck.deadlock), 'deadlock: an object in the file, null here'],
      [stuck, (r) => (r.deadlock!.blocked[0]!.clock = 99), 'deadlock.blocked[0] (h0/qktexp).clock: 99 in the file, 5 here'],
      [stuck, (r) => r.deadlock!.blocked.pop(), 'deadlock.blocked[4] (h0/sink): not in the file'],
    ];
    for (const [result, edit, difference] of edits) {
      const copy = structuredClone(result);
      edit(copy);
      const file = join(folder, 'edit.json');
      writeFileSync(file, JSON.stringify(copy));
      const refused = damflow('report', file, '--out', join(folder, 'edit.html'));
      expect([refused.status, refused.stderr], difference).toEqual([
        2,
        `damflow: result file '${file}' does not match its configuration as this damflow runs it: ${difference}. ` +
          'Was it edited, or made by another version? (--no-timeline draws its figures without running it again)\n',
      ]);
      expect(existsSync(join(folder, 'edit.html'))).toBe(false);
    }
    // How it ran, and maxError (a whole run's to give again), are not the configuration's timing.
    const ran = join(folder, 'ran.json');
    writeFileSync(ran, JSON.stringify({ ...ok, engine: 'actors', workers: 3, wallSeconds: 9, maxError: 1, placement: null }));
    expect(damflow('report', ran, '--out', join(folder, 'ran.html')).status).toBe(0);
  });

  it('a timeline of more heads than a page holds is refused before anything runs; --no-timeline draws the rest', () => {
    const many = join(folder, 'many.json');
    const ran = damflow('run', '--design', 'modified', '--n', '8', '--heads', '65', '--json', '--quiet');
    writeFileSync(many, ran.stdout);
    const refused = damflow('report', many, '--out', join(folder, 'many.html'));
    expect([refused.status, refused.stderr]).toEqual([
      2,
      expect.stringMatching(/^damflow: the occupancy over time of 65 heads .*: --no-timeline\n$/),
    ]);
    expect(existsSync(join(folder, 'many.html'))).toBe(false);
    expect(damflow('report', many, '--out', join(folder, 'many.html'), '--no-timeline').status).toBe(0);
    const up = damflow('run', '--design', 'modified', '--n', '8', '--heads', '65', '--report', join(folder, 'never.html'));
    expect([up.status, up.stdout]).toEqual([2, '']);
    expect(up.stderr).toMatch(/^damflow: the occupancy over time of 65 heads [^\n]*--no-timeline`\n$/);
  });

  it('SIGINT while the page is drawn (report, run --report): one line, exit 130, no page', async () => {
    const result = join(folder, 'h32.json');
    const config = ['--design', 'modified', '--n', '16', '--heads', '32'];
    writeFileSync(result, damflow('run', ...config, '--json', '--quiet').stdout);
    for (const [args, page] of [
      [['report', result, '--out', join(folder, 'h32.html')], join(folder, 'h32.html')],
      [['run', ...config, '--quiet', '--report', join(folder, 'run32.html')], join(folder, 'run32.html')],
    ] as [string[], string][]) {
      const child = spawn(process.execPath, [MAIN, ...args]);
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      // Listened for from the start: a page drawn before the signal fails here, not hangs.
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // 352 charts: seconds of drawing after the recording (about 5 s here on 2026-11-28).
      await new Promise((resolve) => setTimeout(resolve, 1200));
      child.kill('SIGINT');
      expect(await exited, args[0]).toBe(130);
      expect(stderr).toBe('damflow: interrupted; the run was stopped and nothing is left running\n');
      expect(existsSync(page)).toBe(false);
    }
  });
});

describe('memory chart lines', () => {
  it('never join two configurations: published FIFOs, unbounded and uniform depths are lines of their own', () => {
    const configs = ['naive', 'modified'].flatMap((design) =>
      [16, 64].flatMap((n) => [
        resolveSdpaConfig({ design: design as 'naive', n }),
        resolveSdpaConfig({ design: design as 'naive', n, unbounded: true }),
        resolveSdpaConfig({ design: design as 'naive', n, uniformDepth: 4 }),
        resolveSdpaConfig({ design: design as 'naive', n, latency: { div: 30 }, depth: { rowsum: 3 } }),
      ]),
    );
    const series = memorySeries(configs);
    expect(new Set(series)).toEqual(
      new Set(
        ['naive', 'modified'].flatMap((design) => [
          `${design}, published FIFOs`,
          `${design}, unbounded`,
          `${design}, uniform depth 4`,
          `${design}, depth rowsum=3, latency div=30`,
        ]),
      ),
    );
    // Published runs at every N are one line: their capacities grow with N.
    expect(series[0]).toBe(series[4]);
  });
});

describe('report of several run --json results', () => {
  it('gives each run its settings in the runs table: runs that differ only in a latency or a capacity do not read alike', async () => {
    const { reportPage } = await import('../dist/reports/report-page.js');
    const run = (config: Parameters<typeof resolveSdpaConfig>[0], status: string) => ({
      config: resolveSdpaConfig(config),
      status,
      cycles: 1,
      intermediateMemory: { capacity: 1, peakOccupancy: 1 },
    });
    const page = await reportPage({
      title: 'three runs',
      timeline: null,
      runs: [
        run({ design: 'naive', n: 8 }, 'ok'),
        run({ design: 'naive', n: 8, latency: { div: 30 } }, 'ok'),
        run({ design: 'naive', n: 8, depth: { long: 4 } }, 'deadlock'),
      ],
    });
    const runsTable = page.slice(page.indexOf('<h2>Runs</h2>'), page.indexOf('</table>', page.indexOf('<h2>Runs</h2>')));
    const rows = [...runsTable.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map((c) => c[1]));
    const column = rows[0]!.indexOf('settings');
    expect(column).toBeGreaterThan(0);
    // The naive design's published capacities at N = 8 (long = N + 34) and latencies (div 8, spec 2.1).
    expect(rows.slice(1).map((row) => row[column])).toEqual(['published FIFOs', 'published FIFOs, latency div=30', 'depth long=4']);
  });
});

describe('chart thread', () => {
  // Vega's load (half a second of CommonJS modules compiled in one go) and each chart's drawing
  // ran in the calling thread, and a SIGINT waited for them (`damflow demo` as it drew its chart:
  // 0.7-1 s). Drawn in a thread of their own, they leave the calling thread free for signals.
  it('draws charts with Vega loaded in its own thread, not in the calling one', () => {
    const chart = join(folder, 'thread.svg');
    const script = [
      "import { createRequire } from 'node:module';",
      `import { writeChart } from ${JSON.stringify(new URL('../dist/reports/render-chart.js', import.meta.url).href)};`,
      "const spec = { data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } };",
      `await writeChart(${JSON.stringify(chart)}, spec, 'a chart', '');`,
      'const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => /[\\\\/]vega[^\\\\/]*[\\\\/]/.test(file));',
      'console.log(JSON.stringify(loaded));',
    ].join('\n');
    const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual([]);
    expect(readFileSync(chart, 'utf8')).toMatch(/^<svg[^>]*>.*<\/svg>$/s);
  });

  it('an abort ends the chart where it is: it rejects with RunAborted, and nothing keeps the process', () => {
    const script = [
      `import { drawChart } from ${JSON.stringify(new URL('../dist/reports/chart-thread.js', import.meta.url).href)};`,
      "const spec = { data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } };",
      'const controller = new AbortController();',
      'setTimeout(() => controller.abort(), 20);',
      'await drawChart(spec, controller.signal).then(() => console.log("drawn"), (error) => console.log(error.name));',
    ].join('\n');
    const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect([ran.status, ran.stdout, ran.stderr]).toEqual([0, 'RunAborted\n', '']);
  });
});
