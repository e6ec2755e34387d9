/**
 * An in-process Logstash stand-in for fault tests: a real lumberjack receiver whose sink can be
 * held (a slow pipeline: the receiver sends keep-alives meanwhile), which can be killed and
 * restarted on the same port, and which keeps every event it acknowledged.
 */
import {
  checkDelivery,
  createReceiver,
  type Batch,
  type DeliveryReport,
  type Receiver,
} from '@beats-gate/lumberjack';

export interface ControlledReceiver {
  readonly port: number;
  readonly events: Record<string, unknown>[];
  /** Holds every batch in the sink until `release()`; acks wait, keep-alives flow. */
  hold(): void;
  release(): void;
  /** Batches waiting in the sink for `release()`: windows surely sent and not acknowledged. */
  readonly heldBatches: number;
  /** Destroys the listener and every connection at once, like a crashed Logstash. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Events of one run so far, by (run, seq). */
  report(runId: string, count: number): DeliveryReport;
  countRun(runId: string): number;
  close(): Promise<void>;
}

export async function startControlledReceiver(
  options: { keepAliveIntervalMs?: number } = {},
): Promise<ControlledReceiver> {
  const events: Record<string, unknown>[] = [];
  const perRun = new Map<unknown, number>();
  let held: { promise: Promise<void>; release: () => void } | undefined;
  let heldBatches = 0;
  const sink = async (batch: Batch) => {
    if (held) {
      heldBatches++;
      await held.promise.finally(() => heldBatches--);
    }
    for (const event of batch.events) {
      events.push(event);
      perRun.set(event.run, (perRun.get(event.run) ?? 0) + 1);
    }
  };
  let port = 0;
  let receiver: Receiver | undefined;
  const listen = async () => {
    receiver = createReceiver({
      port,
      sink,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? 5000,
    });
    ({ port } = await receiver.listen());
  };
  const release = () => {
    held?.release();
    held = undefined;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    events,
    get heldBatches() {
      return heldBatches;
    },
    hold() {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      held = { promise, release };
    },
    release,
    async kill() {
      await receiver?.close();
      receiver = undefined;
    },
    restart: listen,
    report: (runId, count) => checkDelivery({ runId, count }, events),
    countRun: (runId) => perRun.get(runId) ?? 0,
    async close() {
      release();
      await receiver?.close();
    },
  };
}
