import type { Logger } from '../receiver/types.ts';

export interface SenderTlsOptions {
  /** CA bundle the receiver's certificate must chain to (default: Node's bundled roots). */
  ca?: string | Buffer;
  /** Client certificate and key, for receivers that verify clients. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name checked against the receiver's certificate (default: host). */
  servername?: string;
  /** Default true; false accepts any receiver certificate (tests only). */
  rejectUnauthorized?: boolean;
}

export interface SenderOptions {
  host: string;
  port: number;
  tls?: SenderTlsOptions;
  /** Default 2048 events per window (Filebeat bulk_max_size). */
  batchSize?: number;
  /** Default 3; 0 sends W then n J frames, 1-9 wraps them in one C frame. */
  compressionLevel?: number;
  /** Default 2: windows in flight beyond the first, awaiting their ack. */
  pipelining?: number;
  /** Default 30000: dial, per-window write and per-ack wait; every ack, keep-alives too, resets it. */
  timeoutMs?: number;
  /** Default 1000: first wait after a failure, doubled per failure, jittered (Filebeat backoff.init). */
  backoffInitialMs?: number;
  /** Default 60000: longest wait between attempts (Filebeat backoff.max). */
  backoffMaxMs?: number;
  /** Default Infinity: consecutive failed attempts (without any ack in between) before giving up. */
  maxAttempts?: number;
  logger?: Logger;
  /** Default Math.random: the jitter source, injectable for tests. */
  random?: () => number;
}

export interface SendResult {
  /** Events acknowledged by the receiver (each counted once). */
  acked: number;
  /** Events written, resends included. */
  sent: number;
  /** Events written again after a failure (the unacknowledged part of the windows in flight). */
  resends: number;
  /** Connections established. */
  connections: number;
  durationMs: number;
}

export interface Sender {
  /** Sends every event at least once, resending unacknowledged windows after any failure. Resolves when all are acked. */
  send(
    events: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
  ): Promise<SendResult>;
  /**
   * What the latest send() achieved so far, the figures it resolves with (durationMs: the time
   * since it started); undefined before the first send(). Cheap: for progress reports.
   */
  progress(): SendResult | undefined;
  /** Stops: destroys the connection and makes a running send() reject with ERR_LJ_SENDER_CLOSED. */
  close(): void;
}
