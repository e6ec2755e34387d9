/**
 * What can be wrong with the files a TLS listener serves. Every message names the file and the
 * problem, so `start_failed` and `tls_reload_failed` say what to fix without reading the code.
 */
import { CodedError } from '@beats-gate/protocol';

export type ListenerTlsErrorCode =
  /** The file cannot be read (missing, no permission). */
  | 'ERR_LISTEN_TLS_UNREADABLE'
  /** Not PEM, or PEM that does not hold what the option needs (a key in the cert file). */
  | 'ERR_LISTEN_TLS_NOT_PEM'
  /** The key is encrypted: the service has nobody to type a passphrase. */
  | 'ERR_LISTEN_TLS_KEY_ENCRYPTED'
  /** The key file holds another certificate's key. */
  | 'ERR_LISTEN_TLS_KEY_MISMATCH'
  /** The certificate (or the client CA) expired or is not valid yet. */
  | 'ERR_LISTEN_TLS_EXPIRED';

export class ListenerTlsError extends CodedError<ListenerTlsErrorCode> {
  override name = 'ListenerTlsError';
  /** The file the problem is about. */
  readonly file: string;
  constructor(code: ListenerTlsErrorCode, file: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.file = file;
  }
}

/** What to do about each problem: `beats-gate-client test` prints it after the message. */
export const LISTEN_TLS_FIXES: Record<ListenerTlsErrorCode, string> = {
  ERR_LISTEN_TLS_UNREADABLE:
    'check --listen-tls-cert-file, --listen-tls-key-file and --listen-tls-ca-file, and that the service user may read them',
  ERR_LISTEN_TLS_NOT_PEM:
    'give PEM files: the certificate (-----BEGIN CERTIFICATE-----) and its key (-----BEGIN PRIVATE KEY-----)',
  ERR_LISTEN_TLS_KEY_ENCRYPTED:
    'write the key unencrypted (openssl pkey) and restrict its permissions',
  ERR_LISTEN_TLS_KEY_MISMATCH: 'give the key the certificate was issued for, or issue a new pair',
  ERR_LISTEN_TLS_EXPIRED:
    'issue a new certificate (docs/elastic-agent.md), or set the device clock',
};
