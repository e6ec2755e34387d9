import { ClientError } from '../errors.ts';
import { createCachedProvider } from './cached-provider.ts';
import { jwtExpiry } from './jwt-expiry.ts';
import { runTokenCommand } from './run-command.ts';
import { isPlausibleToken, type Token, type TokenProvider } from './types.ts';

export interface CommandProviderOptions {
  /** A string runs through the system shell; an array runs directly (argv[0] looked up on PATH). */
  readonly command: string | readonly string[];
  readonly timeoutMs: number;
  readonly refreshSkewMs: number;
  readonly now?: () => number;
}

/**
 * Runs a credential helper that prints a token on stdout (an IdP CLI, a vault agent, a TPM-backed
 * signer). The token is cached until shortly before its `exp`; an opaque token is not cached.
 * Error messages carry the exit status and the end of stderr with anything that looks like a
 * secret removed; never stdout, which holds the token.
 */
export function createCommandProvider(options: CommandProviderOptions): TokenProvider {
  const stopping = new AbortController();
  return createCachedProvider({
    kind: 'command',
    close: () => stopping.abort(),
    refreshSkewMs: options.refreshSkewMs,
    ...(options.now ? { now: options.now } : {}),
    async fetch(): Promise<Token> {
      const stdout = await runTokenCommand(options.command, {
        timeoutMs: options.timeoutMs,
        signal: stopping.signal,
      });
      const value = stdout.trim();
      if (!isPlausibleToken(value)) {
        throw new ClientError('ERR_TOKEN_COMMAND', 'token command did not print one token line');
      }
      const expiresAt = jwtExpiry(value);
      return expiresAt === undefined ? { value } : { value, expiresAt };
    },
  });
}
