import type { Agent } from 'node:http';
import type { TokenSource } from '../config/types.ts';
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

export function createTokenProvider(
  source: TokenSource,
  options: TokenProviderOptions,
): TokenProvider & { prepare?(): Promise<void> } {
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
