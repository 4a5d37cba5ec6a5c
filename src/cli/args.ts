import { CommanderError } from 'commander';
import { EXIT_BAD_INPUT, UsageError } from './errors.js';
import type { Command } from 'commander';
import { messageOf, notNonNegativeInteger, notPositiveInteger } from '../kernel/errors.js';

/** Commander calls parsers inside its own error handling: rethrow ours as its invalid-argument error. */
export function arg<T>(parse: (value: string, previous: T) => T): (value: string, previous: T) => T {
  return (value, previous) => {
    try {
      return parse(value, previous);
    } catch (error) {
      throw new CommanderError(EXIT_BAD_INPUT, 'commander.invalidArgument', messageOf(error));
    }
  };
}

/**
 * As arg, for a value that may hold a secret (a broker address's password): the parser's own
 * line is the whole error, showing the value masked, where commander's starts by echoing it as
 * given (`option '--queue <URL>' argument 'redis://me:s3cret@...' is invalid.`). A UsageError
 * is not commander's: it reaches the command's one line, exit 2, as any other.
 */
export function secretArg<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new UsageError(messageOf(error));
    }
  };
}

export function parsePositiveInt(value: string, what: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(notPositiveInteger(what, n, `'${value}'`));
  return n;
}

export function parseNonNegativeInt(value: string, what: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(notNonNegativeInteger(what, n, `'${value}'`));
  return n;
}

/**
 * Accumulates a repeatable NAME=K option into a record, K read by `parse`; a NAME given twice is
 * refused (the design checks the names).
 */
export function collectAssignment<V = number>(
  what: string,
  parse: (value: string, what: string) => V = parsePositiveInt as (value: string, what: string) => V,
): (value: string, previous: Record<string, V> | undefined) => Record<string, V> {
  return (value, previous) => {
    const match = /^([^=\s]+)=(.*)$/.exec(value);
    if (match === null) throw new UsageError(`${what} must look like NAME=K, got '${value}'`);
    const name = match[1]!;
    if (previous !== undefined && name in previous)
      throw new UsageError(`${what} of '${name}' given twice (${String(previous[name])} and ${match[2]})`);
    return { ...previous, [name]: parse(match[2]!, `${what} '${name}'`) };
  };
}

/** A capacity: a positive integer, or 'unbounded' (null, as in a sweep or check file). */
export function parseCapacity(value: string, what: string): number | null {
  if (value === 'unbounded') return null;
  if (!/^\s*\d+\s*$/.test(value)) throw new UsageError(`${what} must be a positive integer or 'unbounded', got '${value}'`);
  return parsePositiveInt(value, what);
}

export function parseWorkers(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parsePositiveInt(value, 'workers');
}

/**
 * Refuses an option given twice unless it is repeatable: a later value silently winning hides a
 * typo in a long command line. Call once the command's options are defined.
 */
export function refuseRepeatedOptions(command: Command, repeatable: readonly string[]): Command {
  for (const option of command.options) {
    if (option.long === undefined || repeatable.includes(option.long)) continue;
    let given = false;
    command.on(`option:${option.name()}`, () => {
      if (given) throw new UsageError(`${option.long} given twice`);
      given = true;
    });
  }
  return command;
}
