import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandoffChannel } from '../../src/engines/compiled/handoff-channel.js';

/** A window as HandoffChannel.window writes it (its size, then each run's first value, step and length), instant by instant. */
function expand(out: readonly number[]): number[] {
  const instants: number[] = [];
  for (let r = 1; r < out.length; r += 3) for (let k = 0; k < out[r + 2]!; k++) instants.push(out[r]! + out[r + 1]! * k);
  expect(instants).toHaveLength(out[0]!);
  return instants;
}

describe('HandoffChannel.window', () => {
  it('holds exactly the last dequeue instants that can still matter, row after row', () => {
    // Rows of dequeue instants (gaps and steps as a pipeline leaves them), a capacity, and the
    // sender's clock at each boundary as an offset from the last instant.
    const rows = fc.array(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 8 }),
      {
        minLength: 1,
        maxLength: 10,
      },
    );
    fc.assert(
      fc.property(
        rows,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: -3000, max: 5 }), { minLength: 10, maxLength: 10 }),
        (parts, capacity, latency, offsets) => {
          for (const bounded of [true, false]) {
            const ch = new HandoffChannel({
              name: 'c',
              capacity: bounded ? capacity : Infinity,
              sendLatency: 1,
              responseLatency: latency,
              width: 1,
            });
            ch.allocate();
            const all: number[] = [];
            let t = 100;
            parts.forEach((row, b) => {
              for (const [gap, count] of row)
                for (let k = 0; k < count; k++) {
                  t += k === 0 ? gap : 1;
                  ch.dequeuedAt[all.length & ch.mask] = t;
                  all.push(t);
                }
              const senderClock = t + offsets[b]!;
              const reach = bounded ? capacity : ch.mask + 1;
              const kept = all.slice(Math.max(0, all.length - reach));
              const matters = kept.filter((d) => (bounded ? d + latency > senderClock : d > senderClock));
              const out: number[] = [];
              const ok = ch.window(all.length, senderClock, 7, out);
              expect(ok).toBe(bounded || !(matters.length === kept.length && all.length > kept.length));
              if (ok) expect(expand(out)).toEqual(matters.map((d) => d - 7));
            });
          }
        },
      ),
    );
  });
});
