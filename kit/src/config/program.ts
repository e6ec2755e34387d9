/**
 * The commander program of a command, built from its option table, so --help always lists what
 * the loader reads. Help is wrapped to 80 columns whatever the flag's length: the description
 * goes under the flag, not beside it, so a long flag cannot squeeze it out of wrapping.
 */
import { Command, Option, type Help } from 'commander';
import type { CommandSpec } from './command.ts';
import { meaning } from './describe-option.ts';
import { envName, flagSyntax } from './option.ts';
import { wrapText } from './wrap-text.ts';

export const HELP_WIDTH = 80;
const INDENT = '      ';

function formatItem(term: string, _width: number, description: string, helper: Help): string {
  if (!description) return `  ${term}`;
  const body = helper.boxWrap(description, HELP_WIDTH - INDENT.length);
  return `  ${term}\n${body.replace(/^/gm, INDENT)}`;
}

function collect(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

function sources(command: CommandSpec, key: string): string {
  const spec = command.options[key];
  const entry = spec?.inEntries && command.entries ? `, also per ${command.entries.label}` : '';
  return `[${envName(command.envPrefix, key)}; file: ${key}${entry}]`;
}

/** Options only the environment or the file may set, then the rules and the notes. */
function afterText(command: CommandSpec): string {
  const { envPrefix } = command;
  const hidden = Object.entries(command.options).filter(([, spec]) => spec.noFlag);
  const lines: string[] = [];
  if (hidden.length > 0) {
    lines.push('Set only by the environment or the file (a flag would show in ps):');
    for (const [key, spec] of hidden) {
      lines.push(`  ${envName(envPrefix, key)} (file: ${key})`);
      lines.push(
        ...wrapText(meaning(spec, true), HELP_WIDTH - INDENT.length)
          .split('\n')
          .map((l) => INDENT + l),
      );
    }
    lines.push('');
  }
  lines.push(
    `A flag wins over its ${envPrefix}* variable, the variable over the config file ` +
      `(--config or ${envPrefix}CONFIG: JSON, or YAML when the name ends in .yaml or .yml, ` +
      'with the keys shown after "file:"), and the file over the default.',
  );
  if (command.notes) lines.push('', command.notes);
  return `\n${wrapText(lines.join('\n'), HELP_WIDTH)}\n`;
}

export function createProgram(command: CommandSpec): Command {
  const program = new Command(command.name)
    .description(command.summary)
    .helpOption('-h, --help', 'show this help and exit')
    .version(command.version, '-V, --version', 'print the version and exit')
    .configureHelp({ helpWidth: HELP_WIDTH, formatItem })
    .allowUnknownOption()
    .allowExcessArguments()
    .exitOverride();
  for (const [key, spec] of Object.entries(command.options)) {
    if (spec.argument) {
      const name = spec.kind.placeholder.replace(/^<|>$/g, '');
      program.argument(`[${name}]`, `${meaning(spec, true)} ${sources(command, key)}`);
    }
  }
  for (const [key, spec] of Object.entries(command.options)) {
    if (spec.noFlag) continue;
    const option = new Option(
      flagSyntax(key, spec),
      `${meaning(spec, true)} ${sources(command, key)}`,
    );
    if (spec.kind.repeatable) option.argParser(collect);
    program.addOption(option);
  }
  program.addOption(
    new Option('--config <path>', `config file, JSON or YAML [${command.envPrefix}CONFIG]`),
  );
  program.addOption(
    new Option(
      '--print-config',
      'print the loaded options as JSON, each with where it came from (secrets hidden), and exit',
    ),
  );
  program.addHelpText('after', afterText(command));
  return program;
}
