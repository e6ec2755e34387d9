export interface Backoff {
  /** The wait before the next attempt; each call doubles the base up to the maximum. */
  next(): number;
  /** Back to the initial wait, after an attempt made progress. */
  reset(): void;
}

/**
 * Exponential backoff with "equal jitter", as libbeat's EqualJitterBackoff: the wait is half the
 * current base plus a random share of the other half, so reconnecting Beats spread out while each
 * still waits at least half the base.
 */
export function createBackoff(
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): Backoff {
  let base = initialMs;
  return {
    next() {
      const current = Math.min(base, maxMs);
      base = Math.min(base * 2, maxMs);
      const half = current / 2;
      return Math.round(half + random() * half);
    },
    reset() {
      base = initialMs;
    },
  };
}
