import type { Server } from 'node:net';
import { ClientError } from '../errors.ts';

/**
 * Binds a server and returns the port actually bound (port 0 picks one). A failure becomes
 * ERR_LISTEN_FAILED naming what could not listen where, so a port clash reads clearly in logs.
 */
export async function listenOn(
  server: Server,
  what: string,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ClientError(
      'ERR_LISTEN_FAILED',
      `${what} cannot listen on ${host}:${port}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  const bound = server.address();
  return { host, port: typeof bound === 'object' && bound ? bound.port : port };
}

/** `host:port` with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
