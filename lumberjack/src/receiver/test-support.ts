// Helpers for the receiver's tests: a raw Lumberjack client over a real socket, a gate to hold
// a sink, and a logger that keeps its lines. Not exported from the package. Every wait is
// bounded and fails naming what it waited for: a receiver that never answers fails a test
// instead of hanging it.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Batch, BatchSink, Logger } from './types.ts';
import { within } from '@beats-gate/kit';

/** How long a helper waits for something a loopback peer should do at once. */
export const WAIT_LIMIT_MS = 10_000;

export { within };

export interface RawClient {
  readonly socket: Socket;
  /** Every byte the receiver sent so far. */
  received(): Buffer;
  /** Resolves once at least `count` bytes arrived. */
  waitForBytes(count: number): Promise<Buffer>;
  /** Resolves once what arrived satisfies `done`. */
  waitUntil(done: (received: Buffer) => boolean, what: string): Promise<Buffer>;
  /**
   * Resolves when the receiver closed the connection (with everything it sent); the wait starts
   * when this is read.
   */
  readonly closed: Promise<Buffer>;
  write(bytes: Uint8Array): Promise<void>;
}

export async function connectRaw(port: number, socket?: Socket): Promise<RawClient> {
  const s = socket ?? connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  if (socket === undefined) {
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: { done: (received: Buffer) => boolean; resolve: (b: Buffer) => void }[] = [];
  s.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    const received = Buffer.concat(chunks);
    for (const w of waiters.filter((w) => w.done(received))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(received);
    }
  });
  function waitUntil(done: (received: Buffer) => boolean, what: string | (() => string)) {
    const received = Buffer.concat(chunks);
    if (done(received)) return Promise.resolve(received);
    return within(new Promise<Buffer>((resolve) => waiters.push({ done, resolve })), what);
  }
  s.on('end', () => s.end()); // the receiver is done: finish our half too, so 'close' comes
  s.on('error', () => {}); // a reset is one of the outcomes under test; `closed` reports it
  const closed = new Promise<Buffer>((resolve) =>
    s.once('close', () => resolve(Buffer.concat(chunks))),
  );
  return {
    socket: s,
    received: () => Buffer.concat(chunks),
    waitForBytes(count) {
      return waitUntil(
        () => total >= count,
        () => `${count} bytes from the receiver (${total} came)`,
      );
    },
    waitUntil,
    get closed() {
      return within(closed, 'the receiver to close the connection');
    },
    write(bytes) {
      return new Promise((resolve, reject) =>
        s.write(bytes, (err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

/** A sink that holds every batch until released, so tests control when acks may go out. */
export function createGatedSink(): {
  sink: BatchSink;
  batches: Batch[];
  /** Resolves when the sink has received `count` batches in total. */
  waitForBatches(count: number): Promise<void>;
  release(): void;
} {
  const batches: Batch[] = [];
  let open = false;
  let releaseAll: () => void = () => {};
  const gate = new Promise<void>((resolve) => (releaseAll = resolve));
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    batches,
    async sink(batch) {
      batches.push(batch);
      for (const w of waiters.filter((w) => batches.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (!open) await gate;
    },
    waitForBatches(count) {
      if (batches.length >= count) return Promise.resolve();
      return within(
        new Promise((resolve) => waiters.push({ count, resolve })),
        () => `${count} batches in the sink (${batches.length} came)`,
      );
    },
    release() {
      open = true;
      releaseAll();
    },
  };
}

export function createListLogger(): Logger & {
  lines: Record<string, unknown>[];
  /** Resolves with the first line (already logged or to come) that matches. */
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
} {
  // Each line of a child carries its bindings, as pino writes them.
  function withBindings(bindings: Record<string, unknown>): Logger {
    return {
      info: (obj, msg) => add({ level: 'info', ...bindings, ...obj, msg }),
      warn: (obj, msg) => add({ level: 'warn', ...bindings, ...obj, msg }),
      child: (more) => withBindings({ ...bindings, ...more }),
    };
  }
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  function add(line: Record<string, unknown>): void {
    lines.push(line);
    for (const w of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  }
  return {
    lines,
    ...withBindings({}),
    waitFor(match) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return within(
        new Promise((resolve) => waiters.push({ match, resolve })),
        `a log line matching ${match.toString()}`,
      );
    },
  };
}

/** Deterministic chunk sizes, so a failing chunking can be replayed. */
export function* chunksOf(bytes: Buffer, maxChunk: number, seed: number): Generator<Buffer> {
  let state = seed >>> 0 || 1;
  for (let offset = 0; offset < bytes.length;) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const size = 1 + (state % maxChunk);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}
