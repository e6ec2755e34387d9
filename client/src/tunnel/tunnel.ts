import type { Socket } from 'node:net';
import { CloseCode } from '@beats-gate/protocol';
import WebSocket from 'ws';

export type ClosedBy = 'beats' | 'edge' | 'client';

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
  /** Pause reading from Beats while more than this many bytes wait to go out on the WebSocket. */
  readonly highWaterMark: number;
  readonly pingIntervalMs: number;
  readonly onClosed: (summary: TunnelSummary) => void;
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

/**
 * Pipes one Beats socket and one open WebSocket both ways, byte for byte. Written out instead of
 * stream.pipeline over createWebSocketStream because each direction needs its own bounded
 * backpressure and each end's close must map to a specific close of the other (docs/design.md).
 * Nothing is ever written to Beats except what the edge sent: the client never acknowledges.
 */
export function createTunnel(options: TunnelOptions): Tunnel {
  const { socket, ws, highWaterMark } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  let bytesUp = 0;
  let bytesDown = 0;
  let beatsPaused = false;
  let closedBy: ClosedBy | undefined;
  let closeCode: number = 1006;
  let closeReason = '';
  let wsClosed = false;
  let socketClosed = false;
  let finished = false;
  let missedPongs = 0;
  let lastSign = true;

  // Resume Beats once the WebSocket drained below half the mark: hysteresis avoids flapping.
  function afterSend(error?: Error) {
    if (error) return;
    if (beatsPaused && ws.bufferedAmount <= highWaterMark / 2 && !closedBy) {
      beatsPaused = false;
      socket.resume();
    }
  }

  function beatsOnData(chunk: Buffer) {
    if (closedBy || ws.readyState !== WebSocket.OPEN) return;
    bytesUp += chunk.length;
    ws.send(chunk, { binary: true }, afterSend);
    if (ws.bufferedAmount > highWaterMark && !beatsPaused) {
      beatsPaused = true;
      socket.pause();
    }
  }

  function beatsOnDrain() {
    if (!closedBy) ws.resume();
  }

  function wsOnMessage(data: Buffer, isBinary: boolean) {
    lastSign = true;
    if (closedBy) return;
    if (!isBinary) {
      // Lumberjack is binary; a text frame means the peer is not a beats-gate edge.
      shutdown('client', CloseCode.UNSUPPORTED_DATA, 'text frames are not accepted');
      return;
    }
    bytesDown += data.length;
    if (!socket.write(data)) ws.pause();
  }

  function wsOnPong() {
    lastSign = true;
  }

  // Any frame from the edge proves it alive: a Logstash keep-alive ack can arrive while our ping
  // waits behind megabytes of a congested uplink. While the WebSocket is paused because Beats
  // does not read, the edge's pongs wait unread behind its data: silence proves nothing then, so
  // the interval is skipped rather than counted. (The unwrapper keeps counting its own pings in
  // that case, so a client that reads nothing for two of its intervals is still taken for dead
  // there; Beats reads its acks, so only a stuck Beat gets that far.)
  const heartbeat = setInterval(() => {
    if (ws.isPaused) {
      missedPongs = 0;
      lastSign = true;
      return;
    }
    missedPongs = lastSign ? 0 : missedPongs + 1;
    lastSign = false;
    if (missedPongs >= 2) {
      if (!closedBy) {
        closedBy = 'client';
        closeReason = 'no pong from the edge';
      }
      clearInterval(heartbeat);
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }, options.pingIntervalMs);
  heartbeat.unref();

  function endBeats() {
    if (socketClosed) return;
    socket.off('data', beatsOnData);
    // Flush what the edge already sent (acks), then FIN; destroy if Beats does not read it.
    socket.destroySoon();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  function closeWs(code: number, reason: string) {
    if (wsClosed) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  function shutdown(by: ClosedBy, code: number, reason: string) {
    if (!closedBy) {
      closedBy = by;
      closeCode = code;
      closeReason = reason;
    }
    closeWs(code, reason);
    endBeats();
  }

  function wsOnClose(code: number, reason: Buffer) {
    wsClosed = true;
    if (!closedBy) {
      closedBy = 'edge';
      closeCode = code;
      closeReason = reason.toString('utf8').slice(0, 123);
    }
    endBeats();
    maybeFinish();
  }

  function wsOnError() {
    // 'close' always follows; the tunnel_closed line carries the outcome.
  }

  function beatsOnEnd() {
    shutdown('beats', CloseCode.NORMAL, 'beats closed the connection');
  }

  function beatsOnError() {
    shutdown('beats', CloseCode.GOING_AWAY, 'beats connection failed');
  }

  function beatsOnClose() {
    socketClosed = true;
    shutdown('beats', CloseCode.GOING_AWAY, 'beats connection closed');
    maybeFinish();
  }

  function maybeFinish() {
    if (finished || !wsClosed || !socketClosed) return;
    finished = true;
    clearInterval(heartbeat);
    options.onClosed({
      bytesUp,
      bytesDown,
      durationMs: now() - startedAt,
      code: closeCode,
      reason: closeReason,
      closedBy: closedBy ?? 'client',
    });
  }

  socket.setNoDelay(true);
  socket.on('data', beatsOnData);
  socket.on('drain', beatsOnDrain);
  socket.on('end', beatsOnEnd);
  socket.on('error', beatsOnError);
  socket.on('close', beatsOnClose);
  ws.on('message', wsOnMessage);
  ws.on('pong', wsOnPong);
  ws.on('close', wsOnClose);
  ws.on('error', wsOnError);
  if (ws.readyState !== WebSocket.OPEN)
    shutdown('edge', 1006, 'websocket closed before the tunnel started');
  socket.resume();

  return {
    close(code: number, reason: string) {
      shutdown('client', code, reason);
    },
    get bytesUp() {
      return bytesUp;
    },
    get bytesDown() {
      return bytesDown;
    },
    get beatsPaused() {
      return beatsPaused;
    },
    get edgePaused() {
      return ws.isPaused;
    },
    get uplinkBuffered() {
      return ws.bufferedAmount;
    },
    get downlinkBuffered() {
      return socket.writableLength;
    },
  };
}
