/**
 * The edge's answer to each device-token refusal of @beats-gate/protocol's verifier: one edge code
 * per verifier code, whose status and challenge ERROR_SPECS then decides. A new verifier code does
 * not compile until it is mapped here.
 */
import { DeviceTokenError, type DeviceTokenErrorCode } from '@beats-gate/protocol';
import { EdgeError, type EdgeErrorCode } from './errors.ts';

export const TOKEN_ERROR_CODES = {
  ERR_DEVICE_TOKEN_MALFORMED: 'ERR_EDGE_TOKEN_MALFORMED',
  ERR_DEVICE_TOKEN_FORBIDDEN_HEADER: 'ERR_EDGE_TOKEN_FORBIDDEN_HEADER',
  ERR_DEVICE_TOKEN_UNKNOWN_CRIT: 'ERR_EDGE_TOKEN_UNKNOWN_CRIT',
  ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED: 'ERR_EDGE_TOKEN_ALG_NOT_ALLOWED',
  ERR_DEVICE_TOKEN_UNKNOWN_KEY: 'ERR_EDGE_TOKEN_UNKNOWN_KEY',
  ERR_DEVICE_TOKEN_BAD_SIGNATURE: 'ERR_EDGE_TOKEN_BAD_SIGNATURE',
  ERR_DEVICE_TOKEN_EXPIRED: 'ERR_EDGE_TOKEN_EXPIRED',
  ERR_DEVICE_TOKEN_NOT_YET_VALID: 'ERR_EDGE_TOKEN_NOT_YET_VALID',
  ERR_DEVICE_TOKEN_TOO_OLD: 'ERR_EDGE_TOKEN_TOO_OLD',
  ERR_DEVICE_TOKEN_ISSUER_INVALID: 'ERR_EDGE_TOKEN_ISSUER_INVALID',
  ERR_DEVICE_TOKEN_AUDIENCE_INVALID: 'ERR_EDGE_TOKEN_AUDIENCE_INVALID',
  ERR_DEVICE_TOKEN_CLAIM_MISSING: 'ERR_EDGE_TOKEN_CLAIM_MISSING',
  ERR_DEVICE_TOKEN_CLAIM_INVALID: 'ERR_EDGE_TOKEN_CLAIM_INVALID',
  ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT: 'ERR_EDGE_SCOPE_INSUFFICIENT',
  ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE: 'ERR_EDGE_KEYS_UNAVAILABLE',
} as const satisfies Record<DeviceTokenErrorCode, EdgeErrorCode>;

export function toEdgeError(error: unknown): EdgeError {
  if (error instanceof EdgeError) return error;
  if (error instanceof DeviceTokenError) {
    // The edge code already says what the verifier found; the cause, when there is one, is
    // jose's own finding, which is what the log line's `cause` should name.
    return new EdgeError(
      TOKEN_ERROR_CODES[error.code],
      error.message,
      error.cause === undefined ? undefined : { cause: error.cause },
    );
  }
  return new EdgeError('ERR_EDGE_INTERNAL', 'token verification failed unexpectedly', {
    cause: error,
  });
}
