#!/usr/bin/env node
// A Logstash stand-in: receives Beats (Lumberjack v1/v2) and appends the events to an ndjson file.
// Argument parsing and wiring only; the behaviour lives in src/receiver.
import { Command, Option } from 'commander';
import { createLogger } from '@beats-gate/kit';
import { pino } from 'pino';
import { createFileSink, createReceiver } from '../src/index.ts';
import type { Batch, ReceiverOptions } from '../src/index.ts';
import { EXIT, integer, readPem } from './cli-options.ts';

interface Flags {
  host: string;
  port: number;
  out: string;
  fsync?: boolean;
  keepaliveMs: number;
  idleTimeoutMs: number;
  maxPendingBatches: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  verifyClients?: boolean;
  logLevel: string;
}

const program = new Command()
  .name('beats-gate-receiver')
  .description(
    'Logstash-compatible Lumberjack receiver (like the beats input): acknowledges each window ' +
      'only after its events are appended to an ndjson file, one JSON event per line.',
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'TCP port to listen on (0 picks a free one)', integer(0, 65535), 5044)
  .option('--out <file>', 'ndjson file the events are appended to', 'events.ndjson')
  .option('--fsync', 'flush each window to disk (fdatasync) before acknowledging it')
  .option(
    '--keepalive-ms <ms>',
    "send the keep-alive '2A 0' this often while a window waits to be written (0 = never)",
    integer(0),
    5000,
  )
  .option(
    '--idle-timeout-ms <ms>',
    'close connections silent this long, like client_inactivity_timeout (0 = never)',
    integer(0),
    60000,
  )
  .option(
    '--max-pending-batches <n>',
    'windows per connection waiting to be written before reading pauses',
    integer(1, 1000),
    4,
  )
  .option('--tls-cert <file>', 'serve TLS with this PEM certificate (needs --tls-key)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert')
  .option('--tls-ca <file>', 'PEM CA bundle that client certificates must chain to')
  .option('--verify-clients', 'require a client certificate signed by --tls-ca')
  .addOption(
    new Option('--log-level <level>', 'pino log level')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .env('LOG_LEVEL'),
  )
  .addHelpText(
    'after',
    `
Logs: JSON lines (pino) on stderr: "listening" with the port, one line per connection opened and
closed (with event, batch and byte counts), one per decode error, "stopped" with totals.
Stops on SIGTERM or SIGINT: closes the listener and the connections, flushes the file, exits 0.
Exit codes: 0 stopped cleanly, 1 failed (port in use, file not writable), 2 bad arguments.

Example:
  beats-gate-receiver --port 5045 --out events.ndjson
  beats-gate-receiver --port 5045 --tls-cert server.crt --tls-key server.key \\
    --tls-ca ca.crt --verify-clients`,
  )
  .exitOverride()
  .action(run);

function tlsOptions(flags: Flags): ReceiverOptions['tls'] {
  const problems: string[] = [];
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    problems.push('--tls-cert and --tls-key go together');
  }
  if (flags.verifyClients === true && (flags.tlsCa === undefined || flags.tlsCert === undefined)) {
    problems.push('--verify-clients needs --tls-cert, --tls-key and --tls-ca');
  }
  if (flags.tlsCa !== undefined && flags.tlsCert === undefined) {
    problems.push('--tls-ca needs --tls-cert and --tls-key');
  }
  if (problems.length > 0) program.error(`error: ${problems.join('; ')}`, { exitCode: EXIT.USAGE });
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) return undefined;
  return {
    cert: readPem('--tls-cert', flags.tlsCert),
    key: readPem('--tls-key', flags.tlsKey),
    ...(flags.tlsCa !== undefined ? { ca: readPem('--tls-ca', flags.tlsCa) } : {}),
    verifyClients: flags.verifyClients === true,
  };
}

async function run(flags: Flags): Promise<void> {
  const tls = tlsOptions(flags);
  const logger = createLogger({
    service: 'beats-gate-receiver',
    level: flags.logLevel,
    destination: pino.destination({ fd: 2, sync: true }),
  });
  const fileSink = createFileSink(flags.out, { fsync: flags.fsync === true });
  const totals = { events: 0, batches: 0 };
  const sink = async (batch: Batch): Promise<void> => {
    await fileSink(batch);
    totals.events += batch.events.length;
    totals.batches++;
  };
  const receiver = createReceiver({
    host: flags.host,
    port: flags.port,
    sink,
    keepAliveIntervalMs: flags.keepaliveMs,
    inactivityTimeoutMs: flags.idleTimeoutMs,
    maxPendingBatches: flags.maxPendingBatches,
    ...(tls !== undefined ? { tls } : {}),
    logger,
  });
  let stopping = false;
  async function stop(signal: string): Promise<void> {
    if (stopping) {
      logger.warn({ event: 'forced_exit', signal }, 'second signal: exiting now');
      process.exit(EXIT.FAILED);
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

try {
  await program.parseAsync();
} catch (err) {
  const code = (err as { exitCode?: number; code?: string }).exitCode;
  if (typeof code === 'number') {
    // commander already printed its message (or the help).
    process.exit(code === 0 ? EXIT.OK : EXIT.USAGE);
  }
  process.stderr.write(
    `beats-gate-receiver: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(EXIT.FAILED);
}
