/**
 * Client side of the tests: opens the tunnel like a device, and reports a refusal as its status,
 * headers and JSON body.
 */
import { request as httpRequest } from 'node:http';
import { WebSocket } from 'ws';

export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { error?: string; message?: string };
}

export type Outcome = { readonly open: WebSocket } | { readonly refused: Refusal };

export function tunnelUrl(edgeUrl: string, query = ''): string {
  return `${edgeUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/tunnel${query}`;
}

export function connect(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    socket.once('open', () => resolve({ open: socket }));
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Refusal['body'];
        try {
          body = JSON.parse(text) as Refusal['body'];
        } catch {
          body = { message: text };
        }
        resolve({ refused: { status: response.statusCode ?? 0, headers: response.headers, body } });
        socket.terminate();
      });
    });
    socket.once('error', reject);
  });
}

export async function expectRefusal(url: string, headers: Record<string, string> = {}) {
  const outcome = await connect(url, headers);
  if ('open' in outcome) {
    outcome.open.terminate();
    throw new Error('expected the edge to refuse the upgrade, but it was accepted');
  }
  return outcome.refused;
}

/** Sends one message and waits for its echo. */
export function echo(socket: WebSocket, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once('message', (reply: Buffer, isBinary) => {
      if (!isBinary) reject(new Error('expected a binary reply'));
      else resolve(reply);
    });
    socket.once('error', reject);
    socket.send(data, { binary: true });
  });
}

export function close(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close(1000);
  });
}

/**
 * A raw upgrade with a Sec-WebSocket-Key the test chooses (ws picks its own), to check what the
 * edge binds the assertion to. Resolves with the status once the response head arrives.
 */
export function rawUpgrade(
  url: string,
  key: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        ...headers,
      },
    });
    request.once('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end();
  });
}
