/**
 * The admin listener of every beats-gate Node service, on a port of its own (loopback by default)
 * so the public listener, and the CDN in front of it, never reach it:
 *
 * - `GET /healthz`: the process answers;
 * - `GET /readyz`: 200 or 503 from the readiness the service supplies, with its details;
 * - `GET /metrics`: Prometheus text from the service's registry (404 when it serves none);
 * - `GET /version`: the service's name and package version;
 *
 * plus the routes a service adds (the client's `GET /status`, the unwrapper's
 * `POST /tunnels/close`). Every answer is JSON except /metrics, and never cached.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type AdminMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface AdminReply {
  readonly status: number;
  /** An object is sent as JSON; a string as it is, with the content type in `headers`. */
  readonly body: object | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AdminRoute {
  readonly path: string;
  /** The methods this path answers; any other gets 405 with an Allow header. */
  readonly methods: readonly AdminMethod[];
  handle(request: IncomingMessage, url: URL): AdminReply | Promise<AdminReply>;
}

/** Whether to take traffic; any other field (why, for operators) is shown in the answer as is. */
export interface Readiness {
  readonly ready: boolean;
}

export interface AdminServerOptions {
  /** `beats-gate-client`, …: shown by /version. */
  readonly service: string;
  /** The service's package version, shown by /version. */
  readonly version: string;
  readonly readiness: () => Readiness;
  /** Served at /metrics; without one, /metrics answers 404. */
  readonly registry?: Registry;
  /** Service routes; a path may appear once, and not over a built-in one. */
  readonly routes?: readonly AdminRoute[];
  /** Where a failing handler is reported (`admin_error`). */
  readonly logger?: Logger;
}

const READ: readonly AdminMethod[] = ['GET', 'HEAD'];

function builtInRoutes(options: AdminServerOptions): AdminRoute[] {
  const { registry } = options;
  return [
    { path: '/healthz', methods: READ, handle: () => ({ status: 200, body: { status: 'ok' } }) },
    {
      path: '/readyz',
      methods: READ,
      handle() {
        const readiness = options.readiness();
        const status = readiness.ready ? 'ready' : 'not_ready';
        return { status: readiness.ready ? 200 : 503, body: { status, ...readiness } };
      },
    },
    {
      path: '/version',
      methods: READ,
      handle: () => ({ status: 200, body: { service: options.service, version: options.version } }),
    },
    ...(registry === undefined
      ? []
      : [
          {
            path: '/metrics',
            methods: READ,
            async handle(): Promise<AdminReply> {
              const text = await registry.metrics();
              return { status: 200, body: text, headers: { 'content-type': registry.contentType } };
            },
          },
        ]),
  ];
}

/** Builds the routing table; a path given twice is a mistake caught here, not on a request. */
function routeTable(options: AdminServerOptions): Map<string, AdminRoute> {
  const table = new Map<string, AdminRoute>();
  for (const route of [...builtInRoutes(options), ...(options.routes ?? [])]) {
    if (table.has(route.path)) {
      throw new RangeError(`routes: ${route.path} is served twice`);
    }
    table.set(route.path, route);
  }
  return table;
}

/** The admin server, not yet listening: bind it with the service's own listen helper. */
export function createAdminServer(options: AdminServerOptions): Server {
  const routes = routeTable(options);

  async function answer(request: IncomingMessage): Promise<AdminReply> {
    const url = new URL(request.url ?? '/', 'http://admin');
    const route = routes.get(url.pathname);
    if (route === undefined) return { status: 404, body: { error: 'ERR_ADMIN_NOT_FOUND' } };
    if (!route.methods.includes(request.method as AdminMethod)) {
      const allowed = route.methods.join(', ');
      return {
        status: 405,
        body: { error: 'ERR_ADMIN_METHOD', message: `use ${allowed} ${route.path}` },
        headers: { allow: allowed },
      };
    }
    return route.handle(request, url);
  }

  function adminOnRequest(request: IncomingMessage, response: ServerResponse) {
    // A request body is never used; drain it so the connection can be reused.
    request.resume();
    answer(request).then(
      (reply) => send(response, reply),
      (error: unknown) => {
        options.logger?.error({ event: 'admin_error', path: request.url, err: error });
        send(response, { status: 500, body: { error: 'ERR_ADMIN_INTERNAL' } });
      },
    );
  }

  return createServer(adminOnRequest);
}

function send(response: ServerResponse, reply: AdminReply) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const json = typeof reply.body !== 'string';
  response.writeHead(reply.status, {
    ...(json ? { 'content-type': 'application/json' } : {}),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  response.end(json ? `${JSON.stringify(reply.body, null, 2)}\n` : reply.body);
}
