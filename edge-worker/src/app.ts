/**
 * Routes of the edge. No middleware is registered: anything that touched the response of the
 * tunnel route would risk replacing the 101 (and its WebSocket) with a copy.
 */
import { TUNNEL_PATH } from '@beats-gate/protocol';
import { Hono, type Context } from 'hono';
import { EdgeError } from './errors.ts';
import { logDecision } from './log.ts';
import { errorResponse } from './respond.ts';
import { getRuntime } from './runtime.ts';
import { handleTunnel } from './tunnel.ts';

type Bindings = Record<string, unknown>;

export function createApp() {
  const app = new Hono<{ Bindings: Bindings }>();

  app.all(TUNNEL_PATH, (c) => handleTunnel(c.req.raw, c.env ?? {}, keepAliveOf(c)));

  app.get('/healthz', (c) => {
    const runtime = getRuntime(c.env ?? {});
    if (!runtime.ok) {
      return errorResponse(
        new EdgeError('ERR_EDGE_CONFIG_INVALID', 'the edge is misconfigured; see its logs'),
      );
    }
    return c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' });
  });

  app.notFound(() => {
    logDecision({
      event: 'edge.request',
      result: 'refused',
      code: 'ERR_EDGE_NOT_FOUND',
      status: 404,
    });
    return errorResponse(new EdgeError('ERR_EDGE_NOT_FOUND', 'no route for this path'));
  });

  app.onError((error) => {
    logDecision({ event: 'edge.request', result: 'error', code: 'ERR_EDGE_INTERNAL', status: 500 });
    return errorResponse(new EdgeError('ERR_EDGE_INTERNAL', 'internal error', { cause: error }));
  });

  return app;
}

/** The request's waitUntil; Hono's getter throws where there is no execution context (Node tests). */
function keepAliveOf(c: Context): (pending: Promise<unknown>) => void {
  try {
    const context = c.executionCtx;
    return (pending) => context.waitUntil(pending);
  } catch {
    return () => undefined;
  }
}
