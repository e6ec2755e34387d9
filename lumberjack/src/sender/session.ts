import type { Socket } from 'node:net';
import { createDecoder } from '../codec/index.ts';
import { SenderError } from './errors.ts';
import type { OutgoingWindow } from './outgoing-window.ts';
import { encodeOutgoing } from './outgoing-window.ts';
import type { WindowSource } from './window-source.ts';

export interface SessionState {
  /** Unacknowledged windows in input order, shared across connections. */
  readonly pending: OutgoingWindow[];
  readonly source: WindowSource;
  exhausted: boolean;
  acked: number;
  sent: number;
  resends: number;
}

export interface SessionSettings {
  maxInFlight: number;
  timeoutMs: number;
  compressionLevel: number;
}

export interface Session {
  /** Resolves when the input is exhausted and every window is acknowledged; rejects on failure. */
  readonly done: Promise<void>;
  /** Fails the session (the socket is destroyed, windows stay pending). */
  abort(err: Error): void;
}

/**
 * Drives one connection the way go-lumber's async client does: resend the windows a previous
 * connection left unacknowledged (only their unacknowledged rest), then keep up to maxInFlight
 * windows written, and read acks. An ack is cumulative within the head window; the window is done
 * when the ack equals its size. Any failure destroys the socket and rejects `done`; `state`
 * then holds exactly what is still to be sent.
 */
export function startSession(
  socket: Socket,
  state: SessionState,
  settings: SessionSettings,
  onProgress: () => void,
): Session {
  // Only 6-byte acks are expected: a tight frame limit stops a confused peer early.
  const decoder = createDecoder({ maxFrameBytes: 64 * 1024, parseJson: false });
  const { pending } = state;
  let failure: Error | undefined;
  let completed = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  socket.setNoDelay(true);
  socket.on('data', socketOnData);
  socket.on('error', (err) => fail(connectionError(err)));
  socket.on('end', () => fail(closedError('the receiver ended the connection')));
  socket.on('close', () => fail(closedError('the connection closed')));

  function notify(): void {
    const w = wake;
    wake = undefined;
    w?.();
  }

  function fail(err: Error): void {
    if (failure !== undefined || completed) return;
    failure = err;
    stopTimer();
    socket.destroy();
    notify();
  }

  function armTimer(): void {
    if (timer === undefined) timer = setTimeout(onTimeout, settings.timeoutMs);
    else timer.refresh();
  }

  function stopTimer(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  function onTimeout(): void {
    fail(
      new SenderError(
        'ERR_LJ_SENDER_TIMEOUT',
        `no ack or write progress for ${settings.timeoutMs} ms with ${pending.length} window(s) unacknowledged`,
      ),
    );
  }

  function socketOnData(chunk: Buffer): void {
    try {
      for (const frame of decoder.push(chunk)) {
        if (frame.type !== 'ack') {
          throw new SenderError('ERR_LJ_SENDER_BAD_ACK', `the receiver sent a ${frame.type} frame`);
        }
        onAck(frame.seq);
      }
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  function onAck(seq: number): void {
    const head = pending[0];
    if (head === undefined || head.sentSize === 0) {
      if (seq === 0) return; // a keep-alive with nothing in flight is harmless
      throw new SenderError('ERR_LJ_SENDER_BAD_ACK', `ack ${seq} with no window in flight`);
    }
    armTimer(); // every ack, keep-alive '2A 0' included, extends the wait
    if (seq > head.sentSize) {
      throw new SenderError(
        'ERR_LJ_SENDER_BAD_ACK',
        `ack ${seq} is past the window of ${head.sentSize} events`,
      );
    }
    const done = head.sentBase + seq;
    if (done > head.done) {
      state.acked += done - head.done;
      head.done = done;
      onProgress();
    }
    if (seq === head.sentSize) {
      pending.shift();
      if (pending.length === 0) stopTimer();
      notify();
    }
  }

  function write(window: OutgoingWindow): void {
    window.sentBase = window.wireBase;
    window.sentSize = window.payloads.length - window.wireBase;
    state.sent += window.sentSize;
    window.writes++;
    armTimer();
    socket.cork();
    const last = window.wire.length - 1;
    window.wire.forEach((bytes, i) => {
      // Write progress counts as liveness: a big window on a slow link is not a timeout.
      if (i === last) socket.write(bytes, writeOnFlushed);
      else socket.write(bytes);
    });
    socket.uncork();
  }

  function writeOnFlushed(err?: Error | null): void {
    if (err == null && failure === undefined && !completed && pending.length > 0) armTimer();
  }

  // A function, not an inline check: the compiler cannot see that awaits let `failure` change.
  function throwIfFailed(): void {
    if (failure !== undefined) throw failure;
  }

  async function nextWindow(): Promise<OutgoingWindow | undefined> {
    try {
      return await state.source.next();
    } catch (err) {
      // The input failed, not the connection: no retry can help.
      throw err instanceof SenderError && err.code === 'ERR_LJ_SENDER_BAD_EVENT'
        ? err
        : new SenderError('ERR_LJ_SENDER_INPUT_FAILED', 'reading the events failed', {
            cause: err,
          });
    }
  }

  async function run(): Promise<void> {
    // Resend what the last connection left unacknowledged, in order, only the unacked rest.
    const resend = pending.slice();
    for (const window of resend) {
      window.sentSize = 0; // not on this connection yet: its acks cannot be for it
    }
    for (const window of resend) {
      if (window.wireBase !== window.done) {
        await encodeOutgoing(window, window.done, settings.compressionLevel);
      }
      throwIfFailed();
      // A window taken from the input just before the last failure was never written: not a resend.
      if (window.writes > 0) state.resends += window.payloads.length - window.done;
      write(window);
    }
    for (;;) {
      throwIfFailed();
      if (pending.length === 0 && state.exhausted) {
        completed = true;
        return;
      }
      if (!state.exhausted && pending.length < settings.maxInFlight) {
        const window = await nextWindow();
        if (window === undefined) {
          state.exhausted = true;
          continue;
        }
        // Queued before anything can fail, so a window taken from the input is never lost.
        pending.push(window);
        window.sentSize = 0;
        throwIfFailed();
        write(window);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  const done = run().finally(() => {
    stopTimer();
    socket.off('data', socketOnData);
  });
  return { done, abort: fail };
}

function connectionError(err: NodeJS.ErrnoException): SenderError {
  return new SenderError(
    'ERR_LJ_SENDER_CONNECTION_CLOSED',
    `connection failed: ${err.code ?? err.message}`,
    { cause: err },
  );
}

function closedError(message: string): SenderError {
  return new SenderError('ERR_LJ_SENDER_CONNECTION_CLOSED', message);
}
