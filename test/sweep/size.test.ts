import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { pointLabels, sweepDir } from '../helpers/sweep.js';
import { runSdpa } from '../../dist/designs/sdpa/run.js';
import { ruleCapacity } from '../../dist/sweep/sizing-rule.js';
import { resolveSdpaConfig } from '../../dist/designs/sdpa/design.js';
import type { SizingReport } from '../../dist/sweep/sizing.js';
import type { SdpaConfig } from '../../dist/designs/sdpa/design.js';

type Design = 'naive' | 'modified';

/** What the size command reports, as JSON. */
function size(design: Design, n: number, ...args: string[]): SizingReport {
  const r = damflow('size', '--design', design, '--n', String(n), '--json', ...args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as SizingReport;
}

/** Checks a sizing with runs of its own: the unbounded cycles, each minimum and one below it, and the joint run. */
async function confirm(design: Design, n: number, report: SizingReport): Promise<void> {
  const timing = async (depth: Record<string, number | null>, unbounded = false) =>
    runSdpa({ design, n, workers: 1, timingOnly: true, ...(unbounded ? { unbounded } : { depth }) });
  const unbounded = (await timing({}, true)).cycles;
  expect(report.unboundedCycles).toBe(unbounded);
  for (const c of report.channels) {
    expect(c.fullThroughput, c.channel).not.toBeNull();
    const at = await timing({ [c.channel]: c.fullThroughput });
    expect([c.channel, at.status, at.cycles]).toEqual([c.channel, 'ok', unbounded]);
    if (c.fullThroughput! > 1) {
      const below = await timing({ [c.channel]: c.fullThroughput! - 1 });
      expect(below.status !== 'ok' || below.cycles !== unbounded, `${c.channel} at ${c.fullThroughput! - 1}`).toBe(true);
    }
    if (c.deadlockFree! > 1) expect((await timing({ [c.channel]: c.deadlockFree! - 1 })).status, c.channel).toBe('deadlock');
    expect(c.confirmed).toBe(true);
  }
  const joint = await timing(report.joint.depth);
  expect([joint.status, joint.cycles]).toEqual(['ok', unbounded]);
}

describe('damflow size', () => {
  it('finds minima for the modified design at N = 512 that a check confirms, and draws no capacity between whole ones', async () => {
    const { dir } = sweepDir('unused.yaml', '');
    const svg = join(dir, 'size.svg');
    const report = size('modified', 512, '--plot', svg);
    // The capacities run from 1 to 7: the log axis had ticks at 1.5, 2.5, 3.5, 4.5, 6.5 and 7.5.
    const ticks = [...readFileSync(svg, 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
      .map((m) => m[1]!)
      .filter((t) => /^[\d.,]+$/.test(t));
    expect(ticks.filter((t) => !t.includes(',')).sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '4', '8']);
    expect(report.channels.map((c) => c.channel)).toEqual(['qk', 'delta1', 'delta2', 'e1', 'e2', 'rowsum', 'outp']);
    expect(report.channels.map((c) => c.published)).toEqual([12, 2, 2, 2, 2, 10, 14]);
    expect(report.memory.configured).toBe(44);
    await confirm('modified', 512, report);
    expect(report.memory.minimum).toBe(Object.values(report.joint.depth).reduce((a, b) => a + b, 0));
  });

  it('finds minima for the naive design at N = 256 that a check confirms, and draws capacity against cycles', async () => {
    const { dir } = sweepDir('unused.yaml', '');
    const svg = join(dir, 'size.svg');
    const report = size('naive', 256, '--plot', svg);
    const long = report.channels.find((c) => c.channel === 'long')!;
    expect(long).toMatchObject({ configured: 290, published: 290, rule: null });
    expect(long.deadlockFree).toBeGreaterThanOrEqual(256 - 16);
    await confirm('naive', 256, report);

    const text = readFileSync(svg, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const expected = new Set(
      report.probes.filter((p) => p.status === 'ok').map((p) => `${p.channel} capacity ${p.capacity}: ${p.cycles} cycles`),
    );
    expect(new Set(pointLabels(text))).toEqual(expected);
    expect(pointLabels(text)).toHaveLength(expected.size);
    // The runs that deadlocked have no cycles to draw: the chart names them, so that long's
    // line starting near N does not read as the range searched.
    const deadlocked = [...new Set(report.probes.filter((p) => p.status === 'deadlock').map((p) => `${p.channel}:${p.capacity}`))];
    expect(deadlocked.length).toBeGreaterThan(0);
    expect(deadlocked.every((p) => p.startsWith('long:'))).toBe(true);
    const capacities = deadlocked.map((p) => Number(p.slice('long:'.length))).sort((a, b) => a - b);
    expect(text).toContain(`aria-label="Subtitle text 'deadlocked, not drawn: long at ${capacities.join(', ')}'"`);
  });

  // runningsum at II 3 and runningmax at latency 7: no channel alone, the others as configured,
  // gives the unbounded cycles (12,337 against 12,333); together they do. The sizing had ended
  // there with no minimum, exit 0.
  it('searches the joint minimum where no channel alone reaches the unbounded cycles', async () => {
    const options = { design: 'modified', n: 64, ii: { runningsum: 3 }, latency: { runningmax: 7 } } as const;
    const report = size('modified', 64, '--ii', 'runningsum=3', '--latency', 'runningmax=7');
    expect(report.channels.every((c) => c.fullThroughput === null)).toBe(true);
    expect(report.joint.searched).toBe(true);
    const timing = (depth: Record<string, number | null>, unbounded = false) =>
      runSdpa({ ...options, workers: 1, timingOnly: true, ...(unbounded ? { unbounded } : { depth }) });
    const unbounded = (await timing({}, true)).cycles;
    const joint = await timing(report.joint.depth);
    expect([joint.status, joint.cycles]).toEqual(['ok', unbounded]);
    // No channel can go lower alone.
    for (const [channel, k] of Object.entries(report.joint.depth)) {
      if (k === 1) continue;
      const below = await timing({ ...report.joint.depth, [channel]: k - 1 });
      expect(below.status !== 'ok' || below.cycles !== unbounded, `${channel} at ${k - 1}`).toBe(true);
    }
    expect(report.memory.minimum).toBe(Object.values(report.joint.depth).reduce((a, b) => a + b, 0));
    // In text, a channel with no minimum has nothing to confirm: '-', not a failed check's 'NO'.
    const text = damflow('size', '--design', 'modified', '--n', '64', '--ii', 'runningsum=3', '--latency', 'runningmax=7');
    const qk = text.stdout.split('\n').find((line) => line.startsWith('qk '))!;
    const cells = qk.trim().split(/\s+/);
    expect([cells.at(-3), cells.at(-1)]).toEqual(['none', '-']);
  });

  it('reports the paper rule next to the published capacities, in text', () => {
    const r = damflow('size', '--design', 'naive', '--n', '32', '--latency', 'div=12');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^div +9 +9 +14 +\d+ +\d+ +yes$/m);
    expect(r.stdout).toMatch(/^long +66 +66 +a row /m);
    expect(r.stdout).toMatch(
      /^intermediate memory \(sum of capacities\): configured 112, rule \d+ \(a row FIFO at its published capacity\), minimum \d+: saves \d+ \(\d+%\) against configured$/m,
    );
    expect(damflow('size', '--design', 'naive').stderr).toBe('damflow: --n is required\n');
    // Memory over every head, as run reports it; a head's own capacity of a searched channel is refused.
    const heads = ['--design', 'modified', '--n', '32', '--heads', '3', '--ii', 'runningmax=3'];
    const ran = JSON.parse(damflow('run', ...heads, '--json').stdout) as { intermediateMemory: { capacity: number } };
    expect(damflow('size', ...heads).stdout).toContain(`(sum of capacities, 3 heads): configured ${ran.intermediateMemory.capacity},`);
    expect(damflow('size', '--design', 'modified', '--n', '32', '--heads', '2', '--depth', 'h1/qk=3').stderr).toBe(
      "damflow: --depth h1/qk: size searches 'qk' on every head at once; give --depth qk=K, or leave it out\n",
    );
    // With every FIFO one deep, no capacity of any one channel gives the unbounded cycles: the line
    // says which, and the joint search finds capacities that do, more than the configured 7.
    const deep1 = damflow('size', '--design', 'modified', '--n', '32', '--uniform-depth', '1').stdout;
    expect(deep1).toMatch(
      /^no capacity of qk, delta1, delta2, e1, e2, rowsum, outp alone reaches the unbounded cycles, the others as configured\. Joint minimum \(no channel can go lower alone\): qk=\d+ .*, [\d,]+ cycles$/m,
    );
    expect(deep1).toMatch(
      /configured 7, rule 54, minimum \d+: \d+ more than configured, whose [\d,]+ cycles are not the unbounded cycles$/m,
    );
    // Configured capacities that deadlock: the run's cycles (a source's clock where it stopped) are
    // no throughput to name, as the line had done ('whose 4,096 cycles are not the unbounded cycles').
    expect(damflow('size', '--design', 'naive', '--n', '64', '--depth', 'long=40').stdout).toMatch(
      /^unbounded cycles: [\d,]+; as configured: deadlock$[^]*: \d+ more than configured, whose run deadlocks$/m,
    );
    expect(damflow('size', '--design', 'naive', '--n', '8', '--depth', 'nope=3').status).toBe(2);
    // What no search could run is refused before any: clocks past 2^53 (2N^2), or heads past any heap.
    for (const [args, message] of [
      [['--n', '100000000'], /needs clocks past 2\^53/],
      [['--n', '64', '--heads', '100000000'], /need about .* of JavaScript heap/],
    ] as [string[], RegExp][]) {
      const refused = damflow('size', '--design', 'modified', ...args);
      expect([refused.status, refused.stderr.trim().split('\n')]).toEqual([2, [expect.stringMatching(message)]]);
    }
  });

  // A searched capacity is every head's: the rule had read head 0's latencies and IIs alone
  // (delta1 5 where head 1's runningmax at latency 9 needs 11).
  it("takes the paper rule of the head that needs the most, a head's own latency or II included", () => {
    const rule = (config: SdpaConfig, channel: string) => ruleCapacity(resolveSdpaConfig(config), channel);
    const base = { design: 'modified', n: 64, heads: 3 } as const;
    expect(rule(base, 'delta1')).toBe(5);
    expect(rule({ ...base, latency: { 'h1/runningmax': 9 } }, 'delta1')).toBe(11);
    // Head 0's Div at II 3 waits on rowsum and outp; head 2's runningsum at latency 12 writes rowsum.
    const mixed = { ...base, ii: { 'h0/div': 3 }, latency: { 'h2/runningsum': 12 } };
    expect([rule(mixed, 'rowsum'), rule(mixed, 'outp'), rule(mixed, 'qk')]).toEqual([13, 15, 12]);
    // Every head its own latency, all below the shared default: the default applies to no head.
    const own = { ...base, latency: { 'h0/qkt': 2, 'h1/qkt': 3, 'h2/qkt': 4 } };
    expect(rule(own, 'qk')).toBe(5);
    expect(rule({ design: 'naive', n: 64 }, 'long')).toBeNull();
    const r = damflow('size', '--design', 'modified', '--n', '32', '--heads', '2', '--latency', 'h1/runningmax=9');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^delta1 +2 +2 +11 /m);
    expect(r.stdout).toMatch(/\(sum of capacities, 2 heads\): configured 88, rule 156,/);
  });

  it('stops, naming the run, when a search run fails: its clocks past 2^53 had counted as a deadlock and set a wrong minimum', () => {
    // QKT's latency alone keeps the configured and unbounded runs below 2^53 (about 3e14 cycles),
    // but with qk at 4 places every element waits for it: 256 / 4 * 3e14 > 2^53.
    const r = damflow('size', '--design', 'modified', '--n', '16', '--latency', 'qkt=300000000000000');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^damflow: sizing failed: the run with [a-z0-9]+=\d+ failed: this run's clocks passed 2\^53, where they are no longer exact integers \(about [\d.e+]+ cycles\)[^\n]*\n$/,
    );
  });
});
