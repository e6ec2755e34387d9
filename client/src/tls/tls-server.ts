/**
 * The server of a listener that serves TLS to Beats (Elastic Agent's Logstash output with SSL on):
 * it terminates TLS, judges the client certificate, and hands the decrypted socket to the
 * listener, which tunnels its Lumberjack bytes as it does for a plain one. The certificate files
 * are re-read when their directory changes and served to the next connections
 * (setSecureContext); a bad new file is logged and the old certificate stays.
 */
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '@beats-gate/kit';
import type { ListenerTlsConfig } from '../config/types.ts';
import {
  loadListenerCredentials,
  type ListenerCredentials,
  type ServedCertificate,
} from './credentials.ts';
import { ListenerTlsError } from './tls-error.ts';
import {
  describeHandshakeError,
  judgeClientCertificate,
  type TlsProblem,
  type TlsRefusal,
} from './tls-refusal.ts';
import { watchFiles } from './watch-files.ts';

/** Beats' own default timeout; a peer that takes longer to say hello is not a Beat. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ListenerTlsSettings {
  readonly config: ListenerTlsConfig;
  /** The listener's logger. */
  readonly logger: Logger;
  readonly now: () => number;
  /** Counts a refused connection (metrics); the log line is written here. */
  readonly onRefused: (problem: TlsProblem) => void;
  /** A Beat that completed the handshake and passed the client certificate check, paused. */
  readonly onSocket: (socket: TLSSocket) => void;
}

export interface ListenerTls {
  readonly server: Server;
  /** Reads, checks and serves the files, then watches them; throws ListenerTlsError. */
  start(): Promise<ServedCertificate>;
  /** Reads the files again and serves them if they changed and are sound (also on file changes). */
  reload(): Promise<void>;
  stop(): void;
  readonly certificate: ServedCertificate | undefined;
}

function contextOptions(credentials: ListenerCredentials): SecureContextOptions {
  const { cert, key, ca } = credentials;
  return { cert, key, ...(ca === undefined ? {} : { ca }) };
}

export function createListenerTls(settings: ListenerTlsSettings): ListenerTls {
  const { config, logger, now } = settings;
  const server = createServer({
    // A Beat's FIN must not end our side too; the tunnel carries it to Logstash.
    allowHalfOpen: true,
    requestCert: config.clientAuthentication !== 'none',
    // Checked in judgeClientCertificate instead, so that the refusal names the certificate.
    rejectUnauthorized: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  let current: ListenerCredentials | undefined;
  let stopWatching: (() => void) | undefined;
  let reloads: Promise<void> = Promise.resolve();

  function refuse(socket: TLSSocket, refusal: TlsRefusal, level: 'warn' | 'info') {
    settings.onRefused(refusal.problem);
    logger[level]({
      event: 'tls_refused',
      problem: refusal.problem,
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      reason: refusal.reason,
    });
    socket.destroy();
  }

  server.on('secureConnection', function serverOnSecureConnection(socket: TLSSocket) {
    // No Beats byte is read before the tunnel exists (the plain listener's pauseOnConnect).
    socket.pause();
    const refusal = judgeClientCertificate(socket, config);
    if (refusal) refuse(socket, refusal, 'warn');
    else settings.onSocket(socket);
  });
  server.on('tlsClientError', function serverOnTlsClientError(error: Error, socket: TLSSocket) {
    const refusal = describeHandshakeError(error, config);
    // A peer that connects and leaves (a port check) is no mistake worth a warning.
    refuse(socket, refusal, refusal.problem === 'tls_handshake_failed' ? 'info' : 'warn');
  });

  async function reloadNow(): Promise<void> {
    let next: ListenerCredentials;
    try {
      next = await loadListenerCredentials(config, now());
    } catch (error) {
      const known = error instanceof ListenerTlsError;
      logger.warn({
        event: 'tls_reload_failed',
        code: known ? error.code : 'ERR_LISTEN_TLS_UNREADABLE',
        file: known ? error.file : config.certFile,
        reason: (error as Error).message,
        served: current?.certificate.fingerprint256,
      });
      return;
    }
    if (next.digest === current?.digest) return;
    server.setSecureContext(contextOptions(next));
    current = next;
    logger.info({ event: 'tls_reloaded', ...next.certificate });
  }

  /** One reload at a time: a burst of changes must not serve an older read after a newer one. */
  function reload(): Promise<void> {
    reloads = reloads.then(reloadNow);
    return reloads;
  }

  return {
    server,
    async start() {
      current = await loadListenerCredentials(config, now());
      server.setSecureContext(contextOptions(current));
      const files = [config.certFile, config.keyFile, ...(config.caFile ? [config.caFile] : [])];
      stopWatching = watchFiles(files, () => void reload());
      return current.certificate;
    },
    reload,
    stop() {
      stopWatching?.();
    },
    get certificate() {
      return current?.certificate;
    },
  };
}
