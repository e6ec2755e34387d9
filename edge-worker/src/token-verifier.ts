/**
 * Verifies a device token with @beats-gate/protocol's verifier (the one the unwrapper's re-check
 * uses too), built once from the edge's configuration, and turns each refusal into an edge error.
 */
import { createDeviceTokenVerifier, type VerifiedDeviceToken } from '@beats-gate/protocol';
import type { EdgeConfig } from './config.ts';
import { createKeyResolver } from './key-source.ts';
import { toEdgeError } from './token-errors.ts';

/** What the rest of the edge needs from a verified token. */
export type VerifiedToken = VerifiedDeviceToken;

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export function createTokenVerifier(
  config: Pick<
    EdgeConfig,
    | 'keySource'
    | 'algorithms'
    | 'issuer'
    | 'audience'
    | 'clockToleranceSeconds'
    | 'maxTokenAgeSeconds'
    | 'requiredScopes'
  >,
  now: () => number = Date.now,
): TokenVerifier {
  // The edge's option names are the verifier's; only the key set is built from them.
  const verify = createDeviceTokenVerifier({
    ...config,
    keys: createKeyResolver(config.keySource),
    now,
  });
  return async function verifyToken(token) {
    try {
      return await verify(token);
    } catch (error) {
      throw toEdgeError(error);
    }
  };
}
