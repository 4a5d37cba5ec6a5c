import { DESIGN_DEFS, publishedDepth } from '../designs/sdpa/design.js';
import { createJob } from './sweep-spec.js';
import { ruleCapacity } from './sizing-rule.js';
import { channelPeak } from './sweep-job.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { JobRecord, SweepJob } from './sweep-job.js';

/** Runs one job: the local pool, or anything else that gives a record per job. */
export type RunJob = (job: SweepJob) => Promise<JobRecord>;

/** One run the search made: a channel's capacity and what it gave. */
export interface Probe {
  readonly channel: string;
  readonly capacity: number;
  readonly status: JobRecord['status'];
  readonly cycles: number | null;
}

export interface ChannelSizing {
  readonly channel: string;
  /** Capacity as configured (null: unbounded). */
  readonly configured: number | null;
  readonly published: number;
  /** The paper's rule (null for a FIFO that holds a row). */
  readonly rule: number | null;
  /** Smallest capacity giving the unbounded cycles, the others as configured (null: none does). */
  readonly fullThroughput: number | null;
  /** Smallest capacity that does not deadlock, the others as configured (null: none does). */
  readonly deadlockFree: number | null;
  /** At the minimum the cycles are the unbounded cycles; one below they are not, or it deadlocks. */
  readonly confirmed: boolean;
}

export interface JointSizing {
  /** Every intermediate channel's capacity in the joint run. */
  readonly depth: Readonly<Record<string, number>>;
  readonly cycles: number | null;
  readonly status: JobRecord['status'];
  /**
   * true: searched for, since the separate minima did not give the unbounded cycles together,
   * or some channel had none (the others as configured).
   */
  readonly searched: boolean;
}

export interface SizingReport {
  readonly config: ResolvedSdpaConfig;
  readonly unboundedCycles: number;
  readonly configuredCycles: number | null;
  readonly configuredStatus: JobRecord['status'];
  readonly channels: readonly ChannelSizing[];
  readonly joint: JointSizing;
  /**
   * Sums over the intermediate channels of every head, as a run reports it (null when one is
   * unbounded); `minimum` is the joint minimum's, which gives the unbounded cycles.
   */
  readonly memory: { readonly configured: number | null; readonly rule: number | null; readonly minimum: number };
  /** Every run the searches made, for the capacity-against-cycles chart. */
  readonly probes: readonly Probe[];
  readonly runs: number;
}

/** A sizing that cannot go on: the unbounded run itself did not finish, or no capacity helps. */
export class SizingFailed extends Error {
  override readonly name = 'SizingFailed';
}

/** Beyond this a channel is taken to have no useful capacity (the doubling search stops). */
const MAX_CAPACITY = 2 ** 26;

type Depths = Readonly<Record<string, number | null>>;

/**
 * Sizes every intermediate FIFO of a configuration. For each channel, the others as
 * configured: the smallest capacity whose run gives the cycles of the fully unbounded run, and
 * the smallest that does not deadlock (binary searches: fewer places only ever cost cycles).
 * Then one run with every channel at its minimum. If the minima interact (together they lose
 * cycles), or a channel has none with the others as configured, the joint minimum is searched
 * one channel at a time: each channel the smallest that keeps the unbounded cycles with the
 * channels before it at their joint minima and the ones after it unbounded, which leaves no
 * channel that could go lower alone. Channels are searched side by side, every run a job on
 * `run`, repeated runs answered once.
 */
export async function sizeChannels(base: SdpaRunConfig, run: RunJob): Promise<SizingReport> {
  const cache = new Map<string, Promise<JobRecord>>();
  const probes: Probe[] = [];
  const runWith = (depth: Depths, unbounded = false): Promise<JobRecord> => {
    // Only cycles and status decide a capacity: the runs skip the outputs (2 to 3 times faster).
    const config: SdpaRunConfig = {
      ...(unbounded ? { ...withoutCapacities(base), unbounded: true } : { ...base, depth: { ...base.depth, ...depth } }),
      timingOnly: true,
    };
    const job = createJob(cache.size, depth, config);
    let record = cache.get(job.hash);
    if (record === undefined) {
      // A run that failed (its clocks passed 2^53, a worker died) neither deadlocked nor gave
      // cycles: counted as either, it had set a wrong minimum.
      record = run(job).then((r) => {
        if (r.status === 'failed') throw new SizingFailed(`the run with ${capacities(depth, unbounded)} failed: ${r.error ?? ''}`);
        return r;
      });
      cache.set(job.hash, record);
    }
    return record;
  };

  const configured = await runWith({});
  const resolved = configured.config;
  const unbounded = await runWith({}, true);
  if (unbounded.status !== 'ok' || unbounded.cycles === null)
    throw new SizingFailed(`the unbounded run did not finish (${unbounded.status}): ${unbounded.error ?? ''}`);
  const target = unbounded.cycles;
  const channels = DESIGN_DEFS[resolved.design].channels.filter((c) => c.intermediate).map((c) => c.name);
  const reaches = (r: JobRecord): boolean => r.status === 'ok' && r.cycles === target;
  const lives = (r: JobRecord): boolean => r.status === 'ok';
  const probe = async (channel: string, capacity: number, others: Depths = {}): Promise<JobRecord> => {
    const record = await runWith({ ...others, ...alone(resolved, channel, capacity) });
    probes.push({ channel, capacity, status: record.status, cycles: record.cycles });
    return record;
  };

  const sized = await Promise.all(
    channels.map(async (channel): Promise<ChannelSizing> => {
      const configuredCapacity = resolved.depth[channel] ?? null;
      const run = (k: number): Promise<JobRecord> => probe(channel, k);
      // A capacity where `ok` holds: the configured one if the configured run passes (no run
      // at all), else from the channel's peak with it unbounded, doubled until `ok` holds. An
      // unbounded FIFO runs far ahead (qk holds N^2/2 elements) and is slow: the last resort.
      const high = async (ok: (r: JobRecord) => boolean): Promise<number | null> => {
        if (ok(configured) && configuredCapacity !== null) return configuredCapacity;
        const open = await runWith(alone(resolved, channel, null));
        if (!ok(open)) return null;
        return upperBound(Math.max(1, configuredCapacity ?? channelPeak(open, channel) ?? 1), run, ok);
      };
      const throughputHigh = await high(reaches);
      const fullThroughput = throughputHigh === null ? null : await least(1, throughputHigh, run, reaches);
      const livesHigh = fullThroughput ?? (await high(lives));
      const deadlockFree = livesHigh === null ? null : await least(1, livesHigh, run, lives);
      let confirmed = fullThroughput !== null && reaches(await run(fullThroughput));
      if (confirmed && fullThroughput! > 1) confirmed = !reaches(await run(fullThroughput! - 1));
      const def = DESIGN_DEFS[resolved.design].channels.find((c) => c.name === channel)!;
      return {
        channel,
        configured: resolved.depth[channel] ?? null,
        published: publishedDepth(def.capacity, resolved.n),
        rule: ruleCapacity(resolved, channel),
        fullThroughput,
        deadlockFree,
        confirmed,
      };
    }),
  );

  let joint: JointSizing | null = null;
  if (sized.every((s) => s.fullThroughput !== null)) {
    const minima = Object.fromEntries(sized.map((s) => [s.channel, s.fullThroughput!]));
    const together = await runWith(minima);
    if (reaches(together)) joint = { depth: minima, cycles: together.cycles, status: together.status, searched: false };
  }
  // A channel with no minimum of its own, the others as configured, may still have one with
  // them: channels that limit together (modified, runningsum at II 3 and runningmax at
  // latency 7: no delta or e channel alone gives the unbounded cycles) had left no answer, exit 0.
  const separate = new Map(sized.map((s) => [s.channel, s.fullThroughput]));
  joint ??= await searchJoint(channels, probe, reaches, (channel) => separate.get(channel) ?? 1);
  // Over every head, as a run reports its intermediate memory (a searched capacity is every head's).
  const sum = (values: readonly (number | null)[]): number | null =>
    values.reduce<number | null>((a, v) => (a === null || v === null ? null : a + resolved.heads * v), 0);
  return {
    config: resolved,
    unboundedCycles: target,
    configuredCycles: configured.cycles,
    configuredStatus: configured.status,
    channels: sized,
    joint,
    memory: {
      configured: sum(sized.map((s) => s.configured)),
      rule: sum(sized.map((s) => s.rule ?? s.published)),
      minimum: sum(Object.values(joint.depth))!,
    },
    probes,
    runs: cache.size,
  };
}

/** The capacities of a search's run, as a message names them. */
function capacities(depth: Depths, unbounded: boolean): string {
  if (unbounded) return 'every channel unbounded';
  const given = Object.entries(depth).map(([channel, k]) => `${channel}=${k ?? 'unbounded'}`);
  return given.length === 0 ? 'the capacities as configured' : given.join(', ');
}

/** One channel at a capacity, head-scoped overrides of it dropped so that the capacity holds on every head. */
function alone(config: ResolvedSdpaConfig, channel: string, capacity: number | null): Depths {
  const depth: Record<string, number | null> = {};
  for (const key of Object.keys(config.depth)) if (key.endsWith(`/${channel}`)) depth[key] = capacity;
  depth[channel] = capacity;
  return depth;
}

function withoutCapacities(config: SdpaRunConfig): SdpaRunConfig {
  const { depth: _depth, uniformDepth: _uniform, ...rest } = config;
  return rest;
}

/** A capacity at which `ok` holds: `start`, doubled until it does (null past MAX_CAPACITY). */
async function upperBound(start: number, run: (k: number) => Promise<JobRecord>, ok: (r: JobRecord) => boolean): Promise<number | null> {
  for (let k = start; k <= MAX_CAPACITY; k *= 2) if (ok(await run(k))) return k;
  return null;
}

/** The least k in [low, high] at which `ok` holds, given that it holds at high and, once it holds, at every k above. */
async function least(low: number, high: number, run: (k: number) => Promise<JobRecord>, ok: (r: JobRecord) => boolean): Promise<number> {
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (ok(await run(mid))) high = mid;
    else low = mid + 1;
  }
  return high;
}

/**
 * The joint search: one channel at a time, the earlier ones at their joint minima, the later ones
 * unbounded. It ends at the unbounded cycles, or throws: each channel's minimum reaches them.
 */
async function searchJoint(
  channels: readonly string[],
  probe: (channel: string, capacity: number, others: Depths) => Promise<JobRecord>,
  reaches: (r: JobRecord) => boolean,
  /** Where a channel's search starts doubling: its separate minimum, near its joint one, or 1. */
  startOf: (channel: string) => number,
): Promise<JointSizing> {
  const chosen: Record<string, number> = {};
  // The last channel's run at its minimum is the joint run: every other at its joint minimum.
  let joint: JobRecord | undefined;
  for (const [i, channel] of channels.entries()) {
    const others: Record<string, number | null> = { ...chosen };
    for (const later of channels.slice(i + 1)) others[later] = null;
    const runs = new Map<number, JobRecord>();
    const run = async (k: number): Promise<JobRecord> => {
      const record = await probe(channel, k, others);
      runs.set(k, record);
      return record;
    };
    const high = await upperBound(startOf(channel), run, reaches);
    if (high === null)
      throw new SizingFailed(`no capacity of '${channel}' gives the unbounded cycles with the others at their joint minima`);
    chosen[channel] = await least(1, high, run, reaches);
    joint = runs.get(chosen[channel]);
  }
  return { depth: chosen, cycles: joint!.cycles, status: joint!.status, searched: true };
}
