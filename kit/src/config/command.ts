/**
 * A command: its option table plus what --help, --version and the variables need. Every Node
 * service and tool of beats-gate is described by one of these and loaded by `loadOptions`.
 */
import { readFileSync } from 'node:fs';
import { envName, type OptionTable } from './option.ts';

export interface CommandSpec<O extends OptionTable = OptionTable> {
  /** The executable's name: `beats-gate-client`. */
  readonly name: string;
  /** What it does, for the top of --help. */
  readonly summary: string;
  /**
   * What --version prints: the package's own, imported from its package.json
   * (`import pkg from '../../package.json' with { type: 'json' }`), which bundlers inline.
   */
  readonly version: string;
  /** The one prefix of its variables: `BEATS_GATE_CLIENT_`. */
  readonly envPrefix: string;
  readonly options: O;
  /**
   * A list of objects the config file may hold (the client's `listeners`), each setting the
   * options marked `inEntries`; `label` names one entry in help and docs.
   */
  readonly entries?: { readonly key: string; readonly label: string };
  /** Paragraphs after the options in --help: rules across options, examples. */
  readonly notes?: string;
}

/** Flags every command has. */
const RESERVED = new Set(['config', 'printConfig', 'help', 'version']);

export function defineCommand<const O extends OptionTable>(spec: CommandSpec<O>): CommandSpec<O> {
  for (const [key, option] of Object.entries(spec.options)) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(key)) throw new RangeError(`option ${key}: use camelCase`);
    if (RESERVED.has(key)) throw new RangeError(`option ${key}: the kit's own flag`);
    if (option.noFlag && option.argument) throw new RangeError(`option ${key}: noFlag argument`);
    if (option.inEntries && !spec.entries) throw new RangeError(`option ${key}: no entries`);
  }
  if (Object.values(spec.options).filter((option) => option.argument).length > 1) {
    throw new RangeError(`${spec.name}: at most one option is the positional argument`);
  }
  return spec;
}

const versions = new Map<string, string>();

export function packageVersion(packageJson: URL): string {
  let version = versions.get(packageJson.href);
  if (version === undefined) {
    const parsed = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
    if (typeof parsed.version !== 'string') throw new Error(`${packageJson.href}: no version`);
    version = parsed.version;
    versions.set(packageJson.href, version);
  }
  return version;
}

/** Every variable the command reads: one per option, and the config file's. */
export function envNames(command: CommandSpec): Set<string> {
  return new Set([
    ...Object.keys(command.options).map((key) => envName(command.envPrefix, key)),
    `${command.envPrefix}CONFIG`,
  ]);
}
