import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * Which proxy, if any, to use for a URL: an explicit `--proxy` wins, `direct` means none, otherwise
 * HTTPS_PROXY/https_proxy (HTTP_PROXY for ws://) and NO_PROXY decide, as curl and most tools do.
 * proxy-from-env only knows http(s) schemes, so ws(s) URLs are asked about as http(s).
 */
export function proxyFor(url: URL, explicit: string | undefined): string | undefined {
  if (explicit === 'direct') return undefined;
  if (explicit !== undefined) return explicit;
  const asHttp = new URL(url.href);
  if (asHttp.protocol === 'wss:') asHttp.protocol = 'https:';
  if (asHttp.protocol === 'ws:') asHttp.protocol = 'http:';
  const found = getProxyForUrl(asHttp.href);
  return found === '' ? undefined : found;
}

/**
 * An agent that tunnels through the proxy with HTTP CONNECT (credentials from the proxy URL become
 * `Proxy-Authorization: Basic`), or undefined to connect directly. TLS to the target is still
 * verified end to end: the proxy only sees an opaque tunnel.
 */
export function createProxyAgent(
  url: URL,
  explicit: string | undefined,
  ca: string | undefined,
): Agent | undefined {
  const proxy = proxyFor(url, explicit);
  if (proxy === undefined) return undefined;
  return new HttpsProxyAgent(proxy, ca === undefined ? {} : { ca });
}

/** The proxy URL without its credentials, for logs and /status. */
export function describeProxy(url: URL, explicit: string | undefined): string | undefined {
  const proxy = proxyFor(url, explicit);
  if (proxy === undefined) return undefined;
  try {
    const parsed = new URL(proxy);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'invalid';
  }
}

/** The proxy's `host:port` (default port written out), for errors that name it. */
export function proxyAddress(url: URL, explicit: string | undefined): string | undefined {
  const proxy = proxyFor(url, explicit);
  if (proxy === undefined) return undefined;
  try {
    const parsed = new URL(proxy);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return 'invalid';
  }
}
