/**
 * One tunnel at origin: the WebSocket from the edge joined to one socket to Logstash by the kit's
 * join (the same join the client uses on the device): bytes both ways with bounded buffers, FIN
 * carried as FIN, any failure closing both ends (docs/design.md). This module adds what is the
 * unwrapper's own: the Lumberjack gate in between, when configured, and how Logstash's failures
 * are reported on the WebSocket.
 */
import type { Socket } from 'node:net';
import { createJoin, type JoinEnd, type JoinResult } from '@beats-gate/kit';
import { CloseCode } from '@beats-gate/protocol';
import type { WebSocket } from 'ws';
import type { GateHooks, LumberjackGate } from '../inspect/lumberjack-gate.ts';

/** Who ended the tunnel: the edge's WebSocket, Logstash's socket, or the unwrapper itself. */
export type ClosedBy = 'edge' | 'logstash' | 'unwrapper';

const CLOSED_BY: Record<JoinEnd, ClosedBy> = {
  websocket: 'edge',
  socket: 'logstash',
  self: 'unwrapper',
};

export interface TunnelIdentity {
  readonly connectionId: string;
  readonly subject: string;
  readonly clientAddress: string;
  readonly upstream: string;
}

export interface TunnelResult {
  readonly identity: TunnelIdentity;
  readonly closedBy: ClosedBy;
  readonly code: number;
  readonly reason: string;
  readonly durationMs: number;
  readonly stats: JoinResult['stats'];
}

export interface TunnelOptions {
  ws: WebSocket;
  upstream: Socket;
  identity: TunnelIdentity;
  highWaterMarkBytes: number;
  pingIntervalMs: number;
  closeTimeoutMs: number;
  now?: () => number;
  /** Bytes as they pass: `up` towards Logstash, `down` towards the Beat. */
  onData?: (direction: 'up' | 'down', bytes: number) => void;
  onClose: (result: TunnelResult) => void;
  /** Lumberjack-aware mode (inspect/): absent for the byte tunnel. */
  gate?: (hooks: GateHooks) => LumberjackGate;
}

export function createTunnel(options: TunnelOptions) {
  const { identity, gate } = options;
  const join = createJoin({
    socket: options.upstream,
    ws: options.ws,
    highWaterMarkBytes: options.highWaterMarkBytes,
    pingIntervalMs: options.pingIntervalMs,
    closeTimeoutMs: options.closeTimeoutMs,
    ...(options.now ? { now: options.now } : {}),
    closeCodes: {
      socketError: (error) => ({
        code: CloseCode.BAD_GATEWAY,
        reason: `upstream failed: ${error.code ?? 'error'}`,
      }),
      socketClosed: { code: CloseCode.BAD_GATEWAY, reason: 'upstream closed' },
    },
    ...(gate ? { relay: (hooks) => gate(hooks) } : {}),
    onData: (direction, bytes) =>
      options.onData?.(direction === 'websocket_to_socket' ? 'up' : 'down', bytes),
    onClose: (result) =>
      options.onClose({
        identity,
        closedBy: CLOSED_BY[result.closedBy],
        code: result.code,
        reason: result.reason,
        durationMs: result.durationMs,
        stats: result.stats,
      }),
  });
  const lumberjack = join.relay as LumberjackGate | undefined;

  return {
    identity,
    /** Bytes, peaks and pauses so far (kit join's vocabulary: socket = Logstash). */
    stats: join.stats,
    /** Shutdown: close with 1001 (the client reconnects elsewhere). */
    shutdown() {
      join.close(CloseCode.GOING_AWAY, 'unwrapper shutting down');
    },
    /** The admin API cut this device off: close with 1008 (its token was revoked). */
    revoke() {
      join.close(CloseCode.POLICY_VIOLATION, 'closed by the operator');
    },
    /**
     * Lumberjack-aware drain: close with 1001 once the windows sent are acknowledged, sending
     * nothing more. False for a byte tunnel, which cannot see window boundaries.
     */
    drainAtWindowBoundary(): boolean {
      if (!lumberjack || join.closing) return false;
      lumberjack.drain();
      return true;
    },
    /** Windows, events and acks of a Lumberjack-aware tunnel. */
    get inspection() {
      return lumberjack?.stats;
    },
    get bufferedTowardsUpstream() {
      return join.socketBuffered;
    },
    get bufferedTowardsClient() {
      return join.websocketBuffered;
    },
    get readingClientPaused() {
      return join.websocketPaused;
    },
  };
}

export type Tunnel = ReturnType<typeof createTunnel>;
