import type { Agent } from 'node:http';
import type WebSocket from 'ws';
import { HandshakeError } from '../errors.ts';
import type { Token, TokenProvider } from '../token/types.ts';
import { openWebSocket } from './handshake.ts';

export interface EdgeDialerOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly tokens: TokenProvider;
  readonly handshakeTimeoutMs: number;
  readonly agent?: Agent;
  readonly ca?: string;
  /** Called with each token used (for the expiry gauge); never log the token itself. */
  readonly onToken?: (token: Token) => void;
  /** Called when a 401 made the dialer drop its token and fetch another. */
  readonly onRefresh?: () => void;
}

/** Acks from Logstash are 6 bytes; 1 MiB leaves room for any batching along the way. */
const MAX_DOWNSTREAM_MESSAGE = 1024 * 1024;

/**
 * Gets a token and opens one WebSocket to the edge. On a 401 it refreshes the token once and
 * retries: a token that expired or was rotated gets replaced, while a second 401 means the
 * credentials themselves are refused, and retrying again would only hammer the edge.
 */
export function createEdgeDialer(options: EdgeDialerOptions) {
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
          ...(options.ca ? { ca: options.ca } : {}),
        });
      } catch (error) {
        // A static token cannot be refreshed: asking again would send the same refused token.
        const refreshable = options.tokens.kind !== 'static';
        if (
          error instanceof HandshakeError &&
          error.status === 401 &&
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
