/**
 * `listener tls` in `beats-gate-client test`: the files a TLS listener would serve load and fit
 * together, and the certificate names the address Beats dial (an agent pointed at 127.0.0.1
 * with full verification refuses a certificate without IP SAN 127.0.0.1).
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { failed, passed, type CheckStep } from '@beats-gate/kit';
import type { ListenerConfig, ListenerTlsConfig } from '../config/types.ts';
import { loadListenerCredentials } from './credentials.ts';
import { LISTEN_TLS_FIXES, ListenerTlsError } from './tls-error.ts';

function clientAuthentication(tls: ListenerTlsConfig): string {
  if (tls.clientAuthentication === 'none') return 'no client certificate asked for';
  return `client certificates ${tls.clientAuthentication}, signed by a CA in ${tls.caFile}`;
}

function names(cert: X509Certificate, host: string): boolean {
  return (isIP(host) ? cert.checkIP(host) : cert.checkHost(host)) !== undefined;
}

export function listenerTlsStep(
  name: string,
  listener: ListenerConfig,
  tls: ListenerTlsConfig,
  now: () => number,
): CheckStep {
  return {
    name,
    async run() {
      try {
        const credentials = await loadListenerCredentials(tls, now());
        const { subject, subjectAltName, validTo } = credentials.certificate;
        const named = names(new X509Certificate(credentials.cert), listener.host)
          ? `names ${listener.host}`
          : `does not name ${listener.host}: Beats that dial it need ssl.verification_mode: certificate`;
        return passed(
          `serves "${subject}" (${subjectAltName ?? 'no subjectAltName'}) until ${validTo}, ` +
            `${named}; ${clientAuthentication(tls)}`,
        );
      } catch (error) {
        if (!(error instanceof ListenerTlsError)) throw error;
        return failed(error.message, LISTEN_TLS_FIXES[error.code]);
      }
    },
  };
}
