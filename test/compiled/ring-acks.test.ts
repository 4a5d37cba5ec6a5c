import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/kernel/channel.js';
import { appendAt, dequeueAt, pendingAcks, roomAt } from '../../src/engines/compiled/ring-ops.js';

describe('pendingAcks', () => {
  it('gives exactly the dequeue instants not yet acknowledged, read after any sends and receives', () => {
    // Each step: send some elements (waiting for room as the rules say), receive some, then read.
    const steps = fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 })), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), steps, (capacity, plan) => {
        const ch = new Channel({ name: 'c', capacity, sendLatency: 1, responseLatency: 1, width: 1 });
        const dequeued: number[] = [];
        let [sender, receiver] = [0, 0];
        for (const [sends, receives, gap] of plan) {
          for (let k = 0; k < sends && ch.sent - ch.acked < capacity + (ch.received - ch.acked); k++) {
            sender = roomAt(ch, sender + 1);
            appendAt(ch, sender, sender);
          }
          for (let k = 0; k < receives && ch.received < ch.sent; k++) {
            receiver = dequeueAt(ch, receiver + gap);
            dequeued.push(receiver);
          }
          const instants: number[] = [];
          const acks = pendingAcks(ch);
          acks.forEachRun((start, step, n) => {
            for (let j = 0; j < n; j++) instants.push(start + step * j);
          });
          expect(acks.size).toBe(ch.received - ch.acked);
          expect(instants).toEqual(dequeued.slice(ch.acked, ch.received));
        }
      }),
    );
  });
});
