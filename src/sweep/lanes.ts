import type { Piscina } from 'piscina';
import { fanOut } from '../engines/fan-out.js';

/**
 * Threads that each run one task at a time, and take the tasks of a family they have run
 * before. A sweep's jobs are short (fast-forward ends most of them after a few dozen rows), and
 * most of a thread's time on its first jobs goes to V8 optimising the rows it compiles: each
 * thread compiles its own, so a pool that hands every thread jobs of every kind compiles
 * everything once per thread. A family names what a task compiles (for a job: its design, d
 * and its channels' kinds; codeFamily). A free thread takes, in the order given, the first
 * task of a family it has run; else the first of a family no thread has run yet; else the
 * first task (it then compiles that family too, so that no thread idles while tasks wait).
 * Each thread is a one-thread piscina pool: it replaces a thread that dies, whose task fails.
 * The first `eager` threads start at once (they load a job's modules while the caller gets the
 * tasks ready); the others when they are first given a task, so that a sweep of two jobs on
 * 300 threads starts two.
 */
export class Lanes<T, R> {
  private readonly lanes: Lane<T, R>[];
  /** Waiting tasks by family, each family's in the order given. */
  private readonly queues = new Map<string, FamilyQueue<T, R>>();
  /** Families some thread has run. */
  private readonly met = new Set<string>();
  private given = 0;
  constructor(
    threads: number,
    private readonly makePool: () => Piscina<T, R>,
    eager = threads,
  ) {
    this.lanes = Array.from({ length: threads }, (_, k) => ({
      pool: k < eager ? makePool() : null,
      busy: false,
      families: new Set<string>(),
    }));
  }

  /**
   * Runs `task` on a thread of the lanes. An `urgent` task goes before every task that is not,
   * whatever its family: one that other tasks' results wait on (a shape's output check, which
   * every finished job of the shape waits on, had waited behind the timings of every family a
   * thread had run, and so had their records, to the sweep's end).
   */
  run(family: string, task: T, signal?: AbortSignal, urgent = false): Promise<R> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<R>((resolve, reject) => {
      const waiting: Waiting<T, R> = {
        order: this.given++,
        family,
        task,
        signal,
        urgent,
        resolve,
        reject,
        taken: false,
        unwatch: () => undefined,
      };
      this.watch(waiting);
      let queue = this.queues.get(family);
      if (queue === undefined) this.queues.set(family, (queue = new FamilyQueue()));
      queue.push(waiting);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.pool?.destroy()));
  }

  private dispatch(): void {
    for (const lane of this.lanes) {
      if (lane.busy) continue;
      const next = this.next(lane);
      if (next === undefined) return;
      this.queues.get(next.family)!.shift();
      next.taken = true;
      next.unwatch();
      lane.busy = true;
      lane.families.add(next.family);
      this.met.add(next.family);
      lane.pool ??= this.makePool();
      lane.pool
        .run(next.task, next.signal === undefined ? {} : { signal: next.signal })
        .then(next.resolve, next.reject)
        .finally(() => {
          lane.busy = false;
          this.dispatch();
        });
    }
  }

  /**
   * Rejects `waiting` with its signal's reason if the signal aborts before a thread takes it,
   * through the signal's one shared listener (fanOut).
   */
  private watch(waiting: Waiting<T, R>): void {
    const signal = waiting.signal;
    if (signal === undefined) return;
    waiting.unwatch = fanOut(signal, 'abort', () => {
      waiting.taken = true;
      waiting.unwatch();
      waiting.reject(signal.reason as Error);
    });
  }

  /** The task `lane` takes next (see the class; an urgent one first), or undefined when none waits. */
  private next(lane: Lane<T, R>): Waiting<T, R> | undefined {
    let urgent: Waiting<T, R> | undefined;
    let own: Waiting<T, R> | undefined;
    let fresh: Waiting<T, R> | undefined;
    let first: Waiting<T, R> | undefined;
    const earlier = (a: Waiting<T, R>, b: Waiting<T, R> | undefined): boolean => b === undefined || a.order < b.order;
    for (const [family, queue] of this.queues) {
      const head = queue.peek();
      if (head === undefined) continue;
      if (head.urgent && earlier(head, urgent)) urgent = head;
      if (lane.families.has(family)) {
        if (earlier(head, own)) own = head;
      } else if (!this.met.has(family) && earlier(head, fresh)) fresh = head;
      if (earlier(head, first)) first = head;
    }
    return urgent ?? own ?? fresh ?? first;
  }
}

interface Lane<T, R> {
  /** Its thread, once started. */
  pool: Piscina<T, R> | null;
  busy: boolean;
  /** Families this thread has run. */
  readonly families: Set<string>;
}

interface Waiting<T, R> {
  /** Place in the order given. */
  readonly order: number;
  readonly family: string;
  readonly task: T;
  readonly signal: AbortSignal | undefined;
  readonly urgent: boolean;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
  /** Sent to a thread, or given up (aborted): no longer waiting. */
  taken: boolean;
  /** Stops watching its signal (a thread took it, or it aborted). */
  unwatch: () => void;
}

/** One family's waiting tasks in order; aborted ones are skipped as they come to the front. */
class FamilyQueue<T, R> {
  private readonly items: Waiting<T, R>[] = [];
  private front = 0;

  push(waiting: Waiting<T, R>): void {
    this.items.push(waiting);
  }

  peek(): Waiting<T, R> | undefined {
    while (this.front < this.items.length && this.items[this.front]!.taken) this.front++;
    // Drops what has been taken, now and then, so that a long sweep does not keep it all.
    if (this.front > 1024 && this.front * 2 > this.items.length) {
      this.items.splice(0, this.front);
      this.front = 0;
    }
    return this.items[this.front];
  }

  shift(): void {
    this.front++;
  }
}
