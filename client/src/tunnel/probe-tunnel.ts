/**
 * One tunnel opened and closed at once, to learn whether the whole chain works without sending a
 * byte: the same dial as a Beats connection (token, proxy, DNS, TCP, TLS, upgrade), then a normal
 * close (1000). Origin dials Logstash before it answers 101, so a 101 means Logstash accepted a
 * connection; when it did not, origin's 502/503 names it (ERR_UPSTREAM_…) and so does the result.
 * No Lumberjack frame is sent: Logstash sees a connection open and close, and nothing is written.
 */
import { CloseCode } from '@beats-gate/protocol';
import type WebSocket from 'ws';
import { describeFailure, type FailureReport } from '../handshake-failures.ts';
import type { DialEdge } from './dial-edge.ts';

export type ProbeResult =
  | { readonly ok: true; readonly durationMs: number }
  | ({ readonly ok: false; readonly durationMs: number } & FailureReport);

export interface ProbeOptions {
  /** Gives the probe up (shutdown); the result is then ERR_HANDSHAKE_ABORTED. */
  readonly signal?: AbortSignal;
  /** How long the close handshake may take before the socket is dropped. */
  readonly closeTimeoutMs?: number;
  readonly now?: () => number;
}

const CLOSE_TIMEOUT_MS = 2000;

export async function probeTunnel(
  dial: DialEdge,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  const started = now();
  let ws: WebSocket;
  try {
    ws = await dial(options.signal ?? new AbortController().signal);
  } catch (error) {
    return { ok: false, durationMs: now() - started, ...describeFailure(error) };
  }
  await closeNormally(ws, options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS);
  return { ok: true, durationMs: now() - started };
}

/** Closes with 1000 and waits for the peer's close frame, bounded: a silent peer is dropped. */
function closeNormally(ws: WebSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    function probeOnError() {} // the close that follows settles it
    ws.on('error', probeOnError);
    ws.once('close', () => {
      clearTimeout(timer);
      ws.off('error', probeOnError);
      resolve();
    });
    ws.close(CloseCode.NORMAL, 'probe');
  });
}
