/**
 * A TCP proxy that injects network faults between two hops of the chain: cutting every write into
 * 1-byte pieces, resetting live connections, refusing new ones, or stalling (reading stops, so TCP
 * flow control holds the data back). It forwards bytes
 * otherwise unchanged, so whatever sits on either side (WebSocket, Lumberjack) sees a real, if
 * hostile, network.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export type FaultMode = 'pass' | 'chop' | 'refuse' | 'stall';

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  mode: FaultMode;
  /** Live connection pairs. */
  readonly connections: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Resets every live connection on both sides (TCP RST), as a broken network would. */
  resetAll(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
  host?: string;
  /** Optional per-connection transform of the downstream→target direction (null drops the chunk). */
  transformUp?: () => (chunk: Buffer) => Buffer | null;
}

function writeChopped(to: Socket, chunk: Buffer): boolean {
  let ok = true;
  for (let i = 0; i < chunk.length; i++) ok = to.write(chunk.subarray(i, i + 1));
  return ok;
}

export async function createFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const state = { mode: 'pass' as FaultMode };
  let closing = false;
  const resetAll = () => {
    for (const [down, up] of pairs) {
      down.resetAndDestroy();
      up.resetAndDestroy();
    }
    pairs.clear();
  };

  const server = createServer({ pauseOnConnect: true }, (down) => {
    accepted++;
    if (closing) {
      down.resetAndDestroy();
      return;
    }
    const up = connect(options.target);
    const pair: [Socket, Socket] = [down, up];
    pairs.add(pair);
    const transform = options.transformUp?.();
    const forward = (from: Socket, to: Socket, map?: (chunk: Buffer) => Buffer | null) => {
      from.on('data', (data: Buffer) => {
        const chunk = map ? map(data) : data;
        if (!chunk || chunk.length === 0) return;
        const ok = state.mode === 'chop' ? writeChopped(to, chunk) : to.write(chunk);
        if (!ok) {
          from.pause();
          to.once('drain', () => {
            if (state.mode !== 'stall') from.resume();
          });
        }
      });
      from.on('end', () => to.end());
    };
    forward(down, up, transform);
    forward(up, down);
    const teardown = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('error', teardown).on('close', teardown);
    up.on('error', teardown).on('close', teardown);
    up.once('connect', () => {
      if (state.mode !== 'stall') down.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: `${host}:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: FaultMode) {
      // Refusing means nothing listens: dials fail with ECONNREFUSED, as with a stopped Logstash.
      if (mode === 'refuse' && state.mode !== 'refuse') server.close();
      if (mode !== 'refuse' && state.mode === 'refuse') server.listen(port, host);
      // A stall is flow control, not loss: reading stops on both sides and TCP backs up.
      for (const pair of pairs) {
        for (const socket of pair) {
          if (mode === 'stall') socket.pause();
          else if (state.mode === 'stall') socket.resume();
        }
      }
      state.mode = mode;
    },
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    resetAll,
    async close() {
      closing = true;
      resetAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
