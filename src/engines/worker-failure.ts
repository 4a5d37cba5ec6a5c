import { ProgramError, UnitError } from '../kernel/errors.js';

/** An error as plain data: what crosses from a worker to the calling thread. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}

/**
 * Why a worker's part of a run failed, as plain data: a thrown value cannot be trusted to cross
 * threads (structured cloning drops an error's class and refuses functions), so the worker
 * sends this and the calling thread rebuilds the error it stands for.
 */
export type WorkerFailure =
  | { readonly kind: 'unit'; readonly unit: string; readonly reason: string; readonly cause: ErrorRecord }
  | { readonly kind: 'program'; readonly message: string; readonly cause: ErrorRecord | null };

/** In the worker: a unit's failure, with the unit's own error as the cause. */
export function unitFailure(error: UnitError): WorkerFailure {
  return { kind: 'unit', unit: error.unit, reason: error.reason, cause: errorRecord(error.cause ?? error) };
}

/** In the worker: a failure before any unit ran (a module, a unit kind, the program). */
export function programFailure(error: unknown): WorkerFailure {
  if (!(error instanceof ProgramError)) return { kind: 'program', message: errorRecord(error).message, cause: errorRecord(error) };
  return { kind: 'program', message: error.message, cause: error.cause === undefined ? null : errorRecord(error.cause) };
}

/** In the calling thread: the error the worker's failure stands for, with its cause. */
export function failureError(failure: WorkerFailure): UnitError | ProgramError {
  if (failure.kind === 'unit') return new UnitError(failure.unit, failure.reason, { cause: rebuiltError(failure.cause) });
  return new ProgramError(failure.message, failure.cause === null ? undefined : { cause: rebuiltError(failure.cause) });
}

function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error), stack: undefined };
}

/** An Error with the original's name, message and stack (its class stays in the worker). */
function rebuiltError(record: ErrorRecord): Error {
  const error = new Error(record.message);
  error.name = record.name;
  error.stack = record.stack;
  return error;
}
