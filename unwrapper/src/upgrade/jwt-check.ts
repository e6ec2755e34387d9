/**
 * Optional second check of the device's JWT at origin, for operators who do not want to trust the
 * edge alone. It is the edge's own verifier (@beats-gate/protocol), so origin refuses everything
 * the edge refuses (docs/design.md, "Trust"); keys are built once, here, not per upgrade.
 */
import {
  createDeviceKeySet,
  createDeviceTokenVerifier,
  DeviceTokenError,
  type DeviceKeySource,
  type DeviceTokenErrorCode,
} from '@beats-gate/protocol';
import type { JwtConfig } from '../config/types.ts';
import { UpgradeRefusal, type RefusalReason } from './refusal.ts';

export type JwtCheckConfig = JwtConfig;

/**
 * The unwrapper's answer to each verifier code. A token the edge let through and origin refuses
 * means the two disagree about keys, issuer, audience or time: one `jwt_invalid` for all of them
 * (the message names the verifier's code), apart from what the operator acts on differently.
 */
const JWT_REFUSALS: Record<DeviceTokenErrorCode, RefusalReason> = {
  ERR_DEVICE_TOKEN_MALFORMED: 'jwt_invalid',
  ERR_DEVICE_TOKEN_FORBIDDEN_HEADER: 'jwt_invalid',
  ERR_DEVICE_TOKEN_UNKNOWN_CRIT: 'jwt_invalid',
  ERR_DEVICE_TOKEN_ALG_NOT_ALLOWED: 'jwt_invalid',
  ERR_DEVICE_TOKEN_UNKNOWN_KEY: 'jwt_invalid',
  ERR_DEVICE_TOKEN_BAD_SIGNATURE: 'jwt_invalid',
  ERR_DEVICE_TOKEN_EXPIRED: 'jwt_invalid',
  ERR_DEVICE_TOKEN_NOT_YET_VALID: 'jwt_invalid',
  ERR_DEVICE_TOKEN_TOO_OLD: 'jwt_invalid',
  ERR_DEVICE_TOKEN_ISSUER_INVALID: 'jwt_invalid',
  ERR_DEVICE_TOKEN_AUDIENCE_INVALID: 'jwt_invalid',
  ERR_DEVICE_TOKEN_CLAIM_MISSING: 'jwt_invalid',
  ERR_DEVICE_TOKEN_CLAIM_INVALID: 'jwt_invalid',
  ERR_DEVICE_TOKEN_SCOPE_INSUFFICIENT: 'jwt_scope_insufficient',
  // Never fail open: keys that cannot be fetched refuse the upgrade.
  ERR_DEVICE_TOKEN_KEYS_UNAVAILABLE: 'jwt_keys_unavailable',
};

/** The scheme is matched here; whether what follows is a JWT is the verifier's call. */
const BEARER = /^Bearer +(\S+)$/i;

function keySource(config: JwtConfig): DeviceKeySource {
  if (config.jwksUrl) return { kind: 'remote', url: new URL(config.jwksUrl) };
  if (config.jwks) return { kind: 'inline', jwks: config.jwks };
  throw new RangeError('jwt check needs jwksUrl or jwks');
}

export function createJwtCheck(config: JwtCheckConfig, now: () => number = Date.now) {
  const verify = createDeviceTokenVerifier({
    ...config,
    keys: createDeviceKeySet(keySource(config)),
    now,
  });

  return async function checkJwt(authorization: string | undefined, subject: string) {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new UpgradeRefusal('jwt_missing', 'no Bearer token forwarded by the edge');
    let verifiedSubject: string;
    try {
      ({ subject: verifiedSubject } = await verify(token));
    } catch (error) {
      if (error instanceof DeviceTokenError) {
        throw new UpgradeRefusal(JWT_REFUSALS[error.code], `${error.message} (${error.code})`, {
          cause: error,
        });
      }
      throw error;
    }
    if (verifiedSubject !== subject) {
      throw new UpgradeRefusal('jwt_subject_mismatch', 'token subject differs from the assertion');
    }
  };
}

export type JwtCheck = ReturnType<typeof createJwtCheck>;
