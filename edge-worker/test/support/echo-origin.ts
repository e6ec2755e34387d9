/**
 * Stand-in for the unwrapper: a `ws` echo server on 127.0.0.1:0 that records the headers of every
 * upgrade it receives, so tests can see exactly what the edge forwarded (and whether it forwarded
 * anything at all).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoOrigin {
  readonly url: string;
  readonly upgrades: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startEchoOrigin(): Promise<EchoOrigin> {
  const upgrades: IncomingHttpHeaders[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('connection', function originOnConnection(socket, request) {
    // ':path' is not a header; recorded alongside so tests can check the forwarded URL.
    upgrades.push({ ...request.headers, ':path': request.url });
    socket.on('message', function originOnMessage(data, isBinary) {
      // A text message "close <code>" asks the origin to close, to test close propagation.
      const command = isBinary
        ? undefined
        : /^close (\d{4})$/.exec((data as Buffer).toString('utf8'));
      if (command) socket.close(Number(command[1]), 'origin closed');
      else socket.send(data, { binary: isBinary });
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
