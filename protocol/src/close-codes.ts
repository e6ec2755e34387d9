/**
 * RFC 6455 close codes as beats-gate uses them (docs/design.md). Every hop maps a failure to one of
 * these, and the client maps each of them to closing the Beats socket.
 */
export const CloseCode = {
  /** The Logstash side closed normally (for example its inactivity timeout). */
  NORMAL: 1000,
  /** A side is shutting down (deploy, SIGTERM). */
  GOING_AWAY: 1001,
  /** The peer broke the WebSocket or Lumberjack protocol. */
  PROTOCOL_ERROR: 1002,
  /** The peer sent data of a kind we do not accept (text frames, non-Lumberjack bytes). */
  UNSUPPORTED_DATA: 1003,
  /** Token expired or revoked, or another policy refusal. */
  POLICY_VIOLATION: 1008,
  /** A message exceeded the configured maximum payload. */
  MESSAGE_TOO_BIG: 1009,
  /** An unexpected internal error. */
  INTERNAL_ERROR: 1011,
  /** Over capacity: try again later. */
  TRY_AGAIN_LATER: 1013,
  /** The upstream (Logstash) failed or could not be reached. */
  BAD_GATEWAY: 1014,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const names = new Map<number, string>(
  Object.entries(CloseCode).map(([name, code]) => [code, name.toLowerCase()]),
);

/** A bounded label for logs and metrics: known codes by name, everything else as `other`. */
export function closeCodeName(code: number): string {
  return names.get(code) ?? (code === 1005 ? 'no_status' : code === 1006 ? 'abnormal' : 'other');
}
