/**
 * Decides who is calling, from the edge assertion only (plus the optional JWT re-check), and turns
 * every failure into an UpgradeRefusal with a bounded reason. Nothing here touches an upstream.
 */
import type { IncomingMessage } from 'node:http';
import {
  ASSERTION_HEADER,
  CLIENT_ADDRESS_HEADER,
  createAssertionVerifier,
  EdgeAssertionError,
  type EdgeAssertionErrorCode,
  type EdgeIdentity,
} from '@beats-gate/protocol';
import type { UnwrapperConfig } from '../config/types.ts';
import { createJwtCheck } from './jwt-check.ts';
import { UpgradeRefusal, type RefusalReason } from './refusal.ts';
import { createReplayCache } from './replay-cache.ts';

const ASSERTION_REASONS: Record<EdgeAssertionErrorCode, RefusalReason> = {
  ERR_ASSERTION_MISSING: 'assertion_missing',
  ERR_ASSERTION_MALFORMED: 'assertion_malformed',
  ERR_ASSERTION_UNKNOWN_KEY: 'assertion_unknown_key',
  ERR_ASSERTION_BAD_SIGNATURE: 'assertion_bad_signature',
  ERR_ASSERTION_EXPIRED: 'assertion_expired',
  ERR_ASSERTION_INVALID_CLAIMS: 'assertion_invalid_claims',
  ERR_ASSERTION_HANDSHAKE_MISMATCH: 'assertion_handshake_mismatch',
  ERR_ASSERTION_REPLAYED: 'assertion_replayed',
};

type AuthConfig = Pick<
  UnwrapperConfig,
  | 'assertionKeys'
  | 'assertionMaxAgeSeconds'
  | 'assertionClockToleranceSeconds'
  | 'assertionBindWebsocketKey'
  | 'replayCacheSize'
  | 'jwt'
>;

export function createAuthenticator(config: AuthConfig, now: () => number = Date.now) {
  const verifyAssertion = createAssertionVerifier({
    keys: config.assertionKeys,
    maxAgeSeconds: config.assertionMaxAgeSeconds,
    clockToleranceSeconds: config.assertionClockToleranceSeconds,
    bindToWebSocketKey: config.assertionBindWebsocketKey,
    now,
  });
  const replays = createReplayCache({
    // Accepted up to maxAge after iat, iat up to tolerance in the future, plus tolerance on exp.
    ttlMs: (config.assertionMaxAgeSeconds + 2 * config.assertionClockToleranceSeconds) * 1000,
    maxEntries: config.replayCacheSize,
    now,
  });
  const checkJwt = config.jwt ? createJwtCheck(config.jwt, now) : undefined;

  return async function authenticate(request: IncomingMessage): Promise<EdgeIdentity> {
    const copies = request.headersDistinct[ASSERTION_HEADER] ?? [];
    // Whatever the outcome, no later code may see a caller-supplied assertion, token or address.
    const authorization = request.headers.authorization;
    delete request.headers[ASSERTION_HEADER];
    delete request.headers[CLIENT_ADDRESS_HEADER];
    delete request.headers.authorization;
    if (copies.length > 1) {
      // The edge sends exactly one; two means someone added theirs next to it.
      throw new UpgradeRefusal('assertion_duplicate', 'more than one edge assertion header');
    }
    let identity: EdgeIdentity;
    try {
      identity = await verifyAssertion(copies[0], request.headers['sec-websocket-key']);
    } catch (error) {
      if (error instanceof EdgeAssertionError) {
        throw new UpgradeRefusal(ASSERTION_REASONS[error.code], error.message, { cause: error });
      }
      throw error;
    }
    if (checkJwt) await checkJwt(authorization, identity.subject);
    if (!replays.remember(identity.assertionId)) {
      throw new UpgradeRefusal('assertion_replayed', 'edge assertion already used');
    }
    return identity;
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
