import { encodeCompressedAsync, encodeJson, encodeWindow } from '../codec/index.ts';

/** One batch of events on its way to the receiver, with how much of it is acknowledged. */
export interface OutgoingWindow {
  /** 1-based, in the order batches were taken from the input (for logs). */
  readonly index: number;
  /** The events, serialised once. */
  readonly payloads: readonly string[];
  /** Events acknowledged so far, from the start of the window. */
  done: number;
  /** `done` when the window was last written: acks count from there. */
  sentBase: number;
  /** Events in the W of the last write. */
  sentSize: number;
  /** Times the window was written (a resend is a write after the first). */
  writes: number;
  /** Encoded bytes for payloads[wireBase..]: W then J frames or one C frame. */
  wire: readonly Buffer[];
  wireBase: number;
}

/**
 * Encodes payloads[from..] as a window of its own, sequence numbers restarting at 1: what Filebeat
 * sends first, and again for the unacknowledged rest of a window after a failure.
 */
export async function encodeOutgoing(
  window: OutgoingWindow,
  from: number,
  compressionLevel: number,
): Promise<void> {
  const { payloads } = window;
  const count = payloads.length - from;
  const header = encodeWindow(count);
  const frames: Buffer[] = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) frames[i] = encodeJson(i + 1, payloads[from + i] as string);
  window.wire =
    compressionLevel > 0
      ? [header, await encodeCompressedAsync(frames, compressionLevel)]
      : [Buffer.concat([header, ...frames])];
  window.wireBase = from;
}

export function createOutgoingWindow(index: number, payloads: readonly string[]): OutgoingWindow {
  return { index, payloads, done: 0, sentBase: 0, sentSize: 0, writes: 0, wire: [], wireBase: -1 };
}
