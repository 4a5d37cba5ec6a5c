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
  let count = 0;
  for (const unit of timeline.units) count += unit.from.length;
  for (const ch of channels) count += ch.at.length - 1;
  const times = new Float64Array(count);
  let i = 0;
  for (const unit of timeline.units) for (const from of unit.from) times[i++] = from;
  for (const ch of channels) for (let s = 1; s < ch.at.length; s++) times[i++] = ch.at[s]!;
  times.sort();
  const room = maxEvents - 2 * channels.length;
  // The timeline holds more than maxEvents, so more than `room` times: times[room] is one of them.
  const end = room < 0 ? start : times[room]!;
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
