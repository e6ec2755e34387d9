// Throwaway certificates for the TLS listener's tests, made with openssl in a temp directory: a CA,
// certificates it signs (for the listener, for a Beat), and ones it does not. What a Fleet
// administrator makes with docs/elastic-agent.md, made the same way.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Issued {
  readonly cert: string;
  readonly key: string;
}

export interface CertificateKit {
  readonly dir: string;
  /** A new CA (`ca.crt`, `ca.key`) named `name`. */
  authority(name: string): Promise<Issued>;
  /**
   * A certificate for `cn` signed by `ca`, with IP SAN 127.0.0.1 for a listener; `days` below 0
   * makes one that has already expired.
   */
  issue(ca: Issued, name: string, options?: { days?: number; san?: string }): Promise<Issued>;
  remove(): Promise<void>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function createCertificateKit(): Promise<CertificateKit> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-tls-'));
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  return {
    dir,
    async authority(name) {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      await openssl(
        'req',
        '-x509',
        ...EC,
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '30',
        '-subj',
        `/CN=${name}`,
      );
      return { cert, key };
    },
    async issue(ca, name, options = {}) {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const san = options.san ?? 'IP:127.0.0.1,DNS:localhost';
      await openssl(
        'req',
        ...EC,
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=${san}`,
      );
      await openssl(
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        '-copy_extensions',
        'copy',
        '-days',
        String(options.days ?? 30),
        '-out',
        cert,
      );
      return { cert, key };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
