/**
 * Edge rate limits with the Workers Rate Limiting binding: one limiter counts upgrades per subject
 * (a leaked token cannot open connections without bound), the other counts refused attempts per
 * client address (token guessing and floods get 429 before they cost more).
 */
import type { RateLimiter } from './bindings.ts';
import { EdgeError } from './errors.ts';

/**
 * Counts one event under `key`; throws ERR_EDGE_RATE_LIMITED when over the limit. A limiter that
 * errors fails closed for upgrades: letting traffic through unmetered is what the limit prevents.
 */
export async function consume(
  limiter: RateLimiter | undefined,
  key: string,
  what: string,
): Promise<void> {
  if (!limiter) return;
  let success: boolean;
  try {
    ({ success } = await limiter.limit({ key }));
  } catch (error) {
    throw new EdgeError(
      'ERR_EDGE_RATE_LIMITER_UNAVAILABLE',
      'the rate limiter could not be reached; try again later',
      { cause: error },
    );
  }
  if (!success) throw new EdgeError('ERR_EDGE_RATE_LIMITED', `too many ${what}; retry later`);
}

export function upgradeKey(subject: string): string {
  return `upgrade:sub:${subject}`;
}

export function failureKey(clientAddress: string): string {
  return `failure:ip:${clientAddress}`;
}
