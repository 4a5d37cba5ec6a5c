import { UnitError } from '../../kernel/errors.js';
import { importWorkerModules } from '../../kernel/registry.js';
import { CooperativeScheduler } from './cooperative-scheduler.js';
import { contextStats, instantiate, localChannelStats, unitReports } from './instantiate.js';
import { ClockBoard } from './link.js';
import { Command, PoolControl, Round } from './pool-control.js';
import { applyClockBound, deadlockReport, leastClockTarget, markDead, resolveBuffers, strandHeldBack } from './stall.js';
import { WaitBoard } from './wait-board.js';
import { programFailure, unitFailure } from '../worker-failure.js';
import { watchThreadEnd } from './thread-end.js';
import type { Context } from '../../kernel/context.js';
import type { Program } from '../../kernel/program.js';
import type { ClockMemory, LinkEnd, LinkMemory } from './link.js';
import type { ControlMemory } from './pool-control.js';
import type { WaitMemory } from './wait-board.js';
import type { ChannelStats, ContextStats, DeadlockReport } from '../run-result.js';
import type { Instance } from './instantiate.js';
import type { WorkerFailure } from '../worker-failure.js';

export interface WorkerTask {
  readonly worker: number;
  readonly program: Program;
  /** Worker of each unit. */
  readonly placement: readonly number[];
  readonly links: readonly LinkMemory[];
  readonly control: ControlMemory;
  readonly clocks: ClockMemory;
  readonly waits: WaitMemory;
  /** Where this thread notes the unit that ended it (thread-end.ts). */
  readonly threadEnds: SharedArrayBuffer;
}

export interface WorkerOutcome {
  readonly contexts: readonly (readonly [number, ContextStats])[];
  readonly channels: readonly (readonly [string, ChannelStats])[];
  /** Channels whose sender ran here and receiver elsewhere: the cycles the sender waited for room (counted on this side). */
  readonly roomWaits: readonly (readonly [string, number])[];
  readonly reports: readonly (readonly [string, unknown])[];
  /** This worker's share of a stopped run's blocked contexts. */
  readonly stalled: DeadlockReport | null;
  readonly failure: WorkerFailure | null;
}

/** Slices between checks of the command word and progress publication. */
const SLICE_BUDGET = 4096;
/** Longest sleep: a missed wake-up costs at most this, never a hang. */
const SLEEP_MS = 20;

/**
 * One long-lived piscina task: runs this worker's contexts cooperatively, publishes what
 * crosses to other workers after each slice of a context at the boundary, and sleeps on its
 * doorbell when nothing here can run.
 */
export default async function runWorker(task: WorkerTask): Promise<WorkerOutcome> {
  const me = task.worker;
  const control = new PoolControl(task.control);
  const board = new ClockBoard(task.clocks);
  const waitBoard = new WaitBoard(task.waits);
  const memories = new Map(task.links.map((link) => [link.channel, link]));
  const scheduler = new CooperativeScheduler();
  const unwatch = watchThreadEnd(task.threadEnds, me);
  let instance: Instance;
  try {
    const local = (unit: number): boolean => task.placement[unit] === me;
    await importWorkerModules(
      task.program.modules,
      task.program.units.filter((_, i) => local(i)).map((unit) => unit.kind),
    );
    instance = instantiate(task.program, scheduler, { local, link: (channel) => memories.get(channel) });
  } catch (thrown) {
    control.stop();
    control.goIdle(me, control.doorbell(me), Infinity);
    unwatch();
    return { contexts: [], channels: [], roomWaits: [], reports: [], stalled: null, failure: programFailure(thrown) };
  }
  scheduler.adopt(instance.contexts);

  const endsOf: LinkEnd[][] = [];
  for (const end of instance.links) (endsOf[end.owner.index] ??= []).push(end);
  const boundary = new Set(instance.contexts.filter((ctx) => endsOf[ctx.index] !== undefined));

  // Ring contents were written before the counters, counters go before the clock, and
  // the clock before the doorbell: whatever a peer reads after the ring is consistent.
  // Peers hear only of a change: a ring that brings nothing would wake an idle peer, whose
  // own publication would wake this worker back, and so on.
  const publish = (ctx: Context): void => {
    const ends = endsOf[ctx.index]!;
    let changed = false;
    for (const end of ends) if (end.push()) changed = true;
    if (board.publish(ctx)) changed = true;
    if (changed) for (const end of ends) control.ring(end.peerWorker);
  };
  // Clocks first, then counters: a clock read before a counter can only be older than the
  // data it sees, so an empty channel under a published clock S really has nothing up to S.
  const pullAll = (): void => {
    const moved: Context[] = [];
    for (const proxy of instance.proxies.values()) if (board.pull(proxy)) moved.push(proxy);
    for (const end of instance.links) end.pull();
    for (const proxy of moved) if (proxy.time >= proxy.watchFrom) proxy.releaseWatchers();
  };
  const afterSlice =
    boundary.size === 0
      ? null
      : (ctx: Context) => {
          if (boundary.has(ctx)) publish(ctx);
        };
  // Recomputed only when a context finished: a worker may go idle once per few slices.
  let alive: Context[] = instance.contexts;
  let aliveCount = -1;
  const live = (): Context[] => {
    if (scheduler.live !== aliveCount) {
      alive = instance.contexts.filter((ctx) => !ctx.finished);
      aliveCount = scheduler.live;
    }
    return alive;
  };

  let failure: WorkerFailure | null = null;
  let bounds = control.rounds(Round.Bound);
  let strands = control.rounds(Round.Strand);
  let deadRounds = control.rounds(Round.Dead);
  try {
    for (;;) {
      if (scheduler.drain(SLICE_BUDGET, afterSlice) > 0) {
        control.ranSlices();
        control.writeClocks(instance.contexts);
      }
      if (control.command === Command.Stop) break;
      if (!scheduler.idle) continue;
      for (const ctx of boundary) publish(ctx);
      if (scheduler.live === 0) break;
      const bell = control.doorbell(me);
      pullAll();
      if (!scheduler.idle) continue;
      if (resolveBuffers(live(), boundary)) continue;
      if (control.rounds(Round.Dead) !== deadRounds) {
        deadRounds = control.rounds(Round.Dead);
        markDead(live(), waitBoard.deadAmong(live()));
        for (const ctx of boundary) publish(ctx);
        pullAll();
        if (!scheduler.idle) continue;
      }
      if (control.rounds(Round.Bound) !== bounds) {
        bounds = control.rounds(Round.Bound);
        applyClockBound(live(), control.bound);
        for (const ctx of boundary) publish(ctx);
        pullAll();
        if (!scheduler.idle) continue;
      }
      if (control.rounds(Round.Strand) !== strands) {
        strands = control.rounds(Round.Strand);
        if (strandHeldBack(live())) continue;
      }
      for (const ctx of instance.contexts) waitBoard.write(ctx);
      control.goIdle(me, bell, leastClockTarget(live()));
      if (control.doorbell(me) === bell && control.rounds(Round.Bound) === bounds && control.command === Command.Run) {
        control.sleep(me, bell, SLEEP_MS);
      }
      control.wakeUp(me);
    }
  } catch (thrown) {
    failure = unitFailure(UnitError.from('?', thrown));
    control.stop();
  }

  unwatch();
  // Its rows stay read after it ends: a unit that finished since it last went idle says so.
  for (const ctx of instance.contexts) waitBoard.write(ctx);
  const remaining = live();
  const stalled = failure === null && remaining.length > 0 ? deadlockReport(remaining) : null;
  scheduler.stop(null);
  if (remaining.length === 0 && failure === null) control.finishWorker(me);
  else control.goIdle(me, control.doorbell(me), Infinity);
  return {
    contexts: instance.contexts.map((ctx) => [ctx.index, contextStats(ctx)] as const),
    channels: instance.channels.map((ch) => [ch.name, localChannelStats(ch)] as const),
    roomWaits: instance.links.filter((end) => end.isSender).map((end) => [end.channel.name, end.channel.roomWait] as const),
    reports: unitReports(instance.contexts),
    stalled,
    failure,
  };
}
