/**
 * Full-jitter exponential backoff (delay drawn uniformly from 0 to min(max, initial * 2^n)), so a
 * fleet that lost the edge at the same moment spreads its reconnects instead of stampeding. A
 * `Retry-After` from the edge is a floor added in front of the jitter, not a shared instant.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly now?: () => number;
  /** Uniform in [0, 1); injected by tests. */
  readonly random?: () => number;
}

export interface Backoff {
  /** Milliseconds until new handshakes may be tried again; 0 when not backing off. */
  remainingMs(): number;
  /** Epoch milliseconds when the current backoff ends, if one is active. */
  readonly until: number | undefined;
  readonly consecutiveFailures: number;
  /** Records a failure and returns the chosen delay. */
  failure(retryAfterMs?: number): number;
  success(): void;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let failures = 0;
  let until = 0;
  return {
    remainingMs: () => Math.max(0, until - now()),
    get until() {
      return until > now() ? until : undefined;
    },
    get consecutiveFailures() {
      return failures;
    },
    failure(retryAfterMs = 0): number {
      // Handshakes that were already running when the backoff began fail together; counting each
      // of them would escalate the delay for what is one outage.
      if (now() >= until) failures += 1;
      const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(failures - 1, 30));
      const delay = Math.floor(retryAfterMs + random() * ceiling);
      until = Math.max(until, now() + delay);
      return delay;
    },
    success(): void {
      failures = 0;
      until = 0;
    },
  };
}

const MAX_RETRY_AFTER_MS = 3_600_000;

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), capped at one hour. */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
