/**
 * A minimal Lumberjack v2 peer for timing: writes one pre-encoded window at a time (pipelining
 * 0) and resolves when its ack arrives, so the time between is one clean ack round trip.
 */
import { connect, type Socket } from 'node:net';
import { encodeJson, encodeWindow } from '@beats-gate/lumberjack';

/** `W(n)` and n `J` frames of small events, encoded once and reused for every window. */
export function encodeSmallWindow(size: number, runId = 'bench-probe'): Buffer {
  const frames = [encodeWindow(size)];
  for (let seq = 1; seq <= size; seq += 1) {
    frames.push(
      encodeJson(seq, { '@timestamp': new Date(0).toISOString(), run: runId, seq, message: 'x' }),
    );
  }
  return Buffer.concat(frames);
}

export interface Probe {
  /** Writes the window and resolves with the ack's round trip in milliseconds. */
  roundTrip(window: Buffer, size: number, timeoutMs?: number): Promise<number>;
  close(): void;
}

export function openProbe(host: string, port: number, timeoutMs = 10_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port, noDelay: true });
    let pending: Buffer = Buffer.alloc(0);
    let waiter: { size: number; done: (seq: number) => void } | undefined;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      socket.destroy();
    };
    const timer = setTimeout(() => fail(new Error('probe connect timed out')), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        if (pending[0] !== 0x32 || pending[1] !== 0x41) {
          fail(new Error('probe received something other than a v2 ack'));
          return;
        }
        const seq = pending.readUInt32BE(2);
        pending = pending.subarray(6);
        if (seq !== 0 && waiter && seq >= waiter.size) waiter.done(seq);
      }
    });
    socket.once('error', (error) => fail(error));
    socket.once('close', () => {
      clearTimeout(timer);
      failure ??= new Error('probe connection closed');
      if (waiter) waiter.done(-1);
      reject(failure);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({
        roundTrip(window, size, ackTimeoutMs = 10_000) {
          if (failure) return Promise.reject(failure);
          return new Promise((done, refuse) => {
            const started = process.hrtime.bigint();
            const guard = setTimeout(() => fail(new Error('probe ack timed out')), ackTimeoutMs);
            waiter = {
              size,
              done: (seq) => {
                clearTimeout(guard);
                waiter = undefined;
                if (seq < 0) refuse(failure ?? new Error('probe connection closed'));
                else done(Number(process.hrtime.bigint() - started) / 1e6);
              },
            };
            socket.write(window);
          });
        },
        close() {
          socket.destroy();
        },
      });
    });
  });
}
