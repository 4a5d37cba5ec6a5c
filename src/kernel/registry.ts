import { ProgramError } from './errors.js';
import type { UnitKind } from './unit-kind.js';

const kinds = new Map<string, UnitKind<never>>();

/**
 * Registers a unit kind. Modules that define kinds register them when imported, so a
 * worker thread gets the same kinds by importing the modules a program lists.
 */
export function registerUnitKind<P>(kind: UnitKind<P>): UnitKind<P> {
  const existing = kinds.get(kind.kind);
  if (existing !== undefined && existing !== (kind as UnitKind<never>)) {
    throw new ProgramError(`unit kind '${kind.kind}' is already registered`);
  }
  kinds.set(kind.kind, kind as UnitKind<never>);
  return kind;
}

export function unitKind(name: string): UnitKind<unknown> {
  const kind = kinds.get(name);
  if (kind === undefined) {
    const known = [...kinds.keys()].sort().join(', ');
    throw new ProgramError(`unknown unit kind '${name}' (registered: ${known || 'none'})`);
  }
  return kind as UnitKind<unknown>;
}

/** Imports the modules a program needs for its unit kinds. */
export async function loadUnitModules(modules: readonly string[]): Promise<void> {
  for (const specifier of modules) await import(specifier);
}
