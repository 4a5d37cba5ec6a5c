import { Channel, channelShape } from '../../kernel/channel.js';
import { channelEnds, unitIndex } from '../../kernel/program.js';
import { LinkEnd, linkChannelMemory } from './link.js';
import type { LinkMemory } from './link.js';
import { Context } from '../../kernel/context.js';
import { TracedChannel } from '../../kernel/traced-channel.js';
import { TracedContext } from '../../kernel/traced-context.js';
import type { Tracer } from '../../kernel/tracer.js';
import { Input } from '../../kernel/input.js';
import { Output } from '../../kernel/output.js';
import { unitKind } from '../../kernel/registry.js';
import type { Program } from '../../kernel/program.js';
import type { Scheduler } from '../../kernel/scheduler.js';
import { channelStats } from '../run-result.js';
import type { ChannelStats, ContextStats } from '../run-result.js';
import { UnitError } from '../../kernel/errors.js';
import type { UnitBody } from '../../kernel/unit-kind.js';

/** A program's contexts and channels, built in one thread. */
export interface Instance {
  /** Contexts this thread runs. */
  readonly contexts: Context[];
  /** Channels whose receiver runs here: the ones this thread reports statistics for. */
  readonly channels: Channel[];
  /** Stand-ins for contexts run by other threads, by unit index. */
  readonly proxies: Map<number, Context>;
  /** This thread's ends of channels cut between threads. */
  readonly links: LinkEnd[];
}

/** Which part of a program a thread builds. */
export interface Part {
  readonly local: (unit: number) => boolean;
  /** Shared memory of channel c when its ends run in different threads. */
  readonly link: (channel: number) => LinkMemory | undefined;
}

const WHOLE: Part = { local: () => true, link: () => undefined };

/** Proxies are never run: nothing ever needs to schedule them. */
const NO_SCHEDULER: Scheduler = { makeReady: () => undefined };

/**
 * Builds the contexts and channels of `part` of a program. With a tracer, every local context
 * and channel tells it what happens (a traced or inspected run, in one thread).
 */
export function instantiate(program: Program, scheduler: Scheduler, part: Part = WHOLE, tracer: Tracer | null = null): Instance {
  const units = unitIndex(program);
  const ends = channelEnds(program);
  const contexts: Context[] = [];
  const byIndex = new Map<number, Context>();
  const proxies = new Map<number, Context>();
  program.units.forEach((unit, i) => {
    if (!part.local(i)) return;
    const ctx =
      tracer === null ? new Context(i, unit.name, unit.kind, scheduler) : new TracedContext(i, unit.name, unit.kind, scheduler, tracer);
    contexts.push(ctx);
    byIndex.set(i, ctx);
  });
  const contextOf = (name: string): Context => {
    const i = units.get(name)!;
    let ctx = byIndex.get(i) ?? proxies.get(i);
    if (ctx === undefined) {
      ctx = new Context(i, name, program.units[i]!.kind, NO_SCHEDULER);
      proxies.set(i, ctx);
    }
    return ctx;
  };

  const channels: Channel[] = [];
  const links: LinkEnd[] = [];
  program.channels.forEach((spec, c) => {
    const senderLocal = part.local(ends[c]![0]);
    const receiverLocal = part.local(ends[c]![1]);
    if (!senderLocal && !receiverLocal) return;
    const memory = senderLocal && receiverLocal ? undefined : part.link(c);
    const ch =
      tracer === null
        ? new Channel(channelShape(spec), memory && linkChannelMemory(memory))
        : new TracedChannel(channelShape(spec), tracer);
    const sender = contextOf(spec.from.unit);
    const receiver = contextOf(spec.to.unit);
    ch.sender = sender;
    ch.receiver = receiver;
    if (senderLocal) sender.outputs.set(spec.from.port, new Output(ch, sender));
    if (receiverLocal) {
      receiver.inputs.set(spec.to.port, new Input(ch, receiver));
      channels.push(ch);
    }
    if (memory !== undefined) links.push(new LinkEnd(ch, senderLocal, memory));
  });
  for (const ctx of contexts) ctx.body = unitBody(ctx, program.units[ctx.index]!.params);
  return { contexts, channels, proxies, links };
}

/**
 * The generator a unit's kind runs. A kind's `run` that is not a generator function (`function*`)
 * is the unit's error, said as such: an async generator or a hand-made iterator had spun for ever,
 * and a plain function failed as 'ctx.body.next is not a function'.
 */
function unitBody(ctx: Context, params: unknown): UnitBody {
  let body: unknown;
  try {
    body = unitKind(ctx.kind).run(ctx, params as never);
  } catch (error) {
    throw UnitError.from(ctx.name, error);
  }
  if (Object.prototype.toString.call(body) !== '[object Generator]') {
    const type = Object.prototype.toString.call(body).slice(8, -1);
    const got =
      type === 'AsyncGenerator'
        ? 'an async generator'
        : type === 'Undefined'
          ? 'nothing'
          : `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type.toLowerCase()}`;
    throw new UnitError(ctx.name, `its kind's run must be a generator function (function*), which yields when it waits; it gave ${got}`);
  }
  return body as UnitBody;
}

/** What the units handed back with `report()`, as (unit name, value) pairs. */
export function unitReports(contexts: readonly Context[]): (readonly [string, unknown])[] {
  return contexts.filter((ctx) => ctx.reported !== undefined).map((ctx) => [ctx.name, ctx.reported] as const);
}

export function contextStats(ctx: Context): ContextStats {
  return { name: ctx.name, kind: ctx.kind, finalClock: ctx.clock };
}

/** Statistics of a channel of this thread's contexts. */
export function localChannelStats(ch: Channel): ChannelStats {
  return channelStats(ch, ch.sender.name, ch.receiver.name);
}
