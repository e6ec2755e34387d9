/**
 * A minimal stand-in for the device client: a TCP listener whose every connection becomes one
 * tunnel, closing either side when the other closes. Enough to put a Filebeat-like sender in
 * front of the unwrapper; the real client lives in client/.
 */
import { startIdentityBridge } from './identity-bridge.ts';
import { startRelay, type LoopbackServer } from './loopback-server.ts';

export type Bridge = LoopbackServer;

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
  let kills = 0;
  let first = true;
  const relay = await startRelay(targetPort, (inbound, outbound) => {
    const doomed = first;
    first = false;
    let forwarded = 0;
    inbound.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (doomed && forwarded >= killAfterBytes && !inbound.destroyed) {
        kills++;
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
  return {
    ...relay,
    /** How many connections it reset. */
    get kills() {
      return kills;
    },
  };
}
