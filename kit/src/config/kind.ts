/**
 * What every option kind is: a parser from a raw value (a flag or variable string, or a JSON/YAML
 * value from the config file) to a typed value or a problem text, plus how the value is written in
 * --help, the docs table and --print-config. Parsers never throw and never echo a secret: they
 * quote a raw value only through `show`, which hides it for secret options.
 */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (problem: string): Parsed<never> => ({ ok: false, problem });

/** Quotes a raw value for a problem text, shortened; `(hidden)` for a secret. */
export type Show = (raw: unknown) => string;

export interface Kind<T> {
  /** The value's placeholder in --help and the docs (`<host:port>`); '' for a switch. */
  readonly placeholder: string;
  parse(raw: unknown, show: Show): Parsed<T>;
  /** The value as --help, the docs and --print-config write it; `String(value)` by default. */
  format?(value: T): string;
  /** Accepted range, added to the help text: `1000–600000`. */
  readonly bounds?: string;
  /** The flag may be given several times; its values arrive as an array. */
  readonly repeatable?: boolean;
  /** Values of this kind are secrets: never printed, whatever the option says. */
  readonly secret?: boolean;
}

export function showValue(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export const hideValue: Show = () => '(hidden)';

/** Flag and variable values are strings; a config file may hold numbers and booleans too. */
export function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

export function formatValue<T>(kind: Kind<T>, value: T): string {
  if (kind.format) return kind.format(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}
