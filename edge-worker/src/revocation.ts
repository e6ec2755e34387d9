/**
 * Revocation through a Workers KV deny list. An entry `jti:<id>` revokes one token, `sub:<id>` every
 * token of a device; the value is free text for the operator (reason, ticket). KV is eventually
 * consistent: a new entry reaches every location within about a minute.
 */
import type { DenyList } from './bindings.ts';
import { EdgeError } from './errors.ts';
import type { VerifiedToken } from './token-verifier.ts';

export function denyListKeys(token: Pick<VerifiedToken, 'subject' | 'tokenId'>): string[] {
  return [...(token.tokenId !== undefined ? [`jti:${token.tokenId}`] : []), `sub:${token.subject}`];
}

/** Throws ERR_EDGE_TOKEN_REVOKED when listed; fails closed when KV cannot answer. */
export async function checkRevocation(
  denyList: DenyList | undefined,
  token: Pick<VerifiedToken, 'subject' | 'tokenId'>,
): Promise<void> {
  if (!denyList) return;
  const keys = denyListKeys(token);
  let entries: (string | null)[];
  try {
    entries = await Promise.all(keys.map((key) => denyList.get(key)));
  } catch (error) {
    throw new EdgeError(
      'ERR_EDGE_REVOCATION_UNAVAILABLE',
      'the revocation list could not be read; try again later',
      { cause: error },
    );
  }
  const index = entries.findIndex((entry) => entry !== null);
  if (index !== -1) {
    const kind = keys[index]?.startsWith('jti:') ? 'token' : 'subject';
    throw new EdgeError('ERR_EDGE_TOKEN_REVOKED', `the ${kind} has been revoked`);
  }
}
