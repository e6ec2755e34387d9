/**
 * Why a TLS listener turned a Beat away, named as the mistake an operator made: a Beat (or Elastic
 * Agent) without SSL on a TLS listener, one that does not trust the listener's certificate, or a
 * client certificate that is missing or not signed by the configured CA.
 */
import type { TLSSocket } from 'node:tls';
import type { ListenerTlsConfig } from '../config/types.ts';

export type TlsProblem =
  | 'not_tls'
  | 'certificate_rejected_by_beat'
  | 'no_client_certificate'
  | 'client_certificate_untrusted'
  | 'tls_handshake_failed';

export interface TlsRefusal {
  readonly problem: TlsProblem;
  readonly reason: string;
}

/** OpenSSL's complaints about a first record that is no TLS record at all. */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
]);

/** Alerts a TLS client sends when it does not accept the server's certificate. */
const CERTIFICATE_ALERT =
  /_ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR)$/;

/** A failed handshake ('tlsClientError'), as the mistake behind it. */
export function describeHandshakeError(error: Error, config: ListenerTlsConfig): TlsRefusal {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (NOT_TLS.has(code)) {
    return {
      problem: 'not_tls',
      reason:
        'the Beat did not start TLS (its first bytes are not a ClientHello) but this listener ' +
        `serves TLS (${config.certFile}): turn SSL on in the Beat's Logstash output ` +
        '(ssl.enabled: true), or remove --listen-tls-cert-file',
    };
  }
  const alert = CERTIFICATE_ALERT.exec(code);
  if (alert) {
    return {
      problem: 'certificate_rejected_by_beat',
      reason:
        `the Beat refused this listener's certificate ${config.certFile} (TLS alert ` +
        `${alert[1]!.toLowerCase().replaceAll('_', ' ')}): its ssl.certificate_authorities must ` +
        'hold the CA that signed it, and the certificate must name the address the Beat dials ' +
        '(IP SAN 127.0.0.1), or the Beat uses ssl.verification_mode: certificate',
    };
  }
  return {
    problem: 'tls_handshake_failed',
    reason: `TLS handshake failed: ${code || error.message}`,
  };
}

/**
 * The client certificate after a completed handshake: Node is told not to reject it itself
 * (rejectUnauthorized: false) so that the refusal can name the certificate and the CA file.
 */
export function judgeClientCertificate(
  socket: TLSSocket,
  config: ListenerTlsConfig,
): TlsRefusal | undefined {
  if (config.clientAuthentication === 'none' || socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  const presented = peer !== null && Object.keys(peer).length > 0;
  if (!presented) {
    if (config.clientAuthentication === 'optional') return undefined;
    return {
      problem: 'no_client_certificate',
      reason:
        'the Beat presented no client certificate and listenTlsClientAuthentication is ' +
        "required: set ssl.certificate and ssl.key in the Beat's output (Elastic Agent sends " +
        `none whose issuer is not a CA in ${config.caFile})`,
    };
  }
  const subject = peer.subject ? formatName(peer.subject) : 'without subject';
  const issuer = peer.issuer ? formatName(peer.issuer) : 'unknown';
  return {
    problem: 'client_certificate_untrusted',
    reason:
      `client certificate "${subject}" (issuer "${issuer}") is not accepted: ` +
      `${socket.authorizationError?.toString() ?? 'not verified'}; it must be signed by a CA ` +
      `in ${config.caFile} and be within its validity dates`,
  };
}

function formatName(name: Record<string, string | string[] | undefined>): string {
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}
