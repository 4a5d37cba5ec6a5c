import type { Channel } from './channel.js';
import type { Context } from './context.js';

/** One end of a channel, bound to the context that owns it. */
export abstract class Endpoint {
  constructor(
    readonly channel: Channel,
    protected readonly ctx: Context,
  ) {}

  get name(): string {
    return this.channel.name;
  }

  /** float64 words per token. */
  get width(): number {
    return this.channel.width;
  }
}
