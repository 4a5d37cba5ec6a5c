/** Parameter checks shared by unit kinds: each throws with the reason a user can act on. */
import { notNonNegativeInteger, notPositiveInteger, unknownNames } from '../kernel/errors.js';

export function positiveInteger(value: unknown, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new Error(notPositiveInteger(what, value));
  return value;
}

export function nonNegativeInteger(value: unknown, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(notNonNegativeInteger(what, value));
  return value;
}

/**
 * A unit's parameters as a record of the names it takes: a misspelt one (`latecy: 5`) would
 * otherwise leave its default in place without a word.
 */
export function record(params: unknown, kind: string, known: readonly string[]): Record<string, unknown> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new Error(`${kind} parameters must be an object`);
  }
  const unknown = unknownNames(params, known, 'parameter');
  if (unknown !== null) throw new Error(`${kind}: ${unknown}`);
  return params as Record<string, unknown>;
}

/**
 * The width of the elements `values` lists: 1 for numbers, k for vectors of k numbers, null for
 * none (no width to hold a channel to); throws on a mix or vectors of different lengths (a
 * ragged list had failed at its odd element, mid-run).
 */
export function elementWidth(values: readonly unknown[], what: string): number | null {
  if (values.length === 0) return null;
  if (values.every((v) => typeof v === 'number')) return 1;
  // A vector is an array of numbers or a typed array (enqueueVector takes either).
  const vector = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  const first = values[0];
  const width = vector(first) ? first.length : 0;
  const fits = (v: unknown): boolean => vector(v) && v.length === width && Array.from(v).every((x) => typeof x === 'number');
  if (width === 0 || !values.every(fits)) throw new Error(`${what} must be all numbers, or all vectors of numbers of one length`);
  return width;
}

/** Port names `prefix0 .. prefix{n-1}`. */
export function numberedPorts(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}
