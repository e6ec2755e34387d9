/**
 * Inflates the payload of a C frame as a stream and decodes its content as it comes out, so what
 * a C frame costs in memory is its first MiB of content or one output chunk, and the inner frame
 * being assembled, whatever it inflates to. Its inflated size is still capped (maxDecompressedBytes), but as a bound on the CPU
 * time a zip bomb costs, not on memory. Inflating runs on libuv's thread pool.
 */
import { createInflate } from 'node:zlib';
import { endsInside, Reader } from './decode.ts';
import { LumberjackError } from './errors.ts';
import { checkAllUsed, inflateCompressed, notZlib, tooLarge } from './inflate.ts';
import type { ContentFrame } from './frames.ts';
import { resolveLimits, type DecoderOptions } from './limits.ts';

const OUTPUT_CHUNK_BYTES = 64 * 1024;
/**
 * Content up to this size is inflated in one synchronous call: most C frames (Filebeat's default
 * windows inflate to a few hundred KiB) then cost no thread-pool round trips. A frame that
 * inflates past it is inflated again as a stream; what that wastes is bounded by this size.
 */
const AT_ONCE_BYTES = 1024 * 1024;

/** The whole content, when it inflates to AT_ONCE_BYTES or less; undefined when larger. */
function inflateAtOnce(payload: Buffer, cap: number): Buffer | undefined {
  try {
    return inflateCompressed(payload, Math.min(AT_ONCE_BYTES, cap));
  } catch (error) {
    if ((error as LumberjackError).code === 'ERR_LJ_DECOMPRESSED_TOO_LARGE') return undefined;
    throw error;
  }
}

/**
 * Yields the frames inside a C frame's payload with their bytes (as a frame reader does), a batch
 * per inflated chunk, each frame marked `compressed`. Throws LumberjackError (ERR_LJ_BAD_COMPRESSION, ERR_LJ_DECOMPRESSED_TOO_LARGE or
 * the decoder's own codes) where the content turns out bad; the frames yielded before that came
 * out of a stream that is broken, which the caller must treat as such.
 */
export async function* inflateFrames(
  payload: Buffer,
  options?: Omit<DecoderOptions, 'parseJson'>,
): AsyncGenerator<ContentFrame[], void, undefined> {
  const limits = resolveLimits(options);
  // A reader of a C frame's content: its frames are marked `compressed`, and no C is allowed.
  const reader = new Reader(limits, true);
  /** The frames the bytes pushed so far complete. */
  const take = () => {
    const frames: ContentFrame[] = [];
    // The content reader refuses C frames (ERR_LJ_NESTED_COMPRESSION), hence ContentFrame.
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      frames.push(frame as ContentFrame);
    }
    return frames;
  };
  const whole = inflateAtOnce(payload, limits.maxDecompressedBytes);
  if (whole !== undefined) {
    // In slices, so that one batch never holds more frames than a streamed chunk would.
    for (let at = 0; at < whole.length; at += OUTPUT_CHUNK_BYTES) {
      reader.push(whole.subarray(at, at + OUTPUT_CHUNK_BYTES));
      const frames = take();
      if (frames.length > 0) yield frames;
    }
    if (reader.bufferedBytes > 0) throw endsInside(whole.length, reader);
    return;
  }
  if (limits.maxDecompressedBytes <= AT_ONCE_BYTES)
    throw tooLarge(payload, limits.maxDecompressedBytes);
  const inflater = createInflate({ chunkSize: OUTPUT_CHUNK_BYTES });
  inflater.end(payload);
  let inflated = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > limits.maxDecompressedBytes)
        throw tooLarge(payload, limits.maxDecompressedBytes);
      reader.push(chunk);
      const frames = take();
      if (frames.length > 0) yield frames;
    }
  } catch (error) {
    throw error instanceof LumberjackError ? error : notZlib(payload, error);
  } finally {
    inflater.destroy();
  }
  checkAllUsed(payload, inflater.bytesWritten);
  if (reader.bufferedBytes > 0) throw endsInside(inflated, reader);
}
