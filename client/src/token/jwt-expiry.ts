import { decodeJwt } from 'jose';

/** What the client can read from a token without verifying it (the edge verifies it). */
export type TokenShape =
  { readonly jwt: false } | { readonly jwt: true; readonly expiresAt: number | undefined };

/** Whether a token decodes as a JWT, and its `exp` in milliseconds when it has one. */
export function readTokenShape(value: string): TokenShape {
  try {
    const { exp } = decodeJwt(value);
    return {
      jwt: true,
      expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined,
    };
  } catch {
    return { jwt: false };
  }
}

/**
 * `exp` of a JWT in milliseconds, or undefined for an opaque token or one without `exp`. The
 * client only reads `exp` to know when to refresh; the edge is the one that verifies the token.
 */
export function jwtExpiry(value: string): number | undefined {
  const shape = readTokenShape(value);
  return shape.jwt ? shape.expiresAt : undefined;
}
