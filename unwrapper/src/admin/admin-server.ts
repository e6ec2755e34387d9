/**
 * The admin listener, on its own port (loopback by default): liveness, readiness and Prometheus
 * metrics, open to whoever reaches the port; and one action, closing tunnels (to cut off a device
 * whose token was revoked: the edge's deny list only stops its next connection), which needs the
 * admin bearer token and is off without one. Kept apart from the public listener so the CDN never
 * reaches it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  draining: boolean;
  upstreamReachable: boolean;
}

/** Which tunnels to close: every tunnel of a subject, or one tunnel by its connection id. */
export type TunnelSelector = { subject: string } | { connectionId: string };

export interface AdminDeps {
  registry: Registry;
  readiness: () => Readiness;
  /** Bearer token of POST /tunnels/close; the endpoint answers 403 without one. */
  adminToken?: string;
  /** Closes the selected tunnels; returns how many. */
  closeTunnels: (selector: TunnelSelector) => number;
}

const CLOSE_PATH = '/tunnels/close';

export function createAdminServer(deps: AdminDeps) {
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first byte.
  const expected = deps.adminToken === undefined ? undefined : digest(deps.adminToken);

  function authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer +(\S+)$/i.exec(header);
    return expected !== undefined && match !== null && timingSafeEqual(digest(match[1]!), expected);
  }

  function closeTunnels(request: IncomingMessage, response: ServerResponse, url: URL) {
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return send(response, 405, { error: 'ERR_ADMIN_METHOD', message: `use POST ${CLOSE_PATH}` });
    }
    if (expected === undefined) {
      return send(response, 403, {
        error: 'ERR_ADMIN_DISABLED',
        message: 'closing tunnels needs an admin token: set UNWRAPPER_ADMIN_TOKEN_FILE',
      });
    }
    if (!authorized(request)) {
      response.setHeader('www-authenticate', 'Bearer');
      return send(response, 401, {
        error: 'ERR_ADMIN_UNAUTHORIZED',
        message: 'expected Authorization: Bearer <admin token>',
      });
    }
    const subject = url.searchParams.get('subject');
    const connectionId = url.searchParams.get('connectionId');
    if ((subject === null) === (connectionId === null) || (subject ?? connectionId) === '') {
      return send(response, 400, {
        error: 'ERR_ADMIN_BAD_REQUEST',
        message: `give exactly one of ?subject= or ?connectionId= (POST ${CLOSE_PATH}?subject=device-7)`,
      });
    }
    const selector: TunnelSelector =
      subject !== null ? { subject } : { connectionId: connectionId! };
    return send(response, 200, { ...selector, closed: deps.closeTunnels(selector) });
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://admin');
    if (url.pathname === CLOSE_PATH) return closeTunnels(request, response, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, { error: 'ERR_ADMIN_METHOD' });
    }
    switch (url.pathname) {
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
    // A POST body is not used; drain it so the connection can be reused.
    request.resume();
    handle(request, response).catch(() => send(response, 500, { error: 'ERR_ADMIN_INTERNAL' }));
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(response: ServerResponse, status: number, body: object) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
