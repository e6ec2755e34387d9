/**
 * Converters from raw values (flag strings, environment strings, JSON values) to typed settings.
 * Each returns the value or pushes a problem that names where the value came from; none of them
 * echoes a value, because the value might be a secret.
 */
import { isLoopbackHost, unbracket } from './address.ts';

export type Problems = string[];

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function toBoolean(raw: unknown, where: string, problems: Problems): boolean | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && TRUE.has(raw.toLowerCase())) return true;
  if (typeof raw === 'string' && FALSE.has(raw.toLowerCase())) return false;
  problems.push(`${where}: expected true or false`);
  return undefined;
}

export function toInteger(
  raw: unknown,
  where: string,
  range: { min: number; max: number },
  problems: Problems,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.push(`${where}: expected a whole number from ${range.min} to ${range.max}`);
    return undefined;
  }
  if (value < range.min || value > range.max) {
    problems.push(`${where}: ${value} is outside ${range.min}-${range.max}`);
    return undefined;
  }
  return value;
}

export function toText(raw: unknown, where: string, problems: Problems): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && raw.trim().length > 0) return raw.trim();
  problems.push(`${where}: expected a non-empty string`);
  return undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the client sets itself or that belong to the connection, not to the caller. */
const RESERVED_HEADER =
  /^(authorization|proxy-authorization|host|connection|upgrade|content-length|transfer-encoding|te|keep-alive|sec-websocket-.*)$/i;

/**
 * Headers arrive as `Name: value` strings (flags), a JSON object text (environment) or an object
 * (file). Values are not echoed in problems: a header may carry a credential.
 */
export function toHeaders(
  raw: unknown,
  where: string,
  problems: Problems,
): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  let entries: [string, unknown][];
  if (Array.isArray(raw)) {
    entries = [];
    for (const line of raw as unknown[]) {
      const text = String(line);
      const colon = text.indexOf(':');
      if (colon <= 0) {
        problems.push(`${where}: expected "Name: value"`);
        continue;
      }
      entries.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()]);
    }
  } else if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      entries = Object.entries(parsed);
    } catch {
      problems.push(`${where}: expected a JSON object such as {"X-Device-Group":"plant-7"}`);
      return undefined;
    }
  } else if (typeof raw === 'object' && raw !== null) {
    entries = Object.entries(raw);
  } else {
    problems.push(`${where}: expected an object of header names to values`);
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) {
      problems.push(`${where}: "${name.slice(0, 64)}" is not a valid header name`);
    } else if (RESERVED_HEADER.test(name)) {
      problems.push(
        `${where}: header "${name}" is set by the client itself and cannot be overridden`,
      );
    } else if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      problems.push(`${where}: header "${name}" needs a single-line string value`);
    } else {
      headers[name] = value;
    }
  }
  return headers;
}

/**
 * A URL that must use the secure scheme, or the plain one towards a loopback host only (local
 * runs and tests): `secure` is for example 'wss:' with `plain` 'ws:'.
 */
export function toSecureUrl(
  raw: unknown,
  where: string,
  problems: Problems,
  schemes: { secure: string; plain: string },
): URL | undefined {
  const text = toText(raw, where, problems);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${where}: not a valid URL`);
    return undefined;
  }
  const local = isLoopbackHost(unbracket(url.hostname));
  if (url.protocol !== schemes.secure && !(url.protocol === schemes.plain && local)) {
    problems.push(
      `${where}: must be ${schemes.secure}// (${schemes.plain}// only to a loopback host)`,
    );
    return undefined;
  }
  return url;
}
