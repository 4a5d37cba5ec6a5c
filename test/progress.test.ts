import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressDisplay, recentRate, timeLeft } from '../dist/cli/progress.js';
import { sweepProgress } from '../dist/cli/sweep-progress.js';
import { CyclesProgress, movedMedian } from '../dist/engines/actors/cycles-progress.js';
import { LONG_RUN_SECONDS, estimateCost, refuseWhatCannotFit } from '../dist/designs/sdpa/cost.js';
import { coreCount } from '../dist/engines/actors/pool-control.js';
import { resolveSdpaConfig } from '../dist/designs/sdpa/design.js';
import type { Progress } from '../dist/index.js';
import type { SdpaRunConfig } from '../dist/designs/sdpa/config.js';

describe('actors progress: the median clock of the units that moved', () => {
  it('is not held back by a unit stopped early, nor pushed by one that jumped', () => {
    // A naive head at N = 8192: source-q waits on its ring at 4,097, the others move.
    expect(movedMedian([0, 0, 0, 0, 0, 0, 0, 0], [4097, 10, 10, 20, 20, 20, 20, 20])).toBe(20);
    expect(movedMedian([4097, 10, 10, 20, 20, 20, 20, 20], [4097, 60, 60, 120, 120, 120, 120, 120])).toBe(120);
    // A unit that moved far ahead among three that move little.
    expect(movedMedian([0, 0, 0, 0], [5, 6, 7, 1e9])).toBe(6);
    // Nothing moved: 0, which the report before keeps.
    expect(movedMedian([3, 4], [3, 4])).toBe(0);
    expect(movedMedian([], [])).toBe(0);
  });

  it('reports what moves, never goes back, and ends at the cycles', () => {
    const reports: Progress[] = [];
    const progress = new CyclesProgress((p) => reports.push(p), 1);
    const clocks = [
      [4097, 100, 100, 200, 200, 200, 200, 200],
      [4097, 300, 300, 600, 600, 600, 600, 600],
      // Only the stopped source and a slow unit moved: the median of the two is below the report before.
      [4098, 301, 300, 600, 600, 600, 600, 600],
      // Nothing moved.
      [4098, 301, 300, 600, 600, 600, 600, 600],
    ];
    // Each report due (1 ms apart), whatever this thread's pauses.
    let now = performance.now() + 1e9;
    for (const at of clocks) progress.tick((now += 1e9), () => at);
    progress.end(1000);
    expect(reports.map((r) => r.done)).toEqual([200, 600, 600, 600, 1000]);
    expect(reports.every((r) => r.unit === 'cycles' && r.total === null)).toBe(true);
  });
});

/** A terminal on which a bar draws: what it was sent, as text. */
function fakeTerminal(): { stream: Writable & { isTTY: true; columns: number }; text: () => string } {
  let written = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }),
    { isTTY: true as const, columns: 160 },
  );
  // The bar's frames, each from the start of the line (ESC [ 1 G), escapes taken out.
  return { stream, text: () => written };
}

// eslint-disable-next-line no-control-regex
const frames = (text: string): string[] => text.split(/\x1b\[1G/).map((f) => f.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ''));

describe('progress bar', () => {
  it("shows '?' for a time left it cannot tell, never NF", () => {
    const terminal = fakeTerminal();
    let now = 0;
    const display = progressDisplay(134_217_728, { stream: terminal.stream, now: () => now });
    // An actors run whose cycles do not move, as the least clock had read: 4,097 throughout.
    for (now = 0; now <= 3000; now += 250) display.onProgress!({ done: 4097, total: null, unit: 'cycles' });
    display.stop();
    const shown = frames(terminal.text()).filter((f) => f.includes('simulating'));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]).toContain('4,097/134,217,728 cycles');
    expect(shown[0]).toMatch(/ETA \?$/);
    expect(terminal.text()).not.toMatch(/NF|INF|NULL/);
  });

  it('tells the time left at the rate of the last reports', () => {
    expect(timeLeft([[0, 0]], 100)).toBe('?');
    expect(
      timeLeft(
        [
          [0, 10],
          [1000, 10],
        ],
        100,
      ),
    ).toBe('?');
    expect(
      timeLeft(
        [
          [0, 0],
          [1000, 10],
        ],
        100,
      ),
    ).toBe('9s');
    expect(
      timeLeft(
        [
          [0, 0],
          [1000, 1],
        ],
        1000,
      ),
    ).toBe('16m39s');
    expect(
      timeLeft(
        [
          [0, 0],
          [1000, 1],
        ],
        10_000,
      ),
    ).toBe('2h46m');
  });

  // A compiled run extrapolates most of its timing rows at once, then computes values at its own
  // pace: 40,000 rows at the start, then 1,000 rows every 250 ms, 4,000 a second. The rate had
  // been the average since the start (52,000 rows in 3 s: 17,333/s) beside an ETA at 4,000/s.
  it('shows the rate of the last reports, the one its time left is worked out at', () => {
    const terminal = fakeTerminal();
    let now = 0;
    const display = progressDisplay(0, { stream: terminal.stream, now: () => now });
    for (now = 0; now <= 3000; now += 250) display.onProgress!({ done: 40_000 + now * 4, total: 120_000, unit: 'rows' });
    display.stop();
    const shown = frames(terminal.text()).filter((f) => f.includes('simulating'));
    expect(shown.length).toBeGreaterThan(0);
    for (const frame of shown) expect(frame).toMatch(/ \| 4,000 rows\/s \| ETA /);
    // At the first frame (2 s): 48,000 done, 72,000 left at 4,000 a second.
    expect(shown[0]).toMatch(/48,000\/120,000 rows \| 4,000 rows\/s \| ETA 18s$/);
    expect(recentRate([[0, 5]])).toBe('?');
  });

  it('an interrupted run takes the bar off the screen as it stands, not at 100%', () => {
    const terminal = fakeTerminal();
    let now = 0;
    const display = progressDisplay(1_000_000, { stream: terminal.stream, now: () => now });
    for (now = 0; now <= 2500; now += 250) display.onProgress!({ done: now * 10, total: null, unit: 'cycles' });
    // Ctrl-C: the run rejects, and the command stops the display.
    display.stop();
    const text = terminal.text();
    const shown = frames(text).filter((f) => f.includes('simulating'));
    expect(shown.length).toBeGreaterThan(0);
    expect(
      // Which reports are drawn depends on cli-progress's redraw throttle, in real time.
      shown.every((f) => / 2% \| 2[0-5],[05]00\/1,000,000 cycles /.test(f)),
      shown.join('\n'),
    ).toBe(true);
    expect(shown.at(-1)).toContain('25,000/1,000,000 cycles');
    // 10 cycles a millisecond over the last reports: 980,000 cycles left at the first frame.
    expect(shown[0]).toMatch(/ETA 1m38s$/);
    expect(text).not.toContain('100%');
    // Cleared: the line is erased (ESC [ 2 K) after the last frame, and the cursor shown again.
    expect(text.lastIndexOf('\x1b[2K')).toBeGreaterThan(text.lastIndexOf('simulating'));
    expect(text).toContain('\x1b[?25h');
  });

  it('shows nothing for a run shorter than two seconds, or off a terminal', () => {
    const terminal = fakeTerminal();
    let now = 0;
    const display = progressDisplay(1000, { stream: terminal.stream, now: () => now });
    for (now = 0; now < 2000; now += 250) display.onProgress!({ done: now, total: null, unit: 'cycles' });
    display.stop();
    expect(terminal.text()).toBe('');
    const pipe = Object.assign(fakeTerminal().stream, { isTTY: false });
    expect(progressDisplay(1000, { stream: pipe as unknown as NodeJS.WritableStream }).onProgress).toBeUndefined();
  });
});

describe('sweep progress bar', () => {
  // cli-progress's own estimate read 'ETA 0s' until the first job finished: for minutes, on a
  // sweep whose first job is long (they run longest first).
  it("shows '?' for the time left until a job of this run has finished, then the rate so far", () => {
    const terminal = fakeTerminal();
    let now = 1000;
    // 2 of 10 jobs were in the results file: they are done, but took no time of this run.
    const progress = sweepProgress(10, 2, true, { stream: terminal.stream, now: () => now });
    now += 4000;
    progress.done(false);
    progress.stop();
    const shown = frames(terminal.text()).filter((f) => f.includes('sweep ['));
    expect(shown[0]).toMatch(/ 2\/10 jobs \| 0 failed \| ETA \?$/);
    // One job in 4 s: 7 left, 28 s.
    expect(shown.at(-1)!.trimEnd()).toMatch(/ 3\/10 jobs \| 0 failed \| ETA 28s$/);
    expect(terminal.text()).not.toMatch(/ETA 0s/);
  });
});

describe('run cost: the actors engine', () => {
  const seconds = (config: SdpaRunConfig): number => estimateCost(resolveSdpaConfig(config), config).seconds;

  // Each head runs in one thread: the estimate had divided a head's time by the cores, so that
  // `run --design modified --n 8192 --engine actors --timing-only` (about 55 s of one thread) was
  // estimated at 23 s on 2 cores.
  it('gives a head one thread, whatever the workers', () => {
    for (const design of ['naive', 'modified'] as const) {
      const base = { design, n: 8192, engine: 'actors', timingOnly: true } as const;
      const one = seconds({ ...base, workers: 1 });
      expect(seconds({ ...base, workers: 'auto' }), design).toBe(one);
      expect(seconds({ ...base, workers: 2 }), design).toBe(one);
      if (coreCount() >= 2) expect(seconds({ ...base, heads: 2, workers: 2 }), design).toBeCloseTo(one, 1);
    }
  });

  it("is the design's: naive N = 8192 well under a minute, modified N = 16384 well past it", () => {
    const base = { n: 8192, engine: 'actors', timingOnly: true, workers: 'auto' } as const;
    // About 23 s of one thread on this project's VM; modified N = 16384 took 177 s (bench/RESULTS.md).
    expect(seconds({ ...base, design: 'naive' })).toBeLessThan(LONG_RUN_SECONDS);
    expect(seconds({ ...base, design: 'modified', n: 16384 })).toBeGreaterThan(2 * LONG_RUN_SECONDS);
    expect(seconds({ ...base, design: 'modified' })).toBeGreaterThan(seconds({ ...base, design: 'naive' }));
  });
});

describe('run cost: the compiled engine, timing only', () => {
  const cost = (config: SdpaRunConfig) => estimateCost(resolveSdpaConfig(config), config);

  // The naive design's timing proves its drift, whose logs grow with N (about 130 MB more at
  // N = 4M than at N = 1M, measured): refused by what it is when it cannot fit, before it starts.
  it("counts the naive design's drift proof: its memory and its time, beside the modified design's", () => {
    const naive = cost({ design: 'naive', n: 2 ** 26, timingOnly: true, workers: 1 });
    expect(naive.largest.what).toBe('the drift proofs');
    expect(() => refuseWhatCannotFit(naive, 2 ** 30)).toThrow(
      /\(the drift proofs: [\d.]+ GiB\), .*: lower N \(or, with several heads, fewer workers\)$/,
    );
    // Measured at N = 4M on this project's VM: naive 19.8 s, modified 1.85 s.
    const at = (design: 'naive' | 'modified') => cost({ design, n: 2 ** 22, timingOnly: true, workers: 1 }).seconds;
    expect(at('naive') / at('modified')).toBeGreaterThan(5);
    expect(cost({ design: 'naive', n: 2 ** 22, timingOnly: true, workers: 1, fastForward: false }).largest.what).not.toBe(
      'the drift proofs',
    );
  });
});
