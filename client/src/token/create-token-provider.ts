import type { Agent } from 'node:http';
import type { ClientConfig, TokenSource } from '../config/types.ts';
import { createProxyAgent } from '../net/agent.ts';
import { createCommandProvider } from './command-provider.ts';
import { createFileProvider } from './file-provider.ts';
import { createOAuthProvider } from './oauth-provider.ts';
import { createStaticProvider } from './static-provider.ts';
import type { TokenProvider } from './types.ts';

export interface TokenProviderOptions {
  readonly refreshSkewMs: number;
  /** Network settings for an OAuth token endpoint: the same proxy and CA rules as the edge. */
  readonly oauthAgent?: Agent;
  readonly ca?: string;
  readonly oauthTimeoutMs: number;
  readonly now?: () => number;
}

export type PreparedTokenProvider = TokenProvider & { prepare?(): Promise<void> };

/** How long one OAuth token request may take. */
const OAUTH_TIMEOUT_MS = 10_000;

/**
 * The providers of a client's token sources, one per source, so listeners that share a source
 * share one cache: one command run, one OAuth call. The service and `beats-gate-client test`
 * both build theirs here, so the test fetches tokens exactly as the service would.
 */
export function createTokenProviders(
  config: Pick<ClientConfig, 'proxy' | 'tokenRefreshSkewMs'>,
  ca: string | undefined,
  now?: () => number,
) {
  const providers = new Map<TokenSource, PreparedTokenProvider>();
  return {
    /** The source's provider, and whether this call made it (the caller prepares new ones). */
    get(source: TokenSource): { tokens: PreparedTokenProvider; created: boolean } {
      const known = providers.get(source);
      if (known) return { tokens: known, created: false };
      const oauthAgent =
        source.type === 'oauth' ? createProxyAgent(source.tokenUrl, config.proxy, ca) : undefined;
      const tokens = createTokenProvider(source, {
        refreshSkewMs: config.tokenRefreshSkewMs,
        oauthTimeoutMs: OAUTH_TIMEOUT_MS,
        ...(oauthAgent ? { oauthAgent } : {}),
        ...(ca ? { ca } : {}),
        ...(now ? { now } : {}),
      });
      providers.set(source, tokens);
      return { tokens, created: true };
    },
  };
}

export function createTokenProvider(
  source: TokenSource,
  options: TokenProviderOptions,
): PreparedTokenProvider {
  const now = options.now ? { now: options.now } : {};
  switch (source.type) {
    case 'static':
      return createStaticProvider(source.token);
    case 'file':
      return createFileProvider(source.path);
    case 'command':
      return createCommandProvider({
        command: source.command,
        timeoutMs: source.timeoutMs,
        refreshSkewMs: options.refreshSkewMs,
        ...now,
      });
    case 'oauth':
      return createOAuthProvider({
        source,
        refreshSkewMs: options.refreshSkewMs,
        timeoutMs: options.oauthTimeoutMs,
        ...(options.oauthAgent ? { agent: options.oauthAgent } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
        ...now,
      });
  }
}
