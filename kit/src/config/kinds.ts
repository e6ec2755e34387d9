/**
 * The value parsers every option table is written with. Each accepts what a flag or a variable
 * gives (a string) and what a JSON or YAML file gives (a number, a boolean, an array, an object).
 */
import { formatHostPort, parseHostPort, type HostPort } from './host-port.ts';
import { asText, fail, ok, type Kind, type Parsed } from './kind.ts';
import { LOG_LEVELS, type LogLevel } from './log-levels.ts';

export { fileKind as file, type FileContent } from './file-kind.ts';
export { url } from './url-kind.ts';

/** A whole number within inclusive bounds. */
export function int(range: { min: number; max: number }): Kind<number> {
  const { min, max } = range;
  return {
    placeholder: '<n>',
    bounds: `${min}–${max}`,
    parse(raw, show) {
      const text = asText(raw)?.trim() ?? '';
      const value = typeof raw === 'number' ? raw : /^\d{1,16}$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        return fail(`expected an integer from ${min} to ${max}, got ${show(raw)}`);
      }
      return ok(value);
    },
  };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A switch on the command line; true/false, 1/0, yes/no or on/off elsewhere. */
export const bool: Kind<boolean> = {
  placeholder: '',
  parse(raw, show) {
    const text = asText(raw)?.trim().toLowerCase() ?? '';
    if (TRUE.has(text)) return ok(true);
    if (FALSE.has(text)) return ok(false);
    return fail(`expected true or false, got ${show(raw)}`);
  },
};

/** A non-empty string, trimmed. */
export function text(placeholder = '<text>'): Kind<string> {
  return {
    placeholder,
    parse(raw) {
      const value = asText(raw)?.trim();
      return value ? ok(value) : fail('expected a non-empty string');
    },
  };
}

/** A secret string: never printed, in a problem or anywhere else. */
export function secret(placeholder = '<secret>'): Kind<string> {
  return { ...text(placeholder), secret: true };
}

function items(raw: unknown): unknown[] | undefined {
  if (Array.isArray(raw)) return raw as unknown[];
  const value = asText(raw);
  return value === undefined ? undefined : value.split(',');
}

/** Comma-separated in a flag or variable, an array in a file; at least one item. */
export function list(placeholder = '<a,b,…>'): Kind<readonly string[]> {
  return {
    placeholder,
    format: (value) => value.join(','),
    parse(raw) {
      const found = items(raw)
        ?.map((item) => asText(item)?.trim() ?? '')
        .filter((item) => item.length > 0);
      return found && found.length > 0 ? ok(found) : fail('expected a comma-separated list');
    },
  };
}

export function hostPort(options: { minPort?: number } = {}): Kind<HostPort> {
  return {
    placeholder: '<host:port>',
    format: formatHostPort,
    parse(raw, show) {
      const value = asText(raw);
      return value === undefined
        ? fail(`expected host:port, got ${show(raw)}`)
        : parseHostPort(value, options.minPort);
    },
  };
}

/** One or more host:port, comma-separated (an array in a file); ports from 1, since each is dialled. */
export function hostPortList(): Kind<readonly HostPort[]> {
  return {
    placeholder: '<host:port,…>',
    format: (value) => value.map(formatHostPort).join(','),
    parse(raw, show) {
      const found = items(raw)?.filter((item) => asText(item)?.trim());
      if (!found || found.length === 0)
        return fail('expected one or more host:port, comma-separated');
      const targets: HostPort[] = [];
      for (const item of found) {
        const parsed: Parsed<HostPort> = hostPort({ minPort: 1 }).parse(item, show);
        if (!parsed.ok) return parsed;
        targets.push(parsed.value);
      }
      return ok(targets);
    },
  };
}

export function choice<const C extends string>(
  choices: readonly C[],
  placeholder?: string,
): Kind<C> {
  return {
    placeholder: placeholder ?? `<${choices.join('|')}>`,
    parse(raw, show) {
      const value = asText(raw)?.trim();
      return (choices as readonly string[]).includes(value ?? '')
        ? ok(value as C)
        : fail(`expected one of ${choices.join(', ')}, got ${show(raw)}`);
    },
  };
}

export const level: Kind<LogLevel> = choice(LOG_LEVELS, '<level>');
