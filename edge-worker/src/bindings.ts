/**
 * The binding shapes the edge uses, declared structurally rather than taken from
 * @cloudflare/workers-types, so the same source typechecks in the Worker and in Node unit tests.
 * Workers KV, the Rate Limiting binding and Workers Analytics Engine satisfy them.
 */

/** Workers KV namespace holding revoked `jti:<id>` and `sub:<id>` keys. */
export interface DenyList {
  get(key: string): Promise<string | null>;
}

/** Workers Rate Limiting binding (`ratelimits` in wrangler config). */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export function isDenyList(value: unknown): value is DenyList {
  return typeof (value as DenyList | null)?.get === 'function';
}

export function isRateLimiter(value: unknown): value is RateLimiter {
  return typeof (value as RateLimiter | null)?.limit === 'function';
}

/** One Workers Analytics Engine data point (`writeDataPoint`'s argument). */
export interface DataPoint {
  readonly blobs?: readonly string[];
  readonly doubles?: readonly number[];
  readonly indexes?: readonly string[];
}

/** Workers Analytics Engine dataset (`analytics_engine_datasets` in wrangler config). */
export interface AnalyticsDataset {
  writeDataPoint(point: DataPoint): void;
}

export function isAnalyticsDataset(value: unknown): value is AnalyticsDataset {
  return typeof (value as AnalyticsDataset | null)?.writeDataPoint === 'function';
}
