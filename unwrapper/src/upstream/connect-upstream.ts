/**
 * Dials one upstream: TCP, or TLS with a CA, SNI and an optional client certificate. Resolves only
 * once the connection is usable (after the TLS handshake), within a short timeout, and can be
 * abandoned when the client goes away first.
 */
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { HostPort, UpstreamTlsConfig } from '../config/types.ts';

export class UpstreamConnectError extends Error {
  override name = 'UpstreamConnectError';
  readonly code = 'ERR_UPSTREAM_CONNECT';
  /** Bounded label: ECONNREFUSED, ETIMEDOUT, TLS, ABORTED or OTHER. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

const KNOWN_REASONS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function classify(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return 'OTHER';
  if (KNOWN_REASONS.has(code)) return code;
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT'))
    return 'TLS';
  return 'OTHER';
}

export interface ConnectOptions {
  timeoutMs: number;
  tls?: UpstreamTlsConfig;
  signal?: AbortSignal;
}

export function connectUpstream(target: HostPort, options: ConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const { host, port } = target;
    const tls = options.tls;
    const socket: Socket = tls
      ? connectTls({
          host,
          port,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          // SNI must be a name, never an address (RFC 6066 §3).
          servername: tls.servername ?? (isIP(host) ? undefined : host),
          rejectUnauthorized: true,
          // Documented for tls.connect, missing from @types/node's ConnectionOptions.
          ...({ allowHalfOpen: true } as object),
        })
      : // allowHalfOpen: Logstash's FIN must not end our side too; the tunnel carries it to the
        // Beat and ends our side when the Beat ends its own (kit join).
        connectTcp({ host, port, allowHalfOpen: true });
    const event = tls ? 'secureConnect' : 'connect';

    function settle(error?: UpstreamConnectError) {
      clearTimeout(timer);
      socket.off(event, onConnect);
      socket.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    }
    function onConnect() {
      // Acks are 6 bytes and must not wait for Nagle.
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      settle();
    }
    function onError(error: Error) {
      settle(
        new UpstreamConnectError(classify(error), `${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    }
    function onAbort() {
      settle(
        new UpstreamConnectError('ABORTED', `${host}:${port}: abandoned, the client went away`),
      );
    }
    const timer = setTimeout(() => {
      settle(
        new UpstreamConnectError(
          'ETIMEDOUT',
          `${host}:${port}: no answer within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
    socket.once(event, onConnect);
    socket.on('error', onError);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
