import { Option } from 'commander';
import { DEFAULT_SEED, DESIGN_DEFS, DESIGNS, depthFormula } from '../designs/sdpa/design.js';
import { arg, collectAssignment, parseCapacity, parseNonNegativeInt, parsePositiveInt } from './args.js';
import { UsageError } from './errors.js';
import type { Command } from 'commander';
import type { DesignName, SdpaConfig } from '../designs/sdpa/design.js';

/** The options that make an SDPA configuration, as commander gives them. */
export interface SdpaOptions {
  design?: string;
  n?: number;
  d: number;
  heads: number;
  seed?: number;
  unbounded?: boolean;
  uniformDepth?: number;
  depth?: Record<string, number | null>;
  latency?: Record<string, number>;
  ii?: Record<string, number>;
}

/** Options that may be given more than once (each channel or unit once). */
export const REPEATABLE_SDPA_OPTIONS = ['--depth', '--latency', '--ii'];

/** Adds the options of an SDPA configuration (design, N, d, heads, seed, capacities, latencies, IIs) and their defaults' help. */
export function addSdpaOptions(command: Command): Command {
  addShapeOptions(command, 'design to simulate')
    .option('--unbounded', 'make every channel unbounded')
    .option(
      '--uniform-depth <K>',
      'give every channel capacity K',
      arg((v) => parsePositiveInt(v, 'uniform depth')),
    )
    .option(
      '--depth <CHANNEL=K>',
      "capacity of one channel, or of one head's (h1/qk=4), or unbounded (long=unbounded) (repeatable)",
      arg(collectAssignment('depth', parseCapacity)),
    );
  return addUnitOptions(command);
}

/** The options that say which design and how big: --design, --n, --d, --heads and --seed. */
export function addShapeOptions(command: Command, designHelp: string): Command {
  return command
    .addOption(new Option('--design <design>', designHelp).choices(DESIGNS))
    .option(
      '--n <N>',
      'sequence length',
      arg((v) => parsePositiveInt(v, 'N')),
    )
    .option(
      '--d <d>',
      'head dimension',
      arg((v) => parsePositiveInt(v, 'd')),
      1,
    )
    .option(
      '--heads <H>',
      'independent heads',
      arg((v) => parsePositiveInt(v, 'heads')),
      1,
    )
    .option(
      '--seed <S>',
      `seed of the random Q, K and V, 0 to 4294967295 (default ${DEFAULT_SEED})`,
      arg((v) => parseNonNegativeInt(v, 'seed')),
    );
}

/** The units' --latency and --ii, and the defaults' help. */
export function addUnitOptions(command: Command): Command {
  return command
    .option('--latency <UNIT=L>', 'latency of one unit (repeatable)', arg(collectAssignment('latency')))
    .option('--ii <UNIT=II>', 'initiation interval of one unit (repeatable)', arg(collectAssignment('II')))
    .addHelpText('after', defaultsHelp);
}

/** The configuration the options give; --design and --n are required. */
export function sdpaConfig(options: SdpaOptions): SdpaConfig {
  if (options.design === undefined) throw new UsageError('--design is required (naive or modified)');
  if (!(options.design in DESIGN_DEFS)) throw new UsageError(`unknown design '${options.design}' (naive or modified)`);
  if (options.n === undefined) throw new UsageError('--n is required');
  return {
    design: options.design as DesignName,
    n: options.n,
    d: options.d,
    heads: options.heads,
    seed: options.seed,
    unbounded: options.unbounded,
    uniformDepth: options.uniformDepth,
    depth: options.depth,
    latency: options.latency,
    ii: options.ii,
  };
}

/** What a run uses where the command line says nothing. */
function defaultsHelp(): string {
  const lines = ['', `Defaults (spec section 2; seed ${DEFAULT_SEED}, d 1, heads 1):`];
  for (const design of DESIGNS) {
    const def = DESIGN_DEFS[design];
    lines.push(`  ${design}: units (latency/II) ${def.units.map((u) => `${u.name} ${u.latency}/${u.ii}`).join(', ')}`);
    lines.push(
      `  ${' '.repeat(design.length)}  channels (capacity) ${def.channels.map((c) => `${c.name} ${depthFormula(c.capacity)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
