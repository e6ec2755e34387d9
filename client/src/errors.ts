// The configuration's error is the kit's, shared by every service: ERR_CONFIG_INVALID.
export { ConfigError } from '@beats-gate/kit';
import { CodedError } from '@beats-gate/protocol';

/**
 * Every failure the client reports carries a stable code, so logs, metrics and callers can switch
 * on it. Messages never contain a token, a secret or payload bytes.
 */
export type ClientErrorCode =
  | 'ERR_TOKEN_UNAVAILABLE'
  | 'ERR_TOKEN_FILE'
  | 'ERR_TOKEN_COMMAND'
  | 'ERR_TOKEN_OAUTH'
  | 'ERR_HANDSHAKE_REJECTED'
  | 'ERR_HANDSHAKE_UNAUTHORIZED'
  | 'ERR_HANDSHAKE_RATE_LIMITED'
  | 'ERR_HANDSHAKE_UNAVAILABLE'
  | 'ERR_HANDSHAKE_NETWORK'
  | 'ERR_HANDSHAKE_TIMEOUT'
  | 'ERR_HANDSHAKE_ABORTED'
  | 'ERR_LISTEN_FAILED';

/**
 * One table decides what each failure means for new Beats connections, as the edge's ERROR_SPECS
 * does for its refusals: `backOff` when the edge, the proxy or the token source is down or
 * overloaded, so new connections are reset at once until the back-off ends instead of each
 * trying again; not when the failure belongs to one connection or to a setup that retrying
 * cannot fix sooner.
 */
export const ERROR_POLICY = {
  ERR_TOKEN_UNAVAILABLE: { backOff: true },
  ERR_TOKEN_FILE: { backOff: true },
  ERR_TOKEN_COMMAND: { backOff: true },
  ERR_TOKEN_OAUTH: { backOff: true },
  ERR_HANDSHAKE_REJECTED: { backOff: false },
  ERR_HANDSHAKE_UNAUTHORIZED: { backOff: false },
  ERR_HANDSHAKE_RATE_LIMITED: { backOff: true },
  ERR_HANDSHAKE_UNAVAILABLE: { backOff: true },
  ERR_HANDSHAKE_NETWORK: { backOff: true },
  ERR_HANDSHAKE_TIMEOUT: { backOff: true },
  ERR_HANDSHAKE_ABORTED: { backOff: false },
  ERR_LISTEN_FAILED: { backOff: false },
} as const satisfies Record<ClientErrorCode, { readonly backOff: boolean }>;

export class ClientError extends CodedError<ClientErrorCode> {
  override name = 'ClientError';
}

/** A refused or failed WebSocket handshake, with what the edge answered when it answered. */
export class HandshakeError extends ClientError {
  override name = 'HandshakeError';
  /** HTTP status of the edge's answer; 0 when there was none (network error, timeout). */
  readonly status: number;
  /** Milliseconds from a `Retry-After` header, when the edge sent one. */
  readonly retryAfterMs: number | undefined;
  /** The stable error code from the edge's JSON body, when it had one. */
  readonly edgeCode: string | undefined;
  constructor(
    code: ClientErrorCode,
    message: string,
    details: { status?: number; retryAfterMs?: number; edgeCode?: string },
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.status = details.status ?? 0;
    this.retryAfterMs = details.retryAfterMs;
    this.edgeCode = details.edgeCode;
  }
}
