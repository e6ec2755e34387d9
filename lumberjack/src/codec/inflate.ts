/**
 * Inflates the payload of a C frame with a hard cap on the output. zlib stops and throws as soon
 * as the output passes maxOutputLength, so a zip bomb costs at most the cap in memory and the time
 * to inflate that much, never the size it claims. The errors are shared with inflateFrames, which
 * inflates larger frames as a stream.
 */
import { inflateSync } from 'node:zlib';
import { LumberjackError } from './errors.ts';

// zlib's default 16 KiB output chunks make a big window (or a bomb up to the cap) cost thousands
// of allocations; chunks sized from the input (JSON deflates about 10-30x) keep that low without
// holding a large chunk for a small frame.
const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

export function tooLarge(payload: Buffer, cap: number, cause?: unknown): LumberjackError {
  return new LumberjackError(
    'ERR_LJ_DECOMPRESSED_TOO_LARGE',
    `compressed frame of ${payload.length} bytes inflates past maxDecompressedBytes (${cap})`,
    { cause },
  );
}

export function notZlib(payload: Buffer, cause: unknown): LumberjackError {
  return new LumberjackError(
    'ERR_LJ_BAD_COMPRESSION',
    `compressed frame of ${payload.length} bytes is not a valid zlib stream: ${(cause as Error).message}`,
    { cause },
  );
}

/** The zlib stream ended after `used` bytes of the payload: anything after it is refused. */
export function checkAllUsed(payload: Buffer, used: number): void {
  if (used === payload.length) return;
  throw new LumberjackError(
    'ERR_LJ_BAD_COMPRESSION',
    `compressed frame has ${payload.length - used} bytes after the end of its zlib stream`,
  );
}

export function inflateCompressed(payload: Buffer, maxDecompressedBytes: number): Buffer {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // info: true exposes how much input the stream used, to catch bytes after its end.
    result = inflateSync(payload, {
      maxOutputLength: maxDecompressedBytes,
      chunkSize: Math.max(
        64,
        Math.min(Math.max(payload.length * 16, MIN_CHUNK), MAX_CHUNK, maxDecompressedBytes),
      ),
      info: true,
    }) as unknown as typeof result;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(payload, maxDecompressedBytes, error);
    }
    throw notZlib(payload, error);
  }
  checkAllUsed(payload, result.engine.bytesWritten);
  return result.buffer;
}
