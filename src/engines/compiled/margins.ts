import { RunLog } from './run-log.js';

/** The maxes a channel's operations take: the acknowledgement against the clock, the stamp against the clock plus the send latency, the element's time against the receiver's clock. */
export const enum MarginOf {
  Room = 0,
  Stamp = 1,
  Arrival = 2,
}

/** Margins held before they go to their logs. */
const LOGGED_AT_ONCE = 4096;

/**
 * The margins of the maxes a verify-mode period takes (drift.ts): for each, the side compared
 * with the clock minus the clock. One log per channel and kind of max, since the period
 * interleaves them: one site's margins, element after element, form a few arithmetic runs
 * where their interleaving would form one run per margin.
 */
export class Margins {
  private readonly logs: (RunLog | undefined)[] = [];
  /**
   * Margins logged and not yet in their logs, with their sites (3 x channel + kind): a
   * verify-mode row inlines `log` at each of its dozens of maxes, and a store or two there
   * (rather than a run log's push) keeps the row small enough for V8 to compile quickly. It
   * runs for two periods, and its compile was the largest of a cold sweep (1.1 s of 2.5 s).
   */
  private readonly values = new Float64Array(LOGGED_AT_ONCE);
  private readonly sites = new Int32Array(LOGGED_AT_ONCE);
  private count = 0;

  log(channel: number, of: MarginOf, margin: number): void {
    const n = this.count;
    this.values[n] = margin;
    this.sites[n] = 3 * channel + of;
    this.count = n + 1;
    if (n + 1 === LOGGED_AT_ONCE) this.file();
  }

  /** Moves the margins logged so far into their sites' logs. */
  private file(): void {
    for (let k = 0; k < this.count; k++) (this.logs[this.sites[k]!] ??= new RunLog()).push(this.values[k]!);
    this.count = 0;
  }

  /**
   * For how many more periods after `next` every max surely keeps its side, if each margin
   * goes on moving by what it moved from this period to `next`, as it does while no max changes
   * side (the row is then a sum of the sides taken, affine in the state): Infinity when none
   * moves towards zero (every max keeps its side for ever: a drift proof), 0 when one changed side already or a max was not taken in
   * both periods. Until then no proof can hold, since the same margins go on shrinking.
   * Yields between stretches of the comparison (RunLog.everyPair).
   */
  *periodsOnSide(next: Margins): Generator<void, number> {
    this.file();
    next.file();
    let periods = Infinity;
    const sites = Math.max(this.logs.length, next.logs.length);
    for (let s = 0; s < sites; s++) {
      const [first, second] = [this.logs[s], next.logs[s]];
      if (first === undefined || second === undefined) {
        if (first !== second) return 0;
        continue;
      }
      const kept = yield* first.everyPair(second, (a, b) => {
        periods = Math.min(periods, periodsOnSide(a, b));
        return periods > 0;
      });
      if (!kept) return 0;
    }
    return periods;
  }
}

/** For how many more periods a margin that went from `a` to `b` keeps its strict side, moving by b - a each time (Infinity when it does not move towards zero, or stays at zero). */
function periodsOnSide(a: number, b: number): number {
  if (a > 0) return b >= a ? Infinity : b <= 0 ? 0 : Math.ceil(b / (a - b)) - 1;
  if (a < 0) return b <= a ? Infinity : b >= 0 ? 0 : Math.ceil(-b / (b - a)) - 1;
  return b === 0 ? Infinity : 0;
}
