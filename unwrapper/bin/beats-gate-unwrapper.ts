#!/usr/bin/env node
// Parses the configuration, starts the unwrapper, and drains it on SIGTERM/SIGINT (exit 0).
import { runCommand } from '@beats-gate/kit';
import { createUnwrapper, loadConfig, type UnwrapperConfig } from '../src/index.ts';

async function main(config: UnwrapperConfig) {
  const unwrapper = createUnwrapper(config);
  const { logger } = unwrapper;
  let stopping = false;
  function onSignal(signal: NodeJS.Signals) {
    if (stopping) {
      logger.warn({ event: 'shutdown_forced', signal }, 'second signal: closing now');
      void unwrapper.close();
      return;
    }
    stopping = true;
    logger.info({ event: 'shutdown_started', signal }, 'shutting down');
    unwrapper.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'shutdown_failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await unwrapper.listen();
  } catch (error) {
    logger.fatal({ event: 'listen_failed', err: error }, 'cannot listen');
    process.exit(1);
  }
}

await runCommand(
  'beats-gate-unwrapper',
  () => loadConfig(process.argv.slice(2), process.env),
  main,
);
