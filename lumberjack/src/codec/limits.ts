/**
 * Decoder limits: every length read from the wire is compared with one of these before anything
 * is allocated or buffered for it. Options are validated when the decoder is created, so a
 * misconfiguration fails at startup, not on the first connection.
 */
import { constants } from 'node:buffer';

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Filebeat's bulk_max_size defaults to 2048; nothing real comes near this. */
export const DEFAULT_MAX_WINDOW_SIZE = 65536;
/** A whole window inflated; Filebeat windows are tens of KiB to a few MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

export interface DecoderOptions {
  /** Largest length field accepted (J payload, C payload, a whole D frame). Default 64 MiB. */
  maxFrameBytes?: number;
  /** Largest W count accepted. Default 65536. */
  maxWindowSize?: number;
  /** Largest inflated size of one C frame, enforced while inflating. Default 128 MiB. */
  maxDecompressedBytes?: number;
  /**
   * Default true: each J payload is parsed when decoded and must be a JSON object. When false,
   * `event` is parsed on first access instead (and throws ERR_LJ_INVALID_JSON there), for callers
   * that only need the frame boundaries and the exact payload bytes.
   */
  parseJson?: boolean;
}

/** The options resolved: every limit set, and checked. */
export type DecoderLimits = Readonly<Required<DecoderOptions>>;

const U32_MAX = 0xffffffff;
const MAX_BUFFER = Math.min(constants.MAX_LENGTH, U32_MAX);

/** The option `name`, or its default when absent; it must be an integer from 1 to `max`. */
function limit(
  options: DecoderOptions,
  name: Exclude<keyof DecoderLimits, 'parseJson'>,
  fallback: number,
  max: number,
) {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `options.${name} must be an integer from 1 to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

export function resolveLimits(options: DecoderOptions = {}): DecoderLimits {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`decoder options must be an object, got ${String(options)}`);
  }
  const parseJson = options.parseJson ?? true;
  if (typeof parseJson !== 'boolean') {
    throw new TypeError(`options.parseJson must be a boolean, got ${String(parseJson)}`);
  }
  return {
    maxFrameBytes: limit(options, 'maxFrameBytes', DEFAULT_MAX_FRAME_BYTES, MAX_BUFFER),
    maxWindowSize: limit(options, 'maxWindowSize', DEFAULT_MAX_WINDOW_SIZE, U32_MAX),
    maxDecompressedBytes: limit(
      options,
      'maxDecompressedBytes',
      DEFAULT_MAX_DECOMPRESSED_BYTES,
      MAX_BUFFER,
    ),
    parseJson,
  };
}
