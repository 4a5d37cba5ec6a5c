/**
 * Why a value is not a positive integer (a count, a capacity, a latency), as `WHAT must be ...,
 * got SHOWN`: one past 2^53 is said to be too large, not to be no integer.
 */
export function notPositiveInteger(what: string, value: unknown, shown = show(value)): string {
  return notCount(what, value, 'a positive integer', shown);
}

/** notPositiveInteger for a count that may be 0 (a seed, an index, a cycle). */
export function notNonNegativeInteger(what: string, value: unknown, shown = show(value)): string {
  return notCount(what, value, 'a non-negative integer', shown);
}

/** notPositiveInteger for a capacity, which may be null for unbounded. */
export function notCapacity(what: string, value: unknown, shown = show(value)): string {
  return notCount(what, value, 'a positive integer, or null for unbounded', shown);
}

/** Whether `value` is an integer too large to be exact (past 2^53): a count or a clock that passed it, not one malformed. */
export function pastExactIntegers(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER;
}

function notCount(what: string, value: unknown, wanted: string, shown: string): string {
  return `${what} must be ${pastExactIntegers(value) ? 'below 2^53 (clocks and counts stay exact integers)' : wanted}, got ${shown}`;
}

/**
 * Why a record has names its reader does not take, as `unknown NOUN 'a', 'b' (known: ...)`, or
 * null when it has none: a misspelt name (`capacty`, `latecy`, `wrkers`) would otherwise leave
 * a default in place without a word. Own keys only: 'hasOwnProperty' or 'toString' in a file
 * are unknown, not Object's.
 */
export function unknownNames(record: object, known: readonly string[], noun: string): string | null {
  const unknown = Object.keys(record).filter((key) => !known.includes(key));
  if (unknown.length === 0) return null;
  return `unknown ${noun}${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `'${key}'`).join(', ')} (known: ${known.length === 0 ? 'none' : known.join(', ')})`;
}

/** A value as a message shows it: a string in quotes, so that '2' does not read as the number 2. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A program that cannot run as written: bad wiring or bad parameters. */
export class ProgramError extends Error {
  override readonly name = 'ProgramError';
}

/** The run was stopped (a signal, or an abort) before it finished; nothing is left running. */
export class RunAborted extends Error {
  override readonly name = 'RunAborted';
}

/**
 * A compiled schedule reached an operation the program could not do yet at that point of its
 * fixed order: the order does not fit this configuration (it may deadlock), and the run goes
 * to the actors engine, which reports what happens.
 */
export class ScheduleStuck extends Error {
  override readonly name = 'ScheduleStuck';
}

/**
 * A time of 2^53 or more, refused where it is made (a unit's clock, its stamp, an element's
 * time, the room an acknowledgement gives) rather than rounded. A RangeError, as before; its
 * own class so that the compiled engine, whose orders call the kernel's ring channels without
 * a unit around them, can tell it from a fault and refuse the run as it refuses rounded clocks.
 */
export class ClockOverflow extends RangeError {
  // Its name crosses threads (a worker's error is rebuilt by name and message): what tells an
  // SDPA run's clock past 2^53 from a unit's own fault on any engine.
  override readonly name = 'ClockOverflow';
}

/**
 * The refusal of a run whose clocks passed 2^53 anyway (a refusal before the run takes lower
 * bounds on them): one line, as bad input, saying where (`detail`), never a rounded result.
 */
export function clocksPassed(detail: string, cause?: unknown): ProgramError {
  return new ProgramError(
    `this run's clocks passed 2^53, where they are no longer exact integers (${detail}): lower the latencies or N`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A unit's failure caused by a clock past 2^53 (a refusal before the run takes lower bounds on
 * the clocks) as clocksPassed's refusal, naming the unit; any other error as it is. The cause is
 * told by its name, which a worker thread's error keeps (worker-failure.ts). What an SDPA run
 * and an SDPA session end with, so that neither ends such a run as a unit's fault.
 */
export function refusedClock(error: unknown): unknown {
  if (!(error instanceof UnitError) || !(error.cause instanceof Error) || error.cause.name !== 'ClockOverflow') return error;
  return clocksPassed(`unit '${error.unit}': ${error.reason}`, error);
}

/** A unit failed while the program ran. */
export class UnitError extends Error {
  override readonly name = 'UnitError';
  constructor(
    readonly unit: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`unit '${unit}' failed: ${reason}`, options);
  }

  static from(unit: string, error: unknown): UnitError {
    if (error instanceof UnitError) return error;
    const reason = messageOf(error);
    // A thrown value that is not an Error (a string, say) is one of its text, with no stack: what
    // a worker thread can send of it, so that the cause is the same at any worker count.
    const cause = error instanceof Error ? error : Object.assign(new Error(reason), { stack: undefined });
    return new UnitError(unit, reason, { cause });
  }
}

/** The message of anything thrown, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
