import { EXIT_INTERRUPTED, sayInterrupted } from './errors.js';

/**
 * SIGINT or SIGTERM while no part of the command listens for them (its modules loading, its
 * options being read, its result being printed) is one line and exit 130, as when a run is
 * stopped. Without it Node's default ended the process without a word. The parts that stop
 * cleanly (a run, a sweep, a file written in stretches) listen themselves, and this leaves the
 * signal to them. A signal after the command has said it stopped (its listener gone, Ctrl-C
 * pressed twice) ends the process with no second line. main.ts imports this module first, so
 * that it listens before commander and the command's modules load.
 */
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    sayInterrupted('damflow: interrupted');
    process.exit(EXIT_INTERRUPTED);
  });
}
