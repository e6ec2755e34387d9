#!/usr/bin/env node
// Parses arguments and wires things together; all behaviour lives in src/.
import { runCommand } from '@beats-gate/kit';
import { createClient, loadConfig, type ClientConfig } from '../src/index.ts';

const SHUTDOWN_LIMIT_MS = 5000;

async function run(config: ClientConfig): Promise<void> {
  const client = createClient(config);
  const { logger } = client;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal });
    // Hard limit: a service manager expects the process gone within a few seconds.
    setTimeout(() => process.exit(0), SHUTDOWN_LIMIT_MS).unref();
    client.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'shutdown_failed', err: error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await client.listen();
  } catch (error) {
    logger.fatal({ event: 'start_failed', code: (error as { code?: string }).code, err: error });
    process.exitCode = 1;
    await client.close(0);
  }
}

async function main(): Promise<void> {
  await runCommand('beats-gate-client', () => loadConfig(process.argv.slice(2), process.env), run);
}

// infra/sea/bundle.ts rewrites this last line for the single executable: keep it as it is.
await main();
