import { UsageError } from './errors.js';

export function parsePositiveInt(value: string, what: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${what} must be a positive integer, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got '${value}'`);
  return n;
}

export function parseNonNegativeInt(value: string, what: string): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${what} must be a non-negative integer, got '${value}'`);
  }
  return Number(value);
}

/** Accumulates a repeatable NAME=K option into a record (the design checks the names). */
export function collectAssignment(what: string): (value: string, previous: Record<string, number> | undefined) => Record<string, number> {
  return (value, previous) => {
    const match = /^([^=\s]+)=(.*)$/.exec(value);
    if (match === null) throw new UsageError(`${what} must look like NAME=K, got '${value}'`);
    return { ...previous, [match[1]!]: parsePositiveInt(match[2]!, `${what} '${match[1]}'`) };
  };
}

/** 'auto': at most the machine's cores; see SimulateOptions.workers. */
export function parseWorkers(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parsePositiveInt(value, 'workers');
}
