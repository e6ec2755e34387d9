import type { TokenSource } from '../config/types.ts';
import type { Token, TokenProvider } from './types.ts';

export interface CachedProviderOptions {
  readonly kind: TokenSource['type'];
  /** Fetches a new token; never called twice at the same time. */
  readonly fetch: () => Promise<Token>;
  /** Refresh this long before expiry (capped at half the token's lifetime). */
  readonly refreshSkewMs: number;
  readonly now?: () => number;
  /** Stops what the source is doing (a running command), for TokenProvider.close. */
  readonly close?: () => void;
}

/**
 * Caches a token until shortly before it expires and shares one in-flight fetch between concurrent
 * callers, so a burst of Beats connections costs one command run or one token request. A token
 * without a known expiry is not cached: the source is asked again for every connection.
 */
export function createCachedProvider(options: CachedProviderOptions): TokenProvider {
  const now = options.now ?? Date.now;
  let cached: { token: Token; refreshAt: number } | undefined;
  let inFlight: Promise<Token> | undefined;
  let lastExpiry: number | undefined;

  async function fetchAndCache(): Promise<Token> {
    const fetchedAt = now();
    const token = await options.fetch();
    lastExpiry = token.expiresAt;
    if (token.expiresAt !== undefined) {
      const lifetime = token.expiresAt - fetchedAt;
      const skew = Math.min(options.refreshSkewMs, Math.max(0, lifetime / 2));
      cached = { token, refreshAt: token.expiresAt - skew };
    } else {
      cached = undefined;
    }
    return token;
  }

  return {
    kind: options.kind,
    get expiresAt() {
      return lastExpiry;
    },
    get(): Promise<Token> {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= fetchAndCache().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(token: Token): void {
      if (cached?.token.value === token.value) cached = undefined;
    },
    close(): void {
      options.close?.();
    },
  };
}
