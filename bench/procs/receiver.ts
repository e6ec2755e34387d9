/**
 * The Logstash stand-in for benchmarks, as its own process: the lumberjack receiver with a null
 * sink (acks as soon as a window is complete), so throughput figures measure the tunnel and the
 * codec, not a disk. Prints `{"event":"listening","port":N}` on stdout; each line "stats" on stdin
 * is answered with one JSON line of counters. Stops on SIGTERM or when stdin closes.
 */
import { createInterface } from 'node:readline';
import { createReceiver, type Batch, type Logger } from '@beats-gate/lumberjack';

const port = Number(process.argv[2] ?? 0);
const counters = { open: 0, accepted: 0, closed: 0, bytesInClosed: 0, events: 0, batches: 0 };

// Counts connections from the receiver's log lines; every connection's child logger is this one.
const logger: Logger = {
  info(obj: object): void {
    const record = obj as { event?: string; bytesIn?: number };
    if (record.event === 'connection_open') {
      counters.open += 1;
      counters.accepted += 1;
    } else if (record.event === 'connection_close') {
      counters.open -= 1;
      counters.closed += 1;
      counters.bytesInClosed += record.bytesIn ?? 0;
    }
  },
  warn(): void {},
  child: () => logger,
};

const receiver = createReceiver({
  host: '127.0.0.1',
  port,
  // Idle tunnels of the scale case must stay open while they are measured.
  inactivityTimeoutMs: 0,
  sink: (batch: Batch) => {
    counters.events += batch.events.length;
    counters.batches += 1;
    return Promise.resolve();
  },
  logger,
});

const address = await receiver.listen();
process.stdout.write(`${JSON.stringify({ event: 'listening', port: address.port })}\n`);

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(counters)}\n`);
  })
  .on('close', () => void stop());

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await receiver.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
