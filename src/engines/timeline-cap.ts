import { timelineEvents } from './timeline.js';
import type { Timeline } from './timeline.js';

/**
 * The longest beginning of a timeline that holds at most `maxEvents` events (at least one a
 * channel), for a timeline that holds more: it ends at the latest cycle T at which it does, with
 * every span cut at T and each channel's samples before T, then one at T holding its occupancy
 * over T - 1; it is 'paused' (events at T and after are left out) and `cut`.
 */
export function fitTimeline(timeline: Timeline, maxEvents: number): Timeline {
  const { start, channels } = timeline;
  // For T after start, the timeline [start, T) holds each channel's first and last samples, and
  // each span and each other sample that begins before T: T is the first time past the room.
  const room = maxEvents - 2 * channels.length;
  // The timeline holds more than maxEvents, so more than `room` times: the (room + 1)th least is one of them.
  const end = room < 0 ? start : leastWithMore(timeline, room);
  const units = timeline.units.map((unit) => {
    const kept = unit.from.findIndex((from) => from >= end);
    const spans = kept < 0 ? unit.from.length : kept;
    return {
      ...unit,
      kinds: unit.kinds.slice(0, spans),
      from: unit.from.slice(0, spans),
      to: unit.to.slice(0, spans).map((to) => Math.min(to, end)),
    };
  });
  const cutChannels = channels.map((ch) => {
    let samples = 1;
    while (samples < ch.at.length && ch.at[samples]! < end) samples++;
    const at = ch.at.slice(0, samples);
    const occupancy = ch.occupancy.slice(0, samples);
    if (end > start) {
      at.push(end);
      occupancy.push(occupancy[samples - 1]!);
    }
    return { ...ch, at, occupancy };
  });
  return {
    ...timeline,
    end,
    cut: { maxEvents },
    status: 'paused',
    units,
    channels: cutChannels,
    events: timelineEvents(units, cutChannels),
  };
}

/**
 * The least time T such that more than `count` of the spans' starts and the samples' times
 * after each channel's first are T or earlier: the (count + 1)th least of them. Each unit's
 * starts and each channel's times increase, so T is found by halving the span of times (they
 * are whole cycles), counting in each list by halving too: all of them sorted, millions of
 * events, had taken a third of a second and more in one go.
 */
function leastWithMore(timeline: Timeline, count: number): number {
  const lists: { readonly times: readonly number[]; readonly from: number }[] = [
    ...timeline.units.map((unit) => ({ times: unit.from, from: 0 })),
    ...timeline.channels.map((ch) => ({ times: ch.at, from: 1 })),
  ].filter(({ times, from }) => times.length > from);
  const atMost = (t: number): number => lists.reduce((sum, { times, from }) => sum + firstAfter(times, from, t) - from, 0);
  let lo = lists.reduce((least, { times, from }) => Math.min(least, times[from]!), Infinity);
  let hi = lists.reduce((most, { times }) => Math.max(most, times.at(-1)!), -Infinity);
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (atMost(mid) > count) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first index from `from` on whose time is after `t` (times increase), or the length. */
function firstAfter(times: readonly number[], from: number, t: number): number {
  let lo = from;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
