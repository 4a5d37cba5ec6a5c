import { ProgramError, notPositiveInteger } from '../../kernel/errors.js';
import { ProgramBuilder } from '../../kernel/program.js';
import { UTILITY_UNITS_MODULE } from '../../units/index.js';
import './io-units.js';
import './score-unit.js';
import './naive-units.js';
import './modified-units.js';
import { SDPA_SCHEDULE } from './schedule.js';
import type { Program } from '../../kernel/program.js';

export type DesignName = 'naive' | 'modified';
export const DESIGNS: readonly DesignName[] = ['naive', 'modified'];

interface UnitDef {
  readonly name: string;
  readonly kind: string;
  readonly latency: number;
  readonly ii: number;
  /** Issues once per row (the modified design's Div), where the others issue once per score element. */
  readonly perRow?: true;
}

interface ChannelDef {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Published capacity: n2 N^2 + n N + c. */
  readonly capacity: Depth;
  /** Carries d-vectors (Q, K, V and output rows) rather than scalars. */
  readonly vector: boolean;
  /** A FIFO between units: counted in intermediate memory (spec section 4). */
  readonly intermediate: boolean;
}

interface DesignDef {
  readonly units: readonly UnitDef[];
  readonly channels: readonly ChannelDef[];
}

/** A published capacity, n2 N^2 + n N + c, kept as a formula so that help can show it. */
interface Depth {
  readonly n2?: number;
  readonly n?: number;
  readonly c?: number;
}

/** A published capacity at sequence length `n`. */
export function publishedDepth(depth: Depth, n: number): number {
  return (depth.n2 ?? 0) * n * n + (depth.n ?? 0) * n + (depth.c ?? 0);
}

/** A published capacity as the spec writes it (N*N, N+34, 13). */
export function depthFormula(depth: Depth): string {
  const terms = [
    depth.n2 ? `${depth.n2 === 1 ? '' : `${depth.n2}*`}N*N` : '',
    depth.n ? `${depth.n === 1 ? '' : `${depth.n}*`}N` : '',
    depth.c ? String(depth.c) : '',
  ];
  return terms.filter((t) => t !== '').join('+') || '0';
}

const input = (name: string, to: string, capacity: Depth): ChannelDef => ({
  name,
  from: `source-${name}.out`,
  to,
  capacity,
  vector: true,
  intermediate: false,
});
const fifo = (name: string, from: string, to: string, capacity: number, vector = false): ChannelDef => ({
  name,
  from,
  to,
  capacity: { c: capacity },
  vector,
  intermediate: true,
});

/** Spec section 2: every unit with its published latency and II, every channel with its published depth. */
export const DESIGN_DEFS: Readonly<Record<DesignName, DesignDef>> = {
  naive: {
    units: [
      { name: 'qktexp', kind: 'sdpa.qktexp', latency: 11, ii: 1 },
      { name: 'rowsum', kind: 'sdpa.rowsum', latency: 23, ii: 2 },
      { name: 'div', kind: 'sdpa.div-naive', latency: 8, ii: 1 },
      { name: 'matvec', kind: 'sdpa.matvec', latency: 13, ii: 2 },
    ],
    channels: [
      input('q', 'qktexp.q', { n2: 1 }),
      input('k', 'qktexp.k', { n2: 1 }),
      input('v', 'matvec.v', { n2: 1 }),
      fifo('short', 'qktexp.short', 'rowsum.short', 13),
      { name: 'long', from: 'qktexp.long', to: 'div.long', capacity: { n: 1, c: 34 }, vector: false, intermediate: true },
      fifo('rowsum', 'rowsum.rowsum', 'div.rowsum', 24),
      fifo('div', 'div.div', 'matvec.div', 9),
      { name: 'out', from: 'matvec.out', to: 'sink.in', capacity: { n: 1 }, vector: true, intermediate: false },
    ],
  },
  modified: {
    units: [
      { name: 'qkt', kind: 'sdpa.qkt', latency: 11, ii: 1 },
      { name: 'runningmax', kind: 'sdpa.runningmax', latency: 3, ii: 1 },
      { name: 'runningsum', kind: 'sdpa.runningsum', latency: 8, ii: 2 },
      { name: 'runningout', kind: 'sdpa.runningout', latency: 12, ii: 2 },
      { name: 'div', kind: 'sdpa.div', latency: 21, ii: 1, perRow: true },
    ],
    channels: [
      input('q', 'qkt.q', { c: 2 }),
      input('k', 'qkt.k', { c: 2 }),
      input('v', 'runningout.v', { c: 2 }),
      fifo('qk', 'qkt.qk', 'runningmax.qk', 12),
      fifo('delta1', 'runningmax.delta1', 'runningsum.delta1', 2),
      fifo('delta2', 'runningmax.delta2', 'runningout.delta2', 2),
      fifo('e1', 'runningmax.e1', 'runningsum.e1', 2),
      fifo('e2', 'runningmax.e2', 'runningout.e2', 2),
      fifo('rowsum', 'runningsum.rowsum', 'div.rowsum', 10),
      fifo('outp', 'runningout.outp', 'div.outp', 14, true),
      { name: 'final', from: 'div.final', to: 'sink.in', capacity: { c: 22 }, vector: true, intermediate: false },
    ],
  },
};

/** Seed of the random Q, K and V when a configuration names none. */
export const DEFAULT_SEED = 1;
/** Seeds are 32-bit: the generator of Q, K and V uses no more. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * Overrides by unit or channel name. A name may be scoped to one head (`h1/qk`), which then
 * wins over the plain name for that head.
 */
export type Overrides<V> = Readonly<Record<string, V>>;

export interface SdpaConfig {
  readonly design: DesignName;
  readonly n: number;
  readonly d?: number;
  readonly heads?: number;
  /** An integer from 0 to 2^32 - 1; DEFAULT_SEED when absent. */
  readonly seed?: number;
  /** Unit name -> latency, overriding the published value. */
  readonly latency?: Overrides<number>;
  readonly ii?: Overrides<number>;
  /** Channel name -> capacity (null: unbounded), applied after `uniformDepth` and `unbounded`. */
  readonly depth?: Overrides<number | null>;
  /** Every channel this capacity. */
  readonly uniformDepth?: number;
  /** Every channel unbounded. */
  readonly unbounded?: boolean;
}

/**
 * The whole configuration a run uses, every default filled in: what a result carries so that
 * it can be reproduced from its output alone (it is itself a valid SdpaConfig). Head-scoped
 * overrides are kept beside the values every head shares.
 */
export interface ResolvedSdpaConfig {
  readonly design: DesignName;
  readonly n: number;
  readonly d: number;
  readonly heads: number;
  readonly seed: number;
  readonly latency: Readonly<Record<string, number>>;
  readonly ii: Readonly<Record<string, number>>;
  readonly depth: Readonly<Record<string, number | null>>;
}

/** Name of a unit or channel of head h inside the program. */
export function headScoped(head: number, name: string): string {
  return `h${head}/${name}`;
}

/** A head-scoped name split into its head and the design's name (`h1/qk`: 1 and 'qk'), or null for a plain name. */
export function splitHeadScoped(key: string): { readonly head: number; readonly name: string } | null {
  const scoped = /^h(\d+)\/(.+)$/.exec(key);
  return scoped === null ? null : { head: Number(scoped[1]), name: scoped[2]! };
}

/**
 * Heads that stand for all of a run's: the heads given a latency or II of their own, and one
 * without (when there is one), which stands for every other, since heads differ by their
 * scoped overrides alone. Not every head of a run of millions.
 */
export function representativeHeads(config: ResolvedSdpaConfig): number[] {
  const own = new Set([...Object.keys(config.latency), ...Object.keys(config.ii)].flatMap((key) => splitHeadScoped(key)?.head ?? []));
  let plain = 0;
  while (own.has(plain)) plain++;
  return plain < config.heads ? [...own, plain] : [...own];
}

/** Checks a configuration and fills in every default; throws a ProgramError naming what is wrong. */
export function resolveSdpaConfig(config: SdpaConfig): ResolvedSdpaConfig {
  if (typeof config !== 'object' || config === null) throw new ProgramError(`a configuration must be an object, got ${String(config)}`);
  const def = DESIGN_DEFS[config.design];
  if (def === undefined) throw new ProgramError(`unknown design '${String(config.design)}' (naive or modified)`);
  const n = positive(config.n, 'N');
  const d = positive(config.d ?? 1, 'd');
  const heads = positive(config.heads ?? 1, 'heads');
  const seed = config.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ProgramError(`seed must be an integer from 0 to ${MAX_SEED} (Q, K and V come from a 32-bit generator), got ${seed}`);
  }
  if (config.unbounded === true && config.uniformDepth !== undefined) {
    throw new ProgramError('unbounded and uniform depth exclude each other: give one of them');
  }
  if (config.uniformDepth !== undefined) positive(config.uniformDepth, 'uniform depth');
  const unitNames = def.units.map((u) => u.name);
  const channelNames = def.channels.map((c) => c.name);
  const latency = resolve(config.latency, unitNames, heads, 'unit', 'latency', (name) => def.units.find((u) => u.name === name)!.latency);
  const ii = resolve(config.ii, unitNames, heads, 'unit', 'II', (name) => def.units.find((u) => u.name === name)!.ii);
  const depth = resolve(config.depth, channelNames, heads, 'channel', 'capacity', (name) => {
    if (config.unbounded === true) return null;
    if (config.uniformDepth !== undefined) return config.uniformDepth;
    const { capacity } = def.channels.find((c) => c.name === name)!;
    const published = publishedDepth(capacity, n);
    if (!Number.isSafeInteger(published))
      throw new ProgramError(
        `at N = ${n} channel '${name}' has the published capacity ${depthFormula(capacity)} = ${published}, past 2^53: lower N`,
      );
    return published;
  });
  return { design: config.design, n, d, heads, seed, latency, ii, depth };
}

/** The value of a resolved override for one head: its head-scoped entry, else the shared one. */
export function forHead<V>(values: Readonly<Record<string, V>>, head: number, name: string): V {
  const scoped = values[headScoped(head, name)];
  return scoped !== undefined ? scoped : values[name]!;
}

/** Builds the program for one design: one independent pipeline per head. */
export function sdpaProgram(config: SdpaConfig): Program {
  const resolved = resolveSdpaConfig(config);
  const { n, d, heads, seed } = resolved;
  const def = DESIGN_DEFS[resolved.design];
  const b = new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .module(import.meta.url)
    .schedule(SDPA_SCHEDULE);
  for (let h = 0; h < heads; h++) {
    const group = `h${h}`;
    const scoped = (name: string): string => headScoped(h, name);
    b.unit(scoped('source-q'), 'sdpa.source', { seed, head: h, matrix: 'q', n, d, repeat: 1 }, group);
    b.unit(scoped('source-k'), 'sdpa.source', { seed, head: h, matrix: 'k', n, d, repeat: n }, group);
    b.unit(scoped('source-v'), 'sdpa.source', { seed, head: h, matrix: 'v', n, d, repeat: n }, group);
    for (const u of def.units) {
      const params = { n, d, latency: forHead(resolved.latency, h, u.name), ii: forHead(resolved.ii, h, u.name) };
      b.unit(scoped(u.name), u.kind, params, group);
    }
    b.unit(scoped('sink'), 'sdpa.sink', { n, d }, group);
    for (const c of def.channels) {
      const capacity = forHead(resolved.depth, h, c.name);
      b.channel(scoped(c.name), scoped(c.from), scoped(c.to), { capacity, width: c.vector ? d : 1 });
    }
  }
  return b.build();
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ProgramError(notPositiveInteger(what, value));
  return value;
}

/**
 * Every name's value (its override, else `fallback`), then the head-scoped overrides; refuses
 * unknown names, heads beyond the run's, and values that are not positive integers (or null,
 * for a capacity).
 */
function resolve<V extends number | null>(
  overrides: Overrides<V> | undefined,
  known: readonly string[],
  heads: number,
  what: string,
  setting: string,
  fallback: (name: string) => V,
): Record<string, V> {
  const values: Record<string, V> = {};
  const given = overrides ?? {};
  for (const name of known) values[name] = name in given ? given[name]! : fallback(name);
  for (const [key, value] of Object.entries(given)) {
    const scoped = splitHeadScoped(key);
    const name = scoped === null ? key : scoped.name;
    if (!known.includes(name)) throw new ProgramError(`unknown ${what} '${name}' for ${setting} (known: ${known.join(', ')})`);
    if (scoped !== null) {
      const { head } = scoped;
      // The program names head 1's units h1/...: h01/qk would pass here and apply to nothing.
      if (key !== headScoped(head, name)) throw new ProgramError(`'${key}': head ${head} is written h${head}/${name}`);
      if (head >= heads) throw new ProgramError(`'${key}': head ${head} does not exist (heads: ${heads})`);
      values[key] = value;
    }
    if (value === null && setting === 'capacity') continue;
    positive(value as number, `${setting} of ${what} '${key}'`);
  }
  // One configuration, one form (a sweep knows a job by its hash, so two forms ran twice): a
  // head's own value equal to the shared one says nothing, and every head's, all the same, is
  // the shared one. Only the heads given their own values are looked at: --heads 100000000 is
  // refused later, for its memory, and a loop over every head had taken minutes and gigabytes.
  const own = new Map<string, string[]>();
  for (const key of Object.keys(values)) {
    const name = splitHeadScoped(key)?.name;
    if (name !== undefined) own.set(name, [...(own.get(name) ?? []), key]);
  }
  for (const [name, keys] of own) {
    if (keys.length === heads && keys.every((key) => values[key] === values[keys[0]!])) values[name] = values[keys[0]!]!;
    for (const key of keys) if (values[key] === values[name]) delete values[key];
  }
  return values;
}
