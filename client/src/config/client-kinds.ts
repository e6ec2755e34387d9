/**
 * The client's own option kinds, built on the kit's: the edge URL, a listener name, a static token,
 * a token command, the proxy and the upgrade request headers.
 */
import { fail, isLoopbackHost, ok, secret, text, unbracket, url, type Kind } from '@beats-gate/kit';
import { TUNNEL_PATH } from '@beats-gate/protocol';

/** `host:port` or a bare host written without a scheme: the most common --url mistake. */
const SCHEMELESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d+)?(\/\S*)?$/;

function hostOf(rest: string): string {
  try {
    return unbracket(new URL(`http://${rest}`).hostname);
  } catch {
    return '';
  }
}

/** What to write instead of a URL that cannot be an edge tunnel URL, or undefined. */
function urlHint(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (SCHEMELESS.test(text) && !text.includes('://')) {
    const path = text.includes('/') ? '' : TUNNEL_PATH;
    return `add a scheme: wss://${text}${path}`;
  }
  const web = /^https?:\/\//i.exec(text);
  if (web) {
    const rest = text.slice(web[0].length);
    // ws:// only where the configuration accepts it: towards a loopback host.
    const plain = web[0].toLowerCase() === 'http://' && isLoopbackHost(hostOf(rest));
    return `the tunnel is a WebSocket: ${plain ? 'ws' : 'wss'}://${rest}`;
  }
  return undefined;
}

const edgeUrlBase = url({ protocols: ['wss:'], loopbackProtocols: ['ws:'] });

/** wss:, or ws: to a loopback host for local runs; a bare host gets the tunnel path. */
export const edgeUrl: Kind<URL> = {
  ...url({ protocols: ['wss:'], loopbackProtocols: ['ws:'], placeholder: '<wss-url>' }),
  parse(raw, show) {
    const parsed = edgeUrlBase.parse(raw, show);
    if (!parsed.ok) {
      const hint = urlHint(raw);
      return hint ? fail(`${parsed.problem}; ${hint}`) : parsed;
    }
    const value = parsed.value;
    value.hash = '';
    if (value.pathname === '/' || value.pathname === '') value.pathname = TUNNEL_PATH;
    // The edge serves tunnels at this one path and answers 404 everywhere else: fail at start.
    if (value.pathname !== TUNNEL_PATH) {
      return fail(
        `the path must be ${TUNNEL_PATH}, where the edge serves tunnels: ` +
          `${value.protocol}//${value.host}${TUNNEL_PATH}`,
      );
    }
    return ok(value);
  },
};

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export const listenerName: Kind<string> = {
  placeholder: '<name>',
  parse(raw, show) {
    const parsed = text().parse(raw, show);
    if (parsed.ok && !NAME.test(parsed.value)) {
      return fail('use 1-64 characters of A-Z a-z 0-9 . _ -');
    }
    return parsed;
  },
};

export const staticToken: Kind<string> = {
  ...secret('<jwt>'),
  parse(raw, show) {
    const parsed = secret().parse(raw, show);
    return parsed.ok && /\s/.test(parsed.value) ? fail('a token has no spaces') : parsed;
  },
};

/** A string runs with the shell; an array (in the file) runs without one. */
export const tokenCommand: Kind<string | readonly string[]> = {
  placeholder: '<cmd>',
  format: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
  parse(raw, show) {
    if (!Array.isArray(raw)) return text().parse(raw, show);
    if (raw.length === 0 || !raw.every((arg) => typeof arg === 'string' && arg.length > 0)) {
      return fail('expected a command string or a non-empty list of strings');
    }
    return ok(raw as string[]);
  },
};

const proxyUrl = url({ protocols: ['http:', 'https:'], credentials: true });

/** An HTTP CONNECT proxy URL, which may carry credentials, or `direct` for none. */
export const proxy: Kind<string> = {
  placeholder: '<url>',
  secret: true,
  parse(raw, show) {
    const value = typeof raw === 'string' ? raw.trim() : raw;
    if (value === 'direct') return ok(value);
    const parsed = proxyUrl.parse(value, show);
    return parsed.ok
      ? ok(String(value))
      : fail('expected http(s)://[user:password@]host:port or "direct"');
  },
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the client sets itself or that belong to the connection, not to the caller. */
const RESERVED_HEADER =
  /^(authorization|proxy-authorization|host|connection|upgrade|content-length|transfer-encoding|te|keep-alive|sec-websocket-.*)$/i;

function headerEntries(raw: unknown): [string, unknown][] | string {
  if (Array.isArray(raw)) {
    const entries: [string, unknown][] = [];
    for (const line of raw as unknown[]) {
      const colon = String(line).indexOf(':');
      if (colon <= 0) return 'expected "Name: value"';
      entries.push([
        String(line).slice(0, colon).trim(),
        String(line)
          .slice(colon + 1)
          .trim(),
      ]);
    }
    return entries;
  }
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return Object.entries(parsed);
      }
    } catch {
      // Reported below, without the text: a header may carry a credential.
    }
    return 'expected a JSON object such as {"X-Device-Group":"plant-7"}';
  }
  if (typeof raw === 'object' && raw !== null) return Object.entries(raw);
  return 'expected an object of header names to values';
}

/**
 * Extra upgrade request headers: `Name: value` flags (repeatable), a JSON object in the variable,
 * an object in the file. Values are never quoted in a problem: a header may carry a credential.
 */
export const headers: Kind<Readonly<Record<string, string>>> = {
  placeholder: '<name: value>',
  repeatable: true,
  secret: true,
  parse(raw) {
    const entries = headerEntries(raw);
    if (typeof entries === 'string') return fail(entries);
    const found: Record<string, string> = {};
    const problems: string[] = [];
    for (const [name, value] of entries) {
      if (!HEADER_NAME.test(name)) {
        problems.push(`"${name.slice(0, 64)}" is not a valid header name`);
      } else if (RESERVED_HEADER.test(name)) {
        problems.push(`header "${name}" is set by the client itself and cannot be overridden`);
      } else if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        problems.push(`header "${name}" needs a single-line string value`);
      } else {
        found[name] = value;
      }
    }
    return problems.length > 0 ? fail(problems.join('; ')) : ok(found);
  },
};
