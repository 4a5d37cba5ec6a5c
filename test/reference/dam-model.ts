// Independent reference model of the two SDPA designs under DAM's timing rules.
//
// Written from the specification alone (shared/spec/hardware-model.md, sections 1, 2 and 4). It shares
// no code with the simulator it checks. It is deliberately plain: every unit is a generator
// whose blocking channel operations yield until they can proceed, and a round-robin loop runs
// the units one after another. When a whole pass over the live units makes no progress, the
// run is a deadlock.
//
// Timing rules (spec section 1):
//   enqueue(value, stamp): if C elements are outstanding, take the oldest acknowledgement a
//     (waiting until one exists), t = max(t, a), outstanding -= 1; then the element's time is
//     max(stamp, t + Ls); enqueue does not otherwise move the clock. The stamp is computed
//     by the unit before the call (before any wait for room).
//   dequeue(): wait for an element; t = max(t, element time); acknowledgement t + Lr goes
//     back to the sender; remove the element.
//   peekNext(): as dequeue, but leaves the element and sends no acknowledgement.
// Occupancy (spec section 4): an element occupies its channel over the half-open interval
//   [sender's clock at enqueue (after any wait for room), receiver's clock just after dequeue).

export type Design = 'naive' | 'modified';

export interface ModelConfig {
  design: Design;
  n: number;
  d: number;
  latency?: Record<string, number>;
  ii?: Record<string, number>;
  uniformDepth?: number;
  unbounded?: boolean;
  depth?: Record<string, number>;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  // The spec names exp, not an implementation: Math.exp unless the caller passes the one the
  // simulator under test computes with (tested against Math.exp on its own), so that outputs
  // compare bit for bit. The model imports nothing of the simulator either way.
  exp?: (x: number) => number;
}

export interface ModelResult {
  status: 'ok' | 'deadlock';
  cycles: number;
  clocks: Record<string, number>;
  channels: Record<string, { tokens: number; peak: number }>;
  output: Float64Array | null;
}

// ---------------------------------------------------------------------------------------------
// Published parameters (spec section 2)

export function publishedLatency(design: Design): Record<string, number> {
  if (design === 'naive') return { qktexp: 11, rowsum: 23, div: 8, matvec: 13 };
  if (design === 'modified') return { qkt: 11, runningmax: 3, runningsum: 8, runningout: 12, div: 21 };
  throw new Error(`unknown design ${String(design)}`);
}

export function publishedIi(design: Design): Record<string, number> {
  if (design === 'naive') return { qktexp: 1, rowsum: 2, div: 1, matvec: 2 };
  if (design === 'modified') return { qkt: 1, runningmax: 1, runningsum: 2, runningout: 2, div: 1 };
  throw new Error(`unknown design ${String(design)}`);
}

export function publishedCapacity(design: Design, n: number): Record<string, number> {
  if (design === 'naive') {
    return { q: n * n, k: n * n, v: n * n, short: 13, long: n + 34, rowsum: 24, div: 9, out: n };
  }
  if (design === 'modified') {
    return {
      q: 2,
      k: 2,
      v: 2,
      qk: 12,
      delta1: 2,
      delta2: 2,
      e1: 2,
      e2: 2,
      rowsum: 10,
      outp: 14,
      final: 22,
    };
  }
  throw new Error(`unknown design ${String(design)}`);
}

const UNIT_NAMES: Record<Design, string[]> = {
  naive: ['source-q', 'source-k', 'source-v', 'qktexp', 'rowsum', 'div', 'matvec', 'sink'],
  modified: ['source-q', 'source-k', 'source-v', 'qkt', 'runningmax', 'runningsum', 'runningout', 'div', 'sink'],
};

// ---------------------------------------------------------------------------------------------
// Channels and units

type Payload = number | Float64Array;

/** A unit (DAM context): just a name and a clock. */
interface Unit {
  name: string;
  t: number;
}

interface Element {
  value: Payload;
  time: number;
}

class Channel {
  readonly ls = 1;
  readonly lr = 1;
  // Elements ever enqueued, in order; `head` is the index of the next one to dequeue.
  readonly elements: Element[] = [];
  head = 0;
  // Acknowledgement times sent back by the receiver, in order; `ackHead` is the oldest unused.
  readonly acks: number[] = [];
  ackHead = 0;
  // Elements sent and not yet acknowledged, as the sender counts them.
  outstanding = 0;
  // Occupancy instants, indexed like `elements`.
  readonly enqAt: number[] = [];
  readonly deqAt: number[] = [];

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}
}

/** A blocking operation yields (with nothing) while it cannot proceed. */
type Op<T> = Generator<void, T, void>;

function validateCount(what: string, x: number, min: number): number {
  if (!(Number.isInteger(x) && x >= min) && x !== Infinity) {
    throw new Error(`${what} must be an integer >= ${min}, got ${x}`);
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// The run

export function runModel(config: ModelConfig): ModelResult {
  const { design, n, d, q, k, v } = config;
  const exp = config.exp ?? Math.exp;
  if (design !== 'naive' && design !== 'modified') throw new Error(`unknown design ${String(design)}`);
  validateCount('n', n, 1);
  validateCount('d', d, 1);
  if (q.length !== n * d || k.length !== n * d || v.length !== n * d) {
    throw new Error(`q, k, v must each hold n*d = ${n * d} values`);
  }

  // Parameters: published values, then overrides (unknown names throw).
  const lat = publishedLatency(design);
  const ii = publishedIi(design);
  for (const [name, x] of Object.entries(config.latency ?? {})) {
    if (!(name in lat)) throw new Error(`unknown unit '${name}' for a latency override in the ${design} design`);
    lat[name] = validateCount(`latency of ${name}`, x, 0);
  }
  for (const [name, x] of Object.entries(config.ii ?? {})) {
    if (!(name in ii)) throw new Error(`unknown unit '${name}' for an II override in the ${design} design`);
    ii[name] = validateCount(`II of ${name}`, x, 0);
  }
  const cap = publishedCapacity(design, n);
  if (config.uniformDepth !== undefined) {
    validateCount('uniformDepth', config.uniformDepth, 1);
    for (const name of Object.keys(cap)) cap[name] = config.uniformDepth;
  }
  if (config.unbounded) {
    for (const name of Object.keys(cap)) cap[name] = Infinity;
  }
  for (const [name, x] of Object.entries(config.depth ?? {})) {
    if (!(name in cap)) throw new Error(`unknown channel '${name}' for a depth override in the ${design} design`);
    cap[name] = validateCount(`depth of ${name}`, x, 1);
  }

  const channels: Record<string, Channel> = {};
  for (const [name, c] of Object.entries(cap)) channels[name] = new Channel(name, c);
  const ch = (name: string): Channel => {
    const c = channels[name];
    if (c === undefined) throw new Error(`internal: no channel ${name}`);
    return c;
  };

  // Every successful operation counts as progress; a pass without progress is a deadlock.
  let progress = 0;

  // --- channel operations -------------------------------------------------------------------

  function* waitForRoom(u: Unit, c: Channel): Op<void> {
    if (c.outstanding < c.capacity) return; // idempotent: room already there, nothing consumed
    while (c.ackHead >= c.acks.length) yield;
    const a = c.acks[c.ackHead++]!;
    u.t = Math.max(u.t, a);
    c.outstanding -= 1;
    progress++;
  }

  function* enqueue(u: Unit, c: Channel, value: Payload, stamp: number): Op<void> {
    yield* waitForRoom(u, c);
    c.elements.push({ value, time: Math.max(stamp, u.t + c.ls) });
    c.enqAt.push(u.t);
    c.outstanding += 1;
    progress++;
  }

  function* dequeue(u: Unit, c: Channel): Op<Payload> {
    while (c.head >= c.elements.length) yield;
    const e = c.elements[c.head]!;
    u.t = Math.max(u.t, e.time);
    c.deqAt.push(u.t); // elements leave in FIFO order, so deqAt[i] belongs to element i
    c.head += 1;
    if (c.capacity !== Infinity) c.acks.push(u.t + c.lr);
    progress++;
    return e.value;
  }

  function* peekNext(u: Unit, c: Channel): Op<Payload> {
    while (c.head >= c.elements.length) yield;
    const e = c.elements[c.head]!;
    u.t = Math.max(u.t, e.time);
    progress++;
    return e.value;
  }

  const incr = (u: Unit, x: number): void => {
    u.t += x;
  };

  const num = (p: Payload): number => {
    if (typeof p !== 'number') throw new Error('internal: expected a scalar payload');
    return p;
  };
  const vec = (p: Payload): Float64Array => {
    if (typeof p === 'number') throw new Error('internal: expected a vector payload');
    return p;
  };

  // --- numerics ----------------------------------------------------------------------------

  const scale = 1 / Math.sqrt(d);
  // A read-only view of row i (no unit writes into an input payload).
  const row = (m: Float64Array, i: number): Float64Array => m.subarray(i * d, (i + 1) * d);
  const score = (qv: Float64Array, kv: Float64Array): number => {
    let s = 0;
    for (let x = 0; x < d; x++) s += qv[x]! * kv[x]!;
    return s * scale;
  };

  // --- units -------------------------------------------------------------------------------

  const units: Unit[] = UNIT_NAMES[design].map((name) => ({ name, t: 0 }));
  const L = (name: string): number => lat[name]!;
  const II = (name: string): number => ii[name]!;

  const output = new Float64Array(n * d);

  // Generator: for each item, emit at t + 1 (stamp fixed before any wait), then incr(1).
  function* source(u: Unit, c: Channel, m: Float64Array, repeats: number): Op<void> {
    for (let rep = 0; rep < repeats; rep++) {
      for (let j = 0; j < n; j++) {
        const stamp = u.t + 1;
        yield* enqueue(u, c, row(m, j), stamp);
        incr(u, 1);
      }
    }
  }

  function* sink(u: Unit, c: Channel): Op<void> {
    for (let i = 0; i < n; i++) {
      const o = vec(yield* dequeue(u, c));
      output.set(o, i * d);
    }
  }

  const bodies: Record<string, (u: Unit) => Op<void>> = {};
  bodies['source-q'] = (u) => source(u, ch('q'), q, 1);
  bodies['source-k'] = (u) => source(u, ch('k'), k, n);
  bodies['source-v'] = (u) => source(u, ch('v'), v, n);

  if (design === 'naive') {
    bodies['qktexp'] = function* (u) {
      const cq = ch('q'),
        ck = ch('k'),
        short = ch('short'),
        long = ch('long');
      for (let i = 0; i < n; i++) {
        yield* peekNext(u, cq);
        yield* peekNext(u, ck);
        const qv = vec(yield* dequeue(u, cq));
        for (let j = 0; j < n; j++) {
          const kv = vec(yield* dequeue(u, ck));
          const c = u.t;
          yield* waitForRoom(u, short);
          yield* waitForRoom(u, long);
          const s = exp(score(qv, kv));
          yield* enqueue(u, short, s, c + L('qktexp'));
          yield* enqueue(u, long, s, c + L('qktexp'));
          incr(u, II('qktexp'));
        }
      }
    };
    bodies['rowsum'] = function* (u) {
      const cin = ch('short'),
        cout = ch('rowsum');
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) {
          sum += num(yield* dequeue(u, cin));
          if (j === n - 1) yield* enqueue(u, cout, sum, u.t + L('rowsum'));
          incr(u, II('rowsum'));
        }
      }
    };
    bodies['div'] = function* (u) {
      const long = ch('long'),
        rs = ch('rowsum'),
        cout = ch('div');
      for (let i = 0; i < n; i++) {
        yield* peekNext(u, long);
        yield* peekNext(u, rs);
        let x = num(yield* dequeue(u, long));
        const r = num(yield* dequeue(u, rs));
        yield* enqueue(u, cout, x / r, u.t + L('div'));
        incr(u, II('div'));
        for (let j = 1; j < n; j++) {
          x = num(yield* dequeue(u, long));
          yield* enqueue(u, cout, x / r, u.t + L('div'));
          incr(u, II('div'));
        }
      }
    };
    bodies['matvec'] = function* (u) {
      const cdiv = ch('div'),
        cv = ch('v'),
        cout = ch('out');
      for (let i = 0; i < n; i++) {
        const acc = new Float64Array(d);
        for (let j = 0; j < n; j++) {
          const p = num(yield* dequeue(u, cdiv));
          const vv = vec(yield* dequeue(u, cv));
          for (let x = 0; x < d; x++) acc[x] += p * vv[x]!;
          if (j === n - 1) yield* enqueue(u, cout, acc, u.t + L('matvec'));
          incr(u, II('matvec'));
        }
      }
    };
    bodies['sink'] = (u) => sink(u, ch('out'));
  } else {
    bodies['qkt'] = function* (u) {
      const cq = ch('q'),
        ck = ch('k'),
        qk = ch('qk');
      for (let i = 0; i < n; i++) {
        yield* peekNext(u, cq);
        yield* peekNext(u, ck);
        const qv = vec(yield* dequeue(u, cq));
        for (let j = 0; j < n; j++) {
          const kv = vec(yield* dequeue(u, ck));
          const c = u.t;
          yield* waitForRoom(u, qk);
          const s = score(qv, kv);
          yield* enqueue(u, qk, s, c + L('qkt'));
          incr(u, II('qkt'));
        }
      }
    };
    bodies['runningmax'] = function* (u) {
      const qk = ch('qk');
      const d1 = ch('delta1'),
        d2 = ch('delta2'),
        e1 = ch('e1'),
        e2 = ch('e2');
      for (let i = 0; i < n; i++) {
        let m = -Infinity;
        for (let j = 0; j < n; j++) {
          const s = num(yield* dequeue(u, qk));
          const c = u.t;
          const m2 = s > m ? s : m;
          const delta = exp(m - m2);
          const e = exp(s - m2);
          const stamp = c + L('runningmax');
          yield* enqueue(u, d1, delta, stamp);
          yield* enqueue(u, d2, delta, stamp);
          yield* enqueue(u, e1, e, stamp);
          yield* enqueue(u, e2, e, stamp);
          m = m2;
          incr(u, II('runningmax'));
        }
      }
    };
    bodies['runningsum'] = function* (u) {
      const d1 = ch('delta1'),
        e1 = ch('e1'),
        cout = ch('rowsum');
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let j = 0; j < n; j++) {
          yield* peekNext(u, d1);
          yield* peekNext(u, e1);
          const delta = num(yield* dequeue(u, d1));
          const e = num(yield* dequeue(u, e1));
          r = r * delta + e;
          if (j === n - 1) yield* enqueue(u, cout, r, u.t + L('runningsum'));
          incr(u, II('runningsum'));
        }
      }
    };
    bodies['runningout'] = function* (u) {
      const d2 = ch('delta2'),
        e2 = ch('e2'),
        cv = ch('v'),
        cout = ch('outp');
      for (let i = 0; i < n; i++) {
        const o = new Float64Array(d);
        for (let j = 0; j < n; j++) {
          yield* peekNext(u, d2);
          yield* peekNext(u, e2);
          yield* peekNext(u, cv);
          const delta = num(yield* dequeue(u, d2));
          const e = num(yield* dequeue(u, e2));
          const vv = vec(yield* dequeue(u, cv));
          for (let x = 0; x < d; x++) o[x] = o[x]! * delta + e * vv[x]!;
          if (j === n - 1) yield* enqueue(u, cout, o, u.t + L('runningout'));
          incr(u, II('runningout'));
        }
      }
    };
    bodies['div'] = function* (u) {
      const outp = ch('outp'),
        rs = ch('rowsum'),
        cout = ch('final');
      for (let i = 0; i < n; i++) {
        const o = vec(yield* dequeue(u, outp));
        const r = num(yield* dequeue(u, rs));
        const res = new Float64Array(d);
        for (let x = 0; x < d; x++) res[x] = o[x]! / r;
        yield* enqueue(u, cout, res, u.t + L('div'));
        incr(u, II('div'));
      }
    };
    bodies['sink'] = (u) => sink(u, ch('final'));
  }

  // --- scheduler: round robin until all done, or a pass without progress (deadlock) ---------

  const running = units.map((u) => ({ u, gen: bodies[u.name]!(u), done: false }));
  let status: 'ok' | 'deadlock' = 'ok';
  for (;;) {
    const live = running.filter((r) => !r.done);
    if (live.length === 0) break;
    const before = progress;
    for (const r of live) {
      // Runs the unit until it blocks (yields) or finishes.
      if (r.gen.next().done) {
        r.done = true;
        progress++;
      }
    }
    if (progress === before) {
      status = 'deadlock';
      break;
    }
  }

  // --- results -----------------------------------------------------------------------------

  const clocks: Record<string, number> = {};
  let cycles = 0;
  for (const u of units) {
    clocks[u.name] = u.t;
    cycles = Math.max(cycles, u.t);
  }

  const channelStats: Record<string, { tokens: number; peak: number }> = {};
  for (const c of Object.values(channels)) {
    channelStats[c.name] = { tokens: c.elements.length, peak: peakOccupancy(c.enqAt, c.deqAt) };
  }

  return { status, cycles, clocks, channels: channelStats, output: status === 'ok' ? output : null };
}

/**
 * Peak number of half-open intervals [enqAt[i], deqAt[i]) covering one instant. An element
 * never dequeued (deadlock) occupies forever. Sweep the enter and leave instants in time
 * order; at equal instants a leave counts before an enter, which is what half-open means.
 */
function peakOccupancy(enqAt: number[], deqAt: number[]): number {
  const enters = Float64Array.from(enqAt).sort();
  const leaves = Float64Array.from(deqAt).sort();
  let now = 0;
  let peak = 0;
  let j = 0;
  for (const enter of enters) {
    while (j < leaves.length && leaves[j]! <= enter) {
      now -= 1;
      j += 1;
    }
    now += 1;
    peak = Math.max(peak, now);
  }
  return peak;
}
