/**
 * The words --help and the docs table say about an option: its help, range and default, and the
 * other ways to set it. Written once so the two cannot disagree.
 */
import type { CommandSpec } from './command.ts';
import { formatValue } from './kind.ts';
import { envName, flagName, type OptionSpec } from './option.ts';

export function defaultText(spec: OptionSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  return spec.default === undefined ? undefined : formatValue(spec.kind, spec.default);
}

/** `help (1000–600000)`; with `withDefault`, `help (1000–600000; default 25000)`. */
export function meaning(spec: OptionSpec, withDefault: boolean): string {
  const fallback = withDefault ? defaultText(spec) : undefined;
  const notes = [
    spec.kind.bounds,
    fallback === undefined ? undefined : `default ${fallback}`,
    spec.required ? 'required' : undefined,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? `${spec.help} (${notes.join('; ')})` : spec.help;
}

/** Every way to set an option, for messages about an option nobody set. */
export function waysToSet(command: CommandSpec, key: string): string {
  const spec = command.options[key];
  const flag = spec?.noFlag ? [] : [flagName(key)];
  return [...flag, envName(command.envPrefix, key), `file key "${key}"`].join(', ');
}
