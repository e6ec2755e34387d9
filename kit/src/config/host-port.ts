/**
 * The one host:port grammar of every service and tool: `host:port` or `[IPv6]:port`. A host is a
 * DNS name or an IPv4 address (letters, digits, `.`, `-`, `_`); an IPv6 address goes in brackets,
 * so `::1:5044` is refused rather than guessed at.
 */
import { isIP, isIPv6 } from 'node:net';
import { fail, ok, showValue, type Parsed } from './kind.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const BRACKETED = /^\[([^\]]+)\]:(\d{1,5})$/;
const NAMED = /^([A-Za-z0-9._-]+):(\d{1,5})$/;

/** `minPort` is 1 for addresses that are dialled (port 0 only makes sense for a listener). */
export function parseHostPort(text: string, minPort = 0): Parsed<HostPort> {
  const trimmed = text.trim();
  const bracketed = BRACKETED.exec(trimmed);
  const match = bracketed ?? NAMED.exec(trimmed);
  if (!match) {
    return trimmed.split(':').length > 2 && !trimmed.startsWith('[')
      ? fail(`an IPv6 address goes in brackets, as in [::1]:5044; got ${showValue(text)}`)
      : fail(`expected host:port (IPv6 in brackets), got ${showValue(text)}`);
  }
  const host = match[1] ?? '';
  if (bracketed && !isIPv6(host)) return fail(`${showValue(host)} is not an IPv6 address`);
  const port = Number(match[2]);
  if (port < minPort || port > 65535) return fail(`port ${port} is outside ${minPort}-65535`);
  return ok({ host, port });
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Loopback means only this machine can connect: 127.0.0.0/8, ::1 and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** URL hostnames keep IPv6 brackets; this strips them so the host can be dialled or compared. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}
