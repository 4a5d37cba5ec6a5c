import { UnitError } from '../../kernel/errors.js';
import { runningContext } from './cooperative-scheduler.js';
import type { Program } from '../../kernel/program.js';

/** Per thread: [the running unit's index + 1 (0: none, or the thread has not ended), its exit code]. */
const WORDS = 2;

/**
 * Where threads that run units note why they ended. A unit that ends its thread
 * (`process.exit()` in a worker ends the thread, not the process) answers nothing: the run
 * saw only "worker exited with code 7". The thread's exit listener notes the unit it was
 * running in shared memory, which the calling thread reads once the thread is gone, so the
 * failure names the unit, as any other unit failure does.
 */
export function createThreadEnds(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * WORDS * threads);
}

/** In the thread `thread`: notes the running unit if the thread ends. Returns the call that stops watching. */
export function watchThreadEnd(ends: SharedArrayBuffer, thread: number): () => void {
  const words = new Int32Array(ends);
  const noted = (code: number): void => {
    Atomics.store(words, thread * WORDS + 1, code);
    Atomics.store(words, thread * WORDS, (runningContext()?.index ?? -1) + 1);
  };
  process.once('exit', noted);
  return () => process.off('exit', noted);
}

/** In the calling thread, after a thread died: the failure of the unit that ended it, if one did. */
export function threadEndFailure(ends: SharedArrayBuffer, program: Program, cause: unknown): UnitError | null {
  const words = new Int32Array(ends);
  for (let thread = 0; thread < words.length / WORDS; thread++) {
    const unit = Atomics.load(words, thread * WORDS) - 1;
    if (unit < 0) continue;
    const code = Atomics.load(words, thread * WORDS + 1);
    return new UnitError(program.units[unit]!.name, `it ended its worker thread (exit code ${code}): a unit must not call process.exit()`, {
      cause,
    });
  }
  return null;
}
