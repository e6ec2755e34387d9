import { TOKEN_SOURCE_KEYS } from './options.ts';
import type { Layer } from './sources.ts';
import type { TokenSource } from './types.ts';
import { toInteger, toSecureUrl, toText, type Problems } from './values.ts';

/** Looks a key up through layers in precedence order, remembering where the value came from. */
export type Lookup = (key: string) => { value: unknown; where: string } | undefined;

export function lookupIn(layers: readonly Layer[]): Lookup {
  return (key) => {
    for (const layer of layers) {
      const value = layer.values[key];
      if (value !== undefined) return { value, where: layer.where(key) };
    }
    return undefined;
  };
}

const OAUTH_ALGS = new Set(['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256']);

function parseTokenUrl(raw: unknown, where: string, problems: Problems): URL | undefined {
  return toSecureUrl(raw, where, problems, { secure: 'https:', plain: 'http:' });
}

/**
 * Builds the token source of one scope. `sourceLayer` is the single layer whose token keys count
 * (the highest-precedence layer that names any source), so a flag replaces a file's source
 * instead of clashing with it; the OAuth details still merge across all layers via `lookup`.
 */
export function buildTokenSource(
  sourceLayer: Layer,
  lookup: Lookup,
  scope: string,
  problems: Problems,
): TokenSource | undefined {
  const given = TOKEN_SOURCE_KEYS.filter((key) => sourceLayer.values[key] !== undefined);
  if (given.length > 1) {
    problems.push(
      `${scope}: more than one token source in ${sourceLayer.name} (${given
        .map((key) => sourceLayer.where(key))
        .join(', ')}); choose one`,
    );
    return undefined;
  }
  const key = given[0];
  const raw = key === undefined ? undefined : sourceLayer.values[key];
  const where = key === undefined ? scope : sourceLayer.where(key);
  switch (key) {
    case undefined:
      return undefined;
    case 'token': {
      const token = toText(raw, where, problems);
      if (token !== undefined && /\s/.test(token)) problems.push(`${where}: a token has no spaces`);
      return token === undefined ? undefined : { type: 'static', token };
    }
    case 'tokenFile': {
      const path = toText(raw, where, problems);
      return path === undefined ? undefined : { type: 'file', path };
    }
    case 'tokenCommand': {
      const found = lookup('tokenCommandTimeoutMs');
      const timeoutMs =
        toInteger(found?.value, found?.where ?? '', { min: 100, max: 300_000 }, problems) ?? 10_000;
      if (Array.isArray(raw)) {
        if (raw.length === 0 || !raw.every((arg) => typeof arg === 'string' && arg.length > 0)) {
          problems.push(`${where}: expected a command string or a non-empty array of strings`);
          return undefined;
        }
        return { type: 'command', command: raw as string[], timeoutMs };
      }
      const command = toText(raw, where, problems);
      return command === undefined ? undefined : { type: 'command', command, timeoutMs };
    }
    case 'oauthTokenUrl':
      return buildOAuthSource(raw, where, lookup, problems);
  }
}

function buildOAuthSource(
  raw: unknown,
  where: string,
  lookup: Lookup,
  problems: Problems,
): TokenSource | undefined {
  const text = (key: string) => {
    const found = lookup(key);
    return found ? toText(found.value, found.where, problems) : undefined;
  };
  const tokenUrl = parseTokenUrl(raw, where, problems);
  const clientId = text('oauthClientId');
  if (clientId === undefined && !lookup('oauthClientId')) {
    problems.push(
      `${where}: OAuth needs a client id (--oauth-client-id / BEATS_GATE_OAUTH_CLIENT_ID)`,
    );
  }
  const clientSecret = text('oauthClientSecret');
  const clientSecretFile = text('oauthClientSecretFile');
  const privateKeyFile = text('oauthPrivateKeyFile');
  const methods = [clientSecret, clientSecretFile, privateKeyFile].filter((v) => v !== undefined);
  if (methods.length !== 1) {
    problems.push(
      `${where}: OAuth needs exactly one client authentication: a client secret ` +
        '(BEATS_GATE_OAUTH_CLIENT_SECRET or --oauth-client-secret-file) or --oauth-private-key-file',
    );
  }
  const signingAlg = text('oauthSigningAlg');
  if (signingAlg !== undefined && !OAUTH_ALGS.has(signingAlg)) {
    problems.push(
      `${lookup('oauthSigningAlg')?.where}: expected one of ${[...OAUTH_ALGS].join(', ')}`,
    );
  }
  if (tokenUrl === undefined || clientId === undefined || methods.length !== 1) return undefined;
  const optional = {
    clientSecret,
    clientSecretFile,
    privateKeyFile,
    signingAlg,
    keyId: text('oauthKeyId'),
    scope: text('oauthScope'),
    audience: text('oauthAudience'),
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return { type: 'oauth', tokenUrl, clientId, ...defined };
}
