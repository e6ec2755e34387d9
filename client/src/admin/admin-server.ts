import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { listenOn } from '../net/listen-on.ts';
import type { Metrics } from './metrics.ts';

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  /** Serve /metrics as well as /status and /healthz. */
  readonly metrics: boolean;
  readonly registry: Metrics['registry'];
  readonly status: () => unknown;
  readonly logger: Logger;
}

/**
 * The admin listener: GET /status (JSON for operators and support scripts), GET /healthz, and
 * optionally GET /metrics for Prometheus. It binds loopback unless --allow-remote says otherwise,
 * and never shows a token: /status reports the token source and its expiry only.
 */
export function createAdminServer(options: AdminServerOptions) {
  async function adminOnRequest(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (path === '/status') {
        const body = JSON.stringify(options.status(), null, 2);
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/metrics' && options.metrics) {
        options.status(); // refreshes the gauges that are computed on demand
        const body = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (error) {
      options.logger.error({ event: 'admin_error', err: error }, 'admin request failed');
      res.writeHead(500).end();
    }
  }

  const server = createServer((req, res) => void adminOnRequest(req, res));
  return {
    listen(): Promise<{ host: string; port: number }> {
      return listenOn(server, 'admin listener', options.host, options.port);
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
