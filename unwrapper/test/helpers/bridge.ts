/**
 * A minimal stand-in for the device client: a TCP listener whose every connection becomes one
 * tunnel, closing either side when the other closes. Enough to put a Filebeat-like sender in
 * front of the unwrapper; the real client lives in client/.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { startIdentityBridge } from './identity-bridge.ts';

export interface Bridge {
  port: number;
  close(): Promise<void>;
}

/** Each TCP connection becomes one tunnel to `url` for `subject`. */
export function startBridge(url: string, subject = 'bridge'): Promise<Bridge> {
  return startIdentityBridge(
    () => url,
    () => ({ subject }),
  );
}

/**
 * A TCP relay in front of the receiver that resets its first connection once that connection has
 * carried `killAfterBytes` towards the receiver: Logstash dying in the middle of a batch.
 */
export async function startKillingRelay(targetPort: number, killAfterBytes: number) {
  const sockets = new Set<Socket>();
  const relay = { port: 0, kills: 0, close };
  let first = true;
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    const doomed = first;
    first = false;
    let forwarded = 0;
    inbound.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (doomed && forwarded >= killAfterBytes && !inbound.destroyed) {
        relay.kills++;
        inbound.resetAndDestroy();
        outbound.resetAndDestroy();
        return;
      }
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  relay.port = (server.address() as AddressInfo).port;

  async function close() {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close').catch(() => {});
  }
  return relay;
}
