/**
 * Turns one raw option value (a string from a flag or the environment, or a JSON value from the
 * config file) into its typed form, or into a problem text. Problem texts never repeat a secret.
 */
import { readFileSync } from 'node:fs';
import type { HostPort } from './types.ts';
import type { OptionSpec } from './options.ts';
import { parseUpstreamGroups } from './upstream-groups.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (problem: string): Parsed<never> => ({ ok: false, problem });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function show(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function parseHostPort(text: string, minPort = 0): Parsed<HostPort> {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < minPort || port > 65535) {
    return fail(`expected host:port (port ${minPort}-65535, IPv6 in brackets), got ${show(text)}`);
  }
  return ok({ host: match[1] ?? match[2]!, port });
}

function asList(raw: unknown): string[] | undefined {
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw;
  if (typeof raw !== 'string') return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

export function parseValue(spec: OptionSpec, raw: unknown): Parsed<unknown> {
  const text = asText(raw);
  switch (spec.kind) {
    case 'hostport':
      return text === undefined
        ? fail(`expected "host:port", got ${show(raw)}`)
        : parseHostPort(text);
    case 'hostports': {
      const items = asList(raw);
      if (!items || items.length === 0)
        return fail('expected one or more host:port, comma-separated');
      const targets: HostPort[] = [];
      for (const item of items) {
        const parsed = parseHostPort(item, 1);
        if (!parsed.ok) return parsed;
        targets.push(parsed.value);
      }
      return ok(targets);
    }
    case 'int': {
      const min = spec.min ?? 0;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      const value =
        typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(text ?? '') ? Number(text) : NaN;
      if (!Number.isInteger(value) || value < min || value > max) {
        return fail(`expected an integer from ${min} to ${max}, got ${show(raw)}`);
      }
      return ok(value);
    }
    case 'strategy':
      return text === 'least-connections' || text === 'round-robin'
        ? ok(text)
        : fail(`expected least-connections or round-robin, got ${show(raw)}`);
    case 'bool': {
      const value = typeof raw === 'boolean' ? String(raw) : text?.toLowerCase();
      if (value && ['true', '1', 'yes', 'on'].includes(value)) return ok(true);
      if (value && ['false', '0', 'no', 'off'].includes(value)) return ok(false);
      return fail(`expected true or false, got ${show(raw)}`);
    }
    case 'string':
      return text && text.trim() ? ok(text.trim()) : fail('expected a non-empty string');
    case 'list': {
      const items = asList(raw);
      return items && items.length > 0 ? ok(items) : fail('expected a comma-separated list');
    }
    case 'secret':
      // The value itself is never echoed.
      return typeof raw === 'string' && raw.trim() ? ok(raw) : fail('expected a non-empty string');
    case 'url': {
      let url: URL;
      try {
        url = new URL(text ?? '');
      } catch {
        return fail(`expected a URL, got ${show(raw)}`);
      }
      const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
        return fail('expected an https:// URL (http:// only for localhost)');
      }
      return ok(url.href);
    }
    case 'choice':
      return text && spec.choices?.includes(text)
        ? ok(text)
        : fail(`expected one of ${spec.choices?.join(', ')}, got ${show(raw)}`);
    case 'groups':
      return parseUpstreamGroups(raw);
    case 'level':
      return text && LOG_LEVELS.includes(text)
        ? ok(text)
        : fail(`expected one of ${LOG_LEVELS.join(', ')}, got ${show(raw)}`);
    case 'file': {
      if (!text || !text.trim()) return fail('expected a file path');
      try {
        return ok({ path: text, content: readFileSync(text) });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        return fail(`cannot read file ${show(text)} (${code})`);
      }
    }
  }
}
