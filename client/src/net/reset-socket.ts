import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * Ends a Beats connection at once so the Beat backs off and resends: a TCP reset on a plain
 * socket. A TLS socket has no TCP handle of its own to reset (Node throws
 * ERR_INVALID_HANDLE_TYPE), so it is destroyed, which the Beat sees as the connection closing.
 */
export function resetSocket(socket: Socket): void {
  if (socket instanceof TLSSocket) socket.destroy();
  else socket.resetAndDestroy();
}
