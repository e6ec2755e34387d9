/**
 * beats-gate-send's option table and the rules across its options: flags, BEATS_GATE_SEND_*
 * variables and the config file, as for every beats-gate command. The receiver's address is the
 * positional argument (or `target` in the other sources).
 */
import { randomUUID } from 'node:crypto';
import {
  bool,
  defineCommand,
  hostPort,
  int,
  level,
  loadCommand,
  option,
  text,
  type Env,
  type HostPort,
  type Loaded,
  type Options,
} from '@beats-gate/kit';
import lumberjackPackage from '../package.json' with { type: 'json' };
import type { SenderOptions } from '../src/index.ts';
import { tlsFileOptions, tlsFiles } from './tls-files.ts';

const DAY_MS = 24 * 3600 * 1000;

export const SEND_COMMAND = defineCommand({
  name: 'beats-gate-send',
  summary:
    'Sends generated events like Filebeat does to Logstash (Lumberjack v2: windows of --batch ' +
    'events, pipelined, resent after any failure until acknowledged) and reports the acked ' +
    'count and events/s.',
  version: lumberjackPackage.version,
  envPrefix: 'BEATS_GATE_SEND_',
  notes: `Output: a summary line on stdout (one JSON object with --json: runId, count, acked, \
sent, resends, connections, durationMs, eventsPerSecond, ok); failures and reconnects are logged \
as JSON lines (pino) on stderr. With --progress, or when stderr is a terminal, a line "progress: 41,000/100,000 events acked (41 %), 20,480 events/s, 2.0 s elapsed" goes to stderr once a second (the rate since the previous line), and once at the end.
SIGINT/SIGTERM stop the run and print what was acknowledged.
Exit codes: 0 every event acknowledged, 1 not all acknowledged, 2 bad arguments.

Example:
  beats-gate-send --count 1000000 --batch 2048 --compression 3 --pipelining 2 \\
    127.0.0.1:5045`,
  options: {
    target: option(
      hostPort({ minPort: 1 }),
      'the receiver (Logstash, beats-gate-receiver or the beats-gate client)',
      { argument: true, required: true },
    ),
    count: option(int({ min: 0, max: 1_000_000_000 }), 'events to send', { default: 100_000 }),
    batch: option(int({ min: 1, max: 1 << 20 }), 'events per window (Filebeat bulk_max_size)', {
      default: 2048,
    }),
    compression: option(
      int({ min: 0, max: 9 }),
      'zlib level 1-9 (one C frame per window), 0 = none',
      { default: 3 },
    ),
    pipelining: option(int({ min: 0, max: 1000 }), 'windows in flight beyond the first', {
      default: 2,
    }),
    timeoutMs: option(
      int({ min: 1, max: DAY_MS }),
      'dial, per-window write and per-ack wait; every ack and keep-alive resets it',
      { default: 30_000 },
    ),
    messageBytes: option(int({ min: 0, max: 1 << 24 }), "length of each event's message field", {
      default: 100,
    }),
    runId: option(text('<id>'), 'the "run" field of every event', { defaultText: 'a random UUID' }),
    backoffInitialMs: option(
      int({ min: 0, max: DAY_MS }),
      'first wait after a failure (doubles, jittered)',
      { default: 1000 },
    ),
    backoffMaxMs: option(int({ min: 0, max: DAY_MS }), 'longest wait between attempts', {
      default: 60_000,
    }),
    maxAttempts: option(
      int({ min: 1, max: 1_000_000 }),
      'consecutive failed attempts before giving up (an ack resets the count)',
      { default: 5 },
    ),
    tls: option(bool, 'connect with TLS (implied by the other tls options)', { default: false }),
    ...tlsFileOptions({
      cert: 'PEM client certificate',
      ca: 'PEM CA bundle to verify the receiver with',
      caDefault: 'system roots',
    }),
    tlsServername: option(text('<name>'), 'name to verify the receiver certificate against'),
    tlsInsecure: option(bool, 'do not verify the receiver certificate (tests only)', {
      default: false,
    }),
    json: option(bool, 'print the summary as one JSON object on stdout', { default: false }),
    progress: option(bool, 'print events acked, rate and time elapsed on stderr once a second', {
      defaultText: 'when stderr is a terminal',
    }),
    logLevel: option(level, 'pino log level for stderr', { default: 'warn' }),
  },
});

export interface SendRun {
  readonly target: HostPort;
  readonly count: number;
  readonly runId: string;
  readonly messageBytes: number;
  readonly json: boolean;
  /** Undefined: report progress when stderr is a terminal. */
  readonly progress: boolean | undefined;
  readonly logLevel: string;
  /** What createSender takes, apart from the target and the logger. */
  readonly sender: Omit<SenderOptions, 'host' | 'port' | 'logger'>;
}

function tlsOptions(options: Options<typeof SEND_COMMAND.options>): SenderOptions['tls'] {
  const files = tlsFiles(options);
  const wanted =
    options.value('tls') ||
    options.value('tlsInsecure') ||
    (['tlsCaFile', 'tlsCertFile', 'tlsServername'] as const).some((key) => options.given(key));
  if (!wanted) return undefined;
  const servername = options.value('tlsServername');
  return {
    ...files,
    ...(servername !== undefined ? { servername } : {}),
    rejectUnauthorized: !options.value('tlsInsecure'),
  };
}

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof SEND_COMMAND.options>): SendRun {
  const tls = tlsOptions(options);
  return {
    target: options.value('target') ?? { host: '', port: 0 },
    count: options.value('count'),
    runId: options.value('runId') ?? randomUUID(),
    messageBytes: options.value('messageBytes'),
    json: options.value('json'),
    progress: options.value('progress'),
    logLevel: options.value('logLevel'),
    sender: {
      ...(tls !== undefined ? { tls } : {}),
      batchSize: options.value('batch'),
      compressionLevel: options.value('compression'),
      pipelining: options.value('pipelining'),
      timeoutMs: options.value('timeoutMs'),
      backoffInitialMs: options.value('backoffInitialMs'),
      backoffMaxMs: options.value('backoffMaxMs'),
      maxAttempts: options.value('maxAttempts'),
    },
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
export function loadSendConfig(argv: readonly string[], env: Env): Loaded<SendRun> {
  return loadCommand(SEND_COMMAND, argv, env, build);
}
