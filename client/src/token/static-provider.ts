import { jwtExpiry } from './jwt-expiry.ts';
import type { Token, TokenProvider } from './types.ts';

/** A token given on the command line or in the environment: refreshing it means a restart. */
export function createStaticProvider(value: string): TokenProvider {
  const expiresAt = jwtExpiry(value);
  const token: Token = expiresAt === undefined ? { value } : { value, expiresAt };
  return {
    kind: 'static',
    expiresAt,
    get: () => Promise.resolve(token),
    invalidate: () => {},
  };
}
