/** Parameter checks shared by unit kinds: each throws with the reason a user can act on. */

export function positiveInteger(value: unknown, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function nonNegativeInteger(value: unknown, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function record(params: unknown, kind: string): Record<string, unknown> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new Error(`${kind} parameters must be an object`);
  }
  return params as Record<string, unknown>;
}

/** Port names `prefix0 .. prefix{n-1}`. */
export function numberedPorts(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}
