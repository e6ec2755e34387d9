import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ConnectionHandle, ConnectionSettings } from './connection.ts';
import { handleConnection } from './connection.ts';
import { ReceiverError } from './errors.ts';
import { silentLogger, type Receiver, type ReceiverOptions } from './types.ts';

/**
 * A Logstash-compatible Lumberjack receiver (the beats input): plain TCP or TLS, optionally
 * requiring client certificates. Each connection is served by handleConnection.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const settings = validate(options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5044;
  const logger = settings.logger;
  const handles = new Map<Socket, ConnectionHandle>();
  const rawSockets = new Set<Socket>();
  let server: Server | undefined;

  function onSecureOrPlainConnection(socket: Socket): void {
    const connectionId = randomBytes(6).toString('hex');
    const handle = handleConnection(socket, connectionId, settings, () => handles.delete(socket));
    handles.set(socket, handle);
  }

  function createServer(): Server {
    // allowHalfOpen: a Beat that half-closes still gets the acks of the windows it completed.
    if (options.tls === undefined) {
      return createNetServer({ allowHalfOpen: true }, onSecureOrPlainConnection);
    }
    const verify = options.tls.verifyClients === true;
    const tlsServer = createTlsServer(
      {
        allowHalfOpen: true,
        cert: options.tls.cert,
        key: options.tls.key,
        ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}),
        requestCert: verify,
        rejectUnauthorized: verify,
      },
      onSecureOrPlainConnection,
    );
    tlsServer.on('tlsClientError', function serverOnTlsClientError(err: NodeJS.ErrnoException) {
      logger.warn(
        { event: 'tls_error', code: err.code ?? 'ERR_TLS', error: err.message },
        'TLS handshake failed',
      );
    });
    return tlsServer;
  }

  return {
    async listen() {
      if (server !== undefined) throw new Error('receiver is already listening');
      const s = createServer();
      server = s;
      // Tracks raw TCP sockets too, so close() also ends connections still in the TLS handshake.
      s.on('connection', function serverOnConnection(socket: Socket) {
        rawSockets.add(socket);
        socket.once('close', () => rawSockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      s.on('error', function serverOnError(err: NodeJS.ErrnoException) {
        logger.warn({ event: 'server_error', code: err.code, error: err.message }, 'server error');
      });
      const address = s.address() as AddressInfo;
      logger.info(
        { event: 'listening', host: address.address, port: address.port, tls: !!options.tls },
        'receiver listening',
      );
      return { host: address.address, port: address.port };
    },

    async close() {
      const s = server;
      if (s === undefined) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const handle of handles.values()) handle.destroy('receiver closed');
      for (const socket of rawSockets) socket.destroy();
      await closed;
      server = undefined;
    },

    get connections() {
      return handles.size;
    },
  };
}

function validate(options: ReceiverOptions): ConnectionSettings {
  const problems: string[] = [];
  if (typeof options.sink !== 'function') problems.push('sink must be a function');
  const checkMs = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      problems.push(`${name} must be a whole number of milliseconds >= 0, got ${String(value)}`);
    }
  };
  checkMs('keepAliveIntervalMs', options.keepAliveIntervalMs);
  checkMs('inactivityTimeoutMs', options.inactivityTimeoutMs);
  const max = options.maxPendingBatches;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    problems.push(`maxPendingBatches must be an integer >= 1, got ${String(max)}`);
  }
  const port = options.port;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    problems.push(`port must be an integer 0-65535, got ${String(port)}`);
  }
  if (options.tls?.verifyClients === true && options.tls.ca === undefined) {
    problems.push('tls.verifyClients needs tls.ca (the CA that signs client certificates)');
  }
  if (problems.length > 0) {
    throw new ReceiverError(
      'ERR_LJ_RECEIVER_OPTIONS',
      `invalid receiver options: ${problems.join('; ')}`,
    );
  }
  return {
    sink: options.sink,
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? 5000,
    inactivityTimeoutMs: options.inactivityTimeoutMs ?? 60000,
    maxPendingBatches: options.maxPendingBatches ?? 4,
    decoder: options.decoder,
    logger: options.logger ?? silentLogger,
  };
}
