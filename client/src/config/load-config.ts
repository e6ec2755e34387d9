import { access, constants } from 'node:fs/promises';
import { TUNNEL_PATH } from '@beats-gate/protocol';
import { ConfigError, HelpRequested } from '../errors.ts';
import { isLoopbackHost, parseHostPort } from './address.ts';
import { parseArgs } from './cli.ts';
import { CONFIG_ENV } from './options.ts';
import {
  envLayer,
  fileLayer,
  flagLayer,
  hasTokenSource,
  readConfigFile,
  type Layer,
} from './sources.ts';
import { buildTokenSource, lookupIn, type Lookup } from './token-source.ts';
import { DEFAULTS, type ClientConfig, type ListenerConfig, type TokenSource } from './types.ts';
import { toBoolean, toHeaders, toInteger, toSecureUrl, toText, type Problems } from './values.ts';

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function parseEdgeUrl(raw: unknown, where: string, problems: Problems): URL | undefined {
  const url = toSecureUrl(raw, where, problems, { secure: 'wss:', plain: 'ws:' });
  if (!url) return undefined;
  if (url.username || url.password) {
    problems.push(`${where}: must not carry credentials; use a token source`);
    return undefined;
  }
  url.hash = '';
  if (url.pathname === '/' || url.pathname === '') url.pathname = TUNNEL_PATH;
  return url;
}

function parseListen(
  raw: unknown,
  where: string,
  allowRemote: boolean,
  problems: Problems,
): { host: string; port: number } | undefined {
  const text = toText(raw, where, problems);
  if (text === undefined) return undefined;
  const parsed = parseHostPort(text);
  if (typeof parsed === 'string') {
    problems.push(`${where}: ${parsed}`);
    return undefined;
  }
  if (!allowRemote && !isLoopbackHost(parsed.host)) {
    problems.push(
      `${where}: ${parsed.host} is not a loopback address; anyone who can reach it could send data ` +
        "under this device's identity, so binding it needs --allow-remote (BEATS_GATE_ALLOW_REMOTE=true)",
    );
    return undefined;
  }
  return parsed;
}

/** The highest-precedence layer naming a token source decides the source (see buildTokenSource). */
function tokenFor(layers: readonly Layer[], lookup: Lookup, scope: string, problems: Problems) {
  const layer = layers.find(hasTokenSource);
  return layer ? buildTokenSource(layer, lookup, scope, problems) : undefined;
}

async function checkReadable(path: string | undefined, where: string, problems: Problems) {
  if (path === undefined) return;
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    problems.push(
      `${where}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

async function checkTokenFiles(source: TokenSource | undefined, where: string, problems: Problems) {
  if (source?.type === 'file') await checkReadable(source.path, `${where} token file`, problems);
  if (source?.type === 'oauth') {
    await checkReadable(source.clientSecretFile, `${where} OAuth client secret file`, problems);
    await checkReadable(source.privateKeyFile, `${where} OAuth private key file`, problems);
  }
}

/**
 * Loads the configuration from flags (argv without node and script), then the environment, then
 * the JSON file named by --config or BEATS_GATE_CONFIG. Throws HelpRequested for --help/--version
 * and one ConfigError listing every problem found.
 */
export async function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ClientConfig> {
  const args = parseArgs(argv);
  if (args.helpText !== undefined) throw new HelpRequested(args.helpText);
  const problems: Problems = [...args.problems];
  const configPath = args.configPath ?? env[CONFIG_ENV];
  const file = configPath ? await readConfigFile(configPath, problems) : { top: fileLayer({}) };
  const layers = [flagLayer(args.values), envLayer(env), file.top];
  const lookup = lookupIn(layers);
  const get = (key: string) => lookup(key) ?? { value: undefined, where: key };
  const int = (key: string, min: number, max: number, fallback: number) => {
    const { value, where } = get(key);
    return toInteger(value, where, { min, max }, problems) ?? fallback;
  };

  const allowRemote =
    toBoolean(get('allowRemote').value, get('allowRemote').where, problems) ?? false;
  const topUrl = lookup('url');
  const topHeaders = toHeaders(get('headers').value, get('headers').where, problems) ?? {};
  const topToken = tokenFor(layers, lookup, 'token source', problems);

  const listeners: ListenerConfig[] = [];
  const singleListen = layers.slice(0, 2).some((layer) => layer.values.listen !== undefined);
  if (file.listeners && file.top.values.listen !== undefined) {
    problems.push('config file: use either "listen" or "listeners", not both');
  }
  const entries: Layer[] =
    file.listeners && !singleListen
      ? [...file.listeners]
      : [
          fileLayer({
            name: get('name').value ?? DEFAULTS.name,
            listen: get('listen').value ?? DEFAULTS.listen,
          }),
        ];
  const single = entries.length === 1 && !file.listeners;
  entries.forEach((entry, index) => {
    const where = (key: string) => (single ? get(key).where : entry.where(key));
    const name = toText(entry.values.name ?? `listener-${index + 1}`, where('name'), problems);
    if (name !== undefined && !NAME_PATTERN.test(name)) {
      problems.push(`${where('name')}: use 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    const scope = single ? 'listener' : `listener "${name}"`;
    const listen = parseListen(entry.values.listen, where('listen'), allowRemote, problems);
    if (!single && entry.values.listen === undefined)
      problems.push(`${entry.where('listen')}: required`);
    const urlFound =
      entry.values.url !== undefined
        ? { value: entry.values.url, where: entry.where('url') }
        : topUrl;
    const url = urlFound ? parseEdgeUrl(urlFound.value, urlFound.where, problems) : undefined;
    if (!urlFound)
      problems.push(`${scope}: no edge URL (--url, BEATS_GATE_URL or "url" in the file)`);
    const token = hasTokenSource(entry)
      ? buildTokenSource(entry, lookupIn([entry, ...layers]), scope, problems)
      : topToken;
    if (!token && !hasTokenSource(entry) && !layers.some(hasTokenSource)) {
      problems.push(
        `${scope}: no token source (--token-file, --token-command, --oauth-token-url or --token, ` +
          'or their BEATS_GATE_ variables or file keys)',
      );
    }
    const headers = {
      ...topHeaders,
      ...toHeaders(entry.values.headers, entry.where('headers'), problems),
    };
    if (name && listen && url && token) listeners.push({ name, ...listen, url, token, headers });
  });
  const names = listeners.map((l) => l.name);
  const addresses = listeners.map((l) => `${l.host}:${l.port}`);
  if (new Set(names).size !== names.length) problems.push('listeners: names must be unique');
  if (new Set(addresses).size !== addresses.length)
    problems.push('listeners: listen addresses must be unique');

  const adminFound = lookup('adminListen');
  const admin =
    adminFound && parseListen(adminFound.value, adminFound.where, allowRemote, problems);
  const metrics = toBoolean(get('metrics').value, get('metrics').where, problems) ?? false;
  if (metrics && !adminFound)
    problems.push(`${get('metrics').where}: needs an admin listener (--admin-listen)`);

  const logLevel =
    toText(get('logLevel').value, get('logLevel').where, problems) ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.has(logLevel))
    problems.push(`${get('logLevel').where}: expected one of ${[...LOG_LEVELS].join(', ')}`);
  const proxy = toText(get('proxy').value, get('proxy').where, problems);
  if (proxy !== undefined && proxy !== 'direct') {
    try {
      const url = new URL(proxy);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(
        `${get('proxy').where}: expected http(s)://[user:password@]host:port or "direct"`,
      );
    }
  }
  const caFile = toText(get('caFile').value, get('caFile').where, problems);
  await checkReadable(caFile, get('caFile').where, problems);
  for (const listener of listeners)
    await checkTokenFiles(listener.token, `listener "${listener.name}"`, problems);

  const backoffInitialMs = int('backoffInitialMs', 1, 3_600_000, DEFAULTS.backoffInitialMs);
  const backoffMaxMs = int('backoffMaxMs', 1, 3_600_000, DEFAULTS.backoffMaxMs);
  if (backoffMaxMs < backoffInitialMs)
    problems.push(`${get('backoffMaxMs').where}: must not be below the initial backoff`);
  const config: ClientConfig = {
    listeners,
    allowRemote,
    pingIntervalMs: int('pingIntervalMs', 1_000, 600_000, DEFAULTS.pingIntervalMs),
    handshakeTimeoutMs: int('handshakeTimeoutMs', 100, 120_000, DEFAULTS.handshakeTimeoutMs),
    highWaterMark: int('highWaterMark', 1024, 64 * 1024 * 1024, DEFAULTS.highWaterMark),
    maxConnections: int('maxConnections', 1, 10_000, DEFAULTS.maxConnections),
    backoffInitialMs,
    backoffMaxMs,
    tokenRefreshSkewMs: int('tokenRefreshSkewMs', 0, 3_600_000, DEFAULTS.tokenRefreshSkewMs),
    logLevel,
    ...(caFile === undefined ? {} : { caFile }),
    ...(proxy === undefined ? {} : { proxy }),
    ...(admin ? { admin: { ...admin, metrics } } : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
