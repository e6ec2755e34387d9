import type { Agent } from 'node:http';
import type { TokenSource } from '../config/types.ts';
import { ClientError } from '../errors.ts';
import { postForm } from '../net/http-post.ts';
import { createCachedProvider } from './cached-provider.ts';
import {
  CLIENT_ASSERTION_TYPE,
  loadAssertionKey,
  signClientAssertion,
  type AssertionKey,
} from './client-assertion.ts';
import { readSmallFile } from './file-provider.ts';
import { jwtExpiry } from './jwt-expiry.ts';
import { isPlausibleToken, type Token, type TokenProvider } from './types.ts';

export interface OAuthProviderOptions {
  readonly source: Extract<TokenSource, { type: 'oauth' }>;
  readonly refreshSkewMs: number;
  readonly timeoutMs: number;
  readonly agent?: Agent;
  readonly ca?: string;
  readonly now?: () => number;
}

function oauthError(message: string, cause?: unknown): ClientError {
  return new ClientError('ERR_TOKEN_OAUTH', message, cause === undefined ? undefined : { cause });
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic. */
function basicAuth(id: string, secret: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

/** Reads the token response; error messages carry the RFC 6749 `error` code, never a secret. */
function parseTokenResponse(status: number, body: string, fetchedAt: number): Token {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // handled below: a non-JSON answer has no access_token
  }
  if (status !== 200) {
    const code = typeof json.error === 'string' ? json.error.slice(0, 64) : 'no error code';
    throw oauthError(`token endpoint answered ${status} (${code})`);
  }
  const value = json.access_token;
  if (typeof value !== 'string' || !isPlausibleToken(value)) {
    throw oauthError('token endpoint answer has no usable access_token');
  }
  const type = json.token_type;
  if (typeof type === 'string' && type.toLowerCase() !== 'bearer') {
    throw oauthError(
      `token endpoint issued a "${type.slice(0, 32)}" token; only Bearer is supported`,
    );
  }
  const candidates = [jwtExpiry(value)];
  if (typeof json.expires_in === 'number' && json.expires_in > 0) {
    candidates.push(fetchedAt + json.expires_in * 1000);
  }
  const known = candidates.filter((at): at is number => at !== undefined);
  return known.length === 0 ? { value } : { value, expiresAt: Math.min(...known) };
}

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4) with client_secret_basic or private_key_jwt
 * (RFC 7523). The access token is cached until shortly before `exp`/`expires_in`, and concurrent
 * connections share one request to the token endpoint.
 */
export function createOAuthProvider(options: OAuthProviderOptions): TokenProvider & {
  prepare(): Promise<void>;
} {
  const { source } = options;
  const now = options.now ?? Date.now;
  let assertionKey: Promise<AssertionKey> | undefined;
  const getKey = (path: string) =>
    (assertionKey ??= loadAssertionKey(path, source.signingAlg).catch((error: unknown) => {
      assertionKey = undefined;
      throw oauthError(
        `cannot load the OAuth private key "${path}": ${(error as Error).message}`,
        error,
      );
    }));

  async function requestToken(): Promise<Token> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (source.scope) form.set('scope', source.scope);
    if (source.audience) form.set('audience', source.audience);
    const headers: Record<string, string> = {};
    if (source.privateKeyFile) {
      const key = await getKey(source.privateKeyFile);
      form.set('client_id', source.clientId);
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set(
        'client_assertion',
        await signClientAssertion(key, {
          clientId: source.clientId,
          audience: source.tokenUrl.href,
          nowSeconds: Math.floor(now() / 1000),
          ...(source.keyId ? { keyId: source.keyId } : {}),
        }),
      );
    } else {
      // Re-read per request so a rotated secret file takes effect without a restart.
      let secret = source.clientSecret;
      if (secret === undefined) {
        const path = source.clientSecretFile ?? '';
        try {
          secret = (await readSmallFile(path)).trim();
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          throw oauthError(`cannot read the OAuth client secret file "${path}": ${reason}`, error);
        }
      }
      headers.authorization = basicAuth(source.clientId, secret);
    }
    const fetchedAt = now();
    let answer;
    try {
      answer = await postForm(source.tokenUrl, form, {
        headers,
        timeoutMs: options.timeoutMs,
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      });
    } catch (error) {
      throw oauthError(`token endpoint unreachable: ${(error as Error).message}`, error);
    }
    return parseTokenResponse(answer.status, answer.body, fetchedAt);
  }

  const provider = createCachedProvider({
    kind: 'oauth',
    refreshSkewMs: options.refreshSkewMs,
    fetch: requestToken,
    now,
  });
  return Object.assign(provider, {
    async prepare() {
      if (source.privateKeyFile) await getKey(source.privateKeyFile);
    },
  });
}
