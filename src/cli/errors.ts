import { FileWriteError } from '../files/file-write-error.js';
import { ProgramError, RunAborted, UnitError } from '../kernel/errors.js';

export const EXIT_OK = 0;
export const EXIT_RUN_ERROR = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_DEADLOCK = 3;
/** As a shell reports a process ended by SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** Bad input found by the CLI itself (the library reports its own as ProgramError). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One line on stderr and the exit code for an error that ended a command. */
export function reportError(error: unknown): number {
  // A file that cannot be written is the user's to fix (its folder, its disk), as README's exit codes say.
  if (error instanceof UsageError || error instanceof ProgramError || error instanceof FileWriteError) {
    console.error(`damflow: ${oneLine(error.message)}`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof RunAborted) {
    sayInterrupted('damflow: interrupted; the run was stopped and nothing is left running');
    return EXIT_INTERRUPTED;
  }
  if (error instanceof UnitError) {
    console.error(`damflow: run failed: ${oneLine(error.message)}`);
    return EXIT_RUN_ERROR;
  }
  throw error;
}

let interruptionSaid = false;

/**
 * Says that the command was interrupted, once per process: a second SIGINT (Ctrl-C pressed
 * twice, or `timeout`, which signals the process and then its group) that comes while the
 * command ends the stop the first began must add no line (interrupt-fallback.ts).
 */
export function sayInterrupted(line: string): void {
  if (!interruptionSaid) console.error(line);
  interruptionSaid = true;
}

export function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}
