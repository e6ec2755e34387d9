/**
 * The rules across a listener's --listen-tls-* options: a certificate never without its key, a CA
 * exactly when client certificates are asked for. The files' contents are checked when the
 * listener starts and on every reload (credentials.ts), since they may change after loading.
 */
import type { Scope } from '../config/token-source.ts';
import type { ClientOptionKey } from '../config/options.ts';
import type { ListenerTlsConfig } from '../config/types.ts';

type TlsKey = Extract<ClientOptionKey, `listenTls${string}`>;

function given(scope: Scope, key: TlsKey): boolean {
  return scope.entry?.given(key) === true || scope.options.given(key);
}

function where(scope: Scope, key: TlsKey): string {
  return scope.entry?.given(key) ? scope.entry.where(key) : scope.options.where(key);
}

function value<K extends TlsKey>(scope: Scope, key: K) {
  return scope.entry?.value(key) ?? scope.options.value(key);
}

export function buildListenerTls(scope: Scope, problems: string[]): ListenerTlsConfig | undefined {
  const certFile = value(scope, 'listenTlsCertFile');
  const keyFile = value(scope, 'listenTlsKeyFile');
  const caFile = value(scope, 'listenTlsCaFile');
  const asked = value(scope, 'listenTlsClientAuthentication');
  if (given(scope, 'listenTlsCertFile') !== given(scope, 'listenTlsKeyFile')) {
    const [has, lacks] = given(scope, 'listenTlsCertFile')
      ? (['listenTlsCertFile', 'listenTlsKeyFile'] as const)
      : (['listenTlsKeyFile', 'listenTlsCertFile'] as const);
    problems.push(`${where(scope, has)}: needs ${lacks} too (give both or neither)`);
    return undefined;
  }
  if (!given(scope, 'listenTlsCertFile')) {
    for (const key of ['listenTlsCaFile', 'listenTlsClientAuthentication'] as const) {
      if (given(scope, key)) {
        problems.push(`${where(scope, key)}: needs listenTlsCertFile and listenTlsKeyFile`);
      }
    }
    return undefined;
  }
  const clientAuthentication = asked ?? (caFile === undefined ? 'none' : 'required');
  if (clientAuthentication === 'none' && caFile !== undefined) {
    problems.push(
      `${where(scope, 'listenTlsCaFile')}: client certificates are not asked for ` +
        `(listenTlsClientAuthentication none); set it to optional or required, or remove the CA`,
    );
  }
  if (clientAuthentication !== 'none' && caFile === undefined) {
    problems.push(
      `${where(scope, 'listenTlsClientAuthentication')}: ${clientAuthentication} needs ` +
        'listenTlsCaFile, the CA that signs the client certificates',
    );
  }
  if (certFile === undefined || keyFile === undefined) return undefined;
  return { certFile, keyFile, clientAuthentication, ...(caFile === undefined ? {} : { caFile }) };
}
