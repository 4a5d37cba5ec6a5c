// An independent, deliberately simple reference model of the DAM timing rules
// (spec/hardware-model.md sections 1 and 4) for four utility units: generator,
// broadcast, merge and sink. It shares no code with the simulator: it exists so that a
// soak test can compare two implementations written from the same contract.
//
// Style: every unit is a JS generator function. A blocking operation is a loop that
// yields the list of things the unit waits on until its condition holds, so resuming a
// unit simply re-checks. A round-robin scheduler steps every live unit once per pass;
// when a whole pass changes nothing, the lookahead rule (merge clock waits) is applied,
// and if there is nothing to apply it is a deadlock. Scalars only.

export interface ModelUnit {
  name: string;
  kind: 'generator' | 'broadcast' | 'merge' | 'sink';
  params: Record<string, unknown>;
}
export interface ModelChannel {
  name: string;
  from: { unit: string; port: string };
  to: { unit: string; port: string };
  capacity: number | null /* null = unbounded */;
  latency: number /* Ls */;
  responseLatency: number /* Lr */;
}
export interface ModelProgram {
  units: ModelUnit[];
  channels: ModelChannel[];
}
export interface ModelChannelStats {
  tokens: number;
  peakOccupancy: number;
  fullCycles: number;
  emptyWaitCycles: number;
  roomWaitCycles: number;
}
export interface ModelResult {
  status: 'ok' | 'deadlock';
  cycles: number;
  clocks: Record<string, number>;
  channels: Record<string, ModelChannelStats>;
  values: Record<string, number[]>;
  // Each channel's elements as they occupied it (spec section 4): [enqueued, dequeued), in
  // enqueue order; dequeued null for an element never taken (a deadlock).
  intervals: Record<string, { enqueued: number; dequeued: number | null }[]>;
  blocked: { unit: string; clock: number; waits: { on: 'data' | 'room' | 'clock'; channel: string }[] }[];
}

// What a blocked unit yields. `threshold` is only set for merge clock waits: the clock
// the input's sender must be known to have reached.
interface Wait {
  on: 'data' | 'room' | 'clock';
  channel: string;
  threshold?: number;
}
type Proc<R = void> = Generator<Wait[], R, void>;

interface Elem {
  value: number;
  time: number; // element time (when the receiver may see it)
  enqT: number; // sender clock at enqueue, after any wait for room (occupancy start)
  deqT: number | null; // receiver clock just after dequeue (occupancy end); null = never
}

interface Chan {
  def: ModelChannel;
  queue: Elem[]; // elements sent and not yet dequeued, FIFO, never re-sorted
  all: Elem[]; // every element ever enqueued (for tokens and occupancy)
  closed: boolean; // sender finished
  acks: number[]; // acknowledgement times, one per dequeue, in dequeue order
  acksTaken: number; // how many acknowledgements the sender has consumed
  emptyWait: number;
  roomWait: number;
  sender: Unit;
  receiver: Unit;
}

interface Unit {
  def: ModelUnit;
  t: number;
  bound: number; // known lower bound on the clock, from the lookahead rule
  finished: boolean;
  waits: Wait[]; // what it waited on at its last yield
  ins: Map<string, Chan>;
  outs: Map<string, Chan>;
  proc: Proc | null;
  values: number[];
}

function num(p: Record<string, unknown>, key: string, dflt?: number): number {
  const v = p[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`param ${key} must be a number`);
  return v;
}

export function runModel(program: ModelProgram): ModelResult {
  // A counter bumped on every state change; a pass that leaves it unchanged made no progress.
  let changes = 0;

  const units = new Map<string, Unit>();
  for (const def of program.units) {
    if (units.has(def.name)) throw new Error(`duplicate unit ${def.name}`);
    units.set(def.name, { def, t: 0, bound: 0, finished: false, waits: [], ins: new Map(), outs: new Map(), proc: null, values: [] });
  }
  const chans: Chan[] = [];
  for (const def of program.channels) {
    const sender = units.get(def.from.unit);
    const receiver = units.get(def.to.unit);
    if (!sender || !receiver) throw new Error(`channel ${def.name}: unknown unit`);
    if (def.capacity !== null && !(Number.isInteger(def.capacity) && def.capacity >= 1))
      throw new Error(`channel ${def.name}: bad capacity`);
    if (!(def.latency >= 1 && def.responseLatency >= 1)) throw new Error(`channel ${def.name}: latencies must be >= 1`);
    const ch: Chan = { def, queue: [], all: [], closed: false, acks: [], acksTaken: 0, emptyWait: 0, roomWait: 0, sender, receiver };
    if (sender.outs.has(def.from.port) || receiver.ins.has(def.to.port)) throw new Error(`channel ${def.name}: port used twice`);
    sender.outs.set(def.from.port, ch);
    receiver.ins.set(def.to.port, ch);
    chans.push(ch);
  }
  const inPort = (u: Unit, p: string): Chan => {
    const c = u.ins.get(p);
    if (!c) throw new Error(`${u.def.name}: input ${p} not connected`);
    return c;
  };
  const outPort = (u: Unit, p: string): Chan => {
    const c = u.outs.get(p);
    if (!c) throw new Error(`${u.def.name}: output ${p} not connected`);
    return c;
  };

  // ---- clock and channel primitives -------------------------------------------------
  const advance = (u: Unit, x: number): void => {
    if (x > u.t) {
      u.t = x;
      changes++;
    }
  };
  const incr = (u: Unit, n: number): void => advance(u, u.t + n);

  // Wait for room before one enqueue. Only when C elements are outstanding does the
  // sender consume the oldest acknowledgement (waiting until the receiver has produced
  // it); it is called exactly once per enqueue, so it consumes at most one.
  function* waitRoom(u: Unit, ch: Chan): Proc {
    const C = ch.def.capacity;
    if (C === null || ch.all.length - ch.acksTaken < C) return;
    while (ch.acks.length <= ch.acksTaken) yield [{ on: 'room', channel: ch.def.name }];
    const a = ch.acks[ch.acksTaken++];
    changes++;
    ch.roomWait += Math.max(0, a - u.t);
    advance(u, a);
  }

  // Enqueue with a stamp fixed by the unit before its wait for room; the element time is
  // raised to at least the current (post-wait) clock plus Ls. The clock does not move.
  const enqueue = (u: Unit, ch: Chan, value: number, stamp: number): void => {
    const e: Elem = { value, time: Math.max(stamp, u.t + ch.def.latency), enqT: u.t, deqT: null };
    ch.queue.push(e);
    ch.all.push(e);
    changes++;
  };

  // Dequeue: wait for an element or end of stream (null; the clock does not move).
  function* dequeue(u: Unit, ch: Chan): Proc<Elem | null> {
    while (ch.queue.length === 0 && !ch.closed) yield [{ on: 'data', channel: ch.def.name }];
    if (ch.queue.length === 0) return null;
    const e = ch.queue.shift() as Elem;
    ch.emptyWait += Math.max(0, e.time - u.t);
    advance(u, e.time);
    ch.acks.push(u.t + ch.def.responseLatency);
    e.deqT = u.t;
    changes++;
    return e;
  }

  // "Known to have reached x": actual clock, lookahead bound, or finished (infinite).
  const knownReached = (u: Unit, x: number): boolean => u.finished || u.t >= x || u.bound >= x;

  // ---- units -------------------------------------------------------------------------
  function* generatorUnit(u: Unit): Proc {
    const p = u.def.params;
    const out = outPort(u, 'out');
    let values: number[];
    if (Array.isArray(p.values)) values = p.values as number[];
    else {
      const count = num(p, 'count');
      const start = num(p, 'start', 0);
      const step = num(p, 'step', 1);
      values = Array.from({ length: count }, (_, i) => start + step * i);
    }
    const times = p.times as number[] | undefined;
    if (times !== undefined && times.length !== values.length) throw new Error(`${u.def.name}: times length`);
    for (let i = 0; i < values.length; i++) {
      const stamp = u.t + 1; // produced before the wait (stamp fixed before the wait)
      yield* waitRoom(u, out);
      if (times) {
        advance(u, times[i] - 1);
        enqueue(u, out, values[i], times[i]);
      } else {
        enqueue(u, out, values[i], stamp);
        incr(u, 1);
      }
    }
  }

  function* broadcastUnit(u: Unit): Proc {
    const p = u.def.params;
    const k = num(p, 'outputs');
    const latency = num(p, 'latency', 1);
    const ii = num(p, 'ii', 1);
    const inp = inPort(u, 'in');
    const outs = Array.from({ length: k }, (_, i) => outPort(u, `out${i}`));
    for (;;) {
      const e = yield* dequeue(u, inp);
      if (e === null) return;
      const stamp = u.t + latency; // from the clock after the dequeue, before any wait
      // Room on every output first, in order; each wait starts from the clock the
      // previous one left. Resuming a blocked yield* continues the same wait, so an
      // earlier output's acknowledgement is never consumed twice.
      for (const o of outs) yield* waitRoom(u, o);
      for (const o of outs) enqueue(u, o, e.value, stamp);
      incr(u, ii);
    }
  }

  function* mergeUnit(u: Unit): Proc {
    const p = u.def.params;
    const k = num(p, 'inputs', 2);
    const latency = num(p, 'latency', 1);
    const ii = num(p, 'ii', 1);
    const ins = Array.from({ length: k }, (_, i) => inPort(u, `in${i}`));
    const out = outPort(u, 'out');
    for (;;) {
      let best: number;
      for (;;) {
        // Steps 1-3: least head time, ties to the lowest index (strict <).
        best = -1;
        for (let i = 0; i < k; i++) {
          const q = ins[i].queue;
          if (q.length > 0 && (best < 0 || q[0].time < ins[best].queue[0].time)) best = i;
        }
        if (best < 0) {
          if (ins.every((c) => c.closed)) return; // all closed and empty
          yield ins.filter((c) => !c.closed).map((c) => ({ on: 'data' as const, channel: c.def.name }));
          continue;
        }
        // Step 4: every other open, empty input must be known not to deliver a winner.
        // A later element has time >= sender clock + 1; it would win a tie if its index
        // is lower (threshold h), not if higher (threshold h - 1).
        const h = ins[best].queue[0].time;
        const unknown: Wait[] = [];
        for (let i = 0; i < k; i++) {
          const c = ins[i];
          if (i === best || c.closed || c.queue.length > 0) continue;
          const thr = i < best ? h : h - 1;
          if (!knownReached(c.sender, thr)) unknown.push({ on: 'clock', channel: c.def.name, threshold: thr });
        }
        if (unknown.length === 0) break;
        yield unknown; // then look again from step 1: something may have arrived
      }
      // Steps 5-7: the choice is final; an element arriving during the wait for room has
      // time >= its sender's clock + 1, which step 4 showed cannot beat the chosen head.
      yield* waitRoom(u, out);
      const e = (yield* dequeue(u, ins[best])) as Elem;
      enqueue(u, out, e.value, u.t + latency);
      incr(u, ii);
    }
  }

  function* sinkUnit(u: Unit): Proc {
    const inp = inPort(u, 'in');
    for (;;) {
      const e = yield* dequeue(u, inp);
      if (e === null) return;
      u.values.push(e.value);
    }
  }

  for (const u of units.values()) {
    const kind = u.def.kind;
    u.proc =
      kind === 'generator'
        ? generatorUnit(u)
        : kind === 'broadcast'
          ? broadcastUnit(u)
          : kind === 'merge'
            ? mergeUnit(u)
            : kind === 'sink'
              ? sinkUnit(u)
              : null;
    if (!u.proc) throw new Error(`unknown kind ${String(kind)}`);
  }

  // ---- scheduler ---------------------------------------------------------------------
  const list = [...units.values()];
  let status: 'ok' | 'deadlock' = 'ok';
  for (;;) {
    const before = changes;
    for (const u of list) {
      if (u.finished) continue;
      const r = (u.proc as Proc).next();
      if (r.done) {
        // Finishing closes every output; the clock stays where the unit left it.
        u.finished = true;
        u.waits = [];
        u.bound = Infinity;
        for (const c of u.outs.values()) c.closed = true;
        changes++;
      } else u.waits = r.value;
    }
    const live = list.filter((u) => !u.finished);
    if (live.length === 0) break;
    if (changes !== before) continue;
    // No unit can progress. Nothing can happen before the least merge clock threshold T
    // (only a merge acting can release anything, at a clock >= its head time >= T), so
    // every blocked unit is known to reach T.
    const thresholds = live
      .flatMap((u) => u.waits)
      .filter((w) => w.on === 'clock')
      .map((w) => w.threshold as number);
    if (thresholds.length === 0) {
      status = 'deadlock';
      break;
    }
    const T = Math.min(...thresholds);
    let raised = false;
    for (const u of live) {
      if (u.bound < T) {
        u.bound = T;
        raised = true;
      }
    }
    // The waiting merge's sender is live with clock and bound < T, so something is
    // always raised; if not, the model itself is wrong.
    if (!raised) throw new Error('lookahead made no progress');
  }

  // ---- results -----------------------------------------------------------------------
  const clocks: Record<string, number> = {};
  const values: Record<string, number[]> = {};
  let cycles = 0;
  for (const u of list) {
    clocks[u.def.name] = u.t;
    cycles = Math.max(cycles, u.t);
    if (u.def.kind === 'sink') values[u.def.name] = u.values;
  }
  const channels: Record<string, ModelChannelStats> = {};
  const intervals: ModelResult['intervals'] = {};
  for (const c of chans) intervals[c.def.name] = c.all.map((e) => ({ enqueued: e.enqT, dequeued: e.deqT }));
  for (const c of chans)
    channels[c.def.name] = { tokens: c.all.length, ...occupancy(c), emptyWaitCycles: c.emptyWait, roomWaitCycles: c.roomWait };
  const blocked =
    status === 'ok'
      ? []
      : list
          .filter((u) => !u.finished)
          .map((u) => ({ unit: u.def.name, clock: u.t, waits: u.waits.map((w) => ({ on: w.on, channel: w.channel })) }));
  return { status, cycles, clocks, channels, values, intervals, blocked };
}

// Occupancy over simulated time: each element occupies [enqT, deqT) (never-dequeued
// elements to infinity). Sweep the events in time order, departures before arrivals at
// the same instant (half-open intervals). fullCycles sums the finite stretches where the
// count equals C; a stretch open to infinity (only in a deadlock) is not counted.
function occupancy(c: Chan): { peakOccupancy: number; fullCycles: number } {
  const ev: [number, number][] = [];
  for (const e of c.all) {
    ev.push([e.enqT, +1]);
    if (e.deqT !== null) ev.push([e.deqT, -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const C = c.def.capacity;
  let count = 0;
  let peak = 0;
  let full = 0;
  for (let i = 0; i < ev.length; i++) {
    count += ev[i][1];
    peak = Math.max(peak, count);
    const next = i + 1 < ev.length ? ev[i + 1][0] : null;
    if (C !== null && count === C && next !== null) full += next - ev[i][0];
  }
  return { peakOccupancy: peak, fullCycles: full };
}
