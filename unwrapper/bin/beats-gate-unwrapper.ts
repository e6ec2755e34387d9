#!/usr/bin/env node
// Parses the configuration, starts the unwrapper, and drains it on SIGTERM/SIGINT (exit 0).
import { runCommand, serveUntilSignal } from '@beats-gate/kit';
import { createUnwrapper, loadConfig, type UnwrapperConfig } from '../src/index.ts';

async function main(config: UnwrapperConfig) {
  const unwrapper = createUnwrapper(config);
  await serveUntilSignal({
    logger: unwrapper.logger,
    listen: () => unwrapper.listen(),
    drain: () => unwrapper.drain(),
    close: () => unwrapper.close(),
  });
}

await runCommand(
  'beats-gate-unwrapper',
  () => loadConfig(process.argv.slice(2), process.env),
  main,
);
