/**
 * The token source of a listener. Exactly one source counts per scope: for the top level, the
 * sources named by the highest-precedence layer (so a flag replaces the file's source instead of
 * clashing with it); for a listener of the file, the sources it names itself. The details of a
 * source (the OAuth client, the command's time limit) may come from any layer or the listener.
 */
import type { Entry, Layer, Options } from '@beats-gate/kit';
import type { CLIENT_COMMAND } from './options.ts';
import { TOKEN_SOURCE_KEYS, type ClientOptionKey } from './options.ts';
import type { TokenSource } from './types.ts';

type Table = typeof CLIENT_COMMAND.options;
type SourceKey = (typeof TOKEN_SOURCE_KEYS)[number];

const LAYER_NAMES: Record<Layer, string> = {
  flag: 'the command line',
  env: 'the environment',
  file: 'the config file',
  default: 'the defaults',
};
const PRECEDENCE: readonly Layer[] = ['flag', 'env', 'file'];

/** A listener's view: its own settings first, then the top level's. */
export interface Scope {
  readonly options: Options<Table>;
  readonly entry?: Entry<Table>;
  /** `listener "filebeat"`, for problems about the scope as a whole. */
  readonly label: string;
}

function value<K extends ClientOptionKey>(scope: Scope, key: K) {
  return scope.entry?.value(key) ?? scope.options.value(key);
}

function where(scope: Scope, key: ClientOptionKey): string {
  return scope.entry?.given(key) ? scope.entry.where(key) : scope.options.where(key);
}

/** The sources that count in this scope, and what to call where they came from. */
function sourcesOf(scope: Scope): { keys: SourceKey[]; from: string } {
  const { entry, options } = scope;
  const own = entry ? TOKEN_SOURCE_KEYS.filter((key) => entry.given(key)) : [];
  if (own.length > 0) return { keys: own, from: scope.label };
  const layer = PRECEDENCE.find((candidate) =>
    TOKEN_SOURCE_KEYS.some((key) => options.layer(key) === candidate),
  );
  if (layer === undefined) return { keys: [], from: scope.label };
  return {
    keys: TOKEN_SOURCE_KEYS.filter((key) => options.layer(key) === layer),
    from: LAYER_NAMES[layer],
  };
}

export function buildTokenSource(scope: Scope, problems: string[]): TokenSource | undefined {
  const { keys, from } = sourcesOf(scope);
  if (keys.length > 1) {
    const names = keys.map((key) => where(scope, key)).join(', ');
    problems.push(`${scope.label}: more than one token source in ${from} (${names}); choose one`);
    return undefined;
  }
  switch (keys[0]) {
    case undefined:
      problems.push(
        `${scope.label}: no token source (--token-file, --token-command, --oauth-token-url or ` +
          '--token, or their BEATS_GATE_CLIENT_ variables or file keys)',
      );
      return undefined;
    case 'token': {
      const token = value(scope, 'token');
      return token === undefined ? undefined : { type: 'static', token };
    }
    case 'tokenFile': {
      const path = value(scope, 'tokenFile');
      return path === undefined ? undefined : { type: 'file', path };
    }
    case 'tokenCommand': {
      const command = value(scope, 'tokenCommand');
      const timeoutMs = value(scope, 'tokenCommandTimeoutMs');
      return command === undefined ? undefined : { type: 'command', command, timeoutMs };
    }
    case 'oauthTokenUrl':
      return buildOAuthSource(scope, problems);
  }
}

function buildOAuthSource(scope: Scope, problems: string[]): TokenSource | undefined {
  const tokenUrl = value(scope, 'oauthTokenUrl');
  const at = where(scope, 'oauthTokenUrl');
  const clientId = value(scope, 'oauthClientId');
  if (clientId === undefined) {
    problems.push(`${at}: OAuth needs a client id (${where(scope, 'oauthClientId')})`);
  }
  const clientSecret = value(scope, 'oauthClientSecret');
  const clientSecretFile = value(scope, 'oauthClientSecretFile');
  const privateKeyFile = value(scope, 'oauthPrivateKeyFile');
  const methods = [clientSecret, clientSecretFile, privateKeyFile].filter((v) => v !== undefined);
  if (methods.length !== 1) {
    problems.push(
      `${at}: OAuth needs exactly one client authentication: a client secret ` +
        '(BEATS_GATE_CLIENT_OAUTH_CLIENT_SECRET or --oauth-client-secret-file) or --oauth-private-key-file',
    );
  }
  if (tokenUrl === undefined || clientId === undefined || methods.length !== 1) return undefined;
  const optional = {
    clientSecret,
    clientSecretFile,
    privateKeyFile,
    signingAlg: value(scope, 'oauthSigningAlg'),
    keyId: value(scope, 'oauthKeyId'),
    scope: value(scope, 'oauthScope'),
    audience: value(scope, 'oauthAudience'),
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return { type: 'oauth', tokenUrl, clientId, ...defined };
}
