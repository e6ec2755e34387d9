import type { Socket } from 'node:net';
import { encodeAck } from '../codec/index.ts';
import type { ContentFrame, Version } from '../codec/index.ts';
import { createFrameFeed } from './frame-feed.ts';
import type { AssembledBatch } from './window-assembler.ts';
import { createWindowAssembler } from './window-assembler.ts';
import type { BatchSink, Logger, ReceiverOptions } from './types.ts';

export interface ConnectionSettings {
  sink: BatchSink;
  keepAliveIntervalMs: number;
  inactivityTimeoutMs: number;
  maxPendingBatches: number;
  decoder: ReceiverOptions['decoder'];
  logger: Logger;
}

export interface ConnectionHandle {
  /** Destroys the socket; nothing more is acknowledged on it. */
  destroy(reason: string): void;
}

/**
 * Serves one Beat connection like Logstash's beats input: decode, group into windows, hand each
 * window to the sink one at a time (so acks leave strictly in window order), ack after the sink
 * resolved, keep-alive while it has not, close when idle, and stop reading while too many windows
 * wait or a C frame inflates. Any decode or protocol error closes the connection without acking
 * the window at fault.
 */
export function handleConnection(
  socket: Socket,
  connectionId: string,
  settings: ConnectionSettings,
  onClosed: () => void,
): ConnectionHandle {
  const { sink } = settings;
  const remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const logger = settings.logger.child({ connectionId, remoteAddress });
  const startedAt = Date.now();
  const assembler = createWindowAssembler();
  const feed = createFrameFeed(settings.decoder, {
    frame: feedOnFrame,
    inflating: feedOnInflating,
    ended: feedOnEnded,
    failed: (err) => fail(err, 'decode error'),
  });
  const queue: AssembledBatch[] = [];
  const counts = { events: 0, batches: 0, acks: 0, keepAlives: 0, partialFlushes: 0, pauses: 0 };
  let inSink = false;
  /** Reading stops while too many windows wait (backpressure) or while a C frame inflates. */
  let queueFull = false;
  let inflating = false;
  let reading = true;
  /** Every byte of the peer's stream has been turned into frames. */
  let inputDone = false;
  let closed = false;
  let closeReason = 'peer closed';
  let lastVersion: Version = 2;

  socket.setNoDelay(true);
  let keepAliveTimer: NodeJS.Timeout | undefined;
  const idleTimer =
    settings.inactivityTimeoutMs > 0
      ? setTimeout(closeIfIdle, settings.inactivityTimeoutMs)
      : undefined;

  logger.info({ event: 'connection_open' }, 'connection open');
  socket.on('data', socketOnData);
  socket.on('end', socketOnEnd);
  socket.on('error', socketOnError);
  socket.on('close', socketOnClose);

  function socketOnData(chunk: Buffer): void {
    idleTimer?.refresh();
    feed.push(chunk);
  }

  function socketOnEnd(): void {
    feed.end();
  }

  /** A throw (a protocol error, an invalid J payload) reaches the feed, which reports it. */
  function feedOnFrame(frame: ContentFrame['frame']): void {
    const batch = assembler.push(frame);
    if (batch !== undefined) enqueue(batch);
  }

  function feedOnInflating(busy: boolean): void {
    inflating = busy;
    updateReading();
  }

  function feedOnEnded(): void {
    inputDone = true;
    if (assembler.openEvents > 0) {
      // Logstash drops an unfinished window when the Beat goes away; the Beat resends it.
      logger.warn(
        { event: 'window_discarded', events: assembler.openEvents },
        'peer ended inside a window: the partial window is not acknowledged',
      );
    }
    finishIfDone();
  }

  function socketOnError(err: NodeJS.ErrnoException): void {
    closeReason = `socket error ${err.code ?? err.message}`;
  }

  function socketOnClose(): void {
    closed = true;
    feed.stop();
    stopKeepAlive();
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    logger.info(
      {
        event: 'connection_close',
        reason: closeReason,
        ...counts,
        batchesNotAcked: queue.length + (inSink ? 1 : 0),
        sequenceAnomalies: assembler.sequenceAnomalies,
        bytesIn: socket.bytesRead,
        bytesOut: socket.bytesWritten,
        durationMs: Date.now() - startedAt,
      },
      'connection closed',
    );
    queue.length = 0;
    onClosed();
  }

  function fail(err: unknown, reason: string): void {
    if (closed) return;
    const code = (err as { code?: unknown } | null)?.code;
    logger.warn(
      {
        event: reason === 'decode error' ? 'decode_error' : 'connection_error',
        code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
        error: err instanceof Error ? err.message : String(err),
      },
      `${reason}: closing the connection without ack`,
    );
    destroy(reason);
  }

  function destroy(reason: string): void {
    if (closed) return;
    closed = true;
    closeReason = reason;
    feed.stop();
    socket.destroy();
  }

  function updateReading(): void {
    const wanted = !queueFull && !inflating;
    if (wanted === reading || closed) return;
    reading = wanted;
    if (wanted) socket.resume();
    else socket.pause();
  }

  function enqueue(batch: AssembledBatch): void {
    queue.push(batch);
    if (batch.partial) counts.partialFlushes++;
    if (!queueFull && queue.length + (inSink ? 1 : 0) > settings.maxPendingBatches) {
      queueFull = true;
      counts.pauses++;
      updateReading();
    }
    void pump();
  }

  async function pump(): Promise<void> {
    if (inSink) return;
    inSink = true;
    armKeepAlive();
    try {
      for (let batch = queue.shift(); batch !== undefined && !closed; batch = queue.shift()) {
        lastVersion = batch.version;
        try {
          await sink({
            connectionId,
            remoteAddress,
            version: batch.version,
            windowSize: batch.windowSize,
            events: batch.events,
            payloads: batch.payloads,
          });
        } catch (err) {
          fail(err, 'sink failed');
          return;
        }
        if (closed) return;
        write(encodeAck(batch.ackSeq, batch.version));
        counts.acks++;
        counts.batches++;
        counts.events += batch.events.length;
        if (queueFull && queue.length < settings.maxPendingBatches) {
          queueFull = false;
          updateReading();
        }
      }
    } finally {
      inSink = false;
      stopKeepAlive();
    }
    finishIfDone();
  }

  function write(bytes: Buffer): void {
    idleTimer?.refresh();
    if (inSink) armKeepAlive();
    socket.write(bytes);
  }

  /** (Re)starts the keep-alive clock: Logstash sends one after each interval without a write. */
  function armKeepAlive(): void {
    if (settings.keepAliveIntervalMs <= 0) return;
    if (keepAliveTimer === undefined) {
      keepAliveTimer = setTimeout(sendKeepAlive, settings.keepAliveIntervalMs);
    } else {
      keepAliveTimer.refresh();
    }
  }

  function stopKeepAlive(): void {
    if (keepAliveTimer !== undefined) clearTimeout(keepAliveTimer);
    keepAliveTimer = undefined;
  }

  function sendKeepAlive(): void {
    if (closed || !inSink) return;
    write(encodeAck(0, lastVersion));
    counts.keepAlives++;
  }

  function closeIfIdle(): void {
    if (closed) return;
    if (inSink || inflating || queue.length > 0) {
      idleTimer?.refresh();
      return;
    }
    logger.info(
      { event: 'connection_idle', idleMs: settings.inactivityTimeoutMs },
      'closing idle connection',
    );
    destroy('idle timeout');
  }

  function finishIfDone(): void {
    if (inputDone && !closed && !inSink && queue.length === 0) {
      closeReason = 'peer ended';
      socket.end();
    }
  }

  return { destroy };
}
