/**
 * Stand-in for the unwrapper: a `ws` echo server on 127.0.0.1:0 that records the headers of every
 * upgrade it receives, so tests can see exactly what the edge forwarded (and whether it forwarded
 * anything at all).
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** An answer origin gives instead of accepting, written as a raw HTTP response. */
export interface OriginRefusal {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface EchoOrigin {
  readonly url: string;
  readonly upgrades: IncomingHttpHeaders[];
  /** While set, every upgrade gets this answer instead of a WebSocket (still recorded). */
  refuseWith: OriginRefusal | undefined;
  close(): Promise<void>;
}

export async function startEchoOrigin(): Promise<EchoOrigin> {
  const upgrades: IncomingHttpHeaders[] = [];
  const http = createServer();
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  const origin: EchoOrigin = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    upgrades,
    refuseWith: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  http.on('upgrade', function originOnUpgrade(request, socket, head) {
    const refusal = origin.refuseWith;
    if (!refusal) {
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
      return;
    }
    upgrades.push({ ...request.headers, ':path': request.url });
    socket.end(
      [
        `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
        'Connection: close',
        `Content-Type: ${refusal.contentType ?? 'application/json'}`,
        `Content-Length: ${Buffer.byteLength(refusal.body)}`,
        '',
        refusal.body,
      ].join('\r\n'),
    );
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
  return origin;
}
