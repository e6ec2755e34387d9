/**
 * What a listener does with a failed handshake: ERROR_POLICY decides whether new connections back
 * off (with the edge's Retry-After when it sent one), the failure is counted and logged with what
 * the edge answered, and remembered as the listener's last error for /status. The Beats
 * connection is reset with nothing written to it, so Beats backs off and resends on its own.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@beats-gate/kit';
import type { Metrics } from './admin/metrics.ts';
import { ClientError, ERROR_POLICY, HandshakeError } from './errors.ts';
import type { LastError } from './listener-status.ts';
import type { Backoff } from './tunnel/backoff.ts';

export function createHandshakeFailures(deps: {
  backoff: Backoff;
  metrics: Metrics;
  labels: { listener: string };
  now: () => number;
}) {
  const { backoff, metrics, labels, now } = deps;
  let lastError: LastError | null = null;

  return {
    /** The last failure (an aborted handshake is not one), for /status. */
    get lastError(): LastError | null {
      return lastError;
    },
    /** Handles a failed handshake of `socket`; `closing` suppresses the back-off. */
    failed(socket: Socket, log: Logger, error: unknown, closing: boolean): void {
      const failure =
        error instanceof ClientError
          ? error
          : new ClientError('ERR_HANDSHAKE_NETWORK', 'unexpected handshake failure', {
              cause: error,
            });
      const answer = failure instanceof HandshakeError ? failure : undefined;
      const status = answer?.status ?? 0;
      const retryAfterMs = answer?.retryAfterMs;
      const backOff = ERROR_POLICY[failure.code].backOff && !closing;
      const retryInMs = backOff ? backoff.failure(retryAfterMs) : undefined;
      if (failure.code !== 'ERR_HANDSHAKE_ABORTED') {
        lastError = {
          at: new Date(now()).toISOString(),
          code: failure.code,
          message: failure.message,
          ...(status ? { status } : {}),
        };
      }
      metrics.handshakeFailures.inc({ ...labels, error: failure.code });
      log.warn({
        event: 'handshake_failed',
        status,
        code: failure.code,
        reason: failure.message,
        edgeCode: answer?.edgeCode,
        retryAfterMs,
        retryInMs,
      });
      socket.resetAndDestroy();
    },
  };
}
