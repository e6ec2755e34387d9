import { execFile } from 'node:child_process';
import { ClientError } from '../errors.ts';
import { createCachedProvider } from './cached-provider.ts';
import { jwtExpiry } from './jwt-expiry.ts';
import { isPlausibleToken, type Token, type TokenProvider } from './types.ts';

export interface CommandProviderOptions {
  /** A string runs through the system shell; an array runs directly (argv[0] looked up on PATH). */
  readonly command: string | readonly string[];
  readonly timeoutMs: number;
  readonly refreshSkewMs: number;
  readonly now?: () => number;
}

function run(command: string | readonly string[], timeoutMs: number): Promise<string> {
  const [file, args, shell] =
    typeof command === 'string'
      ? process.platform === 'win32'
        ? [command, [], true]
        : ['/bin/sh', ['-c', command], false]
      : [command[0] ?? '', command.slice(1), false];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024, shell, windowsHide: true, encoding: 'utf8' },
      (error: Error | null, stdout: string) => {
        if (error) reject(error);
        else resolve(stdout);
      },
    );
  });
}

/**
 * Runs a credential helper that prints a token on stdout (an IdP CLI, a vault agent, a TPM-backed
 * signer). The token is cached until shortly before its `exp`; an opaque token is not cached.
 * Error messages carry the exit status, never the command's output, which could hold a secret.
 */
export function createCommandProvider(options: CommandProviderOptions): TokenProvider {
  return createCachedProvider({
    kind: 'command',
    refreshSkewMs: options.refreshSkewMs,
    ...(options.now ? { now: options.now } : {}),
    async fetch(): Promise<Token> {
      let stdout: string;
      try {
        stdout = await run(options.command, options.timeoutMs);
      } catch (error) {
        const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
        const reason = err.killed
          ? `timed out after ${options.timeoutMs} ms`
          : err.code !== undefined
            ? `exit status ${err.code}`
            : `signal ${err.signal ?? 'unknown'}`;
        // No `cause`: Node's message repeats the command line and its stderr, which may hold secrets.
        throw new ClientError('ERR_TOKEN_COMMAND', `token command failed: ${reason}`);
      }
      const value = stdout.trim();
      if (!isPlausibleToken(value)) {
        throw new ClientError('ERR_TOKEN_COMMAND', 'token command did not print one token line');
      }
      const expiresAt = jwtExpiry(value);
      return expiresAt === undefined ? { value } : { value, expiresAt };
    },
  });
}
