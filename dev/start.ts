/**
 * `npm start`: the whole beats-gate chain on loopback in one foreground process tree.
 * Beats → client :5044 → edge (workerd) :8787 → unwrapper :8080 (admin :9090) → receiver :5045.
 * It checks its ports are free, prints `ready` once every part listens itself, starts a part that
 * crashes again with back-off, and takes every part with it however it ends (dev/processes.ts).
 */
import { createServer } from 'node:net';
import {
  flagName,
  formatHostPort,
  loadCommand,
  runCommand,
  type Loaded,
  type Options,
} from '@beats-gate/kit';
import { START_COMMAND } from './dev-commands.ts';
import { ensureDevKeys } from './dev-keys.ts';
import { RESTART_ON_FAILURE, watchParent } from './processes.ts';
import {
  LOOPBACK,
  startStack,
  type PartName,
  type RestartEvent,
  type Stack,
  type StackPorts,
} from './stack.ts';

interface StartConfig {
  readonly ports: StackPorts;
  readonly logstashHosts: string | undefined;
  readonly dir: string;
  readonly logLevel: string;
}

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof START_COMMAND.options>): StartConfig {
  const logstash = options.value('logstash');
  return {
    ports: {
      client: options.value('clientPort'),
      edge: options.value('edgePort'),
      unwrapper: options.value('unwrapperPort'),
      admin: options.value('adminPort'),
      receiver: options.value('receiverPort'),
    },
    logstashHosts: logstash?.map(formatHostPort).join(','),
    dir: options.value('dir'),
    logLevel: options.value('logLevel'),
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
function loadStartConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<StartConfig> {
  return loadCommand(START_COMMAND, argv, env, build);
}

/** What listens on each port, for messages that name the part as well as the port. */
const PORT_OWNERS: Record<keyof StackPorts, string> = {
  client: 'the client',
  edge: 'the edge worker',
  unwrapper: 'the unwrapper',
  admin: "the unwrapper's admin listener",
  receiver: 'the receiver',
};

/** Why `port` cannot be bound on `host` (EADDRINUSE, EACCES…), or undefined when it can. */
function unavailable(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Refuses to start when a port is taken (most often by an npm start still running), naming the
 * port, its part and the option that moves it, before anything starts: otherwise the parts fail
 * one by one, later, each with its own EADDRINUSE. The parts' own reports still decide `ready`.
 */
async function checkPorts(config: StartConfig): Promise<void> {
  const problems: string[] = [];
  const owners = new Map<number, keyof StackPorts>();
  for (const [key, port] of Object.entries(config.ports) as [keyof StackPorts, number][]) {
    if (key === 'receiver' && config.logstashHosts) continue;
    const move = `choose another port with ${flagName(`${key}Port`)}`;
    const other = owners.get(port);
    owners.set(port, key);
    if (other) {
      problems.push(
        `port ${port} is given to both ${PORT_OWNERS[other]} and ${PORT_OWNERS[key]}: ${move}`,
      );
      continue;
    }
    const code = await unavailable(LOOPBACK, port);
    if (!code) continue;
    const why =
      code === 'EADDRINUSE'
        ? 'in use by another program (an npm start still running?)'
        : `not available (${code})`;
    problems.push(`port ${port} of ${PORT_OWNERS[key]} is ${why}: stop that program or ${move}`);
  }
  if (problems.length > 0) throw new Error(`cannot start:\n  ${problems.join('\n  ')}`);
}

function describeRestart(event: RestartEvent): string {
  const { windowMs, maxCrashes } = RESTART_ON_FAILURE;
  const window = `within ${windowMs / 1000} s`;
  switch (event.kind) {
    case 'restarting':
      return (
        `${event.part} exited (${event.exit}): restarting it in ${event.delayMs} ms ` +
        `(crash ${event.crashes} ${window}; crash ${maxCrashes} stops the stack)`
      );
    case 'restarted':
      return `${event.part} restarted (pid ${event.pid}) and listening again`;
    case 'gave-up':
      return (
        `${event.part} exited (${event.exit}), its crash ${event.crashes} ${window}: ` +
        `giving up; its own lines above say why`
      );
  }
}

const colours: Record<PartName, number> = { receiver: 35, unwrapper: 34, edge: 33, client: 32 };

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
    `Send test events: npm run send -- --target ${host}:${ports.client} --count 10000`,
    '',
  ].join('\n');
}

async function main(config: StartConfig): Promise<void> {
  const { ports, logstashHosts } = config;
  await checkPorts(config);
  const keys = await ensureDevKeys(config.dir);
  const tty = process.stdout.isTTY;
  const prefix = (part: string) => {
    const label = `[${part}]`.padEnd(12);
    const colour = colours[part as PartName];
    return tty && colour ? `\x1b[${colour}m${label}\x1b[0m` : label;
  };

  // Stopping is possible from the first moment: a signal during start-up aborts it.
  const stopped = new AbortController();
  let stack: Stack | undefined;
  const shutdown = (why: string, code: number) => {
    if (stopped.signal.aborted) return;
    stopped.abort();
    console.log(`${prefix('stack')} ${why}: stopping every part`);
    const force = setTimeout(() => process.exit(1), 5000).unref();
    void (stack?.close() ?? Promise.resolve()).then(() => {
      clearTimeout(force);
      process.exitCode = code;
    });
  };
  // SIGHUP keeps its default (under nohup: ignored): a closed terminal ends npm start, and the
  // parts follow through their links (part-link.ts).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => shutdown(signal, 0));
  }
  watchParent((pid) => shutdown(`the process that started npm start (pid ${pid}) is gone`, 0));

  try {
    stack = await startStack(
      {
        keys,
        ports,
        logLevel: config.logLevel,
        ...(logstashHosts ? { logstashHosts } : {}),
        signal: stopped.signal,
        restart: {
          policy: RESTART_ON_FAILURE,
          onEvent: (event) => {
            const line = describeRestart(event);
            console.log(`${prefix('stack')} ${line}`);
            if (event.kind === 'gave-up') shutdown(`${event.part} keeps crashing`, 1);
          },
        },
      },
      (part, _stream, line) => process.stdout.write(`${prefix(part)} ${line}\n`),
    );
  } catch (error) {
    if (stopped.signal.aborted) return;
    throw error;
  }
  // A stop that came in as the start-up finished.
  if (stopped.signal.aborted) return stack.close();
  console.log(banner(stack, logstashHosts));
  const pids = [...stack.running].map(([name, part]) => `${name} ${part.child.pid}`);
  console.log(`${prefix('stack')} pids: ${pids.join(', ')}`);
  console.log(`${prefix('stack')} ready: Beats can connect to ${stack.host}:${stack.ports.client}`);
}

await runCommand('npm start', () => loadStartConfig(process.argv.slice(2), process.env), main);
