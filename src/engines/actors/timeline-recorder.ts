import { Wait } from '../../kernel/wait.js';
import { ClockMove } from '../../kernel/tracer.js';
import type { Channel } from '../../kernel/channel.js';
import type { Context } from '../../kernel/context.js';
import type { Program } from '../../kernel/program.js';
import type { Time } from '../../kernel/time.js';
import type { ClockMoveKind, Tracer } from '../../kernel/tracer.js';
import type { Timeline, TimelineChannel, TimelineUnit } from '../timeline.js';
import type { Instance } from './instantiate.js';

/** Index in SPAN_KINDS of each ClockMove ('busy', 'input', 'room', 'idle'). */
const SPAN_OF_MOVE: Readonly<Record<ClockMoveKind, number>> = {
  [ClockMove.Busy]: 0,
  [ClockMove.Input]: 1,
  [ClockMove.Room]: 2,
  [ClockMove.Idle]: 3,
};

interface Spans {
  readonly kinds: number[];
  readonly from: Time[];
  readonly to: Time[];
  /** The span still growing: consecutive moves of one kind merge into one span. */
  openKind: number;
  openFrom: Time;
  openTo: Time;
}

/** A channel's instants inside the window, and the net count of those before it. */
interface Instants {
  before: number;
  readonly enqueued: Time[];
  readonly dequeued: Time[];
}

/**
 * Records a run's timeline over [start, end) as the single-thread executor runs it: each unit's
 * clock moves, merged into spans while they continue one another (a unit busy cycle after cycle
 * is one span), and each channel's enqueue and dequeue instants, turned into occupancy samples
 * at the end (each end's instants come in time order, the two ends do not). Once `maxEvents`
 * are held it calls `onFull`, once: the caller stops the run, and the timeline ends where every
 * earlier event is known.
 */
export class TimelineRecorder implements Tracer {
  private readonly spans: Spans[];
  private readonly instants = new Map<Channel, Instants>();
  private events = 0;
  full = false;

  constructor(
    units: number,
    private readonly start: Time,
    private readonly end: Time,
    private readonly maxEvents: number,
    private readonly onFull: () => void,
  ) {
    this.spans = Array.from({ length: units }, () => ({ kinds: [], from: [], to: [], openKind: -1, openFrom: 0, openTo: 0 }));
  }

  clockMoved(ctx: Context, why: ClockMoveKind, from: Time, to: Time): void {
    if (to <= from) return;
    const spans = this.spans[ctx.index]!;
    const kind = SPAN_OF_MOVE[why];
    if (spans.openKind === kind && spans.openTo === from) {
      spans.openTo = to;
      return;
    }
    this.closeSpan(spans);
    spans.openKind = kind;
    spans.openFrom = from;
    spans.openTo = to;
  }

  enqueued(ch: Channel, at: Time): void {
    this.instant(ch, at, true);
  }

  dequeued(ch: Channel, at: Time): void {
    this.instant(ch, at, false);
  }

  /**
   * The timeline up to `end` (at most the window's): contexts still waiting there stall until
   * it; spans are cut at the window's edges.
   */
  timeline(program: Program, instance: Instance, end: Time, status: Timeline['status']): Timeline {
    for (const ctx of instance.contexts) {
      const waiting = ctx.finished ? null : waitingMove(ctx);
      if (waiting !== null && ctx.time < end) this.clockMoved(ctx, waiting, ctx.time, end);
    }
    let events = 0;
    const units: TimelineUnit[] = instance.contexts.map((ctx) => {
      const spans = this.spans[ctx.index]!;
      this.closeSpan(spans);
      const unit = {
        name: ctx.name,
        kind: ctx.kind,
        group: program.units[ctx.index]!.group ?? null,
        kinds: [] as number[],
        from: [] as Time[],
        to: [] as Time[],
      };
      for (let i = 0; i < spans.kinds.length; i++) {
        const to = Math.min(spans.to[i]!, end);
        if (spans.from[i]! >= to) continue;
        unit.kinds.push(spans.kinds[i]!);
        unit.from.push(spans.from[i]!);
        unit.to.push(to);
      }
      events += unit.kinds.length;
      return unit;
    });
    const groupOf = new Map(program.units.map((u) => [u.name, u.group ?? null]));
    const channels: TimelineChannel[] = instance.channels.map((ch) => {
      // A timeline that holds the run's end holds its last instants, at its end (Timeline.status).
      const last = status === 'paused' ? end : end + 1;
      const samples = occupancySamples(this.instants.get(ch) ?? { before: 0, enqueued: [], dequeued: [] }, this.start, last, end);
      events += samples.at.length;
      return {
        name: ch.name,
        sender: ch.sender.name,
        receiver: ch.receiver.name,
        group: groupOf.get(ch.receiver.name) ?? null,
        capacity: Number.isFinite(ch.capacity) ? ch.capacity : null,
        ...samples,
      };
    });
    return {
      start: this.start,
      end,
      requestedEnd: this.end,
      cut: this.full ? { maxEvents: this.maxEvents } : null,
      status,
      units,
      channels,
      events,
    };
  }

  private instant(ch: Channel, at: Time, enqueued: boolean): void {
    let log = this.instants.get(ch);
    if (log === undefined) this.instants.set(ch, (log = { before: 0, enqueued: [], dequeued: [] }));
    if (at >= this.end) return;
    if (at < this.start) {
      log.before += enqueued ? 1 : -1;
      return;
    }
    (enqueued ? log.enqueued : log.dequeued).push(at);
    this.counted();
  }

  /** Keeps the open span, cut to the window, if anything of it is inside. */
  private closeSpan(spans: Spans): void {
    if (spans.openKind < 0) return;
    const from = Math.max(spans.openFrom, this.start);
    const to = Math.min(spans.openTo, this.end);
    if (from < to) {
      spans.kinds.push(spans.openKind);
      spans.from.push(from);
      spans.to.push(to);
      this.counted();
    }
    spans.openKind = -1;
  }

  private counted(): void {
    if (++this.events < this.maxEvents || this.full) return;
    this.full = true;
    this.onFull();
  }
}

/** How a blocked context stalls: for room, for input (data or a peer's clock), or not at all (held back by the simulator). */
function waitingMove(ctx: Context): ClockMoveKind | null {
  let move: ClockMoveKind | null = null;
  for (let i = 0; i < ctx.waitCount; i++) {
    const kind = ctx.waitKinds[i];
    if (kind === Wait.Room) return ClockMove.Room;
    if (kind === Wait.Data || kind === Wait.Clock) move = ClockMove.Input;
  }
  return move;
}

/**
 * Occupancy at `start`, then at each later instant before `before` where it changes, then at
 * `end` if later: at one instant the dequeues and the enqueues both count (spec section 4,
 * half-open).
 */
function occupancySamples(log: Instants, start: Time, before: Time, end: Time): { at: Time[]; occupancy: number[] } {
  const { enqueued, dequeued } = log;
  const at: Time[] = [start];
  const occupancy: number[] = [log.before];
  let value = log.before;
  let i = 0;
  let j = 0;
  for (;;) {
    const next = Math.min(i < enqueued.length ? enqueued[i]! : Infinity, j < dequeued.length ? dequeued[j]! : Infinity);
    if (next >= before) break;
    for (; i < enqueued.length && enqueued[i] === next; i++) value++;
    for (; j < dequeued.length && dequeued[j] === next; j++) value--;
    if (next === start) occupancy[0] = value;
    else if (value !== occupancy[occupancy.length - 1]) {
      at.push(next);
      occupancy.push(value);
    }
  }
  if (end > at[at.length - 1]!) {
    at.push(end);
    occupancy.push(value);
  }
  return { at, occupancy };
}
