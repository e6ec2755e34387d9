/**
 * The one shape of an option table. A service lists its options once, keyed by their camelCase
 * name, and everything else is derived from that name: the flag (`pingIntervalMs` →
 * `--ping-interval-ms`), the variable (`BEATS_GATE_CLIENT_PING_INTERVAL_MS`) and the config-file
 * key (`pingIntervalMs`). A unit in a name is spelled the same way everywhere: `…Ms`, `…Seconds`,
 * `…Bytes`.
 */
import type { Kind } from './kind.ts';

export interface OptionSpec<T = unknown> {
  readonly kind: Kind<T>;
  /** One line for --help and the docs table. */
  readonly help: string;
  /** Applied when no source sets the option; shown in --help and the docs. */
  readonly default?: T;
  /** Shown instead of a default that is not a value (`from the key`, `HTTPS_PROXY`). */
  readonly defaultText?: string;
  /** Never printed: not in a problem, not by --print-config. Set by secret kinds too. */
  readonly secret?: boolean;
  /** Only from the environment or the file: a secret must not show in `ps`. */
  readonly noFlag?: boolean;
  /** A problem when no source sets it. */
  readonly required?: boolean;
  /** Also the command's positional argument (`beats-gate-send 127.0.0.1:5044`). */
  readonly argument?: boolean;
  /** May also be set in each entry of the file's entry list (the client's `listeners`). */
  readonly inEntries?: boolean;
}

/** Options by camelCase name, in --help and docs order. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type Extra<T> = Omit<OptionSpec<T>, 'kind' | 'help'>;

/** Builds one row; with a `default` the loaded value is never undefined. */
export function option<T>(
  kind: Kind<T>,
  help: string,
  extra: Extra<T> & { readonly default: T },
): OptionSpec<T> & { readonly default: T };
export function option<T>(kind: Kind<T>, help: string, extra?: Extra<T>): OptionSpec<T>;
export function option<T>(kind: Kind<T>, help: string, extra: Extra<T> = {}): OptionSpec<T> {
  return { kind, help, ...extra, ...(kind.secret ? { secret: true } : {}) };
}

/** The loaded value of an option: its type, or undefined when it has no default. */
export type ValueOf<S> = S extends { readonly default: infer T }
  ? T
  : S extends OptionSpec<infer T>
    ? T | undefined
    : never;

export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function envName(prefix: string, key: string): string {
  return prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

const UNITS: readonly [RegExp, string][] = [
  [/Ms$/, '<ms>'],
  [/Seconds$/, '<seconds>'],
  [/Bytes$/, '<bytes>'],
];

/** The flag with its value placeholder: `--ping-interval-ms <ms>`, `--metrics`. */
export function flagSyntax(key: string, spec: OptionSpec): string {
  let placeholder = spec.kind.placeholder;
  if (placeholder === '<n>') placeholder = UNITS.find(([unit]) => unit.test(key))?.[1] ?? '<n>';
  return placeholder ? `${flagName(key)} ${placeholder}` : flagName(key);
}
