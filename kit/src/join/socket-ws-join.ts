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
 * - With corkPerTurn, the frames of every read the socket gave in one turn of the event loop go
 *   out in one write (the WebSocket's transport is corked until the turn ends): a window arrives
 *   as several 64 KiB reads, and one writev instead of several costs this side, and the reader on
 *   the other, less. No byte waits past the turn it was read in; corked bytes count in the
 *   WebSocket's buffer, so the socket still pauses at the high-water mark.
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
  /** Send the frames of one turn's reads in one write (see above). */
  corkPerTurn?: boolean;
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

/**
 * The socket a ws WebSocket writes its frames to. ws keeps it in `_socket` (for both client and
 * server WebSockets, as its own modules read it); a WebSocket without one is not corked.
 */
function transportOf(ws: WebSocket): Socket | undefined {
  const transport = (ws as unknown as { _socket?: Socket })._socket;
  return typeof transport?.cork === 'function' ? transport : undefined;
}

/** Where each socket and WebSocket keeps its join: handlers are module functions, as in ws. */
const kJoin = Symbol('join');
type Joined<T> = T & { [kJoin]: Join };

/**
 * One join. Its handlers are module-level functions that find the join on the emitter, and its
 * methods live on the prototype, so a tunnel costs this object and its stats, not a closure per
 * handler: idle tunnels are what an instance holds by the thousand.
 */
export class Join implements RelayHooks {
  readonly stats: JoinStats = {
    bytesFromSocket: 0,
    bytesFromWebsocket: 0,
    peakSocketBuffered: 0,
    peakWebsocketBuffered: 0,
    websocketPauses: 0,
    socketPauses: 0,
    pingsSkipped: 0,
  };
  /** The relay, if any (the unwrapper's gate: drains, stats). */
  readonly relay: Relay | undefined;
  readonly #socket: Joined<Socket>;
  readonly #ws: Joined<WebSocket>;
  readonly #options: JoinOptions;
  readonly #hwm: number;
  readonly #openedAt: number;
  readonly #heartbeat: ReturnType<typeof createHeartbeat>;
  #closing: { closedBy: JoinEnd; code: number; reason: string } | undefined;
  #wsClosed = false;
  #socketClosed = false;
  /** The socket sent FIN (END went out), and the WebSocket peer sent END (FIN went out). */
  #socketEnded = false;
  #websocketEnded = false;
  /** Which end sent its FIN first: it closed the tunnel, once the other end finished too. */
  #endedFirst: JoinEnd | undefined;
  /** The relay stopped reading for good (a drain at its boundary). */
  #held = false;
  /** corkPerTurn: the WebSocket's transport, and whether it is corked until this turn ends. */
  readonly #transport: Socket | undefined;
  #corked = false;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Write and send callbacks, bound once (ws and net call them without a `this`). */
  readonly #afterSocketWrite: (error?: Error | null) => void;
  readonly #afterWebsocketSend: (error?: Error) => void;
  readonly #afterPong: () => void;

  constructor(options: JoinOptions) {
    this.#options = options;
    this.#hwm = options.highWaterMarkBytes;
    this.#transport = options.corkPerTurn ? transportOf(options.ws) : undefined;
    this.#openedAt = (options.now ?? Date.now)();
    const socket = options.socket as Joined<Socket>;
    const ws = options.ws as Joined<WebSocket>;
    this.#socket = socket;
    this.#ws = ws;
    socket[kJoin] = this;
    ws[kJoin] = this;
    this.#afterSocketWrite = socketAfterWrite.bind(socket);
    this.#afterWebsocketSend = wsAfterSend.bind(ws);
    this.#afterPong = wsAfterPong.bind(ws);
    this.#heartbeat = createHeartbeat({
      intervalMs: options.pingIntervalMs,
      ping: () => ws.ping(),
      skip: () => ws.isPaused,
      onSkip: () => this.stats.pingsSkipped++,
      onTimeout: () => {
        // No close frame: the path is dead. 1006 is what the peer's side will report too.
        ws.terminate();
        this.#close('self', 1006, 'heartbeat timeout: two pongs missed');
        socket.destroy();
      },
    });
    this.relay = options.relay?.(this);
    socket.on('drain', socketOnDrain);
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    ws.on('message', wsOnMessage);
    ws.on('ping', wsOnPing);
    ws.on('pong', wsOnPong);
    ws.on('error', wsOnError);
    ws.on('close', wsOnClose);
    if (ws.readyState !== ws.OPEN)
      this.#close('websocket', 1006, 'websocket closed before the join');
    this.#heartbeat.start();
  }

  // RelayHooks: what the relay may do.

  /** Writes to the socket; false when it holds the high-water mark or more. */
  write(chunks: Buffer[]): boolean {
    if (this.#closing) return false;
    const socket = this.#socket;
    const last = chunks.length - 1;
    // One writev for a run of frames rather than a syscall each.
    if (last > 0) socket.cork();
    for (let i = 0; i <= last; i++) {
      socket.write(chunks[i]!, i === last ? this.#afterSocketWrite : undefined);
    }
    if (last > 0) socket.uncork();
    this.stats.peakSocketBuffered = Math.max(this.stats.peakSocketBuffered, socket.writableLength);
    if (this.#heldTowardsSocket() >= this.#hwm) this.#pauseWebsocket();
    return socket.writableLength < this.#hwm;
  }

  /** Closes both ends with this code (1001 on shutdown, 1008 when revoked). */
  close(code: number, reason: string): void {
    this.#close('self', code, reason);
  }

  /** Stops reading the WebSocket for good (a drain reached its boundary). */
  pause(): void {
    this.#held = true;
    this.#pauseWebsocket();
  }

  /** Re-checks every reason to hold the WebSocket back, and reads it again when none is left. */
  resume(): void {
    if (this.#closing) return;
    const ws = this.#ws;
    if (this.relay && this.#socket.writableLength < this.#hwm) this.relay.writable();
    if (!ws.isPaused || this.#held || this.#pongsQueued() || this.relay?.blocked) return;
    if (this.#heldTowardsSocket() < this.#hwm / 2) ws.resume();
  }

  get closing(): boolean {
    return this.#closing !== undefined;
  }
  /** Bytes waiting to go out on the socket, and on the WebSocket. */
  get socketBuffered(): number {
    return this.#socket.writableLength;
  }
  get websocketBuffered(): number {
    return this.#ws.bufferedAmount;
  }
  /** Whether the WebSocket, and the socket, are not being read (backpressure). */
  get websocketPaused(): boolean {
    return this.#ws.isPaused;
  }
  get socketPaused(): boolean {
    return this.#socket.isPaused();
  }

  // Internals.

  /** What is held on the way to the socket: the one figure that pauses the WebSocket. */
  #heldTowardsSocket(): number {
    return this.#socket.writableLength + (this.relay?.bufferedBytes ?? 0);
  }
  #pauseWebsocket(): void {
    if (this.#ws.isPaused) return;
    this.#ws.pause();
    this.stats.websocketPauses++;
  }
  /** Pongs the peer has not read: past the mark, it is read no further. */
  #pongsQueued(): boolean {
    return this.#ws.bufferedAmount >= this.#hwm;
  }

  #close(closedBy: JoinEnd, code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = { closedBy, code, reason };
    this.#heartbeat.stop();
    this.relay?.stop();
    const ws = this.#ws;
    const socket = this.#socket;
    if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 120));
    // Let bytes already accepted reach the socket's peer, but never wait on it forever; a socket
    // that failed has nothing left to deliver.
    if (closedBy === 'socket' && code !== CloseCode.NORMAL) socket.destroy();
    else socket.end();
    this.#closeTimer = setTimeout(() => {
      ws.terminate();
      socket.destroy();
    }, this.#options.closeTimeoutMs);
    this.#closeTimer.unref();
  }

  #finishIfDone(): void {
    if (!this.#wsClosed || !this.#socketClosed) return;
    clearTimeout(this.#closeTimer);
    const { closedBy, code, reason } = this.#closing ?? {
      closedBy: 'self' as const,
      code: CloseCode.INTERNAL_ERROR,
      reason: 'closed without a cause',
    };
    const durationMs = (this.#options.now ?? Date.now)() - this.#openedAt;
    this.#options.onClose({ closedBy, code, reason, durationMs, stats: this.stats });
  }

  /** A failure inside a handler is a bug: close both ends rather than leave them half-joined. */
  fail(error: unknown): void {
    this.#close('self', CloseCode.INTERNAL_ERROR, `internal error: ${String(error)}`);
    this.#socket.destroy();
  }

  /** The WebSocket peer's END: a FIN on the socket after the bytes before it. */
  #endSocket(): void {
    this.#websocketEnded = true;
    this.#endedFirst ??= 'websocket';
    this.#socket.end();
    if (this.#socketEnded) this.#close(this.#endedFirst, CloseCode.NORMAL, 'both directions ended');
  }

  // Handlers, called by the module functions below.

  onWebsocketMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#closing) return;
    // Data proves the path alive as well as a pong does: a pong queued behind a large upload
    // must not get a working tunnel killed.
    this.#heartbeat.alive();
    if (!isBinary) {
      if (!this.#websocketEnded && asBuffer(data).toString() === END_OF_STREAM) {
        if (this.relay) this.relay.end(() => this.#endSocket());
        else this.#endSocket();
        return;
      }
      this.#close(
        'self',
        CloseCode.UNSUPPORTED_DATA,
        'text frames other than END are not accepted',
      );
      return;
    }
    if (this.#websocketEnded) {
      this.#close('self', CloseCode.PROTOCOL_ERROR, 'data after the END control message');
      return;
    }
    const chunk = asBuffer(data);
    this.stats.bytesFromWebsocket += chunk.length;
    this.#options.onData?.('websocket_to_socket', chunk.length);
    if (!this.relay) this.write([chunk]);
    else if (!this.relay.push(chunk) || this.#heldTowardsSocket() >= this.#hwm) {
      this.#pauseWebsocket();
    }
  }

  onWebsocketPing(data: Buffer): void {
    this.#heartbeat.alive();
    if (this.#closing) return;
    this.#ws.pong(data, undefined, this.#afterPong);
    if (this.#pongsQueued()) this.#pauseWebsocket();
  }

  onWebsocketPong(): void {
    this.#heartbeat.alive();
  }

  onWebsocketError(error: Error): void {
    // ws already sends the matching close frame (1009 for an oversized message); mirror it.
    this.#close('self', closeCodeOf(error), error.message);
    this.#socket.destroy();
  }

  onWebsocketClose(code: number, reason: Buffer): void {
    this.#wsClosed = true;
    this.#close('websocket', code, reason.toString('utf8').slice(0, 120) || 'closed');
    // A normal close lets the socket flush and end; any other gives the peer nothing to trust.
    if (this.#closing?.closedBy !== 'socket' && code !== CloseCode.NORMAL) this.#socket.destroy();
    this.#finishIfDone();
  }

  onSocketData(chunk: Buffer): void {
    if (this.#closing) return;
    const ws = this.#ws;
    this.stats.bytesFromSocket += chunk.length;
    this.#options.onData?.('socket_to_websocket', chunk.length);
    if (this.#transport && !this.#corked) {
      this.#corked = true;
      this.#transport.cork();
      setImmediate(uncorkJoin, this);
    }
    ws.send(chunk, { binary: true }, this.#afterWebsocketSend);
    // After the send: an ack that ends a drain must reach the peer before the close frame.
    this.relay?.observe?.(chunk);
    this.stats.peakWebsocketBuffered = Math.max(
      this.stats.peakWebsocketBuffered,
      ws.bufferedAmount,
    );
    if (ws.bufferedAmount >= this.#hwm && !this.#socket.isPaused()) {
      this.#socket.pause();
      this.stats.socketPauses++;
    }
  }

  /** The turn in which the socket gave bytes is over: their frames go out, in one write. */
  onTurnEnd(): void {
    this.#corked = false;
    this.#transport!.uncork();
  }

  afterWebsocketSend(error?: Error): void {
    if (error || this.#closing) return;
    if (this.#socket.isPaused() && this.#ws.bufferedAmount < this.#hwm / 2) this.#socket.resume();
    this.resume();
  }

  onSocketEnd(): void {
    if (this.#closing) return;
    this.#socketEnded = true;
    this.#endedFirst ??= 'socket';
    // After every data message already queued: the peer sees the bytes, then the end.
    this.#ws.send(END_OF_STREAM, { binary: false });
    if (this.#websocketEnded)
      this.#close(this.#endedFirst, CloseCode.NORMAL, 'both directions ended');
  }

  onSocketError(error: NodeJS.ErrnoException): void {
    const { code, reason } = this.#options.closeCodes.socketError(error);
    this.#close('socket', code, reason);
  }

  onSocketClose(): void {
    this.#socketClosed = true;
    const { code, reason } = this.#options.closeCodes.socketClosed;
    this.#close('socket', code, reason);
    this.#finishIfDone();
  }
}

// The emitters' listeners: one function each for every join, as in ws (socketOnData…).
function joinOf(emitter: object): Join {
  return (emitter as Joined<object>)[kJoin];
}
function socketOnData(this: Socket, chunk: Buffer) {
  const join = joinOf(this);
  try {
    join.onSocketData(chunk);
  } catch (error) {
    join.fail(error);
  }
}
function uncorkJoin(join: Join) {
  join.onTurnEnd();
}
function socketOnDrain(this: Socket) {
  joinOf(this).resume();
}
function socketOnEnd(this: Socket) {
  joinOf(this).onSocketEnd();
}
function socketOnError(this: Socket, error: NodeJS.ErrnoException) {
  joinOf(this).onSocketError(error);
}
function socketOnClose(this: Socket) {
  joinOf(this).onSocketClose();
}
function socketAfterWrite(this: Socket, error?: Error | null) {
  // 'drain' alone fires only past the socket's own mark (16 KiB), which a smaller
  // highWaterMarkBytes never reaches: the write callback re-checks every time.
  if (!error) joinOf(this).resume();
}
function wsOnMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
  const join = joinOf(this);
  try {
    join.onWebsocketMessage(data, isBinary);
  } catch (error) {
    join.fail(error);
  }
}
function wsOnPing(this: WebSocket, data: Buffer) {
  joinOf(this).onWebsocketPing(data);
}
function wsOnPong(this: WebSocket) {
  joinOf(this).onWebsocketPong();
}
function wsAfterPong(this: WebSocket) {
  joinOf(this).resume();
}
function wsAfterSend(this: WebSocket, error?: Error) {
  joinOf(this).afterWebsocketSend(error);
}
function wsOnError(this: WebSocket, error: Error) {
  joinOf(this).onWebsocketError(error);
}
function wsOnClose(this: WebSocket, code: number, reason: Buffer) {
  joinOf(this).onWebsocketClose(code, reason);
}

export function createJoin(options: JoinOptions): Join {
  return new Join(options);
}
