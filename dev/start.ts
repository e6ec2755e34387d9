/**
 * `npm start`: the whole beats-gate chain on loopback in one foreground process tree.
 * Beats → client :5044 → edge (workerd) :8787 → unwrapper :8080 (admin :9090) → receiver :5045.
 */
import { parseArgs } from 'node:util';
import { ensureDevKeys } from './dev-keys.ts';
import { DEFAULT_PORTS, startStack, type PartName, type Stack, type StackPorts } from './stack.ts';

const usage = `usage: npm start -- [options]

Runs the client, the edge worker (workerd), the unwrapper and the built-in Logstash-compatible
receiver on 127.0.0.1. Point any Beat's output.logstash at the client's port.

options (each also read from the environment variable in brackets):
  --client-port N     Beats-facing listener of the client        [CLIENT_PORT]    default ${DEFAULT_PORTS.client}
  --edge-port N       edge worker in workerd                      [EDGE_PORT]      default ${DEFAULT_PORTS.edge}
  --unwrapper-port N  unwrapper WebSocket listener                [UNWRAPPER_PORT] default ${DEFAULT_PORTS.unwrapper}
  --admin-port N      unwrapper admin (healthz, readyz, metrics)  [ADMIN_PORT]     default ${DEFAULT_PORTS.admin}
  --receiver-port N   built-in receiver                           [RECEIVER_PORT]  default ${DEFAULT_PORTS.receiver}
  --logstash HOSTS    real Logstash host:port[,host:port]; the receiver is not started [LOGSTASH_HOSTS]
  --dir DIR           dev keys and events.ndjson                  [BEATS_GATE_DEV_DIR] default .dev
  --log-level LEVEL   trace, debug, info, warn, error             [LOG_LEVEL]      default info
  -h, --help`;

const portEnv: Record<keyof StackPorts, string> = {
  client: 'CLIENT_PORT',
  edge: 'EDGE_PORT',
  unwrapper: 'UNWRAPPER_PORT',
  admin: 'ADMIN_PORT',
  receiver: 'RECEIVER_PORT',
};

const colours: Record<PartName, number> = { receiver: 35, unwrapper: 34, edge: 33, client: 32 };

function parsePorts(values: Record<string, string | boolean | undefined>): StackPorts {
  const problems: string[] = [];
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(portEnv) as (keyof StackPorts)[]) {
    const flag = values[`${name}-port`];
    const text = typeof flag === 'string' ? flag : process.env[portEnv[name]];
    if (text === undefined) continue;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(
        `--${name}-port / ${portEnv[name]} must be a port number 1-65535, got "${text}"`,
      );
    } else ports[name] = port;
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return ports;
}

function banner(stack: Stack, logstash: string | undefined): string {
  const { host, ports } = stack;
  return [
    '',
    'beats-gate local stack',
    `  client (point Beats here)  ${host}:${ports.client}`,
    `  edge worker (workerd)      http://${host}:${ports.edge}/v1/tunnel`,
    `  unwrapper                  ${host}:${ports.unwrapper}  admin http://${host}:${ports.admin}/metrics`,
    logstash
      ? `  Logstash (configured)      ${logstash}`
      : `  receiver (Logstash stand-in) ${host}:${ports.receiver} → ${stack.eventsFile}`,
    '',
    'Filebeat output (filebeat.yml):',
    '  output.logstash:',
    `    hosts: ["${host}:${ports.client}"]`,
    '',
    `Send test events: npm run send -- --count 10000`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'client-port': { type: 'string' },
      'edge-port': { type: 'string' },
      'unwrapper-port': { type: 'string' },
      'admin-port': { type: 'string' },
      'receiver-port': { type: 'string' },
      logstash: { type: 'string' },
      dir: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const ports = parsePorts(values);
  const logstashHosts = values.logstash ?? process.env.LOGSTASH_HOSTS;
  const keys = await ensureDevKeys(values.dir ?? process.env.BEATS_GATE_DEV_DIR ?? '.dev');
  const tty = process.stdout.isTTY;
  const prefix = (part: string) => {
    const label = `[${part}]`.padEnd(12);
    const colour = colours[part as PartName];
    return tty && colour ? `\x1b[${colour}m${label}\x1b[0m` : label;
  };

  let stopping = false;
  const stack = await startStack(
    {
      keys,
      ports,
      logLevel: values['log-level'] ?? process.env.LOG_LEVEL ?? 'info',
      ...(logstashHosts ? { logstashHosts } : {}),
    },
    (part, _stream, line) => process.stdout.write(`${prefix(part)} ${line}\n`),
  );

  const shutdown = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`${prefix('stack')} ${why}: stopping every part`);
    const force = setTimeout(() => process.exit(1), 5000).unref();
    void stack.close().then(() => {
      clearTimeout(force);
      process.exitCode = code;
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  for (const [name, part] of stack.running) {
    void part.exited.then((code) => {
      if (!stopping) shutdown(`${name} exited unexpectedly (${code})`, 1);
    });
  }
  console.log(banner(stack, logstashHosts));
  console.log(`${prefix('stack')} ready: Beats can connect to ${stack.host}:${stack.ports.client}`);
}

main().catch((error: unknown) => {
  console.error(`npm start: ${(error as Error).message}`);
  process.exitCode = 1;
});
