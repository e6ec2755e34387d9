/**
 * A URL with an allowed scheme. `loopbackProtocols` are allowed towards a loopback host only:
 * `ws:` and `http:` for local runs and tests, never across a network. Credentials in the URL are
 * refused unless `credentials` allows them (a proxy URL may carry them): a URL ends up in logs.
 */
import { isLoopbackHost, unbracket } from './host-port.ts';
import { asText, fail, ok, type Kind } from './kind.ts';

export interface UrlOptions {
  readonly protocols: readonly string[];
  readonly loopbackProtocols?: readonly string[];
  readonly credentials?: boolean;
  readonly placeholder?: string;
}

export function url(options: UrlOptions): Kind<URL> {
  const { protocols, loopbackProtocols = [] } = options;
  const allowed = [
    ...protocols.map((p) => `${p}//`),
    ...loopbackProtocols.map((p) => `${p}// (loopback only)`),
  ].join(' or ');
  return {
    placeholder: options.placeholder ?? '<url>',
    format: (value) => value.href,
    parse(raw, show) {
      let value: URL;
      try {
        value = new URL(asText(raw)?.trim() ?? '');
      } catch {
        return fail(`expected a URL, got ${show(raw)}`);
      }
      const local = isLoopbackHost(unbracket(value.hostname));
      const scheme = value.protocol;
      if (!protocols.includes(scheme) && !(loopbackProtocols.includes(scheme) && local)) {
        return fail(`must be ${allowed}`);
      }
      if ((value.username || value.password) && !options.credentials) {
        return fail('must not carry credentials (user:password@)');
      }
      return ok(value);
    },
  };
}
