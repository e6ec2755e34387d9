/**
 * What `loadOptions` hands a service: each option's typed value and where it came from, the
 * problems so far, and `finish`, which turns the service's built configuration into the result:
 * a ConfigError listing every problem, the --print-config text, or the configuration to run.
 */
import type { CommandSpec } from './command.ts';
import { ConfigError } from './config-error.ts';
import { waysToSet } from './describe-option.ts';
import { formatValue } from './kind.ts';
import type { OptionSpec, OptionTable, ValueOf } from './option.ts';

/** Either the configuration to run with, or a text to print before exiting 0 (help, version…). */
export type Loaded<C> =
  | { readonly kind: 'config'; readonly config: C }
  | { readonly kind: 'print'; readonly text: string };

export type Layer = 'flag' | 'env' | 'file' | 'default';

export interface Setting {
  readonly value: unknown;
  readonly layer: Layer;
  /** `--listen`, `BEATS_GATE_CLIENT_LISTEN`, `file key "listen" in /etc/c.yaml` or `default`. */
  readonly where: string;
}

type Key<O> = keyof O & string;

export interface EntrySettings {
  readonly settings: ReadonlyMap<string, Setting>;
  /** `file key "listeners[1].listen" in /etc/c.yaml`, set or not. */
  readonly where: (key: string) => string;
}
type EntryValue<S> = S extends OptionSpec<infer T> ? T | undefined : never;

/** One entry of the file's entry list: only what the entry itself sets. */
export interface Entry<O extends OptionTable> {
  value<K extends Key<O>>(key: K): EntryValue<O[K]>;
  given(key: Key<O>): boolean;
  where(key: Key<O>): string;
}

export interface Options<O extends OptionTable> {
  value<K extends Key<O>>(key: K): ValueOf<O[K]>;
  /** Set by a flag, a variable or the file (even if wrongly), not by the default. */
  given(key: Key<O>): boolean;
  layer(key: Key<O>): Layer | undefined;
  /** The source of the value, or every way to set it when nothing did (for messages). */
  where(key: Key<O>): string;
  /** The file's entry list, when the command has one and the file holds it. */
  readonly entries: readonly Entry<O>[] | undefined;
  /** Problems found so far; the service adds those of its rules across options. */
  readonly problems: string[];
  finish<C>(config: C): Loaded<C>;
}

function printable(spec: OptionSpec | undefined, setting: Setting) {
  if (spec?.secret) return '(hidden)';
  const { value } = setting;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return spec ? formatValue(spec.kind, value) : String(value);
}

function describe(command: CommandSpec, settings: ReadonlyMap<string, Setting>) {
  return Object.fromEntries(
    [...settings].map(([key, setting]) => [
      key,
      { value: printable(command.options[key], setting), from: setting.where },
    ]),
  );
}

export function createOptions<O extends OptionTable>(
  command: CommandSpec<O>,
  loaded: {
    settings: ReadonlyMap<string, Setting>;
    entries: readonly EntrySettings[] | undefined;
    problems: string[];
    printConfig: boolean;
  },
): Options<O> {
  const { settings, problems } = loaded;
  const entries = loaded.entries?.map(({ settings: own, where }): Entry<O> => ({
    value: <K extends Key<O>>(key: K) => own.get(key)?.value as EntryValue<O[K]>,
    given: (key) => own.has(key),
    where,
  }));
  return {
    value: <K extends Key<O>>(key: K) => settings.get(key)?.value as ValueOf<O[K]>,
    given: (key) => (settings.get(key)?.layer ?? 'default') !== 'default',
    layer: (key) => settings.get(key)?.layer,
    where: (key) => {
      const setting = settings.get(key);
      return setting && setting.layer !== 'default' ? setting.where : waysToSet(command, key);
    },
    entries,
    problems,
    finish<C>(config: C): Loaded<C> {
      if (problems.length > 0) throw new ConfigError(problems);
      if (!loaded.printConfig) return { kind: 'config', config };
      const printed: Record<string, unknown> = describe(command, settings);
      if (command.entries && loaded.entries) {
        printed[command.entries.key] = loaded.entries.map((entry) =>
          describe(command, entry.settings),
        );
      }
      return { kind: 'print', text: `${JSON.stringify(printed, null, 2)}\n` };
    },
  };
}
