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
  | 'ERR_TOKEN_INVALID'
  | 'ERR_PROXY_UNREACHABLE'
  | 'ERR_PROXY_REFUSED'
  | 'ERR_HANDSHAKE_DNS'
  | 'ERR_HANDSHAKE_NETWORK'
  | 'ERR_HANDSHAKE_TLS'
  | 'ERR_HANDSHAKE_TIMEOUT'
  | 'ERR_HANDSHAKE_REJECTED'
  | 'ERR_HANDSHAKE_UNAUTHORIZED'
  | 'ERR_HANDSHAKE_RATE_LIMITED'
  | 'ERR_HANDSHAKE_UNAVAILABLE'
  | 'ERR_HANDSHAKE_ORIGIN'
  | 'ERR_HANDSHAKE_LOGSTASH'
  | 'ERR_HANDSHAKE_ABORTED'
  | 'ERR_LISTEN_FAILED';

/**
 * The part of the chain a failure belongs to, in the order a tunnel passes them: the token
 * source, the proxy, the edge's name, its TCP port, TLS, the upgrade answer (the edge's own
 * refusals), origin (the unwrapper, or the edge failing to reach it) and Logstash behind it.
 * `client` is the client itself (its listener, an aborted handshake).
 */
export type FailurePart =
  'token' | 'proxy' | 'dns' | 'tcp' | 'tls' | 'upgrade' | 'origin' | 'logstash' | 'client';

interface ErrorPolicy {
  /**
   * Whether new Beats connections back off: yes when the edge, the proxy, origin or the token
   * source is down or overloaded, so new connections are reset at once until the back-off ends
   * instead of each trying again; not when the failure belongs to one connection or to a setup
   * that retrying cannot fix sooner.
   */
  readonly backOff: boolean;
  /** Which part failed: /readyz, `beats-gate-client test` and the probe report it. */
  readonly part: FailurePart;
  /** What an operator should look at first; the message says what exactly happened. */
  readonly fix: string;
}

/**
 * One table decides what each failure means, as the edge's ERROR_SPECS does for its refusals:
 * the back-off of new Beats connections, the part of the chain it names, and the fix to try.
 * Listeners, probes and the start-up checks all read it; none keeps its own list.
 */
export const ERROR_POLICY = {
  ERR_TOKEN_UNAVAILABLE: {
    backOff: true,
    part: 'token',
    fix: 'check the token source (file, command or OAuth endpoint)',
  },
  ERR_TOKEN_FILE: {
    backOff: true,
    part: 'token',
    fix: 'check the token file: its path, that the service user may read it, one token line',
  },
  ERR_TOKEN_COMMAND: {
    backOff: true,
    part: 'token',
    fix: 'run the token command by hand as the service user; it must print one token on stdout within --token-command-timeout-ms',
  },
  ERR_TOKEN_OAUTH: {
    backOff: true,
    part: 'token',
    fix: 'check the OAuth token URL, client id and client credentials',
  },
  ERR_TOKEN_INVALID: {
    backOff: false,
    part: 'token',
    fix: 'give the client a JWT from your issuer (three base64url parts separated by dots)',
  },
  ERR_PROXY_UNREACHABLE: {
    backOff: true,
    part: 'proxy',
    fix: 'check --proxy (or HTTPS_PROXY): its host and port, and that it runs; --proxy direct bypasses it',
  },
  ERR_PROXY_REFUSED: {
    backOff: true,
    part: 'proxy',
    fix: 'the proxy refused the CONNECT: check its credentials (407) and that it allows the edge host on port 443',
  },
  ERR_HANDSHAKE_DNS: {
    backOff: true,
    part: 'dns',
    fix: "check the edge host name in --url and the device's DNS resolver",
  },
  ERR_HANDSHAKE_NETWORK: {
    backOff: true,
    part: 'tcp',
    fix: 'check the port in --url and that a firewall lets the device reach the edge',
  },
  ERR_HANDSHAKE_TLS: {
    backOff: true,
    part: 'tls',
    fix: 'check that --url names the TLS port (wss://), the device clock, and --ca-file for a private CA or a TLS-inspecting proxy',
  },
  ERR_HANDSHAKE_TIMEOUT: {
    backOff: true,
    part: 'upgrade',
    fix: 'the edge accepted the connection but did not answer the upgrade: check that --url points at the beats-gate edge',
  },
  ERR_HANDSHAKE_REJECTED: {
    backOff: false,
    part: 'upgrade',
    fix: 'look up the status and edgeCode in docs/troubleshooting.md (404: the path must be /v1/tunnel)',
  },
  ERR_HANDSHAKE_UNAUTHORIZED: {
    backOff: false,
    part: 'upgrade',
    fix: 'the edge refused the token: look up edgeCode in docs/troubleshooting.md (expired, wrong issuer or audience, revoked)',
  },
  ERR_HANDSHAKE_RATE_LIMITED: {
    backOff: true,
    part: 'upgrade',
    fix: "too many connections for this device: lower the Beat's worker count or ask for a higher limit",
  },
  ERR_HANDSHAKE_UNAVAILABLE: {
    backOff: true,
    part: 'upgrade',
    fix: 'the edge cannot serve tunnels now: look up edgeCode in docs/troubleshooting.md',
  },
  ERR_HANDSHAKE_ORIGIN: {
    backOff: true,
    part: 'origin',
    fix: 'the edge could not use origin: check that the unwrapper runs, ORIGIN_URL on the edge, and ASSERTION_KEYS on both',
  },
  ERR_HANDSHAKE_LOGSTASH: {
    backOff: true,
    part: 'logstash',
    fix: "origin could not connect to Logstash: check Logstash's beats input and the unwrapper's upstreams",
  },
  ERR_HANDSHAKE_ABORTED: {
    backOff: false,
    part: 'client',
    fix: 'none: the client gave it up itself',
  },
  ERR_LISTEN_FAILED: {
    backOff: false,
    part: 'client',
    fix: 'another process holds the address, or a port below 1024 needs privileges',
  },
} as const satisfies Record<ClientErrorCode, ErrorPolicy>;

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
  /** The stable error code from the answer's JSON body (the edge's or origin's), when it had one. */
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
