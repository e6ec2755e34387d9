#!/usr/bin/env node
// A Logstash stand-in: receives Beats (Lumberjack v1/v2) and appends the events to an ndjson file.
// Argument parsing and wiring only; the behaviour lives in src/receiver.
import { createLogger, EXIT_FAILED, runCommand } from '@beats-gate/kit';
import { pino } from 'pino';
import { createFileSink, createReceiver } from '../src/index.ts';
import type { Batch } from '../src/index.ts';
import { loadReceiverConfig, type ReceiverRun } from './receiver-command.ts';

async function run(flags: ReceiverRun): Promise<void> {
  const logger = createLogger({
    service: 'beats-gate-receiver',
    level: flags.logLevel,
    destination: pino.destination({ fd: 2, sync: true }),
  });
  const fileSink = createFileSink(flags.out, { fsync: flags.fsync === true });
  // Before listening: a path that cannot be written must stop the start, not every window.
  await fileSink.open().catch((error: unknown) => {
    throw new Error(`--out: ${(error as Error).message}`, { cause: error });
  });
  const totals = { events: 0, batches: 0, failedWrites: 0 };
  const sink = async (batch: Batch): Promise<void> => {
    try {
      await fileSink(batch);
    } catch (error) {
      totals.failedWrites++;
      throw error;
    }
    totals.events += batch.events.length;
    totals.batches++;
  };
  const receiver = createReceiver({
    ...flags.listen,
    sink,
    keepAliveIntervalMs: flags.keepAliveIntervalMs,
    inactivityTimeoutMs: flags.inactivityTimeoutMs,
    maxPendingBatches: flags.maxPendingBatches,
    ...(flags.tls !== undefined ? { tls: flags.tls } : {}),
    logger,
  });
  let stopping = false;
  async function stop(signal: string): Promise<void> {
    if (stopping) {
      logger.warn({ event: 'forced_exit', signal }, 'second signal: exiting now');
      process.exit(EXIT_FAILED);
    }
    stopping = true;
    logger.info({ event: 'stopping', signal }, 'stopping');
    await receiver.close();
    await fileSink.close();
    logger.info({ event: 'stopped', out: flags.out, ...totals }, 'stopped');
  }
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await receiver.listen();
}

await runCommand(
  'beats-gate-receiver',
  () => loadReceiverConfig(process.argv.slice(2), process.env),
  run,
);
