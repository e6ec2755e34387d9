/**
 * The checks RFC 8725 asks for that jose leaves to the caller: the token's shape and header before
 * any key is looked up, and the identity and scope claims after the signature verified.
 */
import { decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { DeviceTokenError } from './device-token-errors.ts';

/** Header parameters that tell the verifier where to find a key: never trusted (RFC 8725 §3.10). */
const KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** A lone surrogate: it has no UTF-8 form, so two different ids would share one encoded key. */
const LONE_SURROGATE = /\p{Cs}/u;

const encoder = new TextEncoder();

/** Refuses what is not a compact JWS or carries a header this verifier must not honour. */
export function checkHeader(token: string, algorithms: readonly string[]): void {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_MALFORMED',
      'the token must be a compact JWS: three base64url segments separated by dots',
    );
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_MALFORMED',
      'the token header is not base64url JSON',
      { cause: error },
    );
  }
  const keyHeader = KEY_HEADERS.find((name) => name in header);
  if (keyHeader) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_FORBIDDEN_HEADER',
      `the token header carries "${keyHeader}"; keys are only taken from the configured key set`,
    );
  }
  // No JWT extension is understood here, so any critical one must be refused (RFC 7515 §4.1.11).
  // jose alone would let `crit: ["b64"]` through.
  if ('crit' in header) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_UNKNOWN_CRIT',
      'the token header lists critical extensions this verifier does not understand',
    );
  }
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED',
      `the token algorithm "${String(header.alg).slice(0, 16)}" is not allowed; allowed: ${algorithms.join(', ')}`,
    );
  }
}

/**
 * `sub` and `jti` become keys of per-device state (the edge's KV deny list, per-subject limits)
 * and log fields, and such stores limit keys in bytes: the bound is counted in UTF-8 bytes, never
 * in UTF-16 units, so 200 × "€" (600 bytes) is refused here rather than failing at the store.
 */
export function checkIdentifier(
  name: 'sub' | 'jti',
  value: unknown,
  maxBytes: number,
): asserts value is string {
  const valid =
    typeof value === 'string' &&
    value.length > 0 &&
    // Each UTF-16 unit is at least one byte, so longer strings need no encoding to be refused.
    value.length <= maxBytes &&
    !LONE_SURROGATE.test(value) &&
    encoder.encode(value).byteLength <= maxBytes;
  if (!valid) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_CLAIM_INVALID',
      `claim "${name}" must be well-formed text of 1-${maxBytes} bytes in UTF-8`,
    );
  }
}

/** Scopes come as an OAuth `scope` string (RFC 8693 §4.2) or an `scp` array (Azure AD, Okta). */
export function checkScope(payload: JWTPayload, required: readonly string[]): void {
  if (required.length === 0) return;
  const granted = new Set<string>();
  if (typeof payload.scope === 'string') payload.scope.split(' ').forEach((s) => granted.add(s));
  if (Array.isArray(payload.scp)) {
    payload.scp.forEach((s) => typeof s === 'string' && granted.add(s));
  } else if (typeof payload.scp === 'string') {
    payload.scp.split(' ').forEach((s) => granted.add(s));
  }
  const missing = required.filter((scope) => !granted.has(scope));
  if (missing.length > 0) {
    throw new DeviceTokenError(
      'ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT',
      `the token lacks the required scope: ${missing.join(' ')}`,
    );
  }
}
