/**
 * One tunnel on the device: a Beats connection joined to its WebSocket to the edge by the kit's
 * join (the same join the unwrapper uses at origin): bytes both ways with bounded buffers, a
 * Beat's FIN carried to Logstash as a FIN and Logstash's back, any failure closing both ends
 * (docs/design.md). Nothing is ever written to Beats except what the edge sent: the client never
 * acknowledges.
 */
import type { Socket } from 'node:net';
import { createJoin, type JoinEnd } from '@beats-gate/kit';
import { CloseCode } from '@beats-gate/protocol';
import type WebSocket from 'ws';

/** Who ended the tunnel: Beats' socket, the edge's WebSocket, or the client itself. */
export type ClosedBy = 'beats' | 'edge' | 'client';

const CLOSED_BY: Record<JoinEnd, ClosedBy> = { socket: 'beats', websocket: 'edge', self: 'client' };

export interface TunnelSummary {
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly durationMs: number;
  readonly code: number;
  readonly reason: string;
  readonly closedBy: ClosedBy;
}

export interface TunnelOptions {
  readonly socket: Socket;
  readonly ws: WebSocket;
  /** Stop reading one side while more than this many bytes wait to go out on the other. */
  readonly highWaterMark: number;
  readonly pingIntervalMs: number;
  readonly onClosed: (summary: TunnelSummary) => void;
  /** Bytes as they pass: `up` from Beats towards Logstash, `down` back. */
  readonly onData?: (direction: 'up' | 'down', bytes: number) => void;
  readonly now?: () => number;
}

export interface Tunnel {
  /** Closes both ends; the code goes to the edge (1001 on shutdown). */
  close(code: number, reason: string): void;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Whether reading from Beats is paused for backpressure (for tests and /status). */
  readonly beatsPaused: boolean;
  /** Whether reading from the edge is paused because Beats is not reading. */
  readonly edgePaused: boolean;
  /** Bytes accepted from Beats and not yet written to the edge connection. */
  readonly uplinkBuffered: number;
  /** Bytes received from the edge and not yet written to Beats. */
  readonly downlinkBuffered: number;
}

/** How long a closing WebSocket or an ending Beats socket may linger before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export function createTunnel(options: TunnelOptions): Tunnel {
  const { socket } = options;
  socket.setNoDelay(true);
  const join = createJoin({
    socket,
    ws: options.ws,
    highWaterMarkBytes: options.highWaterMark,
    // Beats writes a window at once and it arrives as several reads: their frames go to the
    // edge in one write.
    corkPerTurn: true,
    pingIntervalMs: options.pingIntervalMs,
    closeTimeoutMs: CLOSE_GRACE_MS,
    ...(options.now ? { now: options.now } : {}),
    closeCodes: {
      socketError: () => ({ code: CloseCode.GOING_AWAY, reason: 'beats connection failed' }),
      socketClosed: { code: CloseCode.GOING_AWAY, reason: 'beats connection closed' },
    },
    onData: (direction, bytes) =>
      options.onData?.(direction === 'socket_to_websocket' ? 'up' : 'down', bytes),
    onClose: (result) =>
      options.onClosed({
        bytesUp: result.stats.bytesFromSocket,
        bytesDown: result.stats.bytesFromWebsocket,
        durationMs: result.durationMs,
        code: result.code,
        reason: result.reason,
        closedBy: CLOSED_BY[result.closedBy],
      }),
  });
  // pauseOnConnect held Beats' bytes until the tunnel existed.
  socket.resume();

  return {
    close: (code, reason) => join.close(code, reason),
    get bytesUp() {
      return join.stats.bytesFromSocket;
    },
    get bytesDown() {
      return join.stats.bytesFromWebsocket;
    },
    get beatsPaused() {
      return join.socketPaused;
    },
    get edgePaused() {
      return join.websocketPaused;
    },
    get uplinkBuffered() {
      return join.websocketBuffered;
    },
    get downlinkBuffered() {
      return join.socketBuffered;
    },
  };
}
