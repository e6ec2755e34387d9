/**
 * One tunnel: a WebSocket from the edge and one upstream socket to Logstash, joined
 * byte-transparently. Each direction has a bounded buffer and pauses its reader past the
 * high-water mark, independently, so Logstash's 6-byte keep-alive acks never queue behind a
 * congested upload. Pongs count towards the client's buffer too: a peer that pings and never reads
 * is read no further. Any failure on either side closes both, within closeTimeoutMs
 * (docs/design.md).
 */
import type { Socket } from 'node:net';
import { CloseCode } from '@beats-gate/protocol';
import type { WebSocket } from 'ws';
import type { GateHooks, LumberjackGate } from '../inspect/lumberjack-gate.ts';
import { createHeartbeat } from '@beats-gate/kit';

export type ClosedBy = 'client' | 'upstream' | 'unwrapper';

export interface TunnelStats {
  readonly connectionId: string;
  readonly subject: string;
  readonly clientAddress: string;
  readonly upstream: string;
  readonly openedAt: number;
  bytesFromClient: number;
  bytesFromUpstream: number;
  /** Largest upstream write buffer seen (bytes queued towards Logstash). */
  peakUpstreamBuffered: number;
  /** Largest WebSocket send buffer seen (bytes queued towards the client). */
  peakClientBuffered: number;
  /** Times the client was paused because Logstash did not keep up, and the reverse. */
  clientPauses: number;
  upstreamPauses: number;
  /** Heartbeat intervals skipped because the client was not being read. */
  pingsSkipped: number;
}

export interface TunnelResult {
  readonly stats: TunnelStats;
  readonly closedBy: ClosedBy;
  readonly code: number;
  readonly reason: string;
  readonly durationMs: number;
}

export interface TunnelOptions {
  ws: WebSocket;
  upstream: Socket;
  stats: TunnelStats;
  highWaterMarkBytes: number;
  pingIntervalMs: number;
  closeTimeoutMs: number;
  now?: () => number;
  onData?: (direction: 'client_to_upstream' | 'upstream_to_client', bytes: number) => void;
  onClose: (result: TunnelResult) => void;
  /** Lumberjack-aware mode (inspect/): absent for the byte tunnel. */
  gate?: (hooks: GateHooks) => LumberjackGate;
}

/** ws reports protocol violations as errors with these codes, then closes by itself. */
function closeCodeOf(error: Error): number {
  const code = (error as { code?: string }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCode.MESSAGE_TOO_BIG;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  if (code?.startsWith('WS_ERR_')) return CloseCode.PROTOCOL_ERROR;
  return CloseCode.INTERNAL_ERROR;
}

export function createTunnel(options: TunnelOptions) {
  const { ws, upstream, stats, highWaterMarkBytes: hwm, closeTimeoutMs } = options;
  const now = options.now ?? Date.now;
  let closing: { closedBy: ClosedBy; code: number; reason: string } | undefined;
  let wsClosed = false;
  let upstreamClosed = false;
  const timers: NodeJS.Timeout[] = [];
  const heartbeat = createHeartbeat({
    intervalMs: options.pingIntervalMs,
    ping: () => ws.ping(),
    skip: () => ws.isPaused,
    onSkip: () => stats.pingsSkipped++,
    onTimeout: () => {
      // No close frame: the path is dead. 1006 is what the client's side will report too.
      ws.terminate();
      close('unwrapper', 1006, 'heartbeat timeout: two pongs missed');
    },
  });

  function close(closedBy: ClosedBy, code: number, reason: string) {
    if (closing) return;
    closing = { closedBy, code, reason };
    heartbeat.stop();
    gate?.stop();
    if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 120));
    if (closedBy === 'upstream') upstream.destroy();
    // Let bytes already accepted from the client reach Logstash, but never wait on it forever.
    else upstream.end();
    const timer = setTimeout(() => {
      ws.terminate();
      upstream.destroy();
    }, closeTimeoutMs);
    timer.unref();
    timers.push(timer);
  }

  function finishIfDone() {
    if (!wsClosed || !upstreamClosed) return;
    for (const timer of timers) clearTimeout(timer);
    const { closedBy, code, reason } = closing ?? {
      closedBy: 'unwrapper' as const,
      code: CloseCode.INTERNAL_ERROR,
      reason: 'closed without a cause',
    };
    options.onClose({ stats, closedBy, code, reason, durationMs: now() - stats.openedAt });
  }

  function guard<A extends unknown[]>(fn: (...args: A) => void) {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        close('unwrapper', CloseCode.INTERNAL_ERROR, `internal error: ${String(error)}`);
        upstream.destroy();
      }
    };
  }

  // Client → Logstash.
  ws.on(
    'message',
    guard(function wsOnMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
      if (closing) return;
      // Data proves the path alive as well as a pong does; a pong queued behind a large upload
      // must not get a working tunnel killed.
      heartbeat.alive();
      if (!isBinary) {
        close('unwrapper', CloseCode.UNSUPPORTED_DATA, 'text frames are not accepted');
        return;
      }
      const chunk = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      stats.bytesFromClient += chunk.length;
      options.onData?.('client_to_upstream', chunk.length);
      if (!gate) writeUpstream([chunk]);
      else if (!gate.push(chunk) || heldTowardsUpstream() >= hwm) pauseClient();
    }),
  );

  /** What is held on the way to Logstash: the one figure that pauses and resumes the client. */
  function heldTowardsUpstream() {
    return upstream.writableLength + (gate?.bufferedBytes ?? 0);
  }
  function pauseClient() {
    if (ws.isPaused) return;
    ws.pause();
    stats.clientPauses++;
  }
  /** Writes towards Logstash; false when the upstream socket holds the high-water mark or more. */
  function writeUpstream(chunks: Buffer[]): boolean {
    const last = chunks.length - 1;
    // One writev for a run of frames rather than a syscall each.
    if (last > 0) upstream.cork();
    // The callback resumes: 'drain' alone fires only past the socket's own mark (16 KiB), which
    // a smaller highWaterMarkBytes never reaches, and the client would stay paused for good.
    for (let i = 0; i <= last; i++) upstream.write(chunks[i]!, i === last ? afterWrite : undefined);
    if (last > 0) upstream.uncork();
    stats.peakUpstreamBuffered = Math.max(stats.peakUpstreamBuffered, upstream.writableLength);
    if (heldTowardsUpstream() >= hwm) pauseClient();
    return upstream.writableLength < hwm;
  }
  function afterWrite(error?: Error | null) {
    if (!error) resumeClient();
  }
  /** Re-checks every reason to hold the client back, and reads it again when none is left. */
  function resumeClient() {
    if (closing) return;
    if (gate && upstream.writableLength < hwm) gate.writable();
    if (!ws.isPaused || pongsQueued() || gate?.blocked) return;
    if (heldTowardsUpstream() < hwm) ws.resume();
  }
  upstream.on('drain', resumeClient);

  // Frames reach writeUpstream only once checked (and stamped); see inspect/lumberjack-gate.ts.
  const gate = options.gate?.({
    write(chunks) {
      // Bytes whose encoding finished after the close are never sent: the Beat resends them.
      return closing ? false : writeUpstream(chunks);
    },
    close: (code, reason) => close('unwrapper', code, reason),
    pauseClient,
    resumeClient,
  });

  // Pings are answered here rather than by ws (autoPong is off), so that an unread pong counts
  // like unread data: past the high-water mark the client is read no further until they drain.
  function pongsQueued() {
    return ws.bufferedAmount >= hwm;
  }
  ws.on('ping', function wsOnPing(data: Buffer) {
    heartbeat.alive();
    if (closing) return;
    ws.pong(data, undefined, onPongSent);
    if (pongsQueued()) pauseClient();
  });
  function onPongSent() {
    resumeClient();
  }

  // Logstash → client.
  function onSent(error?: Error) {
    if (error || closing) return;
    if (upstream.isPaused() && ws.bufferedAmount < hwm / 2) upstream.resume();
    resumeClient();
  }
  upstream.on(
    'data',
    guard(function upstreamOnData(chunk: Buffer) {
      if (closing) return;
      stats.bytesFromUpstream += chunk.length;
      options.onData?.('upstream_to_client', chunk.length);
      ws.send(chunk, { binary: true }, onSent);
      // After the send: an ack that ends a drain must reach the Beat before the close frame.
      gate?.observe(chunk);
      stats.peakClientBuffered = Math.max(stats.peakClientBuffered, ws.bufferedAmount);
      if (ws.bufferedAmount >= hwm && !upstream.isPaused()) {
        upstream.pause();
        stats.upstreamPauses++;
      }
    }),
  );

  upstream.on('end', function upstreamOnEnd() {
    close('upstream', CloseCode.NORMAL, 'upstream closed');
  });
  upstream.on('error', function upstreamOnError(error: NodeJS.ErrnoException) {
    close('upstream', CloseCode.BAD_GATEWAY, `upstream failed: ${error.code ?? 'error'}`);
  });
  upstream.on('close', function upstreamOnClose(hadError: boolean) {
    upstreamClosed = true;
    close('upstream', hadError ? CloseCode.BAD_GATEWAY : CloseCode.NORMAL, 'upstream closed');
    finishIfDone();
  });

  ws.on('pong', () => heartbeat.alive());
  ws.on('error', function wsOnError(error: Error) {
    // ws already sends the matching close frame (1009 for an oversized message); mirror it.
    close('unwrapper', closeCodeOf(error), error.message);
    upstream.destroy();
  });
  ws.on('close', function wsOnClose(code: number, reason: Buffer) {
    wsClosed = true;
    close('client', code, reason.toString('utf8').slice(0, 120) || 'client closed');
    if (closing?.closedBy !== 'upstream' && code !== CloseCode.NORMAL) upstream.destroy();
    finishIfDone();
  });

  heartbeat.start();

  return {
    stats,
    /** Shutdown: close with 1001 (the client reconnects elsewhere). */
    shutdown() {
      close('unwrapper', CloseCode.GOING_AWAY, 'unwrapper shutting down');
    },
    /** The admin API cut this device off: close with 1008 (its token was revoked). */
    revoke() {
      close('unwrapper', CloseCode.POLICY_VIOLATION, 'closed by the operator');
    },
    /**
     * Lumberjack-aware drain: close with 1001 once the windows sent are acknowledged, sending
     * nothing more. False for a byte tunnel, which cannot see window boundaries.
     */
    drainAtWindowBoundary(): boolean {
      if (!gate || closing) return false;
      gate.drain();
      return true;
    },
    /** Windows, events and acks of a Lumberjack-aware tunnel. */
    get inspection() {
      return gate?.stats;
    },
    get bufferedTowardsUpstream() {
      return upstream.writableLength;
    },
    get bufferedTowardsClient() {
      return ws.bufferedAmount;
    },
    get readingClientPaused() {
      return ws.isPaused;
    },
  };
}

export type Tunnel = ReturnType<typeof createTunnel>;
