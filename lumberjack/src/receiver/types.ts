import type { DecoderOptions, Version } from '../codec/index.ts';

/**
 * A pino-compatible logger: the receiver and sender log one structured line per event; what a
 * whole connection shares goes into a child logger once.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** The default: logs nothing. */
export const silentLogger: Logger = { info() {}, warn() {}, child: () => silentLogger };

/** One window's events, handed to the sink before the window is acknowledged. */
export interface Batch {
  connectionId: string;
  remoteAddress: string;
  version: Version;
  /** The W count announced; `events.length` is smaller when an early W flushed a partial batch. */
  windowSize: number;
  /** In sequence order, as received. */
  events: Record<string, unknown>[];
  /**
   * Each event as JSON bytes, index for index with `events`: a J event's payload exactly as the
   * Beat sent it; a v1 D event's pairs as a JSON object in wire order (dataEventJson). Sinks that
   * store events write these, so nothing is re-serialised and no number loses digits.
   */
  payloads: Buffer[];
}

/** The ack is sent only after this resolves; a rejection closes the connection without ack. */
export type BatchSink = (batch: Batch) => Promise<void>;

export interface ReceiverTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle that client certificates must chain to (needed with `verifyClients`). */
  ca?: string | Buffer;
  /** Require and verify a client certificate (Logstash `ssl_client_authentication => required`). */
  verifyClients?: boolean;
}

export interface ReceiverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 5044; 0 picks a free port. */
  port?: number;
  sink: BatchSink;
  /** Default 5000: '2A 0' every interval while a batch waits in the sink; 0 turns them off. */
  keepAliveIntervalMs?: number;
  /** Default 60000: close connections with no traffic and no batch in the sink; 0 turns it off. */
  inactivityTimeoutMs?: number;
  /**
   * Default 4: batches of one connection waiting for or inside the sink before the receiver stops
   * reading that connection (TCP backpressure then holds the Beat).
   */
  maxPendingBatches?: number;
  tls?: ReceiverTlsOptions;
  /** The codec's limits. Every J payload is parsed (and must be a JSON object) before its ack. */
  decoder?: Omit<DecoderOptions, 'parseJson'>;
  logger?: Logger;
}

export interface Receiver {
  listen(): Promise<{ host: string; port: number }>;
  /** Stops listening and destroys open connections (no further ack is sent). */
  close(): Promise<void>;
  readonly connections: number;
}
