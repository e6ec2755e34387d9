/**
 * The one loader: flags over `<PREFIX>*` variables over the config file over defaults. Each option
 * is parsed from the one source that sets it, and every problem is collected, each naming that
 * source (`--listen`, `BEATS_GATE_CLIENT_LISTEN`, `file key "listen" in /etc/client.yaml`), so a
 * single run reports all of them. Rules across options are the service's: it adds its problems to
 * the result and calls `finish`.
 */
import type { CommandSpec } from './command.ts';
import { readConfigFile } from './config-file.ts';
import { waysToSet } from './describe-option.ts';
import { hideValue, showValue } from './kind.ts';
import { envName, type OptionSpec, type OptionTable } from './option.ts';
import {
  createOptions,
  type EntrySettings,
  type Loaded,
  type Options,
  type Setting,
} from './options.ts';
import { parseFlags } from './parse-flags.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A value that fails to parse is a problem, and the option still counts as set by its source, so
 * no rule across options reports it missing; its value is then the default, or undefined.
 */
function parseSetting(
  spec: OptionSpec,
  raw: unknown,
  source: Omit<Setting, 'value'>,
  problems: string[],
): Setting {
  const parsed = spec.kind.parse(raw, spec.secret ? hideValue : showValue);
  if (parsed.ok) return { value: parsed.value, ...source };
  problems.push(`${source.where}: ${parsed.problem}`);
  return { value: spec.default, ...source };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The file's entry list (the client's `listeners`): each entry's own settings. */
function readEntries(
  command: CommandSpec,
  raw: unknown,
  fileWhere: (key: string) => string,
  problems: string[],
): EntrySettings[] | undefined {
  const { entries } = command;
  if (!entries || raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(`${fileWhere(entries.key)}: expected a list of ${entries.label} objects`);
    return undefined;
  }
  return raw.map((entry: unknown, index) => {
    const settings = new Map<string, Setting>();
    const where = (key: string) => fileWhere(`${entries.key}[${index}].${key}`);
    if (!isObject(entry)) {
      problems.push(`${fileWhere(`${entries.key}[${index}]`)}: expected an object`);
      return { settings, where };
    }
    for (const [key, value] of Object.entries(entry)) {
      const spec = command.options[key];
      if (!spec?.inEntries) {
        problems.push(`${where(key.slice(0, 64))}: not an option of a ${entries.label}`);
        continue;
      }
      settings.set(key, parseSetting(spec, value, { layer: 'file', where: where(key) }, problems));
    }
    return { settings, where };
  });
}

export function loadOptions<const O extends OptionTable>(
  command: CommandSpec<O>,
  argv: readonly string[],
  env: Env,
): Loaded<Options<O>> {
  const flags = parseFlags(command, argv);
  if (flags.kind === 'print') return flags;
  const problems = [...flags.problems];
  const nonEmpty = (name: string) => (env[name] === '' ? undefined : env[name]);
  const configPath = flags.configPath ?? nonEmpty(`${command.envPrefix}CONFIG`);
  let file: Readonly<Record<string, unknown>> = {};
  if (configPath !== undefined) {
    const read = readConfigFile(configPath);
    if ('problem' in read) problems.push(read.problem);
    else file = read.values;
  }
  const fileWhere = (key: string) => `file key "${key}" in ${configPath}`;

  const settings = new Map<string, Setting>();
  for (const [key, spec] of Object.entries(command.options)) {
    const flag = flags.values.get(key);
    const variable = envName(command.envPrefix, key);
    const source =
      flag !== undefined
        ? { raw: flag.raw, layer: 'flag' as const, where: flag.where }
        : nonEmpty(variable) !== undefined
          ? { raw: env[variable], layer: 'env' as const, where: variable }
          : file[key] !== undefined
            ? { raw: file[key], layer: 'file' as const, where: fileWhere(key) }
            : undefined;
    if (source) {
      settings.set(key, parseSetting(spec, source.raw, source, problems));
    } else if (spec.default !== undefined) {
      settings.set(key, { value: spec.default, layer: 'default', where: 'default' });
    } else if (spec.required) {
      problems.push(`${waysToSet(command, key)}: required`);
    }
  }
  for (const key of Object.keys(file)) {
    if (!(key in command.options) && key !== command.entries?.key) {
      problems.push(`${fileWhere(key.slice(0, 64))}: not an option (see --help)`);
    }
  }
  const entries = readEntries(
    command,
    command.entries ? file[command.entries.key] : undefined,
    fileWhere,
    problems,
  );
  return {
    kind: 'config',
    config: createOptions(command, { settings, entries, problems, printConfig: flags.printConfig }),
  };
}

/**
 * The usual shape of a service's `loadConfig`: load the options, build the configuration from
 * them (adding the problems of the rules across options), and finish: a ConfigError listing every
 * problem, the text to print, or the configuration.
 */
export function loadCommand<const O extends OptionTable, C>(
  command: CommandSpec<O>,
  argv: readonly string[],
  env: Env,
  build: (options: Options<O>) => C,
): Loaded<C> {
  const loaded = loadOptions(command, argv, env);
  if (loaded.kind === 'print') return loaded;
  return loaded.config.finish(build(loaded.config));
}
