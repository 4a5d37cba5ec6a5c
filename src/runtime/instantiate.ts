import { Channel } from '../kernel/channel.js';
import { Context } from '../kernel/context.js';
import { Input } from '../kernel/input.js';
import { Output } from '../kernel/output.js';
import { unitKind } from '../kernel/registry.js';
import type { Program } from '../kernel/program.js';
import type { Scheduler } from '../kernel/scheduler.js';
import type { ChannelStats, ContextStats } from './run-result.js';

/** A program's contexts and channels, built in one thread. */
export interface Instance {
  readonly contexts: Context[];
  readonly channels: Channel[];
}

export function instantiate(program: Program, scheduler: Scheduler): Instance {
  const byName = new Map<string, Context>();
  const contexts = program.units.map((unit, i) => {
    const ctx = new Context(i, unit.name, unit.kind, scheduler);
    byName.set(unit.name, ctx);
    return ctx;
  });
  const channels = program.channels.map((spec) => {
    const ch = new Channel({
      name: spec.name,
      capacity: spec.capacity ?? Infinity,
      sendLatency: spec.latency,
      responseLatency: spec.responseLatency,
      width: spec.width,
    });
    const sender = byName.get(spec.from.unit)!;
    const receiver = byName.get(spec.to.unit)!;
    ch.sender = sender;
    ch.receiver = receiver;
    sender.outputs.set(spec.from.port, new Output(ch, sender));
    receiver.inputs.set(spec.to.port, new Input(ch, receiver));
    return ch;
  });
  program.units.forEach((unit, i) => {
    contexts[i]!.body = unitKind(unit.kind).run(contexts[i]!, unit.params as never);
  });
  return { contexts, channels };
}

export function contextStats(ctx: Context): ContextStats {
  return { name: ctx.name, kind: ctx.kind, finalClock: ctx.time };
}

/** Final channel statistics; call once the run has stopped. */
export function channelStats(ch: Channel): ChannelStats {
  ch.meter.sweep(ch, Infinity, Infinity);
  return {
    name: ch.name,
    sender: ch.sender.name,
    receiver: ch.receiver.name,
    capacity: Number.isFinite(ch.capacity) ? ch.capacity : null,
    tokens: ch.sent,
    peakOccupancy: ch.meter.peak,
  };
}
