/**
 * `npm start`: the whole beats-gate chain on loopback in one foreground process tree.
 * Beats → client :5044 → edge (workerd) :8787 → unwrapper :8080 (admin :9090) → receiver :5045.
 */
import {
  formatHostPort,
  loadCommand,
  runCommand,
  type Loaded,
  type Options,
} from '@beats-gate/kit';
import { START_COMMAND } from './dev-commands.ts';
import { ensureDevKeys } from './dev-keys.ts';
import { watchParent } from './processes.ts';
import { startStack, type PartName, type Stack, type StackPorts } from './stack.ts';

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
    `Send test events: npm run send -- --count 10000`,
    '',
  ].join('\n');
}

async function main(config: StartConfig): Promise<void> {
  const { ports, logstashHosts } = config;
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
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
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
      },
      (part, _stream, line) => process.stdout.write(`${prefix(part)} ${line}\n`),
    );
  } catch (error) {
    if (stopped.signal.aborted) return;
    throw error;
  }
  // A stop that came in as the start-up finished.
  if (stopped.signal.aborted) return stack.close();
  for (const [name, part] of stack.running) {
    void part.exited.then((code) => {
      if (!stopped.signal.aborted) shutdown(`${name} exited unexpectedly (${code})`, 1);
    });
  }
  console.log(banner(stack, logstashHosts));
  console.log(`${prefix('stack')} ready: Beats can connect to ${stack.host}:${stack.ports.client}`);
}

await runCommand('npm start', () => loadStartConfig(process.argv.slice(2), process.env), main);
