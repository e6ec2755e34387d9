import { Command, CommanderError, Option } from 'commander';
import { CONFIG_ENV, CONFIG_FLAG, OPTIONS } from './options.ts';

export interface ParsedArgs {
  /** Flag values by config key; only the flags that were given. */
  readonly values: Record<string, unknown>;
  readonly configPath?: string;
  readonly problems: string[];
  /** Set when --help or --version was given: the text to print. */
  readonly helpText?: string;
}

const VERSION = '0.1.0';

function collectHeader(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const FOOTER = `
Every flag also reads from the environment variable shown, and from the JSON config file key
shown (flags win over the environment, the environment over the file).
The config file may define several listeners instead of --listen:
  { "url": "wss://telemetry.example.com/v1/tunnel", "tokenFile": "/etc/beats-gate/token",
    "listeners": [ { "name": "filebeat", "listen": "127.0.0.1:5044" },
                   { "name": "packetbeat", "listen": "127.0.0.1:5045", "tokenFile": "/etc/beats-gate/pb" } ] }
Listener entries accept name, listen and the per-listener keys marked [per listener].
Exactly one token source per listener: token, tokenFile, tokenCommand or oauthTokenUrl.
While the edge is unreachable or answers 429/5xx the client backs off (full jitter, honouring
Retry-After) and resets new Beats connections at once, so Beats backs off and resends later.
Documentation: docs/client.md`;

/** The commander program; built from the option table so --help always matches the loader. */
export function createProgram(): Command {
  const program = new Command('beats-gate-client')
    .description(
      'Listens for Beats (Lumberjack) connections on loopback and carries each one over its own ' +
        'authenticated WebSocket (wss) to the beats-gate edge.',
    )
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .addOption(new Option(CONFIG_FLAG, `JSON config file [env ${CONFIG_ENV}]`));
  for (const spec of OPTIONS) {
    if (spec.noFlag) continue;
    const where = `[env ${spec.env}; file "${spec.key}"${spec.perListener ? ', per listener' : ''}]`;
    const fallback = spec.defaultText ? ` (default: ${spec.defaultText})` : '';
    const option = new Option(spec.flag, `${spec.description}${fallback} ${where}`);
    if (spec.kind === 'headers') option.argParser(collectHeader);
    program.addOption(option);
  }
  return program;
}

/** The full --help text: commander's option list plus the environment-only settings and notes. */
export function helpText(): string {
  const secrets = OPTIONS.filter((spec) => spec.noFlag)
    .map((spec) => `  ${spec.env} (file "${spec.key}"): ${spec.description}`)
    .join('\n');
  return `${createProgram().helpInformation()}\nEnvironment/file only (secrets):\n${secrets}\n${FOOTER}\n`;
}

/** Parses the command line without exiting or printing: problems are returned to the loader. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const program = createProgram();
  if (argv.includes('-h') || argv.includes('--help')) {
    return { values: {}, problems: [], helpText: helpText() };
  }
  if (argv.includes('-V') || argv.includes('--version')) {
    return { values: {}, problems: [], helpText: `${VERSION}\n` };
  }
  const problems: string[] = [];
  let unknown: string[] = [];
  let operands: string[] = [];
  program.exitOverride();
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    ({ operands, unknown } = program.parseOptions([...argv]));
  } catch (error) {
    if (error instanceof CommanderError) problems.push(error.message.replace(/^error: /, ''));
    else throw error;
  }
  for (const item of unknown) {
    if (item.startsWith('-')) problems.push(`unknown option ${item.split('=')[0]} (see --help)`);
    else operands.push(item);
  }
  if (operands.length > 0) problems.push(`unexpected argument(s): ${operands.length} (see --help)`);
  const opts = program.opts<Record<string, unknown>>();
  const values: Record<string, unknown> = {};
  for (const option of program.options) {
    const spec = OPTIONS.find((s) => s.flag === option.flags);
    const value = opts[option.attributeName()];
    if (spec && value !== undefined) values[spec.key] = value;
  }
  const configPath = typeof opts.config === 'string' ? opts.config : undefined;
  return configPath === undefined ? { values, problems } : { values, problems, configPath };
}
