import type { Agent } from 'node:http';
import type WebSocket from 'ws';
import type { ListenerConfig } from '../config/types.ts';
import { HandshakeError } from '../errors.ts';
import { createProxyAgent, describeProxy, proxyAddress } from '../net/agent.ts';
import type { Token, TokenProvider } from '../token/types.ts';
import { openWebSocket } from './handshake.ts';

export interface EdgeDialerOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly tokens: TokenProvider;
  readonly handshakeTimeoutMs: number;
  readonly agent?: Agent;
  /** The proxy's `host:port` when `agent` goes through one, for errors that name it. */
  readonly proxy?: string;
  readonly ca?: string;
  /** Called with each token used (for the expiry gauge); never log the token itself. */
  readonly onToken?: (token: Token) => void;
  /** Called when a 401 made the dialer drop its token and fetch another. */
  readonly onRefresh?: () => void;
}

/** Opens one WebSocket to the edge, or rejects with a ClientError; `signal` gives it up. */
export type DialEdge = (signal: AbortSignal) => Promise<WebSocket>;

/** Acks from Logstash are 6 bytes; 1 MiB leaves room for any batching along the way. */
const MAX_DOWNSTREAM_MESSAGE = 1024 * 1024;

/**
 * Gets a token and opens one WebSocket to the edge. When the edge refuses the token (401 from the
 * edge itself, not from origin) it refreshes the token once and retries: a token that expired or
 * was rotated gets replaced, while a second 401 means the credentials themselves are refused, and
 * retrying again would only hammer the edge.
 */
export function createEdgeDialer(options: EdgeDialerOptions): DialEdge {
  return async function dialEdge(signal: AbortSignal): Promise<WebSocket> {
    for (let attempt = 1; ; attempt++) {
      const token = await options.tokens.get();
      options.onToken?.(token);
      if (signal.aborted)
        throw new HandshakeError('ERR_HANDSHAKE_ABORTED', 'handshake aborted', {});
      try {
        return await openWebSocket({
          url: options.url,
          token: token.value,
          headers: options.headers,
          timeoutMs: options.handshakeTimeoutMs,
          maxPayload: MAX_DOWNSTREAM_MESSAGE,
          signal,
          ...(options.agent ? { agent: options.agent } : {}),
          ...(options.proxy ? { proxy: options.proxy } : {}),
          ...(options.ca ? { ca: options.ca } : {}),
        });
      } catch (error) {
        // A static token cannot be refreshed: asking again would send the same refused token.
        const refreshable = options.tokens.kind !== 'static';
        if (
          error instanceof HandshakeError &&
          error.code === 'ERR_HANDSHAKE_UNAUTHORIZED' &&
          attempt === 1 &&
          refreshable
        ) {
          options.onRefresh?.();
          options.tokens.invalidate(token);
          continue;
        }
        throw error;
      }
    }
  };
}

/** What every listener, probe and test shares: the network settings of the client as a whole. */
export interface NetworkSettings {
  /** `--proxy`: an URL, `direct`, or undefined to follow HTTPS_PROXY/NO_PROXY. */
  readonly proxy?: string;
  /** The contents of `--ca-file`. */
  readonly ca?: string;
  readonly handshakeTimeoutMs: number;
}

/**
 * The dial path of one listener, exactly as its Beats connections use it: its URL and headers,
 * the proxy that applies to that URL, the extra CA, the token source with its 401 refresh.
 * `proxy` is the proxy without credentials, for log lines.
 */
export function createListenerDialer(
  listener: Pick<ListenerConfig, 'url' | 'headers'>,
  network: NetworkSettings,
  tokens: TokenProvider,
  hooks: Pick<EdgeDialerOptions, 'onToken' | 'onRefresh'> = {},
): { dial: DialEdge; proxy: string | undefined } {
  const agent = createProxyAgent(listener.url, network.proxy, network.ca);
  const address = proxyAddress(listener.url, network.proxy);
  const dial = createEdgeDialer({
    url: listener.url,
    headers: listener.headers,
    tokens,
    handshakeTimeoutMs: network.handshakeTimeoutMs,
    ...(agent ? { agent } : {}),
    ...(address ? { proxy: address } : {}),
    ...(network.ca ? { ca: network.ca } : {}),
    ...hooks,
  });
  return { dial, proxy: describeProxy(listener.url, network.proxy) };
}
