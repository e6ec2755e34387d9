/**
 * The public listener: HTTP, or HTTPS requiring client certificates (Authenticated Origin Pulls).
 * Its upgrades become tunnels (upgrade/handle-upgrade.ts); a plain request gets 426 on the tunnel
 * path and 404 elsewhere, and a malformed request a real status line.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TUNNEL_PATH } from '@beats-gate/protocol';
import type { UnwrapperConfig } from './config/types.ts';
import { UpgradeRefusal, writeRefusal } from './upgrade/refusal.ts';

export function createPublicServer(
  config: Pick<UnwrapperConfig, 'tls' | 'closeTimeoutMs'>,
): Server {
  const server: Server = config.tls
    ? createHttpsServer({
        cert: config.tls.cert,
        key: config.tls.key,
        ...(config.tls.clientCa
          ? { ca: config.tls.clientCa, requestCert: true, rejectUnauthorized: true }
          : {}),
      })
    : createHttpServer();
  server.on('request', (request, response) => {
    const path = new URL(request.url ?? '/', 'http://unwrapper').pathname;
    const status = path === TUNNEL_PATH ? 426 : 404;
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 426 ? { upgrade: 'websocket', connection: 'Upgrade' } : {}),
    });
    response.end(
      JSON.stringify({
        error: status === 426 ? 'ERR_UNWRAPPER_UPGRADE_REQUIRED' : 'ERR_UNWRAPPER_NOT_FOUND',
      }),
    );
  });
  server.on('clientError', (_error, socket) => {
    const refusal = new UpgradeRefusal('bad_handshake', 'malformed HTTP request');
    writeRefusal(socket, refusal, config.closeTimeoutMs);
  });
  return server;
}
