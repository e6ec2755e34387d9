/**
 * The listening part every stand-in on loopback shares (the bridges, the relays): a TCP server on
 * 127.0.0.1 port 0 that keeps its open sockets, so close() ends them instead of waiting on them.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/** `track` adds another socket (an outbound one) to those close() destroys. */
export async function startLoopbackServer(
  onConnection: (socket: Socket, track: (socket: Socket) => void) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  function track(socket: Socket) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  }
  const server = createServer((socket) => {
    track(socket);
    onConnection(socket, track);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/**
 * A TCP relay to `targetPort`: each connection dials the target and `join` decides how bytes
 * cross. Socket errors are swallowed here; they surface as the closes `join` handles.
 */
export function startRelay(
  targetPort: number,
  join: (inbound: Socket, outbound: Socket) => void,
): Promise<LoopbackServer> {
  return startLoopbackServer((inbound, track) => {
    const outbound = connect(targetPort, '127.0.0.1');
    track(outbound);
    for (const socket of [inbound, outbound]) socket.on('error', () => {});
    join(inbound, outbound);
  });
}
