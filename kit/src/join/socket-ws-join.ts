/**
 * The one join of a TCP socket and a WebSocket, used by both ends of a tunnel: the client joins
 * Beats' socket to its WebSocket to the edge, the unwrapper joins the edge's WebSocket to its
 * socket to Logstash. One vocabulary for both: the `socket` end, the `websocket` end, and `self`.
 *
 * - Bytes pass as they are, each direction with its own bounded buffer: a reader is paused while
 *   its writer holds highWaterMarkBytes or more, and read again below half of it.
 * - A half-close travels: the socket's FIN becomes an END control message (a text frame, see
 *   protocol's END_OF_STREAM) after the bytes before it, and an END received becomes a FIN on the
 *   socket after the bytes before it; the other direction keeps flowing. When both directions
 *   have ended, the WebSocket closes with 1000.
 * - Any failure closes both ends, within closeTimeoutMs; each side maps its socket's failures to a
 *   close code (`closeCodes`).
 * - Pings are answered here (the WebSocket must be made with autoPong: false): pongs the peer
 *   does not read count against its buffer like data, so it is read no further.
 * - The WebSocket end is pinged every pingIntervalMs; two missed pongs end the join (1006).
 */
import type { Socket } from 'node:net';
import { CloseCode, END_OF_STREAM } from '@beats-gate/protocol';
import type { WebSocket } from 'ws';
import { createHeartbeat } from '../heartbeat.ts';

export type JoinEnd = 'socket' | 'websocket' | 'self';
export type JoinDirection = 'socket_to_websocket' | 'websocket_to_socket';

/**
 * What carries WebSocket bytes to the socket instead of a plain write (the unwrapper's Lumberjack
 * gate). Backpressure by return value, like ws's stream adapter.
 */
export interface Relay {
  /** Bytes from the WebSocket. False: read no more until the relay calls `resume`. */
  push(chunk: Buffer): boolean;
  /** Bytes held on the way to the socket (counted with the socket's own buffer). */
  readonly bufferedBytes: number;
  /** True while it takes no bytes. */
  readonly blocked: boolean;
  /** The socket took what it was given: write again. */
  writable(): void;
  /** Bytes the socket sent, after they were sent on the WebSocket. */
  observe?(chunk: Buffer): void;
  /** The WebSocket peer half-closed: call `done` once everything taken was written. */
  end(done: () => void): void;
  /** The join closed. */
  stop(): void;
}

export interface RelayHooks {
  /** Write to the socket; false when it holds the high-water mark or more. */
  write(chunks: Buffer[]): boolean;
  /** Close both ends. */
  close(code: number, reason: string): void;
  /** Stop reading the WebSocket for good (a drain reached its boundary). */
  pause(): void;
  /** Re-check whether to read the WebSocket again. */
  resume(): void;
}

export interface JoinStats {
  bytesFromSocket: number;
  bytesFromWebsocket: number;
  /** Largest socket write buffer seen, and the largest WebSocket send buffer. */
  peakSocketBuffered: number;
  peakWebsocketBuffered: number;
  /** Times the WebSocket was not read because the socket did not keep up, and the reverse. */
  websocketPauses: number;
  socketPauses: number;
  /** Heartbeat intervals skipped because the WebSocket was not being read. */
  pingsSkipped: number;
}

export interface JoinResult {
  readonly closedBy: JoinEnd;
  readonly code: number;
  readonly reason: string;
  readonly durationMs: number;
  readonly stats: JoinStats;
}

export interface JoinOptions {
  socket: Socket;
  ws: WebSocket;
  highWaterMarkBytes: number;
  pingIntervalMs: number;
  closeTimeoutMs: number;
  /** How this side reports its socket's failures on the WebSocket. */
  closeCodes: {
    /** The socket failed (reset, timeout…). */
    socketError(error: NodeJS.ErrnoException): { code: number; reason: string };
    /** The socket closed without ending first (destroyed). */
    readonly socketClosed: { code: number; reason: string };
  };
  relay?: (hooks: RelayHooks) => Relay;
  onData?(direction: JoinDirection, bytes: number): void;
  onClose(result: JoinResult): void;
  now?: () => number;
}

/** ws reports protocol violations as errors with these codes, then closes by itself. */
function closeCodeOf(error: Error): number {
  const code = (error as { code?: string }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCode.MESSAGE_TOO_BIG;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  if (code?.startsWith('WS_ERR_')) return CloseCode.PROTOCOL_ERROR;
  return CloseCode.INTERNAL_ERROR;
}

function asBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function createJoin(options: JoinOptions) {
  const { socket, ws, highWaterMarkBytes: hwm, closeTimeoutMs } = options;
  const now = options.now ?? Date.now;
  const openedAt = now();
  const stats: JoinStats = {
    bytesFromSocket: 0,
    bytesFromWebsocket: 0,
    peakSocketBuffered: 0,
    peakWebsocketBuffered: 0,
    websocketPauses: 0,
    socketPauses: 0,
    pingsSkipped: 0,
  };
  let closing: { closedBy: JoinEnd; code: number; reason: string } | undefined;
  let wsClosed = false;
  let socketClosed = false;
  /** The socket sent FIN (END went out), and the WebSocket peer sent END (FIN went out). */
  let socketEnded = false;
  let websocketEnded = false;
  /** Which end sent its FIN first: it closed the tunnel, once the other end finished too. */
  let endedFirst: JoinEnd | undefined;
  /** The relay stopped reading for good (a drain at its boundary). */
  let held = false;
  const timers: NodeJS.Timeout[] = [];
  const heartbeat = createHeartbeat({
    intervalMs: options.pingIntervalMs,
    ping: () => ws.ping(),
    skip: () => ws.isPaused,
    onSkip: () => stats.pingsSkipped++,
    onTimeout() {
      // No close frame: the path is dead. 1006 is what the peer's side will report too.
      ws.terminate();
      close('self', 1006, 'heartbeat timeout: two pongs missed');
      socket.destroy();
    },
  });

  function close(closedBy: JoinEnd, code: number, reason: string) {
    if (closing) return;
    closing = { closedBy, code, reason };
    heartbeat.stop();
    relay?.stop();
    if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 120));
    // Let bytes already accepted reach the socket's peer, but never wait on it forever; a socket
    // that failed has nothing left to deliver.
    if (closedBy === 'socket' && code !== CloseCode.NORMAL) socket.destroy();
    else socket.end();
    const timer = setTimeout(() => {
      ws.terminate();
      socket.destroy();
    }, closeTimeoutMs);
    timer.unref();
    timers.push(timer);
  }

  function finishIfDone() {
    if (!wsClosed || !socketClosed) return;
    for (const timer of timers) clearTimeout(timer);
    const { closedBy, code, reason } = closing ?? {
      closedBy: 'self' as const,
      code: CloseCode.INTERNAL_ERROR,
      reason: 'closed without a cause',
    };
    options.onClose({ closedBy, code, reason, durationMs: now() - openedAt, stats });
  }

  function guard<A extends unknown[]>(fn: (...args: A) => void) {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        close('self', CloseCode.INTERNAL_ERROR, `internal error: ${String(error)}`);
        socket.destroy();
      }
    };
  }

  // WebSocket → socket.

  /** What is held on the way to the socket: the one figure that pauses the WebSocket. */
  function heldTowardsSocket() {
    return socket.writableLength + (relay?.bufferedBytes ?? 0);
  }
  function pauseWebsocket() {
    if (ws.isPaused) return;
    ws.pause();
    stats.websocketPauses++;
  }
  /** Pongs the peer has not read: past the mark, it is read no further. */
  function pongsQueued() {
    return ws.bufferedAmount >= hwm;
  }
  /** Re-checks every reason to hold the WebSocket back, and reads it again when none is left. */
  function resumeWebsocket() {
    if (closing) return;
    if (relay && socket.writableLength < hwm) relay.writable();
    if (!ws.isPaused || held || pongsQueued() || relay?.blocked) return;
    if (heldTowardsSocket() < hwm / 2) ws.resume();
  }
  function afterSocketWrite(error?: Error | null) {
    // 'drain' alone fires only past the socket's own mark (16 KiB), which a smaller
    // highWaterMarkBytes never reaches: the write callback re-checks every time.
    if (!error) resumeWebsocket();
  }
  /** Writes to the socket; false when it holds the high-water mark or more. */
  function writeSocket(chunks: Buffer[]): boolean {
    const last = chunks.length - 1;
    // One writev for a run of frames rather than a syscall each.
    if (last > 0) socket.cork();
    for (let i = 0; i <= last; i++) {
      socket.write(chunks[i]!, i === last ? afterSocketWrite : undefined);
    }
    if (last > 0) socket.uncork();
    stats.peakSocketBuffered = Math.max(stats.peakSocketBuffered, socket.writableLength);
    if (heldTowardsSocket() >= hwm) pauseWebsocket();
    return socket.writableLength < hwm;
  }
  socket.on('drain', resumeWebsocket);

  function endSocket() {
    websocketEnded = true;
    endedFirst ??= 'websocket';
    socket.end();
    if (socketEnded) close(endedFirst, CloseCode.NORMAL, 'both directions ended');
  }

  const relay = options.relay?.({
    write: (chunks) => (closing ? false : writeSocket(chunks)),
    close: (code, reason) => close('self', code, reason),
    pause() {
      held = true;
      pauseWebsocket();
    },
    resume: resumeWebsocket,
  });

  ws.on(
    'message',
    guard(function wsOnMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
      if (closing) return;
      // Data proves the path alive as well as a pong does: a pong queued behind a large upload
      // must not get a working tunnel killed.
      heartbeat.alive();
      if (!isBinary) {
        if (!websocketEnded && asBuffer(data).toString() === END_OF_STREAM) {
          if (relay) relay.end(endSocket);
          else endSocket();
          return;
        }
        close('self', CloseCode.UNSUPPORTED_DATA, 'text frames other than END are not accepted');
        return;
      }
      if (websocketEnded) {
        close('self', CloseCode.PROTOCOL_ERROR, 'data after the END control message');
        return;
      }
      const chunk = asBuffer(data);
      stats.bytesFromWebsocket += chunk.length;
      options.onData?.('websocket_to_socket', chunk.length);
      if (!relay) writeSocket([chunk]);
      else if (!relay.push(chunk) || heldTowardsSocket() >= hwm) pauseWebsocket();
    }),
  );

  ws.on('ping', function wsOnPing(data: Buffer) {
    heartbeat.alive();
    if (closing) return;
    ws.pong(data, undefined, resumeWebsocket);
    if (pongsQueued()) pauseWebsocket();
  });
  ws.on('pong', () => heartbeat.alive());

  // Socket → WebSocket.
  function afterSend(error?: Error) {
    if (error || closing) return;
    if (socket.isPaused() && ws.bufferedAmount < hwm / 2) socket.resume();
    resumeWebsocket();
  }
  socket.on(
    'data',
    guard(function socketOnData(chunk: Buffer) {
      if (closing) return;
      stats.bytesFromSocket += chunk.length;
      options.onData?.('socket_to_websocket', chunk.length);
      ws.send(chunk, { binary: true }, afterSend);
      // After the send: an ack that ends a drain must reach the peer before the close frame.
      relay?.observe?.(chunk);
      stats.peakWebsocketBuffered = Math.max(stats.peakWebsocketBuffered, ws.bufferedAmount);
      if (ws.bufferedAmount >= hwm && !socket.isPaused()) {
        socket.pause();
        stats.socketPauses++;
      }
    }),
  );

  socket.on('end', function socketOnEnd() {
    if (closing) return;
    socketEnded = true;
    endedFirst ??= 'socket';
    // After every data message already queued: the peer sees the bytes, then the end.
    ws.send(END_OF_STREAM, { binary: false });
    if (websocketEnded) close(endedFirst, CloseCode.NORMAL, 'both directions ended');
  });
  socket.on('error', function socketOnError(error: NodeJS.ErrnoException) {
    const { code, reason } = options.closeCodes.socketError(error);
    close('socket', code, reason);
  });
  socket.on('close', function socketOnClose() {
    socketClosed = true;
    const { code, reason } = options.closeCodes.socketClosed;
    close('socket', code, reason);
    finishIfDone();
  });

  ws.on('error', function wsOnError(error: Error) {
    // ws already sends the matching close frame (1009 for an oversized message); mirror it.
    close('self', closeCodeOf(error), error.message);
    socket.destroy();
  });
  ws.on('close', function wsOnClose(code: number, reason: Buffer) {
    wsClosed = true;
    close('websocket', code, reason.toString('utf8').slice(0, 120) || 'closed');
    // A normal close lets the socket flush and end; any other gives the peer nothing to trust.
    if (closing?.closedBy !== 'socket' && code !== CloseCode.NORMAL) socket.destroy();
    finishIfDone();
  });

  if (ws.readyState !== ws.OPEN) close('websocket', 1006, 'websocket closed before the join');
  heartbeat.start();

  return {
    stats,
    /** Closes both ends with this code (1001 on shutdown, 1008 when revoked). */
    close: (code: number, reason: string) => close('self', code, reason),
    /** The relay, if any (the unwrapper's gate: drains, stats). */
    relay,
    get closing(): boolean {
      return closing !== undefined;
    },
    /** Bytes waiting to go out on the socket, and on the WebSocket. */
    get socketBuffered(): number {
      return socket.writableLength;
    },
    get websocketBuffered(): number {
      return ws.bufferedAmount;
    },
    /** Whether the WebSocket, and the socket, are not being read (backpressure). */
    get websocketPaused(): boolean {
      return ws.isPaused;
    },
    get socketPaused(): boolean {
      return socket.isPaused();
    },
  };
}

export type Join = ReturnType<typeof createJoin>;
