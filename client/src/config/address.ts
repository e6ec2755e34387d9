import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or a bare `port` (meaning 127.0.0.1). Returns a message naming
 * the problem instead of throwing, so the loader can collect every problem at once.
 */
export function parseHostPort(text: string): HostPort | string {
  const trimmed = text.trim();
  let host = '127.0.0.1';
  let portText = trimmed;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
  } else if (trimmed.includes(':')) {
    const colon = trimmed.lastIndexOf(':');
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) return 'an IPv6 address must be written in brackets: [::1]:5044';
  }
  if (!/^\d{1,5}$/.test(portText)) return `expected host:port, got "${text}"`;
  const port = Number(portText);
  if (port > 65535) return `port ${port} is out of range 0-65535`;
  if (host.length === 0) return `expected host:port, got "${text}"`;
  return { host, port };
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
