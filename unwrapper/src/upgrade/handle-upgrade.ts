/**
 * The public listener's 'upgrade' handler. Order matters (docs/design.md): check the path and the
 * handshake, authenticate, take a limit slot, dial Logstash, and only then answer 101. Every
 * refusal is a real HTTP status, and nothing reaches an upstream before authentication passed.
 * The socket stays paused throughout, so bytes sent early wait in the kernel rather than vanish.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { TUNNEL_PATH, type EdgeIdentity } from '@beats-gate/protocol';
import type { WebSocket, WebSocketServer } from 'ws';
import type { UpstreamLease } from '../upstream/upstream-pool.ts';
import type { UpstreamRouter } from '../upstream/upstream-router.ts';
import type { Authenticator } from './authenticate.ts';
import { UpgradeRefusal, writeRefusal } from './refusal.ts';
import type { TunnelLimits } from './tunnel-limits.ts';

const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

export interface AcceptedUpgrade {
  connectionId: string;
  identity: EdgeIdentity;
  clientAddress: string;
  lease: UpstreamLease;
  ws: WebSocket;
  /** Gives the limit slot back when the tunnel ends. */
  release: () => void;
}

export interface UpgradeHandlerDeps {
  wss: WebSocketServer;
  authenticate: Authenticator;
  limits: TunnelLimits;
  pool: Pick<UpstreamRouter, 'connect'>;
  isDraining: () => boolean;
  retryAfterSeconds: number;
  closeTimeoutMs: number;
  onAccepted: (upgrade: AcceptedUpgrade) => void;
  onRefused: (
    refusal: UpgradeRefusal,
    context: { connectionId: string; clientAddress: string; subject?: string },
  ) => void;
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://unwrapper').pathname;
  } catch (error) {
    throw new UpgradeRefusal('bad_handshake', 'request target is not a valid URL', {
      cause: error,
    });
  }
}

function checkHandshake(request: IncomingMessage) {
  const path = pathOf(request);
  if (path !== TUNNEL_PATH)
    throw new UpgradeRefusal('not_found', `no tunnel at ${path.slice(0, 100)}`);
  if (request.method !== 'GET') throw new UpgradeRefusal('bad_handshake', 'upgrade must use GET');
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
    throw new UpgradeRefusal('bad_handshake', 'Upgrade must be websocket');
  }
  if (!KEY_PATTERN.test(request.headers['sec-websocket-key'] ?? '')) {
    throw new UpgradeRefusal('bad_handshake', 'missing or invalid Sec-WebSocket-Key');
  }
  if (request.headers['sec-websocket-version'] !== '13') {
    throw new UpgradeRefusal('bad_handshake', 'Sec-WebSocket-Version must be 13');
  }
  // Everything ws.handleUpgrade could still refuse is refused here, before Logstash is dialled:
  // it also parses Sec-WebSocket-Protocol, and beats-gate defines no subprotocol.
  if (request.headers['sec-websocket-protocol'] !== undefined) {
    throw new UpgradeRefusal('bad_handshake', 'Sec-WebSocket-Protocol is not used; send none');
  }
}

export function createUpgradeHandler(deps: UpgradeHandlerDeps) {
  return function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.pause();
    // Until ws owns the socket, errors (a reset while dialing) are ours to absorb.
    socket.on('error', socketOnEarlyError);
    const connectionId = randomUUID();
    const peer = (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown';
    let subject: string | undefined;
    let clientAddress = peer;

    void (async () => {
      let release: (() => void) | undefined;
      let lease: UpstreamLease | undefined;
      try {
        checkHandshake(request);
        if (deps.isDraining()) {
          throw new UpgradeRefusal('draining', 'shutting down', {
            retryAfter: deps.retryAfterSeconds,
          });
        }
        const identity = await deps.authenticate(request);
        subject = identity.subject;
        if (socket.destroyed)
          throw new UpgradeRefusal('client_gone', 'client left during authentication');
        // The address the edge saw is signed into the assertion; the socket's peer is the edge.
        clientAddress = identity.clientAddress ?? peer;
        release = deps.limits.reserve(identity.subject);

        const abort = new AbortController();
        const onGone = () => abort.abort();
        socket.once('close', onGone);
        try {
          // The identity picks the upstream group (upstreamGroups), if any are configured.
          lease = await deps.pool.connect(abort.signal, identity);
        } finally {
          socket.off('close', onGone);
        }
        if (socket.destroyed || !socket.readable) {
          throw new UpgradeRefusal('client_gone', 'client left while dialing');
        }
        if (deps.isDraining()) {
          throw new UpgradeRefusal('draining', 'shutting down', {
            retryAfter: deps.retryAfterSeconds,
          });
        }
        let accepted: WebSocket | undefined;
        deps.wss.handleUpgrade(request, socket, head, (ws) => {
          accepted = ws;
        });
        if (!accepted) {
          // ws destroyed the socket (the client half-closed meanwhile).
          throw new UpgradeRefusal('client_gone', 'client left before the upgrade completed');
        }
        socket.off('error', socketOnEarlyError);
        // Paused above; ws attaching its 'data' listener does not restart a paused stream.
        socket.resume();
        deps.onAccepted({ connectionId, identity, clientAddress, lease, ws: accepted, release });
      } catch (error) {
        release?.();
        if (lease) {
          lease.socket.destroy();
          lease.release();
        }
        const refusal =
          error instanceof UpgradeRefusal
            ? error
            : new UpgradeRefusal('internal', 'internal error', { cause: error });
        deps.onRefused(refusal, { connectionId, clientAddress, ...(subject ? { subject } : {}) });
        if (refusal.reason === 'client_gone') socket.destroy();
        else writeRefusal(socket, refusal, deps.closeTimeoutMs);
      }
    })();
  };
}

function socketOnEarlyError(this: Duplex) {
  this.destroy();
}
