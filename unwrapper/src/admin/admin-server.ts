/**
 * The admin listener, on its own port (loopback by default): liveness, readiness and Prometheus
 * metrics. Kept apart from the public listener so the CDN never reaches it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  draining: boolean;
  upstreamReachable: boolean;
}

export function createAdminServer(deps: { registry: Registry; readiness: () => Readiness }) {
  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, { error: 'ERR_ADMIN_METHOD' });
    }
    switch (path) {
      case '/healthz':
        return send(response, 200, { status: 'ok' });
      case '/readyz': {
        const readiness = deps.readiness();
        return send(response, readiness.ready ? 200 : 503, {
          status: readiness.ready ? 'ready' : 'not_ready',
          ...readiness,
        });
      }
      case '/metrics': {
        const text = await deps.registry.metrics();
        response.writeHead(200, { 'content-type': deps.registry.contentType });
        response.end(text);
        return;
      }
      default:
        return send(response, 404, { error: 'ERR_ADMIN_NOT_FOUND' });
    }
  }

  return createServer((request, response) => {
    handle(request, response).catch(() => send(response, 500, { error: 'ERR_ADMIN_INTERNAL' }));
  });
}

function send(response: ServerResponse, status: number, body: object) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
