/**
 * The Beat→Logstash direction of a tunnel in Lumberjack-aware mode: bytes in, complete windows
 * out, in order, and nothing else. A window is written only once it is complete, valid and (in
 * stamp mode) re-encoded; the first problem stops everything and is reported once, and nothing
 * after it is written. `hold()` stops at a window boundary for a drain: windows not yet written
 * are never written (the Beat resends them on its next connection, so nothing is lost and nothing
 * is duplicated).
 */
import { toInspectError, type InspectError } from './inspect-error.ts';
import { createFrameSplitter } from './frame-splitter.ts';
import type { WindowEncoder } from './encode-window.ts';
import { createWindowReader, type Window } from './window-reader.ts';

export interface InspectLimits {
  readonly maxFrameBytes: number;
  readonly maxWindowSize: number;
  readonly maxDecompressedBytes: number;
  readonly maxWindowBytes: number;
}

export interface ClientInspectorOptions {
  limits: InspectLimits;
  encoder: WindowEncoder;
  /** Called for each window, in order, with the bytes to send to Logstash. */
  write(bytes: Buffer, window: Window): void;
  /** Called once, on the first failure. */
  onError(error: InspectError): void;
  /** Called when windows waiting for their encoding have all been written. */
  onIdle?(): void;
}

interface Pending {
  window: Window;
  bytes: Buffer | undefined;
}

export function createClientInspector(options: ClientInspectorOptions) {
  const { limits, encoder } = options;
  const splitter = createFrameSplitter({
    maxFrameBytes: limits.maxFrameBytes,
    maxWindowSize: limits.maxWindowSize,
    maxDecompressedBytes: limits.maxDecompressedBytes,
    // JSON is checked by the encoder's scan; events are parsed only if the claims policy reads them.
    parseJson: false,
  });
  const reader = createWindowReader({ maxWindowBytes: limits.maxWindowBytes });
  const queue: Pending[] = [];
  let pendingBytes = 0;
  let failed = false;
  let held = false;
  const stats = { windows: 0, events: 0, mismatches: 0 };

  function fail(error: unknown) {
    if (failed) return;
    failed = true;
    queue.length = 0;
    pendingBytes = 0;
    options.onError(toInspectError(error));
  }

  function pump() {
    while (!failed && !held && queue.length > 0 && queue[0]!.bytes !== undefined) {
      const { window, bytes } = queue.shift()!;
      pendingBytes -= window.wireBytes;
      stats.windows++;
      stats.events += window.size;
      options.write(bytes!, window);
      if (queue.length === 0) options.onIdle?.();
    }
  }

  function accept(window: Window) {
    const encoded = encoder.encode(window);
    stats.mismatches += encoded.mismatches;
    const entry: Pending = { window, bytes: undefined };
    queue.push(entry);
    pendingBytes += window.wireBytes;
    if (Buffer.isBuffer(encoded.bytes)) {
      entry.bytes = encoded.bytes;
      pump();
      return;
    }
    encoded.bytes.then(
      (bytes) => {
        entry.bytes = bytes;
        pump();
      },
      (error: unknown) => fail(error),
    );
  }

  return {
    push(chunk: Buffer): void {
      if (failed || held) return;
      try {
        for (const raw of splitter.push(chunk)) {
          const window = reader.push(raw);
          if (window) accept(window);
        }
      } catch (error) {
        fail(error);
      }
    },
    /** Stop at the current window boundary: write nothing more. */
    hold(): void {
      held = true;
      queue.length = 0;
      pendingBytes = 0;
    },
    /** Bytes taken from the Beat and not yet written: windows being received or encoded. */
    get pendingBytes(): number {
      return pendingBytes + reader.heldBytes + splitter.bufferedBytes;
    },
    /** Bytes of complete windows waiting to be written (encoding in progress). */
    get queuedBytes(): number {
      return pendingBytes;
    },
    /** Windows waiting to be written (encoding in progress). */
    get queuedWindows(): number {
      return queue.length;
    },
    get failed(): boolean {
      return failed;
    },
    /** Windows and events written so far, and events tagged by the claims policy. */
    stats,
  };
}

export type ClientInspector = ReturnType<typeof createClientInspector>;
