/**
 * Why the Lumberjack-aware mode closed a tunnel: a stable code (the codec's ERR_LJ_* or one of
 * ours), the WebSocket close code it maps to, and a message naming the problem (never payload
 * bytes). 1003 for bytes that are not Lumberjack at all, 1009 for anything over a limit, 1008 for a
 * claims policy refusal, 1002 for every other protocol violation.
 */
import { CloseCode } from '@beats-gate/protocol';
import { LumberjackError, type LumberjackErrorCode } from '@beats-gate/lumberjack';

export type InspectErrorCode =
  | LumberjackErrorCode
  /** A W frame arrived while the previous window still waited for events. */
  | 'ERR_INSPECT_WINDOW_INCOMPLETE'
  /** An event frame arrived with no window open. */
  | 'ERR_INSPECT_NO_WINDOW'
  /** An ack frame came from the Beat side. */
  | 'ERR_INSPECT_UNEXPECTED_ACK'
  /** A compressed frame holds the end of one window and frames after it. */
  | 'ERR_INSPECT_FRAME_SPANS_WINDOWS'
  /** The claims policy is 'reject' and an event disagrees with a claim. */
  | 'ERR_INSPECT_CLAIM_MISMATCH'
  /** Re-encoding failed (a bug or zlib failing): closed as an internal error. */
  | 'ERR_INSPECT_INTERNAL'
  /** The stream opens with a TLS ClientHello: a Beat's own TLS passed through to this mode. */
  | 'ERR_INSPECT_TLS_CLIENT_HELLO';

const CLOSE_CODES: Record<InspectErrorCode, number> = {
  ERR_LJ_BAD_VERSION: CloseCode.UNSUPPORTED_DATA,
  ERR_LJ_UNKNOWN_FRAME: CloseCode.UNSUPPORTED_DATA,
  ERR_LJ_FRAME_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  ERR_LJ_WINDOW_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  ERR_LJ_DECOMPRESSED_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  ERR_LJ_NESTED_COMPRESSION: CloseCode.PROTOCOL_ERROR,
  ERR_LJ_BAD_COMPRESSION: CloseCode.PROTOCOL_ERROR,
  ERR_LJ_INVALID_JSON: CloseCode.PROTOCOL_ERROR,
  ERR_LJ_INVALID_FRAME: CloseCode.PROTOCOL_ERROR,
  ERR_LJ_TRUNCATED: CloseCode.PROTOCOL_ERROR,
  ERR_INSPECT_WINDOW_INCOMPLETE: CloseCode.PROTOCOL_ERROR,
  ERR_INSPECT_NO_WINDOW: CloseCode.PROTOCOL_ERROR,
  ERR_INSPECT_UNEXPECTED_ACK: CloseCode.PROTOCOL_ERROR,
  ERR_INSPECT_FRAME_SPANS_WINDOWS: CloseCode.UNSUPPORTED_DATA,
  ERR_INSPECT_CLAIM_MISMATCH: CloseCode.POLICY_VIOLATION,
  ERR_INSPECT_INTERNAL: CloseCode.INTERNAL_ERROR,
  ERR_INSPECT_TLS_CLIENT_HELLO: CloseCode.UNSUPPORTED_DATA,
};

export class InspectError extends Error {
  override name = 'InspectError';
  readonly code: InspectErrorCode;
  readonly closeCode: number;
  constructor(code: InspectErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.closeCode = CLOSE_CODES[code];
  }
}

/** Any failure while inspecting, as an InspectError (the codec's errors keep their code). */
export function toInspectError(error: unknown): InspectError {
  if (error instanceof InspectError) return error;
  if (error instanceof LumberjackError) {
    return new InspectError(error.code, error.message, { cause: error });
  }
  return new InspectError('ERR_INSPECT_INTERNAL', `internal error: ${String(error)}`, {
    cause: error,
  });
}
