/**
 * Inflates the payload of a C frame with a hard cap on the output. zlib stops and throws as soon
 * as the output passes maxOutputLength, so a zip bomb costs at most the cap in memory and the time
 * to inflate that much, never the size it claims.
 */
import { inflateSync } from 'node:zlib';
import { LumberjackError } from './errors.ts';

interface InflateResult {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

interface ZlibFailure {
  code?: unknown;
  message?: unknown;
}

// zlib's default 16 KiB output chunks make a big window (or a bomb up to the cap) cost thousands
// of allocations; chunks sized from the input (JSON deflates about 10-30x) keep that low without
// holding a large chunk for a small frame.
const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

function outputChunkSize(inputBytes: number, cap: number): number {
  return Math.max(64, Math.min(Math.max(inputBytes * 16, MIN_CHUNK), MAX_CHUNK, cap));
}

export function inflateCompressed(payload: Buffer, maxDecompressedBytes: number): Buffer {
  let result: InflateResult;
  try {
    // info: true exposes how much input the stream used, to catch bytes after its end.
    result = inflateSync(payload, {
      maxOutputLength: maxDecompressedBytes,
      chunkSize: outputChunkSize(payload.length, maxDecompressedBytes),
      info: true,
    }) as unknown as InflateResult;
  } catch (error) {
    const failure = error as ZlibFailure;
    if (failure.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new LumberjackError(
        'ERR_LJ_DECOMPRESSED_TOO_LARGE',
        `compressed frame of ${payload.length} bytes inflates past maxDecompressedBytes (${maxDecompressedBytes})`,
        { cause: error },
      );
    }
    throw new LumberjackError(
      'ERR_LJ_BAD_COMPRESSION',
      `compressed frame of ${payload.length} bytes is not a valid zlib stream: ${String(failure.message)}`,
      { cause: error },
    );
  }
  const used = result.engine.bytesWritten;
  if (used !== payload.length) {
    throw new LumberjackError(
      'ERR_LJ_BAD_COMPRESSION',
      `compressed frame has ${payload.length - used} bytes after the end of its zlib stream`,
    );
  }
  return result.buffer;
}
