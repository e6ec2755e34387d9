/**
 * Assertion keys are HMAC secrets with a key id, so the edge and the unwrapper can rotate them
 * without a flag day: the edge signs with the current key, the unwrapper accepts the current and
 * the previous one. Written as `kid:secret` with the secret in base64url, several separated by
 * commas, which fits one environment variable or one `wrangler secret`.
 */
export interface AssertionKey {
  readonly kid: string;
  readonly secret: Uint8Array<ArrayBuffer>;
}

/** HS256 wants at least as many key bytes as its output (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export class AssertionKeyError extends Error {
  readonly code = 'ERR_ASSERTION_KEY_INVALID';
  override name = 'AssertionKeyError';
}

function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return undefined;
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  // A length of 4n+1 characters is not base64 at all; atob would throw a bare DOMException.
  if (base64.length % 4 === 1) return undefined;
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * Parses `kid:secret[,kid:secret…]`. The first key is the one to sign with. Messages name the
 * key id or position, never the secret.
 */
export function parseAssertionKeys(text: string): AssertionKey[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw new AssertionKeyError('no assertion key given: expected "kid:base64url-secret"');
  }
  const keys: AssertionKey[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const kid = colon === -1 ? '' : entry.slice(0, colon);
    const where = `assertion key #${index + 1}${kid ? ` (kid "${kid}")` : ''}`;
    if (!KID_PATTERN.test(kid)) {
      throw new AssertionKeyError(
        `${where}: expected "kid:base64url-secret" with a kid of 1-64 characters [A-Za-z0-9._-]`,
      );
    }
    const secret = decodeBase64Url(entry.slice(colon + 1));
    if (!secret) throw new AssertionKeyError(`${where}: the secret is not base64url`);
    if (secret.length < MIN_SECRET_BYTES) {
      throw new AssertionKeyError(
        `${where}: the secret has ${secret.length} bytes, at least ${MIN_SECRET_BYTES} are required`,
      );
    }
    if (keys.some((key) => key.kid === kid)) {
      throw new AssertionKeyError(`${where}: duplicate kid`);
    }
    keys.push({ kid, secret });
  });
  return keys;
}

/** A fresh random secret in the form `parseAssertionKeys` reads, for dev setups and runbooks. */
export function generateAssertionKey(kid: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
  const base64url = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return `${kid}:${base64url}`;
}
