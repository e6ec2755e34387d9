/**
 * One delivery run for the fault tests: the Filebeat-compatible sender ships a run of unique
 * events into the client while a fault is injected; the run ends when the sender has every event
 * acknowledged, and the receiver's events are then checked by (run, seq).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSender, generateEvents, type SendResult } from '@beats-gate/lumberjack';
import type { ControlledReceiver } from './controlled-receiver.ts';

export interface RunOptions {
  clientPort: number;
  receiver: ControlledReceiver;
  count: number;
  batchSize?: number;
  compressionLevel?: number;
  pipelining?: number;
  timeoutMs?: number;
  /** Injects the fault while the run is going; resolves when the fault is over. */
  fault?: (runId: string) => Promise<void>;
  /** The whole run must finish within this. */
  deadlineMs?: number;
}

export interface RunOutcome {
  runId: string;
  result: SendResult;
  missing: number[];
  duplicates: number;
  /** Windows that could have been in flight at the faults: (pipelining + 1) per reconnection. */
  windowsAtRisk: number;
}

/** Polls until `condition` holds; bounded by `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export async function runDelivery(options: RunOptions): Promise<RunOutcome> {
  const runId = `run-${randomBytes(6).toString('hex')}`;
  const batchSize = options.batchSize ?? 2048;
  const pipelining = options.pipelining ?? 2;
  const sender = createSender({
    host: '127.0.0.1',
    port: options.clientPort,
    batchSize,
    compressionLevel: options.compressionLevel ?? 3,
    pipelining,
    timeoutMs: options.timeoutMs ?? 5000,
    backoffInitialMs: 50,
    backoffMaxMs: 500,
  });
  const deadlineMs = options.deadlineMs ?? 120_000;
  const deadline = setTimeout(() => sender.close(), deadlineMs);
  try {
    const sending = sender.send(generateEvents(options.count, { runId }));
    // A fault that throws must not leave the sender's rejection unobserved.
    sending.catch(() => undefined);
    if (options.fault) await options.fault(runId);
    const result = await sending;
    const report = options.receiver.report(runId, options.count);
    const windowsAtRisk = (result.connections - 1) * (pipelining + 1);
    return { runId, result, missing: report.missing, duplicates: report.duplicates, windowsAtRisk };
  } finally {
    clearTimeout(deadline);
    sender.close();
  }
}

/** The delivery contract: nothing lost, and no more duplicates than the windows at risk. */
export function assertDelivered(outcome: RunOutcome, batchSize = 2048): void {
  assert.equal(outcome.result.acked > 0, true, 'the sender had nothing acknowledged');
  assert.deepEqual(
    outcome.missing.slice(0, 20),
    [],
    `${outcome.missing.length} events lost (first seq shown)`,
  );
  assert.ok(
    outcome.duplicates <= outcome.windowsAtRisk * batchSize,
    `${outcome.duplicates} duplicates exceed ${outcome.windowsAtRisk} windows at risk`,
  );
}
