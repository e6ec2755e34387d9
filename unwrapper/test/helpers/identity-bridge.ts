/**
 * Helpers for the Lumberjack-aware tests: a device-client stand-in whose tunnels carry an identity
 * (claims, token expiry) and whose target can move to another unwrapper (a deploy), and a relay
 * that holds Logstash's acks back for a while so windows are surely in flight when a tunnel ends.
 */
import type { AssertionKey } from '@beats-gate/protocol';
import type { WebSocket } from 'ws';
import { KEY, openTunnel } from './harness.ts';
import { startLoopbackServer, startRelay, type LoopbackServer } from './loopback-server.ts';

export interface Identity {
  subject?: string;
  claims?: Record<string, unknown>;
  /** Seconds since the epoch. */
  tokenExpiresAt?: number;
}

/** A tunnel carrying `identity`, signed as the edge would sign it. */
export function openIdentityTunnel(
  url: string,
  identity: Identity = {},
  key: AssertionKey = KEY,
): Promise<WebSocket> {
  return openTunnel(url, { key, ...identity });
}

export interface IdentityBridge extends LoopbackServer {
  /** Close codes of the tunnels that ended, in order. */
  closes: number[];
}

/**
 * Each Beats connection becomes one tunnel to `target()` (asked per connection), with the identity
 * `identity()` gives. Like the real client, a tunnel's end flushes what was received to the Beat
 * before closing its socket, so an ack sent just before a close is not lost.
 */
export async function startIdentityBridge(
  target: () => string,
  identity: () => Identity = () => ({}),
  key: AssertionKey = KEY,
): Promise<IdentityBridge> {
  const closes: number[] = [];
  const server = await startLoopbackServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.pause();
    openIdentityTunnel(target(), identity(), key).then(
      (ws) => {
        ws.on('message', (data: Buffer) => socket.write(data));
        ws.on('close', (code) => {
          closes.push(code);
          socket.destroySoon();
        });
        ws.on('error', () => socket.destroySoon());
        socket.on('data', (chunk: Buffer) => ws.send(chunk));
        socket.on('end', () => ws.close(1000));
        socket.on('close', () => ws.terminate());
        socket.resume();
      },
      () => socket.destroy(),
    );
  });
  return { ...server, closes };
}

/** A TCP relay to `targetPort` that delivers the answers (acks) `delayMs` late, in order. */
export function startSlowAckRelay(targetPort: number, delayMs: number): Promise<LoopbackServer> {
  return startRelay(targetPort, (inbound, outbound) => {
    inbound.pipe(outbound);
    outbound.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!inbound.destroyed) inbound.write(chunk);
      }, delayMs);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => setTimeout(() => inbound.destroy(), delayMs));
  });
}
