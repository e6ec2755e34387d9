import { decodeJwt } from 'jose';

/**
 * `exp` of a JWT in milliseconds, or undefined for an opaque token or one without `exp`. The
 * client only reads `exp` to know when to refresh; the edge is the one that verifies the token.
 */
export function jwtExpiry(value: string): number | undefined {
  try {
    const { exp } = decodeJwt(value);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
