/**
 * Helpers shared by the codec's tests (not exported by the package): cutting bytes into chunks,
 * comparing frames structurally and re-encoding decoded frames.
 */
import { encodeCompressed, encodeFrame } from './encode.ts';
import type { Frame } from './frames.ts';

/** Cuts `bytes` into chunks whose sizes cycle through `sizes` (all >= 1). */
export function splitInto(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let i = 0;
  for (let offset = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** A frame as plain data (payload as hex), so deepEqual compares everything that matters. */
export function toComparable(frame: Frame): Record<string, unknown> {
  const plain: Record<string, unknown> = { ...frame };
  if (frame.type === 'json') {
    plain.payload = frame.payload.toString('hex');
    plain.event = frame.event;
  }
  return plain;
}

/**
 * Encodes decoded frames again; each run of consecutive `compressed` frames becomes one C frame,
 * deflated with the next of `levels` (default 3).
 */
export function reencode(frames: readonly Frame[], levels: readonly number[] = []): Buffer {
  const out: Buffer[] = [];
  let run: Buffer[] | undefined;
  let level = 0;
  const flush = () => {
    if (run) out.push(encodeCompressed(run, levels[level++] ?? 3));
    run = undefined;
  };
  for (const frame of frames) {
    if (frame.compressed) (run ??= []).push(encodeFrame(frame));
    else {
      flush();
      out.push(encodeFrame(frame));
    }
  }
  flush();
  return Buffer.concat(out);
}
