import { ProgramError, notCapacity, notPositiveInteger, show, unknownNames } from '../../kernel/errors.js';
import { DESIGNS } from './design.js';
import type { SdpaConfig } from './design.js';

/**
 * 'compiled': each head's units in one fixed order of operations, compiled to JavaScript, with
 * exact fast-forward, on the worker pool; 'actors': every unit a context with its own clock,
 * scheduled as it becomes ready, on any number of workers; 'auto' (the default): the fastest
 * exact path for the configuration. A configuration the compiled order does not fit (one that
 * deadlocks) runs on 'actors', which reports the deadlock.
 */
export type SdpaEngine = 'auto' | 'compiled' | 'actors';
export const ENGINES: readonly SdpaEngine[] = ['auto', 'compiled', 'actors'];

/** A configuration plus how to run it. */
export interface SdpaRunConfig extends SdpaConfig {
  /** Worker threads or 'auto' (at most the machine's cores). */
  readonly workers?: number | 'auto';
  readonly engine?: SdpaEngine;
  /** false: simulate every row's timing even where it repeats (default true). */
  readonly fastForward?: boolean;
  /** Cycles and statistics only: no outputs and no reference check (default false). */
  readonly timingOnly?: boolean;
}

type Field = (value: unknown, field: string) => unknown;

const FIELDS: Readonly<Record<keyof SdpaRunConfig, Field>> = {
  design: (v, f) => oneOf(v, f, DESIGNS),
  n: positiveInteger,
  d: positiveInteger,
  heads: positiveInteger,
  seed: (v, f) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ProgramError(`${f} must be an integer, got ${show(v)}`);
    return v;
  },
  latency: (v, f) => record(v, f, positiveInteger),
  ii: (v, f) => record(v, f, positiveInteger),
  depth: (v, f) => record(v, f, capacity),
  uniformDepth: positiveInteger,
  unbounded: boolean,
  engine: (v, f) => oneOf(v, f, ENGINES),
  workers: (v, f) => (v === 'auto' ? v : positiveInteger(v, f)),
  fastForward: boolean,
  timingOnly: boolean,
};

/** The fields a configuration may have, as plain data. */
export const CONFIG_FIELDS: readonly string[] = Object.keys(FIELDS);

/**
 * Reads a configuration from plain data (JSON, YAML, a check case), strictly: unknown fields
 * and wrong types are refused (the string "false" is not a boolean, 4.5 not a count), with a
 * ProgramError naming the field. Names, ranges and combinations are the design's to check
 * (resolveSdpaConfig), when the configuration is used.
 */
export function parseSdpaConfig(raw: unknown, skip: readonly string[] = []): SdpaRunConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ProgramError(`a configuration must be an object, got ${show(raw)}`);
  const unknown = unknownNames(raw, [...CONFIG_FIELDS, ...skip], 'field');
  if (unknown !== null) throw new ProgramError(unknown);
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (skip.includes(key) || value === undefined) continue;
    config[key] = FIELDS[key as keyof SdpaRunConfig](value, key);
  }
  if (config['design'] === undefined) throw new ProgramError(`'design' is required (${DESIGNS.join(' or ')})`);
  if (config['n'] === undefined) throw new ProgramError("'n' is required");
  return config as unknown as SdpaRunConfig;
}

function positiveInteger(value: unknown, field: string, why = notPositiveInteger): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ProgramError(why(field, value));
  }
  return value;
}

/**
 * A capacity: a count, or null for unbounded (what `--depth long=unbounded` says on the command
 * line). One past 2^53 is said to be too large, as any count's is, not to be no integer.
 */
function capacity(value: unknown, field: string): number | null {
  return value === null ? null : positiveInteger(value, field, notCapacity);
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ProgramError(`${field} must be true or false, got ${show(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new ProgramError(`${field} must be one of ${allowed.join(', ')}, got ${show(value)}`);
  return value as T;
}

function record(value: unknown, field: string, each: Field): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProgramError(`${field} must be an object of NAME: value, got ${show(value)}`);
  return Object.fromEntries(Object.entries(value).map(([name, x]) => [name, each(x, `${field}.${name}`)]));
}
