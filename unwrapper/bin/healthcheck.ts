#!/usr/bin/env node
// Container health check: GET /healthz on the unwrapper's admin listener. The address comes from
// the unwrapper's own loader, so a flag, a BEATS_GATE_UNWRAPPER_* variable and the config file
// count exactly as they do for the service (a wildcard address is reached over loopback). Exit 0
// when healthy, 1 otherwise, with the reason on stderr (Docker and podman keep it in the health
// log); the slim image has no curl, and node is there anyway.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, formatHostPort } from '@beats-gate/kit';
import { loadConfig } from '../src/config/load-config.ts';

const UNHEALTHY = 1;
const WILDCARD: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

/**
 * The unwrapper's own flags, when this runs beside it in a container: `docker run <image>
 * --admin-listen …` passes them to the entrypoint, PID 1 (or to the command after an init such as
 * tini or catatonit, which PID 1's command line holds too). None when PID 1 is something else.
 */
function serviceFlags(): string[] {
  let words: string[];
  try {
    words = readFileSync('/proc/1/cmdline', 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
  const script = words.findIndex((word) =>
    /^beats-gate-unwrapper(\.[cm]?[jt]s)?$/.test(basename(word)),
  );
  return script === -1 ? [] : words.slice(script + 1);
}

function unhealthy(reason: string): never {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(UNHEALTHY);
}

/** The admin address as the unwrapper reads it; flags given to the health check come first. */
function adminAddress(given: string[]) {
  try {
    const loaded = loadConfig(given.length > 0 ? given : serviceFlags(), process.env);
    if (loaded.kind === 'print') unhealthy('the unwrapper was started to print, not to serve');
    return loaded.config.adminListen;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    unhealthy(`the unwrapper's configuration does not load: ${error.message}`);
  }
}

const adminListen = adminAddress(process.argv.slice(2));
const host = WILDCARD[adminListen.host] ?? adminListen.host;
const url = `http://${formatHostPort({ host, port: adminListen.port })}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) unhealthy(`GET ${url} answered ${response.status}`);
} catch (error) {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  unhealthy(`GET ${url} failed: ${cause ?? (error as Error).message}`);
}
