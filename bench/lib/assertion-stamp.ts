/**
 * A stand-in for the edge where the edge is left out (scale and peer cases): a TCP pass-through
 * that adds a freshly signed edge assertion to each upgrade request, as the edge worker does,
 * then pipes bytes both ways untouched. It verifies no JWT and holds no WebSocket state, so it
 * costs little; it runs in its own process (procs/stamp.ts) and its memory is not counted.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ASSERTION_HEADER, createAssertionSigner, parseAssertionKeys } from '@beats-gate/protocol';

export interface StampTarget {
  port: number;
  /** `kid:secret` as the unwrapper reads it; omitted for targets that ignore the header. */
  assertionKeys?: string;
}

export interface AssertionStamp {
  port: number;
  /** Where new connections go from now on. */
  setTarget(target: StampTarget): void | Promise<void>;
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 16 * 1024;

export async function startAssertionStamp(): Promise<AssertionStamp> {
  let target: StampTarget | undefined;
  let sign: ReturnType<typeof createAssertionSigner> | undefined;
  const sockets = new Set<Socket>();

  async function forward(downstream: Socket, head: string, rest: Buffer): Promise<void> {
    const current = target;
    if (!current) throw new Error('the stamp has no target yet');
    const lines = head
      .split('\r\n')
      .filter((line) => !line.toLowerCase().startsWith(`${ASSERTION_HEADER}:`));
    if (sign) {
      const keyLine = lines.find((line) => /^sec-websocket-key:/i.test(line));
      const webSocketKey = keyLine?.slice(keyLine.indexOf(':') + 1).trim() ?? '';
      const assertion = await sign({ subject: 'bench-device', webSocketKey });
      lines.splice(1, 0, `${ASSERTION_HEADER}: ${assertion}`);
    }
    const upstream = connect({ host: '127.0.0.1', port: current.port, noDelay: true });
    sockets.add(upstream);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (rest.length > 0) upstream.write(rest);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    downstream.on('error', end).on('close', end);
    upstream.on('close', () => sockets.delete(upstream));
    downstream.resume();
  }

  const server: Server = createServer({ noDelay: true }, (downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_HEAD_BYTES) downstream.destroy();
        return;
      }
      downstream.off('data', onData);
      downstream.pause();
      const head = buffered.subarray(0, end).toString('latin1');
      forward(downstream, head, buffered.subarray(end + 4)).catch(() => downstream.destroy());
    };
    downstream.on('data', onData);
    downstream.on('error', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setTarget(next) {
      target = next;
      const key = next.assertionKeys ? parseAssertionKeys(next.assertionKeys)[0] : undefined;
      sign = key ? createAssertionSigner({ key, ttlSeconds: 60 }) : undefined;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
