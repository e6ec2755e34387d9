#!/usr/bin/env node
// Container health check: GET /healthz on the admin listener named by UNWRAPPER_ADMIN_LISTEN
// (a wildcard address is reached over loopback). Exit 0 when healthy, 1 otherwise; the slim
// image has no curl, and node is there anyway.
const listen = process.env.UNWRAPPER_ADMIN_LISTEN ?? '127.0.0.1:9090';
const match = /^(?:\[(.+)\]|(.+)):(\d+)$/.exec(listen);
let host = match?.[1] ?? match?.[2] ?? '127.0.0.1';
if (host === '0.0.0.0') host = '127.0.0.1';
if (host === '::') host = '::1';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${match?.[3] ?? '9090'}/healthz`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
