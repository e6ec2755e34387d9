#!/usr/bin/env node
// A Filebeat stand-in for tests and benchmarks: sends generated events over Lumberjack v2 with
// Filebeat's Logstash-output semantics and reports what was acknowledged.
// Argument parsing and wiring only; the behaviour lives in src/sender.
import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '@beats-gate/kit';
import { pino } from 'pino';
import { SenderError, createSender, generateEvents } from '../src/index.ts';
import type { SendResult, SenderOptions } from '../src/index.ts';
import { EXIT, integer, readPem } from './cli-options.ts';

interface Flags {
  count: number;
  batch: number;
  compression: number;
  pipelining: number;
  timeoutMs: number;
  messageBytes: number;
  runId?: string;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxAttempts: number;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  tlsInsecure?: boolean;
  json?: boolean;
  logLevel: string;
}

function target(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `expected host:port (for example 127.0.0.1:5044), got "${value}"`,
    );
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

const program = new Command()
  .name('beats-gate-send')
  .description(
    'Sends generated events like Filebeat does to Logstash (Lumberjack v2: windows of --batch ' +
      'events, pipelined, resent after any failure until acknowledged) and reports the acked ' +
      'count and events/s.',
  )
  .argument(
    '<host:port>',
    'receiver (Logstash, beats-gate-receiver or the beats-gate client)',
    target,
  )
  .option('--count <n>', 'events to send', integer(0), 100000)
  .option('--batch <n>', 'events per window (Filebeat bulk_max_size)', integer(1, 1 << 20), 2048)
  .option(
    '--compression <level>',
    'zlib level 1-9 (one C frame per window), 0 = none',
    integer(0, 9),
    3,
  )
  .option('--pipelining <n>', 'windows in flight beyond the first', integer(0, 1000), 2)
  .option(
    '--timeout-ms <ms>',
    'dial, per-window write and per-ack wait; every ack and keep-alive resets it',
    integer(1),
    30000,
  )
  .option('--message-bytes <n>', "length of each event's message field", integer(0, 1 << 24), 100)
  .option('--run-id <id>', 'the "run" field of every event (default: a random UUID)')
  .option(
    '--backoff-initial-ms <ms>',
    'first wait after a failure (doubles, jittered)',
    integer(0),
    1000,
  )
  .option('--backoff-max-ms <ms>', 'longest wait between attempts', integer(0), 60000)
  .option(
    '--max-attempts <n>',
    'consecutive failed attempts before giving up (an ack resets the count)',
    integer(1),
    5,
  )
  .option('--tls', 'connect with TLS (implied by the other --tls-* flags)')
  .option('--tls-ca <file>', 'PEM CA bundle to verify the receiver with (default: system roots)')
  .option('--tls-cert <file>', 'PEM client certificate (needs --tls-key)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert')
  .option('--tls-servername <name>', 'name to verify the receiver certificate against')
  .option('--tls-insecure', 'do not verify the receiver certificate (tests only)')
  .option('--json', 'print the summary as one JSON object on stdout')
  .addOption(
    new Option('--log-level <level>', 'pino log level for stderr')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('warn'),
  )
  .addHelpText(
    'after',
    `
Output: a summary line on stdout (one JSON object with --json: runId, count, acked, sent,
resends, connections, durationMs, eventsPerSecond, ok); failures and reconnects are logged as
JSON lines (pino) on stderr. SIGINT/SIGTERM stop the run and print what was acknowledged.
Exit codes: 0 every event acknowledged, 1 not all acknowledged, 2 bad arguments.

Example:
  beats-gate-send --count 1000000 --batch 2048 --compression 3 --pipelining 2 127.0.0.1:5045`,
  )
  .exitOverride()
  .action(run);

function tlsOptions(flags: Flags): SenderOptions['tls'] {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    program.error('error: --tls-cert and --tls-key go together', { exitCode: EXIT.USAGE });
  }
  const wanted =
    flags.tls === true ||
    flags.tlsInsecure === true ||
    [flags.tlsCa, flags.tlsCert, flags.tlsServername].some((v) => v !== undefined);
  if (!wanted) return undefined;
  return {
    ...(flags.tlsCa !== undefined ? { ca: readPem('--tls-ca', flags.tlsCa) } : {}),
    ...(flags.tlsCert !== undefined ? { cert: readPem('--tls-cert', flags.tlsCert) } : {}),
    ...(flags.tlsKey !== undefined ? { key: readPem('--tls-key', flags.tlsKey) } : {}),
    ...(flags.tlsServername !== undefined ? { servername: flags.tlsServername } : {}),
    rejectUnauthorized: flags.tlsInsecure !== true,
  };
}

async function run(to: { host: string; port: number }, flags: Flags): Promise<void> {
  const tls = tlsOptions(flags);
  const logger = createLogger({
    service: 'beats-gate-send',
    level: flags.logLevel,
    destination: pino.destination({ fd: 2, sync: true }),
  });
  const runId = flags.runId ?? randomUUID();
  const sender = createSender({
    ...to,
    ...(tls !== undefined ? { tls } : {}),
    batchSize: flags.batch,
    compressionLevel: flags.compression,
    pipelining: flags.pipelining,
    timeoutMs: flags.timeoutMs,
    backoffInitialMs: flags.backoffInitialMs,
    backoffMaxMs: flags.backoffMaxMs,
    maxAttempts: flags.maxAttempts,
    logger,
  });
  const stop = (): void => sender.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let result: SendResult | undefined;
  let failure: Error | undefined;
  try {
    result = await sender.send(
      generateEvents(flags.count, { runId, messageBytes: flags.messageBytes }),
    );
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    if (err instanceof SenderError) result = err.result;
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);

  const acked = result?.acked ?? 0;
  const durationMs = result?.durationMs ?? 0;
  const eventsPerSecond = durationMs > 0 ? Math.round((acked / durationMs) * 1000) : 0;
  const ok = failure === undefined && acked === flags.count;
  if (failure !== undefined) {
    logger.error(
      { event: 'send_failed', code: (failure as { code?: string }).code, error: failure.message },
      'send failed',
    );
  }
  if (flags.json === true) {
    const summary = {
      runId,
      count: flags.count,
      acked,
      sent: result?.sent ?? 0,
      resends: result?.resends ?? 0,
      connections: result?.connections ?? 0,
      durationMs: Math.round(durationMs),
      eventsPerSecond,
      ok,
      ...(failure !== undefined
        ? { error: (failure as { code?: string }).code ?? failure.message }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(
      `acked ${acked}/${flags.count} events in ${(durationMs / 1000).toFixed(2)} s: ` +
        `${eventsPerSecond} events/s, ${result?.connections ?? 0} connection(s), ` +
        `${result?.resends ?? 0} resent (run ${runId})${ok ? '' : ' - NOT ALL ACKNOWLEDGED'}\n`,
    );
  }
  process.exitCode = ok ? EXIT.OK : EXIT.FAILED;
}

try {
  await program.parseAsync();
} catch (err) {
  const code = (err as { exitCode?: number }).exitCode;
  if (typeof code === 'number') process.exit(code === 0 ? EXIT.OK : EXIT.USAGE);
  process.stderr.write(`beats-gate-send: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.FAILED);
}
