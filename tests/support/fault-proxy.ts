/**
 * A TCP proxy that injects network faults between two hops of the chain: cutting the stream into
 * 1-byte pieces, resetting live connections, refusing new ones, or stalling (reading stops, so TCP
 * flow control holds the data back). It forwards bytes otherwise unchanged, so whatever sits on
 * either side (WebSocket, Lumberjack) sees a real, if hostile, network.
 *
 * Chopping writes one byte per turn of the event loop, each once the previous write completed
 * (Nagle off), so every byte leaves in its own TCP segment and a peer in this process reads each
 * byte before the next is sent; a peer in another process reads one byte per read as long as it
 * keeps up. Writing all the pieces at once would not do that: Node merges queued writes into one,
 * and the peer reads them in large chunks.
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

/** Bytes a direction may hold for chopping before it stops reading its source. */
const CHOP_QUEUE_LIMIT = 64 * 1024;

/**
 * One direction of a connection pair. Bytes leave in the order they came whatever the mode: what
 * waits to be chopped leaves before anything read later.
 */
function forward(
  from: Socket,
  to: Socket,
  state: { mode: FaultMode },
  map?: (chunk: Buffer) => Buffer | null,
): void {
  const queue: Buffer[] = [];
  let queued = 0;
  let chopping = false;
  let ending = false;
  let heldBack = false;

  /** Sends the next byte on the next turn of the event loop, the one after on the turn after. */
  function writeOneByte(): void {
    chopping = true;
    setImmediate(() => {
      // A mode change meanwhile: pump() sends what is left the new way.
      if (queue.length === 0 || state.mode !== 'chop' || to.destroyed) {
        chopping = false;
        return pump();
      }
      const head = queue[0]!;
      if (head.length === 1) queue.shift();
      else queue[0] = head.subarray(1);
      queued--;
      to.write(head.subarray(0, 1), (error) => {
        if (error) return;
        chopping = false;
        pump();
      });
    });
  }

  function pump(): void {
    if (chopping || to.destroyed) return;
    if (queue.length > 0 && state.mode === 'chop') return writeOneByte();
    for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
      queued -= chunk.length;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (state.mode !== 'stall') from.resume();
        });
      }
    }
    if (ending) to.end();
    else if (heldBack && state.mode !== 'stall') {
      heldBack = false;
      from.resume();
    }
  }

  to.setNoDelay(true);
  from.on('data', (data: Buffer) => {
    const chunk = map ? map(data) : data;
    if (!chunk || chunk.length === 0) return;
    queue.push(chunk);
    queued += chunk.length;
    if (state.mode === 'chop' && queued > CHOP_QUEUE_LIMIT && !heldBack) {
      heldBack = true;
      from.pause();
    }
    pump();
  });
  from.on('end', () => {
    ending = true;
    pump();
  });
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
    forward(down, up, state, options.transformUp?.());
    forward(up, down, state);
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
