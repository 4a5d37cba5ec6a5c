import { SinkWatch } from '../engines/actors/sink-watch.js';
import type { Channel } from '../kernel/channel.js';
import type { Time } from '../kernel/time.js';
import { TimeRuns } from '../kernel/time-runs.js';

/** A channel's instants: those before the last cycle counted, and those at or after it, in order. */
interface Instants {
  enqueuedBefore: number;
  dequeuedBefore: number;
  readonly enqueued: TimeRuns;
  readonly dequeued: TimeRuns;
}

/** Runs of instants a channel's end may hold before the counter folds those that are settled. */
const FIRST_FOLD = 1 << 14;

/**
 * Watches the sinks (for `step`) and counts each channel's enqueue and dequeue instants, to
 * give its occupancy in simulated time before a cycle: an end that has run past the cycle has
 * instants after it, kept until a later cycle counts them.
 *
 * The instants are kept as arithmetic runs (a unit at a fixed pace makes one run per burst),
 * and `settled` gives a cycle that the next pause's cycle cannot be below (the least clock of
 * the live units, or the horizon): instants before it are counted as they pile up. A pause at
 * a far cycle had kept every instant of the run as a number (naive N = 4096 paused at cycle
 * 10^8: 3.3 GB).
 */
export class OccupancyCounter extends SinkWatch {
  private readonly instants = new Map<Channel, Instants>();
  /** Length at which an end's instants are next folded; doubles when a fold frees little. */
  private foldAt = FIRST_FOLD;

  constructor(
    sinks: ReadonlySet<string>,
    private readonly settled: () => Time,
  ) {
    super(sinks);
  }

  override enqueued(ch: Channel, at: Time): void {
    const { enqueued } = this.of(ch);
    enqueued.push(at);
    if (enqueued.runs >= this.foldAt) this.fold();
  }

  override dequeued(ch: Channel, at: Time): void {
    const { dequeued } = this.of(ch);
    dequeued.push(at);
    if (dequeued.runs >= this.foldAt) this.fold();
    super.dequeued(ch, at);
  }

  /** Occupancy of `ch` just before `cycle`, which never decreases from one call to the next. */
  occupancyBefore(ch: Channel, cycle: Time): number {
    const log = this.of(ch);
    count(log, cycle);
    return log.enqueuedBefore - log.dequeuedBefore;
  }

  private fold(): void {
    const cycle = this.settled();
    let longest = 0;
    for (const log of this.instants.values()) {
      count(log, cycle);
      longest = Math.max(longest, log.enqueued.runs, log.dequeued.runs);
    }
    // An end far ahead of the slowest unit keeps its runs; folding again at once would make
    // every push scan them.
    this.foldAt = Math.max(FIRST_FOLD, 2 * longest);
  }

  private of(ch: Channel): Instants {
    let log = this.instants.get(ch);
    if (log === undefined)
      this.instants.set(ch, (log = { enqueuedBefore: 0, dequeuedBefore: 0, enqueued: new TimeRuns(), dequeued: new TimeRuns() }));
    return log;
  }
}

/** Counts and removes the instants before `cycle` (clocks are integers). */
function count(log: Instants, cycle: Time): void {
  log.enqueuedBefore += log.enqueued.shiftUpTo(cycle - 1);
  log.dequeuedBefore += log.dequeued.shiftUpTo(cycle - 1);
}
