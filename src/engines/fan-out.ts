/** The shared listeners: by emitter and event, the callbacks registered and how to take the listener off. */
const fanOuts = new WeakMap<object, Map<string, { readonly callbacks: Set<() => void>; readonly off: () => void }>>();

/**
 * Calls `callback` on `event` of `emitter` (an AbortSignal's 'abort', or a process signal)
 * through one listener for all the callbacks registered at once, taken off with the last of
 * them; returns what unregisters `callback`. A listener each had warned of a leak from the 11th
 * run at once on one signal (MaxListenersExceededWarning), and made a sweep's start quadratic
 * in its jobs (EventTarget looks through its listeners at each add: 100,000 jobs waited over
 * 30 s for their first).
 */
export function fanOut(emitter: AbortSignal | NodeJS.Process, event: string, callback: () => void): () => void {
  let byEvent = fanOuts.get(emitter);
  if (byEvent === undefined) fanOuts.set(emitter, (byEvent = new Map()));
  let shared = byEvent.get(event);
  if (shared === undefined) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      for (const call of [...callbacks]) call();
    };
    if (emitter instanceof AbortSignal) emitter.addEventListener(event, listener);
    else emitter.on(event, listener);
    const off = (): void => {
      if (emitter instanceof AbortSignal) emitter.removeEventListener(event, listener);
      else emitter.off(event, listener);
    };
    byEvent.set(event, (shared = { callbacks, off }));
  }
  const { callbacks, off } = shared;
  const events = byEvent;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    off();
    events.delete(event);
  };
}
