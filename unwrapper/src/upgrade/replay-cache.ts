/**
 * Remembers the ids of accepted edge assertions for as long as one could still be accepted, so each
 * assertion opens one tunnel only. This is the main replay defence: behind Cloudflare the
 * Sec-WebSocket-Key binding cannot be checked (the runtime re-keys the forwarded upgrade). Only verified assertions
 * enter it, so its size follows genuine load; when full, the oldest entries go first (they are the
 * closest to expiry) rather than refusing genuine traffic.
 */
export interface ReplayCacheOptions {
  /** How long an id is remembered, in milliseconds. */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export function createReplayCache(options: ReplayCacheOptions) {
  const now = options.now ?? Date.now;
  // Insertion order is expiry order because every entry lives ttlMs.
  const expiries = new Map<string, number>();
  let evictions = 0;

  function prune(at: number) {
    for (const [id, expiresAt] of expiries) {
      if (expiresAt > at) break;
      expiries.delete(id);
    }
  }

  return {
    /** Records the id; false when it was already there (a replay). */
    remember(id: string): boolean {
      const at = now();
      prune(at);
      if (expiries.has(id)) return false;
      while (expiries.size >= options.maxEntries) {
        const oldest = expiries.keys().next().value;
        if (oldest === undefined) break;
        expiries.delete(oldest);
        evictions++;
      }
      expiries.set(id, at + options.ttlMs);
      return true;
    },
    get size() {
      return expiries.size;
    },
    get evictions() {
      return evictions;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
