/**
 * What a failed handshake means, read from ERROR_POLICY: the part of the chain that failed and
 * its fix (for probes, /readyz and `beats-gate-client test`), and for a listener whether new
 * connections back off (with the edge's Retry-After when it sent one). The failure is counted
 * and logged with what the edge answered, and remembered as the listener's last error for
 * /status. The Beats connection is reset with nothing written to it, so Beats backs off and
 * resends on its own.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@beats-gate/kit';
import type { Metrics } from './admin/metrics.ts';
import {
  ClientError,
  ERROR_POLICY,
  HandshakeError,
  type ClientErrorCode,
  type FailurePart,
} from './errors.ts';
import type { LastError } from './listener-status.ts';
import { resetSocket } from './net/reset-socket.ts';
import type { Backoff } from './tunnel/backoff.ts';

/** One failure as operators see it: which part, what happened, what to do. */
export interface FailureReport {
  readonly part: FailurePart;
  readonly code: ClientErrorCode;
  readonly message: string;
  readonly fix: string;
  /** HTTP status of the answer; absent when there was none. */
  readonly status?: number;
  /** The stable code in the answer's body: the edge's (`ERR_EDGE_…`) or origin's. */
  readonly edgeCode?: string;
  readonly retryAfterMs?: number;
}

/** Any error of a dial, token fetch or probe as a report; unknown errors count as network ones. */
export function describeFailure(error: unknown): FailureReport {
  const failure =
    error instanceof ClientError
      ? error
      : new ClientError('ERR_HANDSHAKE_NETWORK', 'unexpected handshake failure', {
          cause: error,
        });
  const { part, fix } = ERROR_POLICY[failure.code];
  const answer = failure instanceof HandshakeError ? failure : undefined;
  return {
    part,
    code: failure.code,
    message: failure.message,
    fix,
    ...(answer?.status ? { status: answer.status } : {}),
    ...(answer?.edgeCode === undefined ? {} : { edgeCode: answer.edgeCode }),
    ...(answer?.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
  };
}

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
    failed(socket: Socket, log: Logger, error: unknown, closing: boolean): FailureReport {
      const report = describeFailure(error);
      const { code, status, retryAfterMs } = report;
      const backOff = ERROR_POLICY[code].backOff && !closing;
      const retryInMs = backOff ? backoff.failure(retryAfterMs) : undefined;
      if (code !== 'ERR_HANDSHAKE_ABORTED') {
        lastError = {
          at: new Date(now()).toISOString(),
          code,
          part: report.part,
          message: report.message,
          ...(status ? { status } : {}),
        };
      }
      metrics.handshakeFailures.inc({ ...labels, error: code });
      log.warn({
        event: 'handshake_failed',
        status: status ?? 0,
        code,
        part: report.part,
        reason: report.message,
        edgeCode: report.edgeCode,
        retryAfterMs,
        retryInMs,
      });
      resetSocket(socket);
      return report;
    },
  };
}
