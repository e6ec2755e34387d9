#!/usr/bin/env node
// Container health check: GET /healthz on the admin listener the unwrapper reads from the same
// variable (a wildcard address is reached over loopback). Exit 0 when healthy, 1 otherwise; the
// slim image has no curl, and node is there anyway.
import { envName, formatHostPort, parseHostPort } from '@beats-gate/kit';
import { UNWRAPPER_COMMAND } from '../src/config/options.ts';

const { adminListen } = UNWRAPPER_COMMAND.options;
const given = process.env[envName(UNWRAPPER_COMMAND.envPrefix, 'adminListen')];
const parsed = given ? parseHostPort(given) : { ok: true as const, value: adminListen.default };
if (!parsed.ok) process.exit(1);
const wildcard: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };
const host = wildcard[parsed.value.host] ?? parsed.value.host;

try {
  const url = `http://${formatHostPort({ host, port: parsed.value.port })}/healthz`;
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
