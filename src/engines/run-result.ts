import type { CountedChannel } from '../kernel/channel.js';
import type { Time } from '../kernel/time.js';

export interface ContextStats {
  readonly name: string;
  readonly kind: string;
  /** Clock when the context finished (or when the run stopped, for a deadlock). */
  readonly finalClock: Time;
}

/**
 * A unit's clock, cycle by cycle: stalled for input (its clock jumped to an element's time),
 * stalled for room (to an acknowledgement), or busy (every other advance: its own latencies
 * and initiation intervals). The three add up to its final clock.
 */
export interface UnitStats extends ContextStats {
  readonly busyCycles: Time;
  readonly inputStallCycles: Time;
  readonly roomStallCycles: Time;
}

export interface ChannelStats {
  readonly name: string;
  readonly sender: string;
  readonly receiver: string;
  /** Simulated capacity; null when unbounded. */
  readonly capacity: number | null;
  readonly tokens: number;
  /** Largest number of elements in the FIFO at one simulated instant (spec section 4). */
  readonly peakOccupancy: number;
  /** Simulated cycles the FIFO held `capacity` elements (0 when unbounded). */
  readonly fullCycles: Time;
  /** Cycles its receiver waited for an element (the FIFO empty up to the element's time). */
  readonly emptyWaitCycles: Time;
  /** Cycles its sender waited for room (an acknowledgement). */
  readonly roomWaitCycles: Time;
}

export interface BlockedWait {
  readonly on: 'data' | 'room' | 'clock';
  readonly channel: string;
  /** The unit at the other end of the channel. */
  readonly peer: string;
  /** For 'clock': the clock value the peer must reach. */
  readonly until?: Time;
}

export interface BlockedContext {
  readonly unit: string;
  readonly clock: Time;
  readonly waits: readonly BlockedWait[];
}

export interface DeadlockReport {
  /** Every live context that waits in simulated time, with what it waits for. */
  readonly blocked: readonly BlockedContext[];
}

/** How far a run has come, as an engine can tell. */
export interface Progress {
  /** Work done, and in all (null when the engine cannot know it ahead). */
  readonly done: number;
  readonly total: number | null;
  /**
   * 'cycles' (actors engine): the median clock of the units whose clocks moved since the report
   * before (units stopped early, finished or blocked, do not hold it back), and the run's cycles
   * in the last report; 'rows': rows of timing, values and checks (compiled engine). Either
   * never goes back.
   */
  readonly unit: 'cycles' | 'rows';
}

export interface RunResult {
  readonly status: 'ok' | 'deadlock';
  /** Elapsed cycles: the largest final clock over all contexts. */
  readonly cycles: Time;
  readonly contexts: readonly ContextStats[];
  readonly channels: readonly ChannelStats[];
  /** What units handed back with `report()`, by unit name. */
  readonly reports: Readonly<Record<string, unknown>>;
  readonly deadlock: DeadlockReport | null;
}

export function describeDeadlock(report: DeadlockReport): string {
  const lines = [`deadlock: ${report.blocked.length} context(s) can never proceed`];
  for (const b of report.blocked) {
    const waits = b.waits.map((w) => {
      if (w.on === 'data') return `data on '${w.channel}' (from '${w.peer}')`;
      if (w.on === 'room') return `room on '${w.channel}' (to '${w.peer}')`;
      return `clock of '${w.peer}' to reach ${w.until} (peek on '${w.channel}')`;
    });
    // No wait in simulated time: held back by the simulator's buffer (a session's inspection mid-run).
    lines.push(`  '${b.unit}' at clock ${b.clock} ${waits.length === 0 ? 'is held back' : `waits for ${waits.join(' or ')}`}`);
  }
  return lines.join('\n');
}

/** Final channel statistics; call once the run has stopped. */
export function channelStats(ch: CountedChannel, sender: string, receiver: string): ChannelStats {
  const { peak, fullCycles } = ch.occupancy();
  return {
    name: ch.name,
    sender,
    receiver,
    capacity: Number.isFinite(ch.capacity) ? ch.capacity : null,
    tokens: ch.sent,
    peakOccupancy: peak,
    fullCycles,
    emptyWaitCycles: ch.inputWait,
    roomWaitCycles: ch.roomWait,
  };
}

/**
 * Each unit's cycles by kind, from its channels: the waits on its inputs and outputs, and the
 * rest of its clock busy. Both engines count the waits where they happen, channel by channel;
 * this is the one place they become a unit's.
 */
export function unitStats(contexts: readonly ContextStats[], channels: readonly ChannelStats[]): UnitStats[] {
  const input = new Map<string, number>();
  const room = new Map<string, number>();
  for (const ch of channels) {
    input.set(ch.receiver, (input.get(ch.receiver) ?? 0) + ch.emptyWaitCycles);
    room.set(ch.sender, (room.get(ch.sender) ?? 0) + ch.roomWaitCycles);
  }
  return contexts.map((c) => {
    const inputStallCycles = input.get(c.name) ?? 0;
    const roomStallCycles = room.get(c.name) ?? 0;
    return { ...c, busyCycles: c.finalClock - inputStallCycles - roomStallCycles, inputStallCycles, roomStallCycles };
  });
}
