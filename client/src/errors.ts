/**
 * Every failure the client reports carries a stable code, so logs, metrics and callers can switch
 * on it. Messages never contain a token, a secret or payload bytes.
 */
export type ClientErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CONFIG_HELP'
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

export class ClientError extends Error {
  override name = 'ClientError';
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The configuration could not be loaded; `problems` lists every problem found, not just the first. */
export class ConfigError extends ClientError {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      'ERR_CONFIG_INVALID',
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
      options,
    );
    this.problems = problems;
  }
}

/** `--help` or `--version` was asked for: not a failure, the caller prints `text` and exits 0. */
export class HelpRequested extends ClientError {
  override name = 'HelpRequested';
  readonly text: string;
  constructor(text: string) {
    super('ERR_CONFIG_HELP', 'help requested');
    this.text = text;
  }
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
