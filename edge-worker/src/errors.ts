/**
 * Every refusal of the edge has one stable code. The table below is the single place that maps a
 * code to its HTTP status and RFC 6750 challenge, so a new code cannot be added without deciding
 * both. One class with a literal-union code (rather than one class per code) keeps that table
 * exhaustive under the compiler while still letting `switch (error.code)` be checked.
 */

import { CodedError } from '@beats-gate/protocol';

/** RFC 6750 §3.1 error attribute of the challenge; `none` sends a bare `Bearer` challenge. */
export type Challenge = 'none' | 'invalid_request' | 'invalid_token' | 'insufficient_scope';

interface ErrorSpec {
  readonly status: number;
  /** Present only on 401/403 answers to the tunnel route. */
  readonly challenge?: Challenge;
  /** Counts against the per-address failure limiter (attempts that look like guessing). */
  readonly countsAsFailure?: boolean;
}

export const ERROR_SPECS = {
  ERR_EDGE_TOKEN_MISSING: { status: 401, challenge: 'none', countsAsFailure: true },
  ERR_EDGE_TOKEN_IN_URL: { status: 401, challenge: 'invalid_request', countsAsFailure: true },
  ERR_EDGE_TOKEN_AMBIGUOUS: { status: 401, challenge: 'invalid_request', countsAsFailure: true },
  ERR_EDGE_TOKEN_TOO_LARGE: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_MALFORMED: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_FORBIDDEN_HEADER: {
    status: 401,
    challenge: 'invalid_token',
    countsAsFailure: true,
  },
  ERR_EDGE_TOKEN_UNKNOWN_CRIT: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_ALG_NOT_ALLOWED: {
    status: 401,
    challenge: 'invalid_token',
    countsAsFailure: true,
  },
  ERR_EDGE_TOKEN_UNKNOWN_KEY: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_BAD_SIGNATURE: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_EXPIRED: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_NOT_YET_VALID: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_TOO_OLD: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_ISSUER_INVALID: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_AUDIENCE_INVALID: {
    status: 401,
    challenge: 'invalid_token',
    countsAsFailure: true,
  },
  ERR_EDGE_TOKEN_CLAIM_MISSING: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_CLAIM_INVALID: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_TOKEN_REVOKED: { status: 401, challenge: 'invalid_token', countsAsFailure: true },
  ERR_EDGE_SCOPE_INSUFFICIENT: {
    status: 403,
    challenge: 'insufficient_scope',
    countsAsFailure: true,
  },
  ERR_EDGE_BROWSER_ORIGIN: { status: 403, countsAsFailure: true },
  ERR_EDGE_RATE_LIMITED: { status: 429 },
  ERR_EDGE_HANDSHAKE_INVALID: { status: 400 },
  ERR_EDGE_UPGRADE_REQUIRED: { status: 426 },
  ERR_EDGE_WEBSOCKET_VERSION: { status: 426 },
  ERR_EDGE_METHOD_NOT_ALLOWED: { status: 405 },
  ERR_EDGE_NOT_FOUND: { status: 404 },
  // Answered by the local edge's front (local-front.ts); on Cloudflare its own front answers these
  // before any Worker runs.
  ERR_EDGE_TARGET_INVALID: { status: 400 },
  ERR_EDGE_REQUEST_TOO_LARGE: { status: 431 },
  ERR_EDGE_KEYS_UNAVAILABLE: { status: 503 },
  ERR_EDGE_REVOCATION_UNAVAILABLE: { status: 503 },
  ERR_EDGE_RATE_LIMITER_UNAVAILABLE: { status: 503 },
  ERR_EDGE_ORIGIN_UNREACHABLE: { status: 502 },
  ERR_EDGE_CONFIG_INVALID: { status: 500 },
  ERR_EDGE_INTERNAL: { status: 500 },
} as const satisfies Record<string, ErrorSpec>;

export type EdgeErrorCode = keyof typeof ERROR_SPECS;

export class EdgeError extends CodedError<EdgeErrorCode> {
  override name = 'EdgeError';

  get status(): number {
    return ERROR_SPECS[this.code].status;
  }
}

export function specOf(code: EdgeErrorCode): ErrorSpec {
  return ERROR_SPECS[code];
}
