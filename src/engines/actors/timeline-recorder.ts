import { Wait } from '../../kernel/wait.js';
import { ClockMove } from '../../kernel/tracer.js';
import type { Channel } from '../../kernel/channel.js';
import type { Context } from '../../kernel/context.js';
import type { Program } from '../../kernel/program.js';
import type { Time } from '../../kernel/time.js';
import type { ClockMoveKind, Tracer } from '../../kernel/tracer.js';
import { timelineEvents } from '../timeline.js';
import type { Timeline, TimelineChannel, TimelineUnit } from '../timeline.js';
import type { Instance } from './instantiate.js';

/** Index in SPAN_KINDS of each ClockMove ('busy', 'input', 'room', 'idle'). */
const SPAN_OF_MOVE: Readonly<Record<ClockMoveKind, number>> = {
  [ClockMove.Busy]: 0,
  [ClockMove.Input]: 1,
  [ClockMove.Room]: 2,
  [ClockMove.Idle]: 3,
};

/**
 * A unit's spans, cut to [start, end): consecutive moves of one kind merge into one span, the
 * open one, which grows until a move of another kind, or one that does not continue it, closes it.
 */
class SpanTrack {
  readonly kinds: number[] = [];
  readonly from: Time[] = [];
  readonly to: Time[] = [];
  private openKind = -1;
  private openFrom = 0;
  private openTo = 0;

  constructor(
    private readonly start: Time,
    private readonly end: Time,
  ) {}

  /** Adds a move; returns true when it closed a span that the window keeps. */
  move(kind: number, from: Time, to: Time): boolean {
    if (this.openKind === kind && this.openTo === from) {
      this.openTo = to;
      return false;
    }
    const kept = this.close();
    this.openKind = kind;
    this.openFrom = from;
    this.openTo = to;
    return kept;
  }

  /** Keeps the open span, cut to the window, if anything of it is inside; returns true if so. */
  close(): boolean {
    if (this.openKind < 0) return false;
    const from = Math.max(this.openFrom, this.start);
    const to = Math.min(this.openTo, this.end);
    const kept = from < to;
    if (kept) {
      this.kinds.push(this.openKind);
      this.from.push(from);
      this.to.push(to);
    }
    this.openKind = -1;
    return kept;
  }

  /** A copy cut to [start, end), end at most this one's: the recording goes on with this one. */
  copy(end: Time): SpanTrack {
    const copy = new SpanTrack(this.start, end);
    for (let i = 0; i < this.kinds.length && this.from[i]! < end; i++) {
      copy.kinds.push(this.kinds[i]!);
      copy.from.push(this.from[i]!);
      copy.to.push(Math.min(this.to[i]!, end));
    }
    copy.openKind = this.openKind;
    copy.openFrom = this.openFrom;
    copy.openTo = this.openTo;
    return copy;
  }
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
 * when a timeline is taken (each end's instants come in time order, the two ends do not).
 * `recorded` counts the spans closed and the instants inside the window: a timeline taken holds
 * at most that many events, plus two for each unit (its open span and its stall at the end) and
 * two for each channel (its first and last samples). Once `recorded` reaches `due` it calls
 * `onDue`: the caller pauses the run and counts what a timeline would hold (`capAt`).
 */
export class TimelineRecorder implements Tracer {
  private readonly spans: SpanTrack[];
  private readonly instants = new Map<Channel, Instants>();
  recorded = 0;
  due = Infinity;

  constructor(
    units: number,
    private readonly channels: number,
    readonly start: Time,
    readonly end: Time,
    private readonly onDue: () => void,
  ) {
    this.spans = Array.from({ length: units }, () => new SpanTrack(start, end));
  }

  /**
   * Calls `onDue` when a timeline taken may hold more than `maxEvents`: at once when none can
   * yet (the units' and channels' own events), else once it may be full (`taken` events
   * counted), or has grown by half (sources run far ahead of what is settled).
   */
  capAt(maxEvents: number, taken: number | null = null): void {
    this.due =
      taken === null
        ? maxEvents - 2 * (this.spans.length + this.channels) + 1
        : this.recorded + Math.max(maxEvents - taken, Math.ceil(this.recorded / 2));
  }

  clockMoved(ctx: Context, why: ClockMoveKind, from: Time, to: Time): void {
    if (to > from && this.spans[ctx.index]!.move(SPAN_OF_MOVE[why], from, to)) this.counted();
  }

  enqueued(ch: Channel, at: Time): void {
    this.instant(ch, at, true);
  }

  dequeued(ch: Channel, at: Time): void {
    this.instant(ch, at, false);
  }

  /**
   * The timeline up to `end` (at most the window's), the recording left as it is: contexts
   * still waiting there stall until it; spans are cut at the window's edges. Yields after each
   * unit and each channel: a timeline of millions of events took a second or more in one go
   * under load, and a SIGINT waited for it (it is taken whenever the recording counts what it
   * holds).
   */
  *timeline(program: Program, instance: Instance, end: Time, status: Timeline['status']): Generator<void, Timeline> {
    const units: TimelineUnit[] = [];
    for (const ctx of instance.contexts) {
      const spans = this.spans[ctx.index]!.copy(end);
      const waiting = ctx.finished ? null : waitingMove(ctx);
      if (waiting !== null && ctx.time < end) spans.move(SPAN_OF_MOVE[waiting], ctx.time, end);
      spans.close();
      const { kinds, from, to } = spans;
      units.push({ name: ctx.name, kind: ctx.kind, group: program.units[ctx.index]!.group ?? null, kinds, from, to });
      yield;
    }
    const groupOf = new Map(program.units.map((u) => [u.name, u.group ?? null]));
    const channels: TimelineChannel[] = [];
    for (const ch of instance.channels) {
      // A timeline that holds the run's end holds its last instants, at its end (Timeline.status).
      const last = status === 'paused' ? end : end + 1;
      const samples = occupancySamples(this.instants.get(ch) ?? { before: 0, enqueued: [], dequeued: [] }, this.start, last, end);
      channels.push({
        name: ch.name,
        sender: ch.sender.name,
        receiver: ch.receiver.name,
        group: groupOf.get(ch.receiver.name) ?? null,
        capacity: Number.isFinite(ch.capacity) ? ch.capacity : null,
        ...samples,
      });
      yield;
    }
    return { start: this.start, end, requestedEnd: this.end, cut: null, status, units, channels, events: timelineEvents(units, channels) };
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

  private counted(): void {
    // A due of 0 or less: at the first event.
    if (++this.recorded === Math.max(this.due, 1)) this.onDue();
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
 * Occupancy at `start` (its instants counted, even in an empty timeline), then at each later
 * instant before `before` where it changes, then at `end` if later: at one instant the dequeues
 * and the enqueues both count (spec section 4, half-open).
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
    if (next >= before && next !== start) break;
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
