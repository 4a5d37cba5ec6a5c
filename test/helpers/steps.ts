/** A generator driven to its end: what it returned, and how many times it yielded on the way. */
export function toEnd<T>(steps: Generator<unknown, T>): { value: T; yields: number } {
  let yields = 0;
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return { value: step.value, yields };
    yields++;
  }
}
