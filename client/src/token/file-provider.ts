import { open } from 'node:fs/promises';
import { ClientError } from '../errors.ts';
import { jwtExpiry } from './jwt-expiry.ts';
import { isPlausibleToken, type Token, type TokenProvider } from './types.ts';

const MAX_FILE_BYTES = 64 * 1024;

/** Reads a small file whole, refusing large ones before reading them. */
export async function readSmallFile(path: string, limit = MAX_FILE_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > limit) throw new Error(`file is ${size} bytes, more than ${limit}`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Re-reads the file for every new connection, so a token rotated on disk (by a sidecar, a cron
 * job or systemd credentials) is used from the next connection on without a restart. Reading a
 * small file per Beats connection is cheap: Beats holds its connections open for many batches.
 */
export function createFileProvider(path: string): TokenProvider {
  let lastExpiry: number | undefined;
  return {
    kind: 'file',
    get expiresAt() {
      return lastExpiry;
    },
    async get(): Promise<Token> {
      let value: string;
      try {
        value = (await readSmallFile(path)).trim();
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new ClientError('ERR_TOKEN_FILE', `cannot read token file "${path}": ${reason}`, {
          cause: error,
        });
      }
      if (!isPlausibleToken(value)) {
        throw new ClientError(
          'ERR_TOKEN_FILE',
          `token file "${path}" does not hold one token line`,
        );
      }
      lastExpiry = jwtExpiry(value);
      return lastExpiry === undefined ? { value } : { value, expiresAt: lastExpiry };
    },
    invalidate: () => {},
  };
}
