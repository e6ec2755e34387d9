/**
 * Reads and checks the files a TLS listener serves: the certificate, its key and the client CA.
 * Node would accept a mismatched or expired pair and only the Beat would notice, as an opaque
 * handshake failure on the device; here each problem is named with its file instead, at start
 * (start_failed) and on reload (tls_reload_failed, the served certificate kept).
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ListenerTlsConfig } from '../config/types.ts';
import { ListenerTlsError } from './tls-error.ts';

/** What the listener serves, for logs and /status: never the key. */
export interface ServedCertificate {
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601. */
  readonly validTo: string;
  readonly subjectAltName: string | null;
  readonly fingerprint256: string;
}

export interface ListenerCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly certificate: ServedCertificate;
  /** Of the files' bytes: a reload that finds the same bytes changes nothing. */
  readonly digest: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

async function read(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_UNREADABLE',
      file,
      `cannot read ${file} (${code}): check the path and that the service user may read it`,
      { cause: error },
    );
  }
}

/** The PEM blocks of a file by label, or a problem naming what the file holds instead. */
function pemBlocks(file: string, bytes: Buffer): { label: string; text: string }[] {
  const blocks = [...bytes.toString('latin1').matchAll(PEM_BLOCK)].map((m) => ({
    label: m[1]!,
    text: m[0],
  }));
  if (blocks.length === 0) {
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_NOT_PEM',
      file,
      `${file} is not PEM (no "-----BEGIN …-----" block); a DER file converts with ` +
        `openssl x509 -inform der (certificates) or openssl pkey -inform der (keys)`,
    );
  }
  return blocks;
}

function certificates(file: string, bytes: Buffer, what: string): X509Certificate[] {
  const blocks = pemBlocks(file, bytes);
  const certs = blocks.filter((block) => block.label === 'CERTIFICATE');
  if (certs.length === 0) {
    const found = [...new Set(blocks.map((block) => block.label))].join(', ');
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_NOT_PEM',
      file,
      `${file} holds no certificate (found ${found}); it should hold ${what}`,
    );
  }
  return certs.map((block) => {
    try {
      return new X509Certificate(block.text);
    } catch (error) {
      throw new ListenerTlsError(
        'ERR_LISTEN_TLS_NOT_PEM',
        file,
        `${file}: a certificate block cannot be parsed (${(error as Error).message})`,
        { cause: error },
      );
    }
  });
}

function privateKey(file: string, bytes: Buffer): KeyObject {
  const blocks = pemBlocks(file, bytes);
  if (blocks.some((block) => block.label === 'ENCRYPTED PRIVATE KEY')) {
    throw encrypted(file);
  }
  if (!blocks.some((block) => block.label.endsWith('PRIVATE KEY'))) {
    const found = [...new Set(blocks.map((block) => block.label))].join(', ');
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_NOT_PEM',
      file,
      `${file} holds no private key (found ${found}); were the certificate and key files swapped?`,
    );
  }
  try {
    return createPrivateKey(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') throw encrypted(file);
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_NOT_PEM',
      file,
      `${file}: the private key cannot be parsed (${(error as Error).message})`,
      { cause: error },
    );
  }
}

function encrypted(file: string): ListenerTlsError {
  return new ListenerTlsError(
    'ERR_LISTEN_TLS_KEY_ENCRYPTED',
    file,
    `${file} is encrypted and the service has no passphrase to open it: ` +
      `write it unencrypted (openssl pkey -in ${file} -out key.pem) and restrict the file's permissions`,
  );
}

function checkValidity(file: string, cert: X509Certificate, now: number): void {
  if (now > cert.validToDate.getTime()) {
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_EXPIRED',
      file,
      `${file}: certificate "${cert.subject}" expired on ${cert.validToDate.toISOString()}; ` +
        'issue a new one (docs/elastic-agent.md shows the openssl commands)',
    );
  }
  if (now < cert.validFromDate.getTime()) {
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_EXPIRED',
      file,
      `${file}: certificate "${cert.subject}" is not valid before ` +
        `${cert.validFromDate.toISOString()}; check the device clock`,
    );
  }
}

export async function loadListenerCredentials(
  config: ListenerTlsConfig,
  now: number,
): Promise<ListenerCredentials> {
  const [cert, key, ca] = await Promise.all([
    read(config.certFile),
    read(config.keyFile),
    config.caFile === undefined ? undefined : read(config.caFile),
  ]);
  const [leaf] = certificates(config.certFile, cert, 'the listener certificate (PEM)');
  if (!leaf!.checkPrivateKey(privateKey(config.keyFile, key))) {
    throw new ListenerTlsError(
      'ERR_LISTEN_TLS_KEY_MISMATCH',
      config.keyFile,
      `${config.keyFile} is not the key of ${config.certFile} ("${leaf!.subject}"): ` +
        'give the key the certificate was issued for',
    );
  }
  checkValidity(config.certFile, leaf!, now);
  if (ca !== undefined) {
    const authorities = certificates(config.caFile!, ca, 'the CA that signs client certificates');
    const valid = authorities.filter((authority) => now <= authority.validToDate.getTime());
    if (valid.length === 0) checkValidity(config.caFile!, authorities[0]!, now);
  }
  const digest = createHash('sha256');
  for (const bytes of [cert, key, ca ?? Buffer.alloc(0)]) digest.update(bytes);
  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    certificate: {
      subject: leaf!.subject,
      issuer: leaf!.issuer,
      validTo: leaf!.validToDate.toISOString(),
      subjectAltName: leaf!.subjectAltName ?? null,
      fingerprint256: leaf!.fingerprint256,
    },
    digest: digest.digest('hex'),
  };
}
