import { ProgramError } from '../../kernel/errors.js';
import { ProgramBuilder } from '../../kernel/program.js';
import { UTILITY_UNITS_MODULE } from '../../units/index.js';
import './io-units.js';
import './score-unit.js';
import './naive-units.js';
import './modified-units.js';
import type { Program } from '../../kernel/program.js';

export type DesignName = 'naive' | 'modified';
export const DESIGNS: readonly DesignName[] = ['naive', 'modified'];

interface UnitDef {
  readonly name: string;
  readonly kind: string;
  readonly latency: number;
  readonly ii: number;
}

interface ChannelDef {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Published capacity for sequence length n. */
  readonly capacity: (n: number) => number;
  /** Carries d-vectors (Q, K, V and output rows) rather than scalars. */
  readonly vector: boolean;
  /** A FIFO between units: counted in intermediate memory (spec section 4). */
  readonly intermediate: boolean;
}

interface DesignDef {
  readonly units: readonly UnitDef[];
  readonly channels: readonly ChannelDef[];
}

const input = (name: string, to: string, capacity: (n: number) => number): ChannelDef => ({
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
  capacity: () => capacity,
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
      input('q', 'qktexp.q', (n) => n * n),
      input('k', 'qktexp.k', (n) => n * n),
      input('v', 'matvec.v', (n) => n * n),
      fifo('short', 'qktexp.short', 'rowsum.short', 13),
      { name: 'long', from: 'qktexp.long', to: 'div.long', capacity: (n) => n + 34, vector: false, intermediate: true },
      fifo('rowsum', 'rowsum.rowsum', 'div.rowsum', 24),
      fifo('div', 'div.div', 'matvec.div', 9),
      { name: 'out', from: 'matvec.out', to: 'sink.in', capacity: (n) => n, vector: true, intermediate: false },
    ],
  },
  modified: {
    units: [
      { name: 'qkt', kind: 'sdpa.qkt', latency: 11, ii: 1 },
      { name: 'runningmax', kind: 'sdpa.runningmax', latency: 3, ii: 1 },
      { name: 'runningsum', kind: 'sdpa.runningsum', latency: 8, ii: 2 },
      { name: 'runningout', kind: 'sdpa.runningout', latency: 12, ii: 2 },
      { name: 'div', kind: 'sdpa.div', latency: 21, ii: 1 },
    ],
    channels: [
      input('q', 'qkt.q', () => 2),
      input('k', 'qkt.k', () => 2),
      input('v', 'runningout.v', () => 2),
      fifo('qk', 'qkt.qk', 'runningmax.qk', 12),
      fifo('delta1', 'runningmax.delta1', 'runningsum.delta1', 2),
      fifo('delta2', 'runningmax.delta2', 'runningout.delta2', 2),
      fifo('e1', 'runningmax.e1', 'runningsum.e1', 2),
      fifo('e2', 'runningmax.e2', 'runningout.e2', 2),
      fifo('rowsum', 'runningsum.rowsum', 'div.rowsum', 10),
      fifo('outp', 'runningout.outp', 'div.outp', 14, true),
      { name: 'final', from: 'div.final', to: 'sink.in', capacity: () => 22, vector: true, intermediate: false },
    ],
  },
};

export interface SdpaConfig {
  readonly design: DesignName;
  readonly n: number;
  readonly d?: number;
  readonly heads?: number;
  readonly seed?: number;
  /** Unit name -> latency, overriding the published value. */
  readonly latency?: Readonly<Record<string, number>>;
  readonly ii?: Readonly<Record<string, number>>;
  /** Channel name -> capacity, applied after `uniformDepth` and `unbounded`. */
  readonly depth?: Readonly<Record<string, number>>;
  /** Every channel this capacity. */
  readonly uniformDepth?: number;
  /** Every channel unbounded. */
  readonly unbounded?: boolean;
}

/** Name of a unit or channel of head h inside the program. */
export function headScoped(head: number, name: string): string {
  return `h${head}/${name}`;
}

/** Builds the program for one design: one independent pipeline per head. */
export function sdpaProgram(config: SdpaConfig): Program {
  const def = DESIGN_DEFS[config.design];
  if (def === undefined) throw new ProgramError(`unknown design '${String(config.design)}' (naive or modified)`);
  const n = positive(config.n, 'N');
  const d = positive(config.d ?? 1, 'd');
  const heads = positive(config.heads ?? 1, 'heads');
  const seed = config.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ProgramError(`seed must be a non-negative integer, got ${seed}`);
  const unitNames = def.units.map((u) => u.name);
  const channelNames = def.channels.map((c) => c.name);
  checkNames(config.latency, unitNames, 'unit', 'latency');
  checkNames(config.ii, unitNames, 'unit', 'II');
  checkNames(config.depth, channelNames, 'channel', 'capacity');
  if (config.uniformDepth !== undefined) positive(config.uniformDepth, 'uniform depth');

  const b = new ProgramBuilder().module(UTILITY_UNITS_MODULE).module(import.meta.url);
  for (let h = 0; h < heads; h++) {
    const group = `h${h}`;
    const scoped = (name: string): string => headScoped(h, name);
    b.unit(scoped('source-q'), 'sdpa.source', { seed, head: h, matrix: 'q', n, d, repeat: 1 }, group);
    b.unit(scoped('source-k'), 'sdpa.source', { seed, head: h, matrix: 'k', n, d, repeat: n }, group);
    b.unit(scoped('source-v'), 'sdpa.source', { seed, head: h, matrix: 'v', n, d, repeat: n }, group);
    for (const u of def.units) {
      const latency = config.latency?.[u.name] ?? u.latency;
      const ii = config.ii?.[u.name] ?? u.ii;
      b.unit(scoped(u.name), u.kind, { n, d, latency, ii }, group);
    }
    b.unit(scoped('sink'), 'sdpa.sink', { n, d }, group);
    for (const c of def.channels) {
      let capacity: number | null = config.unbounded ? null : (config.uniformDepth ?? c.capacity(n));
      capacity = config.depth?.[c.name] ?? capacity;
      b.channel(scoped(c.name), scoped(c.from), scoped(c.to), { capacity, width: c.vector ? d : 1 });
    }
  }
  return b.build();
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ProgramError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function checkNames(
  overrides: Readonly<Record<string, number>> | undefined,
  known: readonly string[],
  what: string,
  setting: string,
): void {
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!known.includes(name)) throw new ProgramError(`unknown ${what} '${name}' for ${setting} (known: ${known.join(', ')})`);
    positive(value, `${setting} of ${what} '${name}'`);
  }
}
