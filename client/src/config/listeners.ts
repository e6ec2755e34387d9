/**
 * The client's listeners: one from --listen (or its variable, or the file's `listen`), or one per
 * entry of the file's `listeners`, each with its own address and optionally its own URL, token
 * source and headers. Every address is checked against --allow-remote here, with its source.
 */
import { isLoopbackHost, type HostPort, type Options } from '@beats-gate/kit';
import { TOKEN_SOURCE_KEYS, type CLIENT_COMMAND } from './options.ts';
import { buildListenerTls } from '../tls/tls-config.ts';
import { buildTokenSource, type Scope } from './token-source.ts';
import type { ListenerConfig, TokenSource } from './types.ts';

type ClientOptions = Options<typeof CLIENT_COMMAND.options>;

/** A non-loopback address needs --allow-remote: whoever reaches it sends as this device. */
export function checkLoopback(
  address: HostPort | undefined,
  where: string,
  allowRemote: boolean,
  problems: string[],
): HostPort | undefined {
  if (address === undefined || allowRemote || isLoopbackHost(address.host)) return address;
  problems.push(
    `${where}: ${address.host} is not a loopback address; anyone who can reach it could send ` +
      "data under this device's identity, so binding it needs --allow-remote " +
      '(BEATS_GATE_CLIENT_ALLOW_REMOTE=true)',
  );
  return undefined;
}

/** The top level's token source, built once however many listeners share it. */
type TopToken = () => TokenSource | undefined;

function build(
  scope: Scope,
  name: string,
  listen: { address: HostPort | undefined; where: string },
  topToken: TopToken,
  problems: string[],
): ListenerConfig | undefined {
  const { options, entry } = scope;
  const address = checkLoopback(
    listen.address,
    listen.where,
    options.value('allowRemote'),
    problems,
  );
  const url = entry?.value('url') ?? options.value('url');
  if (url === undefined && !(entry?.given('url') || options.given('url'))) {
    problems.push(`${scope.label}: no edge URL (${options.where('url')})`);
  }
  const ownToken = entry && TOKEN_SOURCE_KEYS.some((key) => entry.given(key));
  const token = ownToken ? buildTokenSource(scope, problems) : topToken();
  const headers = { ...options.value('headers'), ...entry?.value('headers') };
  const tls = buildListenerTls(scope, problems);
  if (name === undefined || address === undefined || url === undefined || token === undefined) {
    return undefined;
  }
  return { name, ...address, url, token, headers, ...(tls ? { tls } : {}) };
}

export function buildListeners(options: ClientOptions): ListenerConfig[] {
  const { problems, entries } = options;
  const listenFromAbove = options.layer('listen') === 'flag' || options.layer('listen') === 'env';
  if (entries && options.layer('listen') === 'file') {
    problems.push(`${options.where('listen')}: give either "listen" or "listeners", not both`);
  }
  const listeners: ListenerConfig[] = [];
  let top: { token: TokenSource | undefined } | undefined;
  const topToken = () =>
    (top ??= { token: buildTokenSource({ options, label: 'listener' }, problems) }).token;
  if (!entries || listenFromAbove) {
    const single = build(
      { options, label: 'listener' },
      options.value('name'),
      { address: options.value('listen'), where: options.where('listen') },
      topToken,
      problems,
    );
    if (single) listeners.push(single);
    return listeners;
  }
  entries.forEach((entry, index) => {
    const name = entry.value('name') ?? `listener-${index + 1}`;
    if (!entry.given('listen')) problems.push(`${entry.where('listen')}: required`);
    const built = build(
      { options, entry, label: `listener "${name}"` },
      name,
      { address: entry.value('listen'), where: entry.where('listen') },
      topToken,
      problems,
    );
    if (built) listeners.push(built);
  });
  const names = listeners.map((l) => l.name);
  const addresses = listeners.map((l) => `${l.host}:${l.port}`);
  if (new Set(names).size !== names.length) problems.push('listeners: names must be unique');
  if (new Set(addresses).size !== addresses.length) {
    problems.push('listeners: listen addresses must be unique');
  }
  return listeners;
}
