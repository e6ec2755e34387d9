/**
 * The edge worker of the local stack: workerd through Miniflare, configured with the dev JWKS and
 * assertion key from `.dev/`, forwarding to the local unwrapper. Runs until SIGTERM or SIGINT.
 */
import { readFile } from 'node:fs/promises';
import {
  createLogger,
  loadCommand,
  runCommand,
  type Loaded,
  type Logger,
  type Options,
} from '@beats-gate/kit';
import { startEdge } from '../edge-worker/local.ts';
import { EDGE_COMMAND } from './dev-commands.ts';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from './dev-keys.ts';

interface EdgeConfig {
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly dir: string;
}

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof EDGE_COMMAND.options>): EdgeConfig {
  // The worker's ORIGIN_URL is a URL without a trailing path of its own.
  const origin = options.value('origin').href.replace(/\/$/, '');
  return {
    ...options.value('listen'),
    origin,
    dir: options.value('dir'),
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
function loadEdgeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<EdgeConfig> {
  return loadCommand(EDGE_COMMAND, argv, env, build);
}

/**
 * The worker's own lines are JSON with a level already; anything else workerd prints (an uncaught
 * error, a runtime warning) becomes a line of the same shape, so every line has a level.
 */
function writeWorkerLine(log: Logger, line: string, level: string): void {
  if (line.startsWith('{') && line.includes('"level":')) {
    process.stdout.write(line + '\n');
    return;
  }
  const message = line.slice(0, 2000);
  if (level === 'error') log.error({ event: 'edge.runtime', message });
  else if (level === 'warn') log.warn({ event: 'edge.runtime', message });
  else log.info({ event: 'edge.runtime', message });
}

async function main(values: EdgeConfig): Promise<void> {
  // The worker logs as service beats-gate-edge; the launcher's own lines say the same.
  const log = createLogger({ service: 'beats-gate-edge', level: 'info' });
  const keys = await ensureDevKeys(values.dir);
  const edge = await startEdge({
    host: values.host,
    port: values.port,
    vars: {
      ORIGIN_URL: values.origin,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWT_ALGORITHMS: 'ES256,EdDSA',
      // Read at start: rotating the dev key means restarting the stack.
      JWKS: await readFile(keys.jwksPath, 'utf8'),
      // Unset keeps the worker's default (30 s); the token-rotation test sets 0, so that a token
      // used past its exp is refused at once instead of half a minute later.
      ...(process.env.JWT_CLOCK_TOLERANCE_SECONDS !== undefined
        ? { JWT_CLOCK_TOLERANCE_SECONDS: process.env.JWT_CLOCK_TOLERANCE_SECONDS }
        : {}),
    },
    secrets: { ASSERTION_KEYS: keys.assertionKeys },
    // Bound as in production, with limits a developer's tests will not hit.
    rateLimits: { upgrade: { limit: 10_000, period: 60 }, failure: { limit: 1000, period: 60 } },
    onLog: (line, level) => writeWorkerLine(log, line, level),
  });
  log.info({ event: 'edge.listening', url: edge.url, origin: values.origin });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void edge.dispose().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await runCommand('edge', () => loadEdgeConfig(process.argv.slice(2), process.env), main);
