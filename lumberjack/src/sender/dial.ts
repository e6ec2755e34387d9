import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SenderError } from './errors.ts';
import type { SenderOptions } from './types.ts';

export interface Dial {
  /** The socket being opened: destroying it makes `connected` reject. */
  readonly socket: Socket;
  /** Resolves once TCP (and TLS, when configured) is established, within timeoutMs. */
  readonly connected: Promise<Socket>;
}

/** Opens one connection to the receiver, plain or TLS, failing after timeoutMs (Filebeat's dial timeout). */
export function dial(options: SenderOptions, timeoutMs: number): Dial {
  const { tls, host, port } = options;
  const socket = tls
    ? tlsConnect({
        host,
        port,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
        ...(tls.key !== undefined ? { key: tls.key } : {}),
        ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      })
    : netConnect({ host, port });

  const connected = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SenderError('ERR_LJ_SENDER_TIMEOUT', `dial timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      const reason = err.code ?? err.message;
      reject(
        new SenderError(
          'ERR_LJ_SENDER_CONNECT_FAILED',
          `connect to ${host}:${port} failed: ${reason}`,
          {
            cause: err,
          },
        ),
      );
    };
    // Destroying a socket that is still connecting emits 'close' but no 'error'.
    const onClose = (): void => {
      clearTimeout(timer);
      reject(
        new SenderError('ERR_LJ_SENDER_CONNECT_FAILED', 'the connection closed while connecting'),
      );
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(socket);
    });
  });
  return { socket, connected };
}
