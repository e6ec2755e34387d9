/**
 * Inflates the payload of a C frame as a stream and decodes its content as it comes out, so what
 * a C frame costs in memory is one output chunk and the inner frame being assembled, whatever it
 * inflates to. Its inflated size is still capped (maxDecompressedBytes), but as a bound on the CPU
 * time a zip bomb costs, not on memory. Inflating runs on libuv's thread pool.
 */
import { createInflate } from 'node:zlib';
import { createContentFrameReader } from './decode.ts';
import { LumberjackError } from './errors.ts';
import type { ContentFrame } from './frames.ts';
import { resolveLimits, type DecoderOptions } from './limits.ts';

const OUTPUT_CHUNK_BYTES = 64 * 1024;

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
  const reader = createContentFrameReader(options);
  const inflater = createInflate({ chunkSize: OUTPUT_CHUNK_BYTES });
  inflater.end(payload);
  let inflated = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > limits.maxDecompressedBytes) {
        throw new LumberjackError(
          'ERR_LJ_DECOMPRESSED_TOO_LARGE',
          `compressed frame of ${payload.length} bytes inflates past maxDecompressedBytes (${limits.maxDecompressedBytes})`,
        );
      }
      reader.push(chunk);
      const frames: ContentFrame[] = [];
      // The content reader refuses C frames (ERR_LJ_NESTED_COMPRESSION), hence ContentFrame.
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        frames.push(frame as ContentFrame);
      }
      if (frames.length > 0) yield frames;
    }
  } catch (error) {
    if (error instanceof LumberjackError) throw error;
    throw new LumberjackError(
      'ERR_LJ_BAD_COMPRESSION',
      `compressed frame of ${payload.length} bytes is not a valid zlib stream: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    inflater.destroy();
  }
  if (inflater.bytesWritten !== payload.length) {
    throw new LumberjackError(
      'ERR_LJ_BAD_COMPRESSION',
      `compressed frame has ${payload.length - inflater.bytesWritten} bytes after the end of its zlib stream`,
    );
  }
  if (reader.bufferedBytes > 0) {
    throw new LumberjackError(
      'ERR_LJ_BAD_COMPRESSION',
      `content of a compressed frame (${inflated} bytes) ends inside a frame`,
    );
  }
}
