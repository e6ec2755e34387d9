/**
 * A JWKS endpoint the test controls: the key set can be swapped (rotation) or the endpoint made to
 * fail, and every fetch is counted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';

export interface JwksServer {
  readonly url: string;
  jwks: JSONWebKeySet;
  /** When set, answers with this HTTP status instead of the key set. */
  failWith?: number;
  readonly fetches: () => number;
  close(): Promise<void>;
}

export async function startJwksServer(initial: JSONWebKeySet): Promise<JwksServer> {
  let fetches = 0;
  const state: JwksServer = {
    url: '',
    jwks: initial,
    fetches: () => fetches,
    close: () => Promise.resolve(),
  };
  const server = createServer(function jwksOnRequest(_request, response) {
    fetches++;
    if (state.failWith !== undefined) {
      response.writeHead(state.failWith).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(state, { url: `http://127.0.0.1:${port}/.well-known/jwks.json` });
  // Keep-alive sockets from workerd would hold close() open.
  server.keepAliveTimeout = 100;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
