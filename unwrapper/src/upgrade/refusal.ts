/**
 * Why an upgrade was refused, as one closed list: each reason has its HTTP status, and its name is
 * the `result` label of beats_gate_unwrapper_upgrades_total, so the label stays bounded.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export const REFUSALS = {
  not_found: { status: 404, code: 'ERR_UNWRAPPER_NOT_FOUND' },
  bad_handshake: { status: 400, code: 'ERR_UNWRAPPER_BAD_HANDSHAKE' },
  draining: { status: 503, code: 'ERR_UNWRAPPER_DRAINING' },
  assertion_missing: { status: 401, code: 'ERR_ASSERTION_MISSING' },
  assertion_duplicate: { status: 401, code: 'ERR_ASSERTION_DUPLICATE' },
  assertion_malformed: { status: 401, code: 'ERR_ASSERTION_MALFORMED' },
  assertion_unknown_key: { status: 401, code: 'ERR_ASSERTION_UNKNOWN_KEY' },
  assertion_bad_signature: { status: 401, code: 'ERR_ASSERTION_BAD_SIGNATURE' },
  assertion_expired: { status: 401, code: 'ERR_ASSERTION_EXPIRED' },
  assertion_invalid_claims: { status: 401, code: 'ERR_ASSERTION_INVALID_CLAIMS' },
  assertion_handshake_mismatch: { status: 403, code: 'ERR_ASSERTION_HANDSHAKE_MISMATCH' },
  assertion_replayed: { status: 403, code: 'ERR_ASSERTION_REPLAYED' },
  jwt_missing: { status: 401, code: 'ERR_UNWRAPPER_JWT_MISSING' },
  jwt_invalid: { status: 401, code: 'ERR_UNWRAPPER_JWT_INVALID' },
  jwt_scope_insufficient: { status: 403, code: 'ERR_UNWRAPPER_JWT_SCOPE_INSUFFICIENT' },
  jwt_subject_mismatch: { status: 403, code: 'ERR_UNWRAPPER_JWT_SUBJECT_MISMATCH' },
  jwt_keys_unavailable: { status: 503, code: 'ERR_UNWRAPPER_JWT_KEYS_UNAVAILABLE' },
  global_limit: { status: 503, code: 'ERR_UNWRAPPER_OVER_CAPACITY' },
  subject_limit: { status: 429, code: 'ERR_UNWRAPPER_SUBJECT_LIMIT' },
  upstream_unreachable: { status: 502, code: 'ERR_UPSTREAM_UNREACHABLE' },
  upstream_down: { status: 503, code: 'ERR_UPSTREAM_ALL_DOWN' },
  client_gone: { status: 499, code: 'ERR_UNWRAPPER_CLIENT_GONE' },
  internal: { status: 500, code: 'ERR_UNWRAPPER_INTERNAL' },
} as const;

export type RefusalReason = keyof typeof REFUSALS;

export class UpgradeRefusal extends Error {
  override name = 'UpgradeRefusal';
  readonly reason: RefusalReason;
  readonly status: number;
  readonly code: string;
  /** Seconds, sent as Retry-After. */
  readonly retryAfter: number | undefined;
  constructor(
    reason: RefusalReason,
    message: string,
    options?: ErrorOptions & { retryAfter?: number },
  ) {
    super(message, options);
    this.reason = reason;
    this.status = REFUSALS[reason].status;
    this.code = REFUSALS[reason].code;
    this.retryAfter = options?.retryAfter;
  }
}

/**
 * Answers with a real HTTP status line and a JSON body, then destroys the socket: the edge (or
 * whoever found the origin) gets a status it can map, and nothing else happens on this socket.
 */
export function writeRefusal(socket: Duplex, refusal: UpgradeRefusal, closeTimeoutMs: number) {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: refusal.code, message: refusal.message });
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    'Cache-Control: no-store',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (refusal.retryAfter !== undefined) lines.push(`Retry-After: ${refusal.retryAfter}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), closeTimeoutMs).unref();
}
