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

/**
 * A signal is heard only when the event loop polls, and a command ends in a synchronous stretch
 * (its result built, checked and printed) after which Node exits without polling again: a
 * SIGINT that came then was swallowed, and the process exited 0 as if never interrupted (11 of
 * 20 SIGINTs sent as an actors run's pool was destroyed). One more turn of the loop before the
 * process ends lets such a signal in, to the listener above.
 */
process.once('beforeExit', () => setImmediate(() => undefined));
