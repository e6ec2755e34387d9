#!/usr/bin/env node
// Parses arguments and wires things together; all behaviour lives in src/. `beats-gate-client
// test [options]` checks the same configuration instead of serving it (src/check/).
import { runCommand, serveUntilSignal } from '@beats-gate/kit';
import { testClient } from '../src/check/test-client.ts';
import { createClient, loadConfig, type ClientConfig } from '../src/index.ts';

/** A service manager expects the process gone within a few seconds of SIGTERM. */
const SHUTDOWN_LIMIT_MS = 5000;

async function run(config: ClientConfig): Promise<void> {
  const client = createClient(config);
  await serveUntilSignal(
    {
      logger: client.logger,
      listen: () => client.listen(),
      drain: () => client.close(),
      close: () => client.close(0),
    },
    { hardLimitMs: SHUTDOWN_LIMIT_MS },
  );
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  if (first === 'test') {
    process.exitCode = await testClient(rest, process.env);
    return;
  }
  await runCommand('beats-gate-client', () => loadConfig(process.argv.slice(2), process.env), run);
}

await main();
