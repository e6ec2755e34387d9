#!/usr/bin/env node
// Parses the configuration, starts the unwrapper, and drains it on SIGTERM/SIGINT (exit 0);
// `beats-gate-unwrapper test [options]` checks the same configuration instead (src/check/).
import { runCommand, serveUntilSignal } from '@beats-gate/kit';
import { testUnwrapper } from '../src/check/test-unwrapper.ts';
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

const [first, ...rest] = process.argv.slice(2);
if (first === 'test') {
  process.exitCode = await testUnwrapper(rest, process.env);
} else {
  await runCommand(
    'beats-gate-unwrapper',
    () => loadConfig(process.argv.slice(2), process.env),
    main,
  );
}
