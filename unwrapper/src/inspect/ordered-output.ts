/**
 * The bytes a Lumberjack-aware tunnel sends to Logstash, in stream order. Some are ready at once
 * (validated frames, stamped frames), some come later (stamped C frames, deflated on libuv's
 * thread pool); each is written only when everything before it was, and the windows it completes
 * are reported when their last byte is written, which is when Logstash can first ack them.
 */
import type { CompletedWindow } from './window-tracker.ts';

interface Entry {
  chunks: Buffer[] | undefined;
  readonly bytes: number;
  readonly completes: readonly CompletedWindow[];
}

export interface OrderedOutputOptions {
  write(chunks: Buffer[]): void;
  /** An entry was written; `windows` are those whose last byte it held (often none). */
  onWritten(windows: readonly CompletedWindow[]): void;
  /** A deferred entry failed (zlib); nothing after it is written. */
  onError(error: unknown): void;
}

export function createOrderedOutput(options: OrderedOutputOptions) {
  const queue: Entry[] = [];
  let pendingBytes = 0;
  /** Entries whose bytes are still coming (deflate jobs on the thread pool). */
  let deferred = 0;
  let stopped = false;

  function flush() {
    while (!stopped && queue.length > 0 && queue[0]!.chunks !== undefined) {
      const entry = queue.shift()!;
      pendingBytes -= entry.bytes;
      if (entry.chunks!.length > 0) options.write(entry.chunks!);
      options.onWritten(entry.completes);
    }
  }

  return {
    /**
     * Queues bytes (or bytes to come) and the windows they complete. `bytes` is what the entry
     * holds in memory until written: its length, or for deferred bytes the input being deflated.
     */
    add(chunks: Buffer[] | Promise<Buffer>, bytes: number, completes: readonly CompletedWindow[]) {
      if (stopped) return;
      const ready = Array.isArray(chunks);
      const entry: Entry = { chunks: ready ? chunks : undefined, bytes, completes };
      queue.push(entry);
      pendingBytes += bytes;
      if (ready) return flush();
      deferred++;
      chunks.then(
        (deflated) => {
          deferred--;
          entry.chunks = [deflated];
          flush();
        },
        (error: unknown) => {
          deferred--;
          if (!stopped) options.onError(error);
          stopped = true;
        },
      );
    },
    /** Bytes queued and not written. */
    get pendingBytes() {
      return pendingBytes;
    },
    get idle() {
      return queue.length === 0;
    },
    /** Entries waiting for their bytes (deflate jobs running). */
    get deferred() {
      return deferred;
    },
    /** The tunnel closed: write nothing more (the Beat resends what was not acknowledged). */
    stop() {
      stopped = true;
      queue.length = 0;
      pendingBytes = 0;
    },
  };
}
