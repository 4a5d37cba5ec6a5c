/** A program that cannot run as written: bad wiring or bad parameters. */
export class ProgramError extends Error {
  override readonly name = 'ProgramError';
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
    const reason = error instanceof Error ? error.message : String(error);
    return new UnitError(unit, reason, { cause: error });
  }
}
