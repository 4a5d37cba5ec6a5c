import { createHash } from 'node:crypto';

/**
 * JSON with every object's keys sorted, so that the same value always gives the same text
 * whatever order it was built in (a YAML file, a spread of overrides, a resolved config).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * A job's key: SHA-256 of the canonical JSON of its resolved configuration (every default
 * filled in), so two spellings of one configuration (`uniformDepth: 2` and every depth 2) are
 * one job, and a result found in a results file is the result of exactly that configuration.
 */
export function jobHash(resolved: unknown): string {
  return createHash('sha256').update(canonicalJson(resolved)).digest('hex');
}
