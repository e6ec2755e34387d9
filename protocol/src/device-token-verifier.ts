/**
 * The one verifier of device tokens, used by the edge and by the unwrapper's optional re-check
 * (docs/design.md, "Trust"). jose does the cryptography and the registered-claim checks; the header
 * and identity checks jose leaves to the caller live in device-token-checks.ts. Every failure is a
 * DeviceTokenError with a code that each service maps to its own answer.
 */
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS } from './constants.ts';
import { checkHeader, checkIdentifier, checkScope } from './device-token-checks.ts';
import { fromJoseError } from './device-token-errors.ts';
import { classifyKeyFailures, type DeviceKeyResolver } from './device-token-keys.ts';

/** What a service needs from a verified token. */
export interface VerifiedDeviceToken {
  readonly subject: string;
  readonly tokenId?: string;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  readonly payload: JWTPayload;
}

export interface DeviceTokenVerifierOptions {
  /** Built once: `createDeviceKeySet(…)`, or any resolver of jose's `JWTVerifyGetKey` shape. */
  readonly keys: DeviceKeyResolver;
  /** A non-empty subset of ASYMMETRIC_JWS_ALGORITHMS. */
  readonly algorithms: readonly string[];
  readonly issuer: string;
  /** The token's `aud` must hold one of these. */
  readonly audience: string | readonly string[];
  /** Allowed clock skew on `exp`, `nbf` and `iat`, 0 to 300 s; default 30. */
  readonly clockToleranceSeconds?: number;
  /** Refuse tokens issued longer ago than this; makes `iat` required. Off when absent. */
  readonly maxTokenAgeSeconds?: number;
  /** Scopes that must all be granted (`scope` or `scp`). None when absent. */
  readonly requiredScopes?: readonly string[];
  /** Longest `sub` and `jti` in UTF-8 bytes, 1 to 508; default 256. */
  readonly maxIdentifierBytes?: number;
  /** Injected clock, milliseconds since the epoch. */
  readonly now?: () => number;
}

export const MAX_CLOCK_TOLERANCE_SECONDS = 300;
export const DEFAULT_MAX_IDENTIFIER_BYTES = 256;
/** Workers KV keys hold at most 512 bytes, and the edge's deny list prefixes ids with `sub:`. */
export const MAX_IDENTIFIER_BYTES = 508;

export type DeviceTokenVerifier = (token: string) => Promise<VerifiedDeviceToken>;

export function createDeviceTokenVerifier(
  options: DeviceTokenVerifierOptions,
): DeviceTokenVerifier {
  const settings = validate(options);
  const resolveKey = classifyKeyFailures(options.keys);
  const now = options.now ?? Date.now;
  const { algorithms, requiredScopes, maxIdentifierBytes } = settings;
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    issuer: options.issuer,
    audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
    requiredClaims: ['exp', 'sub', ...(options.maxTokenAgeSeconds !== undefined ? ['iat'] : [])],
    clockTolerance: settings.clockToleranceSeconds,
    ...(options.maxTokenAgeSeconds !== undefined
      ? { maxTokenAge: options.maxTokenAgeSeconds }
      : {}),
  };

  return async function verifyDeviceToken(token) {
    checkHeader(token, algorithms);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, resolveKey, {
        ...verifyOptions,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      throw fromJoseError(error);
    }
    const { sub, jti, exp } = payload;
    checkIdentifier('sub', sub, maxIdentifierBytes);
    if (jti !== undefined) checkIdentifier('jti', jti, maxIdentifierBytes);
    checkScope(payload, requiredScopes);
    return {
      subject: sub,
      // jose has checked that `exp` is present and a number.
      expiresAt: exp as number,
      payload,
      ...(jti !== undefined ? { tokenId: jti } : {}),
    };
  };
}

/** Options are checked when the verifier is built, so misconfiguration fails at start. */
function validate(options: DeviceTokenVerifierOptions) {
  const allowed: readonly string[] = ASYMMETRIC_JWS_ALGORITHMS;
  const unknown = options.algorithms.filter((alg) => !allowed.includes(alg));
  if (options.algorithms.length === 0 || unknown.length > 0) {
    throw new RangeError(
      `device token algorithms must be a non-empty list of ${allowed.join(', ')}; got ${options.algorithms.join(', ') || 'none'}`,
    );
  }
  if (!options.issuer) throw new RangeError('device token issuer must not be empty');
  const audience = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (audience.length === 0 || audience.some((aud) => !aud)) {
    throw new RangeError('device token audience must name at least one non-empty audience');
  }
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 30;
  integerIn('clockToleranceSeconds', clockToleranceSeconds, 0, MAX_CLOCK_TOLERANCE_SECONDS);
  if (options.maxTokenAgeSeconds !== undefined) {
    integerIn('maxTokenAgeSeconds', options.maxTokenAgeSeconds, 1, Number.MAX_SAFE_INTEGER);
  }
  const requiredScopes = options.requiredScopes ?? [];
  if (requiredScopes.some((scope) => !/^\S+$/.test(scope))) {
    throw new RangeError('device token requiredScopes must be non-empty words without spaces');
  }
  const maxIdentifierBytes = options.maxIdentifierBytes ?? DEFAULT_MAX_IDENTIFIER_BYTES;
  integerIn('maxIdentifierBytes', maxIdentifierBytes, 1, MAX_IDENTIFIER_BYTES);
  return {
    algorithms: [...options.algorithms],
    clockToleranceSeconds,
    requiredScopes,
    maxIdentifierBytes,
  };
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `device token ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}
