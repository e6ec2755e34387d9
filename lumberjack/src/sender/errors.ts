import type { SendResult } from './types.ts';

export type SenderErrorCode =
  /** No ack (not even a keep-alive) and no write progress within timeoutMs, or the dial timed out. */
  | 'ERR_LJ_SENDER_TIMEOUT'
  /** The receiver closed or reset the connection while windows were unacknowledged. */
  | 'ERR_LJ_SENDER_CONNECTION_CLOSED'
  /** The connection could not be opened (refused, unreachable, TLS handshake failed). */
  | 'ERR_LJ_SENDER_CONNECT_FAILED'
  /** The receiver sent something other than a valid ack for the window in flight. */
  | 'ERR_LJ_SENDER_BAD_ACK'
  /** maxAttempts consecutive attempts failed. */
  | 'ERR_LJ_SENDER_GAVE_UP'
  /** close() was called during send(). */
  | 'ERR_LJ_SENDER_CLOSED'
  /** An event could not be serialised (not an object, or JSON.stringify failed). */
  | 'ERR_LJ_SENDER_BAD_EVENT'
  /** The events iterable threw. */
  | 'ERR_LJ_SENDER_INPUT_FAILED'
  /** An option is out of range. */
  | 'ERR_LJ_SENDER_OPTIONS';

export class SenderError extends Error {
  readonly code: SenderErrorCode;
  /** What a failed send() achieved before it gave up or was closed (acked events and so on). */
  result?: SendResult;

  constructor(code: SenderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SenderError';
    this.code = code;
  }
}

/** The code to log for any failure: ours, the codec's, or a socket's errno. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}
