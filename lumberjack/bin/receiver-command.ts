/**
 * beats-gate-receiver's option table and the rules across its options: flags,
 * BEATS_GATE_RECEIVER_* variables and the config file, as for every beats-gate command.
 */
import {
  bool,
  defineCommand,
  hostPort,
  int,
  level,
  loadCommand,
  onlyWith,
  option,
  text,
  type Env,
  type HostPort,
  type Loaded,
  type Options,
} from '@beats-gate/kit';
import lumberjackPackage from '../package.json' with { type: 'json' };
import type { ReceiverOptions } from '../src/index.ts';
import { tlsFileOptions, tlsFiles } from './tls-files.ts';

const DAY_MS = 24 * 3600 * 1000;

export const RECEIVER_COMMAND = defineCommand({
  name: 'beats-gate-receiver',
  summary:
    'Logstash-compatible Lumberjack receiver (like the beats input): acknowledges each window ' +
    'only after its events are appended to an ndjson file, one JSON event per line.',
  version: lumberjackPackage.version,
  envPrefix: 'BEATS_GATE_RECEIVER_',
  notes: `Logs: JSON lines (pino) on stderr: "listening" with the port, one line per connection \
opened and closed (with event, batch and byte counts), one per decode error, "stopped" with totals.
Stops on SIGTERM or SIGINT: closes the listener and the connections, flushes the file, exits 0.
Exit codes: 0 stopped cleanly, 1 failed (port in use, file not writable), 2 bad arguments.

Example:
  beats-gate-receiver --listen 127.0.0.1:5045 --out events.ndjson
  beats-gate-receiver --listen 127.0.0.1:5045 --tls-cert-file server.crt \\
    --tls-key-file server.key --tls-ca-file ca.crt --verify-clients`,
  options: {
    listen: option(hostPort(), 'address to listen on (port 0 picks a free one)', {
      default: { host: '127.0.0.1', port: 5044 },
    }),
    out: option(text('<path>'), 'ndjson file the events are appended to', {
      default: 'events.ndjson',
    }),
    fsync: option(bool, 'flush each window to disk (fdatasync) before acknowledging it', {
      default: false,
    }),
    keepaliveMs: option(
      int({ min: 0, max: DAY_MS }),
      "send the keep-alive '2A 0' this often while a window waits to be written (0 = never)",
      { default: 5000 },
    ),
    idleTimeoutMs: option(
      int({ min: 0, max: DAY_MS }),
      'close connections silent this long, like client_inactivity_timeout (0 = never)',
      { default: 60_000 },
    ),
    maxPendingBatches: option(
      int({ min: 1, max: 1000 }),
      'windows per connection waiting to be written before reading pauses',
      { default: 4 },
    ),
    ...tlsFileOptions({
      cert: 'serve TLS with this PEM certificate',
      ca: 'PEM CA bundle that client certificates must chain to',
    }),
    verifyClients: option(bool, 'require a client certificate signed by tlsCaFile', {
      default: false,
    }),
    logLevel: option(level, 'pino log level', { default: 'info' }),
  },
});

export interface ReceiverRun {
  readonly listen: HostPort;
  readonly out: string;
  readonly fsync: boolean;
  readonly keepAliveIntervalMs: number;
  readonly inactivityTimeoutMs: number;
  readonly maxPendingBatches: number;
  readonly tls: ReceiverOptions['tls'];
  readonly logLevel: string;
}

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof RECEIVER_COMMAND.options>): ReceiverRun {
  const { problems } = options;
  const { cert, key, ca } = tlsFiles(options);
  const verifyClients = options.value('verifyClients');
  if (verifyClients && !(options.given('tlsCaFile') && options.given('tlsCertFile'))) {
    problems.push(`${options.where('verifyClients')}: needs tlsCertFile, tlsKeyFile and tlsCaFile`);
  }
  onlyWith(options, ['tlsCaFile'], options.given('tlsCertFile'), 'tlsCertFile and tlsKeyFile');
  const tls = cert && key ? { cert, key, ...(ca ? { ca } : {}), verifyClients } : undefined;
  return {
    listen: options.value('listen'),
    out: options.value('out'),
    fsync: options.value('fsync'),
    keepAliveIntervalMs: options.value('keepaliveMs'),
    inactivityTimeoutMs: options.value('idleTimeoutMs'),
    maxPendingBatches: options.value('maxPendingBatches'),
    tls,
    logLevel: options.value('logLevel'),
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
export function loadReceiverConfig(argv: readonly string[], env: Env): Loaded<ReceiverRun> {
  return loadCommand(RECEIVER_COMMAND, argv, env, build);
}
