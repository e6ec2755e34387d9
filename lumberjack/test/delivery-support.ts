// Shared pieces of the sender-versus-receiver tests: a compact sink for big runs and a TCP proxy
// that cuts connections on demand. Not part of the package.
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Batch, BatchSink } from '../src/index.ts';

/** Keeps only (run, seq) of each event, so a million events fit comfortably in a test. */
export function createSeqSink(hold?: (batch: Batch, call: number) => Promise<void> | void): {
  sink: BatchSink;
  received(): Iterable<Record<string, unknown>>;
  readonly count: number;
  readonly calls: number;
} {
  const seqs: unknown[] = [];
  const runs: unknown[] = [];
  let calls = 0;
  return {
    async sink(batch) {
      const call = ++calls;
      if (hold !== undefined) await hold(batch, call);
      for (const event of batch.events) {
        seqs.push(event.seq);
        runs.push(event.run);
      }
    },
    *received() {
      for (let i = 0; i < seqs.length; i++) yield { run: runs[i], seq: seqs[i] };
    },
    get count() {
      return seqs.length;
    },
    get calls() {
      return calls;
    },
  };
}

export interface CuttingProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:port to the target. The first connection is destroyed on both sides once
 * `cutAfterBytes` bytes went upstream (mid-window when that is not a window boundary), as a
 * failing network hop would; later connections pass through untouched.
 */
export async function startCuttingProxy(
  targetPort: number,
  cutAfterBytes: number,
): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((downstream) => {
    const cut = ++connections === 1;
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    let forwarded = 0;
    downstream.on('data', (chunk: Buffer) => {
      if (!cut) {
        upstream.write(chunk);
        return;
      }
      const room = cutAfterBytes - forwarded;
      upstream.write(chunk.subarray(0, Math.max(0, room)));
      forwarded += chunk.length;
      if (forwarded >= cutAfterBytes) {
        downstream.destroy();
        upstream.destroySoon(); // deliver the cut-off prefix, then close
      }
    });
    upstream.on('data', (chunk: Buffer) => downstream.write(chunk));
    downstream.on('close', () => upstream.destroySoon());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    get connections() {
      return connections;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
