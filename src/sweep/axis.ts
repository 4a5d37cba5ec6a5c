import { ProgramError, show } from '../kernel/errors.js';
import { CONFIG_FIELDS } from '../designs/sdpa/config.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/** One value an axis takes: a number, a design name, a boolean, or null (unbounded, or unset). */
export type AxisValue = string | number | boolean | null;

/** The values a job takes on each axis, by axis name (`n`, `design`, `latency.qkt`, `depth.long`). */
export type Point = Readonly<Record<string, AxisValue>>;

/** Per-unit and per-channel settings: an axis `latency.qkt` sets `latency: { qkt }`. */
const NAMED_FIELDS = ['latency', 'ii', 'depth'];
/**
 * How a job runs, not what it is, and why it is not a sweep's: `workers` is the pool's business
 * (every job runs in one thread).
 */
export const RUN_ONLY_REASONS: Readonly<Record<string, string>> = {
  workers: 'every job runs in one thread of the pool',
};
export const RUN_ONLY_FIELDS = Object.keys(RUN_ONLY_REASONS);
/** The configuration fields a sweep accepts, in its base and as axes: every field but the run-only ones. */
export const SWEEP_FIELDS: readonly string[] = CONFIG_FIELDS.filter((f) => !RUN_ONLY_FIELDS.includes(f));
/** A typo in a range should not expand into a sweep that never ends. */
const MAX_RANGE_VALUES = 100_000;

/**
 * Checks an axis name: a configuration field (`n`, `d`, `heads`, `design`, `seed`,
 * `uniformDepth`, `unbounded`, `engine`, `fastForward`, `timingOnly`) or a named setting (`latency.UNIT`,
 * `ii.UNIT`, `depth.CHANNEL`). Unit and channel names are the design's to check, per job.
 */
export function checkAxisName(name: string, where: string): void {
  const dot = name.indexOf('.');
  if (dot >= 0) {
    const field = name.slice(0, dot);
    if (!NAMED_FIELDS.includes(field) || name.length === dot + 1)
      throw new ProgramError(`${where}: unknown axis '${name}' (named axes: ${NAMED_FIELDS.map((f) => `${f}.NAME`).join(', ')})`);
    return;
  }
  if (RUN_ONLY_FIELDS.includes(name)) throw new ProgramError(`${where}: '${name}' cannot vary in a sweep (${RUN_ONLY_REASONS[name]})`);
  // `depth: { qk: 8 }` in a point had been read as an axis whose value is an object.
  if (NAMED_FIELDS.includes(name)) throw new ProgramError(`${where}: '${name}' is not an axis: its entries are, each as ${name}.NAME`);
  if (!SWEEP_FIELDS.includes(name)) {
    const known = SWEEP_FIELDS.filter((f) => !NAMED_FIELDS.includes(f));
    throw new ProgramError(
      `${where}: unknown axis '${name}' (axes: ${known.join(', ')}, ${NAMED_FIELDS.map((f) => `${f}.NAME`).join(', ')})`,
    );
  }
}

/**
 * An axis's values: a non-empty list of values, or a range of integers (from 0 by steps, from 1 by products),
 * `{ from, to, step }` (from, from + step, ... up to to) or `{ from, to, times }` (from,
 * from * times, ... up to to).
 */
export function axisValues(raw: unknown, where: string): AxisValue[] {
  if (Array.isArray(raw)) {
    if (raw.length === 0) throw new ProgramError(`${where}: an axis needs at least one value`);
    raw.forEach((v, i) => checkAxisValue(v, `${where}[${i}]`));
    return raw as AxisValue[];
  }
  if (typeof raw === 'object' && raw !== null) return rangeValues(raw as Record<string, unknown>, where);
  throw new ProgramError(`${where}: an axis is a list of values or a range { from, to, step | times }, got ${show(raw)}`);
}

/** One value of an axis: a number, a name, true/false or null. */
export function checkAxisValue(value: unknown, where: string): void {
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
    throw new ProgramError(`${where}: an axis value is a number, a name, true/false or null, got ${JSON.stringify(value)}`);
}

function rangeValues(range: Record<string, unknown>, where: string): number[] {
  const keys = Object.keys(range).sort().join(',');
  if (keys !== 'from,step,to' && keys !== 'from,times,to')
    throw new ProgramError(
      `${where}: a range is { from, to, step } or { from, to, times }, got keys ${Object.keys(range).join(', ') || 'none'}`,
    );
  const integer = (key: string, least: number, why = ''): number => {
    const v = range[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new ProgramError(`${where}.${key} must be an integer below 2^53, got ${show(v)}`);
    if (v < least) throw new ProgramError(`${where}.${key} must be at least ${least}${why}, got ${v}`);
    return v;
  };
  // A seed counts from 0; what else cannot be 0 its configuration says. A product must grow.
  const from = integer('from', 'step' in range ? 0 : 1);
  const to = integer('to', from, ` (its from: a range counts up, from ${Math.min(from, Number(range['to']))} to ${from} is written so)`);
  const next =
    'step' in range
      ? (
          (step) => (v: number) =>
            v + step
        )(integer('step', 1))
      : (
          (times) => (v: number) =>
            v * times
        )(integer('times', 2));
  const values: number[] = [];
  for (let v = from; v <= to; v = next(v)) {
    if (values.length === MAX_RANGE_VALUES) throw new ProgramError(`${where}: a range of more than ${MAX_RANGE_VALUES} values`);
    values.push(v);
  }
  return values;
}

/**
 * The configuration of a point: the base with each axis's value set (`latency.qkt` inside
 * `latency`). A top-level axis set to null is left unset, so the design's default applies.
 */
export function applyPoint(base: Readonly<Record<string, unknown>>, point: Point): Record<string, unknown> {
  const config: Record<string, unknown> = { ...base };
  for (const [axis, value] of Object.entries(point)) {
    const dot = axis.indexOf('.');
    if (dot < 0) {
      if (value === null) delete config[axis];
      else config[axis] = value;
      continue;
    }
    const field = axis.slice(0, dot);
    const inner = config[field];
    // A base whose `latency` is not an object is left as it is, for the configuration's own check to name.
    if (inner !== undefined && (typeof inner !== 'object' || inner === null || Array.isArray(inner))) continue;
    config[field] = { ...inner, [axis.slice(dot + 1)]: value };
  }
  return config;
}

/**
 * `design=naive n=256 depth.long=300`: a point as a person reads it; with its job's
 * configuration, each value as tables and charts show it (axisLabel: `depth.qk=unbounded`, where
 * `--list` had said `depth.qk=null`).
 */
export function pointLabel(point: Point, config?: ResolvedSdpaConfig): string {
  return Object.entries(point)
    .map(
      ([axis, value]) =>
        `${axis}=${config !== undefined ? String(axisLabel(point, config, axis)) : value === null ? 'null' : String(value)}`,
    )
    .join(' ');
}

/**
 * An axis's value as a table or a chart shows it: a capacity of null is 'unbounded'; null
 * elsewhere, 'none', and so is a channel the job's design does not have (`depth.long` on the
 * modified design), which is no FIFO at all, not an unbounded one.
 */
export function axisLabel(point: Point, config: ResolvedSdpaConfig, axis: string): Exclude<AxisValue, null> {
  return axisValueOf(point, config, axis) ?? (axis.startsWith('depth.') && axisApplies(point, config, axis) ? 'unbounded' : 'none');
}

/**
 * Whether a job has what an axis sets: any configuration field, or a unit or channel its design
 * has (`depth.long` is the naive design's alone; `depth.h1/qk`, a head's `qk`, wherever `qk` is).
 */
export function axisApplies(point: Point, config: ResolvedSdpaConfig, axis: string): boolean {
  return axis in point || axis.indexOf('.') < 0 || namedEntry(config, axis) !== undefined;
}

/**
 * An axis's value for a job: the value its point gave, else what its resolved configuration
 * holds (`n`, `design`, `latency.qkt`, `depth.long`), so any axis can be read off any record.
 */
export function axisValueOf(point: Point, config: ResolvedSdpaConfig, axis: string): AxisValue {
  if (axis in point) return point[axis]!;
  if (axis.indexOf('.') < 0) return ((config as unknown as Record<string, AxisValue | undefined>)[axis] ?? null) as AxisValue;
  return namedEntry(config, axis)?.value ?? null;
}

/**
 * The entry a named axis (`latency.qkt`, `depth.h1/qk`) reads in a configuration, or undefined
 * when its design has no such unit or channel. A head's own setting that the job does not give
 * reads the channel's, every head's (`qk`): that head has it, not an unbounded FIFO.
 */
function namedEntry(config: ResolvedSdpaConfig, axis: string): { readonly value: AxisValue } | undefined {
  const dot = axis.indexOf('.');
  const named = (config as unknown as Record<string, Record<string, AxisValue> | undefined>)[axis.slice(0, dot)];
  if (named === undefined) return undefined;
  const name = axis.slice(dot + 1);
  const key = Object.hasOwn(named, name) ? name : name.slice(name.indexOf('/') + 1);
  return Object.hasOwn(named, key) ? { value: named[key] ?? null } : undefined;
}
