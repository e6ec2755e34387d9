/**
 * Errors raised while decoding Lumberjack bytes. One class with a literal `code` per failure, so a
 * `switch (err.code)` over LumberjackErrorCode is checked for exhaustiveness by the compiler.
 * Misuse of the encoders (a seq out of range, a bad compression level) is a programming error and
 * raises a plain RangeError/TypeError instead: it never comes from the wire.
 */

export type LumberjackErrorCode =
  /** First byte of a frame is not '1' or '2'. */
  | 'ERR_LJ_BAD_VERSION'
  /** Type byte is not W, C, J, D or A. */
  | 'ERR_LJ_UNKNOWN_FRAME'
  /** A length field (J payload, C payload, D key/value, D total) is over maxFrameBytes. */
  | 'ERR_LJ_FRAME_TOO_LARGE'
  /** A W count is over maxWindowSize. */
  | 'ERR_LJ_WINDOW_TOO_LARGE'
  /** A C frame inflates past maxDecompressedBytes (checked while inflating). */
  | 'ERR_LJ_DECOMPRESSED_TOO_LARGE'
  /** A C frame inside a C frame. */
  | 'ERR_LJ_NESTED_COMPRESSION'
  /** A C payload is not a valid zlib stream, or its content ends inside a frame. */
  | 'ERR_LJ_BAD_COMPRESSION'
  /** A J payload is not UTF-8 JSON holding an object. */
  | 'ERR_LJ_INVALID_JSON'
  /** A frame that is well-formed bytes but not allowed: J on v1, D on v2. */
  | 'ERR_LJ_INVALID_FRAME'
  /** The stream ended inside a frame. */
  | 'ERR_LJ_TRUNCATED';

export class LumberjackError extends Error {
  override name = 'LumberjackError';
  readonly code: LumberjackErrorCode;
  constructor(code: LumberjackErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export function isLumberjackError(value: unknown): value is LumberjackError {
  return value instanceof LumberjackError;
}

/** Shows a wire byte readably in messages: printable ASCII as 'X' (0x58), the rest as hex. */
export function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}' (${hex})` : hex;
}
