import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by a check to end the wait at once: what it waits for can no longer happen. */
export class GiveUp extends Error {}

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined, and returns that
 * value (a GiveUp thrown by `check` ends the wait); after `limitMs` it rejects naming `what` and the last thing `check` saw. Every wait of
 * the drill is one of these, so a fault that never shows ends the drill with its name.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  limitMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last: ${lastError.message})` : '';
      throw new Error(`timed out after ${limitMs} ms waiting for ${what}${cause}`, {
        cause: lastError,
      });
    }
    await sleep(everyMs);
  }
}
