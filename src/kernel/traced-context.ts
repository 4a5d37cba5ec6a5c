import { Context } from './context.js';
import { ClockMove } from './tracer.js';
import type { Scheduler } from './scheduler.js';
import type { Time } from './time.js';
import type { ClockMoveKind, Tracer } from './tracer.js';

/**
 * A context that tells its tracer of every move of its clock, and why: built for a traced or
 * inspected run only. A plain run's contexts check for no tracer at all: a null check in each
 * clock operation made them too big to be inlined into unit bodies together, and a
 * generator-to-sink pipe paid about a fifth more per token for it.
 */
export class TracedContext extends Context {
  constructor(
    index: number,
    name: string,
    kind: string,
    scheduler: Scheduler,
    /** Null once watching has stopped (a session's resume). */
    public tracer: Tracer | null,
  ) {
    super(index, name, kind, scheduler);
  }

  override incr(cycles: Time): void {
    const from = this.settleRoom();
    super.incr(cycles);
    if (this.tracer !== null) this.tracer.clockMoved(this, ClockMove.Busy, from, this.time);
  }

  protected override moveTo(to: Time, why: ClockMoveKind): void {
    if (this.tracer !== null) this.tracer.clockMoved(this, why, this.time, to);
    super.moveTo(to, why);
  }
}
