import { RunLog } from './run-log.js';

/** The maxes a channel's operations take: the acknowledgement against the clock, the stamp against the clock plus the send latency, the element's time against the receiver's clock. */
export const enum MarginOf {
  Room = 0,
  Stamp = 1,
  Arrival = 2,
}

/**
 * The margins of the maxes a verify-mode period takes (drift.ts): for each, the side compared
 * with the clock minus the clock. One log per channel and kind of max, since the period
 * interleaves them: one site's margins, element after element, form a few arithmetic runs
 * where their interleaving would form one run per margin.
 */
export class Margins {
  private readonly logs: (RunLog | undefined)[] = [];

  log(channel: number, of: MarginOf, margin: number): void {
    (this.logs[3 * channel + of] ??= new RunLog()).push(margin);
  }

  /**
   * Whether `next` (the same maxes a period later) keeps every max on its side for ever: each
   * margin keeps its sign and does not move towards zero, or stays at zero (a tie picks the
   * same value either way).
   */
  stableInto(next: Margins): boolean {
    const sites = Math.max(this.logs.length, next.logs.length);
    for (let s = 0; s < sites; s++) {
      const [first, second] = [this.logs[s], next.logs[s]];
      if (first === undefined || second === undefined) {
        if (first !== second) return false;
        continue;
      }
      if (!first.everyPair(second, (a, b) => (a > 0 ? b >= a : a < 0 ? b <= a : b === 0))) return false;
    }
    return true;
  }
}
