// The TLS listener's files and options: every problem names the file (or option) and what is
// wrong, at load, at start and on reload; and a Beat that refuses the listener's certificate is
// named as such. Certificates are made with openssl per run (tls-certificates.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { ConfigError, createLogCapture } from '@beats-gate/kit';
import { testClient } from '../src/check/test-client.ts';
import { createClient, loadConfig } from '../src/index.ts';
import { loadListenerCredentials } from '../src/tls/credentials.ts';
import { ListenerTlsError } from '../src/tls/tls-error.ts';
import type { ListenerTlsConfig } from '../src/config/types.ts';
import { clientConfig, jwt, listenerConfig, startEdge, within, type Edge } from './helpers.ts';
import { createCertificateKit, type CertificateKit, type Issued } from './tls-certificates.ts';

const run = promisify(execFile);

/** A client in-process with one TLS listener on a free port serving `served`, its log kept. */
async function startTlsClient(edgeUrl: string, served: Issued) {
  const capture = createLogCapture();
  const tls = { certFile: served.cert, keyFile: served.key, clientAuthentication: 'none' } as const;
  const client = createClient(
    clientConfig([listenerConfig(edgeUrl, { type: 'static', token: jwt('d') }, { port: 0, tls })]),
    { logger: capture.logger },
  );
  const { listeners } = await client.listen();
  return { client, capture, port: listeners[0]!.port };
}

describe('TLS listener files', () => {
  let kit: CertificateKit;
  let ca: Issued;
  let served: Issued;
  let other: Issued;
  before(async () => {
    kit = await createCertificateKit();
    ca = await kit.authority('files-ca');
    [served, other] = await Promise.all([kit.issue(ca, 'served'), kit.issue(ca, 'other')]);
  });
  after(() => kit?.remove());

  const files = (extra: Partial<ListenerTlsConfig> = {}): ListenerTlsConfig => ({
    certFile: served.cert,
    keyFile: served.key,
    clientAuthentication: 'none',
    ...extra,
  });

  async function problem(config: ListenerTlsConfig, now = Date.now()): Promise<ListenerTlsError> {
    const error = await loadListenerCredentials(config, now).then(
      () => assert.fail('the files were accepted'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ListenerTlsError, String(error));
    return error;
  }

  it('reads a sound certificate, key and CA', async () => {
    const credentials = await loadListenerCredentials(
      files({ caFile: ca.cert, clientAuthentication: 'required' }),
      Date.now(),
    );
    assert.equal(credentials.certificate.subject, 'CN=served');
    assert.equal(credentials.certificate.issuer, 'CN=files-ca');
    assert.match(credentials.certificate.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  });

  it('names a file that cannot be read', async () => {
    const missing = join(kit.dir, 'missing.crt');
    const error = await problem(files({ certFile: missing }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_UNREADABLE');
    assert.equal(error.file, missing);
    assert.match(error.message, /cannot read .*missing\.crt \(ENOENT\)/);
  });

  it('names a file that is not PEM, and says how to convert DER', async () => {
    const der = join(kit.dir, 'served.der');
    await run('openssl', ['x509', '-in', served.cert, '-outform', 'der', '-out', der]);
    const error = await problem(files({ certFile: der }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_NOT_PEM');
    assert.match(error.message, /served\.der is not PEM .*openssl x509 -inform der/);
  });

  it('names swapped certificate and key files', async () => {
    const certAsKey = await problem(files({ certFile: served.key, keyFile: served.cert }));
    assert.equal(certAsKey.code, 'ERR_LISTEN_TLS_NOT_PEM');
    assert.match(certAsKey.message, /served\.key holds no certificate \(found PRIVATE KEY\)/);
    const keyAsCert = await problem(files({ keyFile: served.cert }));
    assert.match(keyAsCert.message, /served\.crt holds no private key .*swapped/);
  });

  it('names an encrypted key', async () => {
    const encrypted = join(kit.dir, 'encrypted.key');
    await run('openssl', [
      'pkey',
      '-in',
      served.key,
      '-aes256',
      '-passout',
      'pass:secret',
      '-out',
      encrypted,
    ]);
    const error = await problem(files({ keyFile: encrypted }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_KEY_ENCRYPTED');
    assert.match(error.message, /encrypted\.key is encrypted .*unencrypted/);
  });

  it('names a key that belongs to another certificate', async () => {
    const error = await problem(files({ keyFile: other.key }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_KEY_MISMATCH');
    assert.equal(error.file, other.key);
    assert.match(error.message, /other\.key is not the key of .*served\.crt \("CN=served"\)/);
  });

  it('names an expired certificate, and one not valid yet (the device clock)', async () => {
    const expired = await kit.issue(ca, 'expired', { days: -1 });
    const error = await problem(files({ certFile: expired.cert, keyFile: expired.key }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_EXPIRED');
    assert.match(error.message, /expired\.crt: certificate "CN=expired" expired on 20/);
    const early = await problem(files(), Date.parse('2001-01-01T00:00:00Z'));
    assert.match(early.message, /is not valid before .*check the device clock/);
  });

  it('names a CA file that holds no certificate', async () => {
    const error = await problem(files({ caFile: served.key, clientAuthentication: 'required' }));
    assert.equal(error.code, 'ERR_LISTEN_TLS_NOT_PEM');
    assert.equal(error.file, served.key);
  });

  it('fails the start naming the file (start_failed code), before taking the port', async () => {
    const client = createClient(
      clientConfig([
        listenerConfig(
          'ws://127.0.0.1:9/v1/tunnel',
          { type: 'static', token: jwt('d') },
          {
            tls: { ...files(), keyFile: other.key },
          },
        ),
      ]),
      { logger: createLogCapture().logger },
    );
    await assert.rejects(client.listen(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_LISTEN_TLS_KEY_MISMATCH');
      return true;
    });
  });
});

describe('beats-gate-client test with a TLS listener', () => {
  let kit: CertificateKit;
  let ca: Issued;
  let served: Issued;
  let other: Issued;
  before(async () => {
    kit = await createCertificateKit();
    ca = await kit.authority('step-ca');
    [served, other] = await Promise.all([
      kit.issue(ca, 'served'),
      kit.issue(ca, 'other', { san: 'DNS:logstash.internal' }),
    ]);
  });
  after(() => kit?.remove());

  async function test(...tls: string[]): Promise<{ code: number; output: string }> {
    let output = '';
    const argv = ['--url', 'ws://127.0.0.1:9/v1/tunnel', '--token', jwt('d'), ...tls];
    const code = await testClient(argv, {}, { write: (text) => (output += text) });
    return { code, output };
  }

  it('shows what the listener serves, whether it names 127.0.0.1, and the client authentication', async () => {
    const { output } = await test(
      ...['--listen-tls-cert-file', served.cert, '--listen-tls-key-file', served.key],
      ...['--listen-tls-ca-file', ca.cert],
    );
    assert.match(
      output,
      /listener tls \.+ OK {3}serves "CN=served" \(IP Address:127\.0\.0\.1, DNS:localhost\) until .*, names 127\.0\.0\.1; client certificates required, signed by a CA in .*step-ca\.crt/,
    );
    const unnamed = await test(
      '--listen-tls-cert-file',
      other.cert,
      '--listen-tls-key-file',
      other.key,
    );
    assert.match(
      unnamed.output,
      /does not name 127\.0\.0\.1: Beats that dial it need ssl\.verification_mode: certificate/,
    );
  });

  it('stops at the listener tls line with the problem and the fix', async () => {
    const { code, output } = await test(
      '--listen-tls-cert-file',
      served.cert,
      '--listen-tls-key-file',
      other.key,
    );
    assert.equal(code, 1);
    assert.match(
      output,
      /listener tls \.+ FAIL .*other\.key is not the key of .*Fix: give the key the certificate was issued for/,
    );
    assert.doesNotMatch(output, /^token /m);
  });
});

describe('beats-gate-client with a wrong TLS file', () => {
  it('exits 1 with start_failed naming the file and the problem', async () => {
    const kit = await createCertificateKit();
    try {
      const ca = await kit.authority('bin-ca');
      const [served, other] = await Promise.all([kit.issue(ca, 'served'), kit.issue(ca, 'other')]);
      const bin = join(import.meta.dirname, '../bin/beats-gate-client.ts');
      const args = [
        '--url',
        'ws://127.0.0.1:9/v1/tunnel',
        '--token',
        jwt('d'),
        '--listen',
        '127.0.0.1:0',
      ];
      const tls = ['--listen-tls-cert-file', served.cert, '--listen-tls-key-file', other.key];
      const failure = await run(process.execPath, [bin, ...args, ...tls], { timeout: 30_000 }).then(
        () => assert.fail('the client started with a key of another certificate'),
        (error: { code?: number; stdout?: string }) => error,
      );
      assert.equal(failure.code, 1);
      const line = (failure.stdout ?? '')
        .split('\n')
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.event === 'start_failed');
      assert.equal(line?.code, 'ERR_LISTEN_TLS_KEY_MISMATCH');
      assert.match(JSON.stringify(line?.err), /other\.key is not the key of .*served\.crt/);
    } finally {
      await kit.remove();
    }
  });
});

describe('TLS listener options', () => {
  function problems(argv: string[]): string {
    try {
      loadConfig(['--url', 'wss://edge.example/v1/tunnel', '--token', jwt('d'), ...argv], {});
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message;
    }
    return assert.fail('the configuration was accepted');
  }
  const cert = process.execPath;

  it('needs the key with the certificate, and the certificate with the CA', () => {
    assert.match(
      problems(['--listen-tls-cert-file', cert]),
      /--listen-tls-cert-file: needs listenTlsKeyFile too/,
    );
    assert.match(
      problems(['--listen-tls-ca-file', cert]),
      /--listen-tls-ca-file: needs listenTlsCertFile and listenTlsKeyFile/,
    );
  });

  it('asks for a CA exactly when client certificates are asked for', () => {
    const tls = ['--listen-tls-cert-file', cert, '--listen-tls-key-file', cert];
    assert.match(
      problems([...tls, '--listen-tls-client-authentication', 'required']),
      /required needs listenTlsCaFile/,
    );
    assert.match(
      problems([
        ...tls,
        '--listen-tls-ca-file',
        cert,
        '--listen-tls-client-authentication',
        'none',
      ]),
      /client certificates are not asked for/,
    );
    assert.match(
      problems([...tls, '--listen-tls-client-authentication', 'off']),
      /expected one of none, optional, required, got "off"/,
    );
  });

  it('defaults to required with a CA, and is set per listener in the file', async () => {
    const kit = await createCertificateKit();
    try {
      const file = join(kit.dir, 'client.json');
      await writeFile(
        file,
        JSON.stringify({
          url: 'wss://edge.example/v1/tunnel',
          token: jwt('d'),
          listeners: [
            { name: 'filebeat', listen: '127.0.0.1:5044' },
            {
              name: 'agent',
              listen: '127.0.0.1:5046',
              listenTlsCertFile: cert,
              listenTlsKeyFile: cert,
              listenTlsCaFile: cert,
            },
          ],
        }),
      );
      const loaded = loadConfig(['--config', file], {});
      assert.equal(loaded.kind, 'config');
      if (loaded.kind !== 'config') return;
      const [plain, agent] = loaded.config.listeners;
      assert.equal(plain?.tls, undefined);
      assert.deepEqual(agent?.tls, {
        certFile: cert,
        keyFile: cert,
        caFile: cert,
        clientAuthentication: 'required',
      });
    } finally {
      await kit.remove();
    }
  });
});

describe('a TLS Beat when the edge refuses', () => {
  let kit: CertificateKit;
  let edge: Edge;
  before(async () => {
    [kit, edge] = await Promise.all([
      createCertificateKit(),
      startEdge({ decide: () => ({ status: 503, headers: { 'retry-after': '30' } }) }),
    ]);
  });
  after(async () => {
    await edge?.close();
    await kit?.remove();
  });

  it('is closed without a byte, during the back-off too, and the listener keeps serving', async () => {
    const ca = await kit.authority('refusal-ca');
    const served = await kit.issue(ca, 'listener');
    const { client, capture, port } = await startTlsClient(edge.url, served);
    try {
      const trust = await readFile(ca.cert, 'utf8');
      for (const reason of ['handshake_failed', 'connection_refused']) {
        const beat = connect({ host: '127.0.0.1', port: port, ca: trust });
        const bytes: Buffer[] = [];
        beat.on('data', (chunk: Buffer) => bytes.push(chunk));
        beat.on('error', () => {});
        await within(once(beat, 'close'), `the Beat closed after ${reason}`);
        assert.equal(Buffer.concat(bytes).length, 0);
        await capture.waitFor((line) => line.event === reason);
      }
      assert.equal(edge.requests.length, 1, 'the back-off did not hold the second connection');
    } finally {
      await client.close(0);
    }
  });
});

describe('a Beat that refuses the listener certificate', () => {
  let kit: CertificateKit;
  let edge: Edge;
  before(async () => {
    [kit, edge] = await Promise.all([createCertificateKit(), startEdge()]);
  });
  after(async () => {
    await edge?.close();
    await kit?.remove();
  });

  it('is logged as the Beat not trusting the certificate, naming the file and the IP SAN', async () => {
    const ca = await kit.authority('listener-ca');
    const served = await kit.issue(ca, 'listener');
    const otherCa = await kit.authority('unrelated-ca');
    const { client, capture, port } = await startTlsClient(edge.url, served);
    try {
      // openssl as the Beat: it trusts another CA and, like Go's TLS, sends an alert on failure.
      const beat = run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-CAfile',
          otherCa.cert,
          '-verify_return_error',
        ],
        { timeout: 10_000 },
      ).catch((error: unknown) => error);
      const line = await capture.waitFor(
        (l) => l.event === 'tls_refused' && l.problem === 'certificate_rejected_by_beat',
      );
      const metrics = await client.metrics.registry.metrics();
      const expiry =
        /beats_gate_client_listener_certificate_expiry_seconds\{listener="test"\} (\d+)/.exec(
          metrics,
        );
      const validTo = new X509Certificate(await readFile(served.cert)).validToDate.getTime();
      assert.equal(Number(expiry?.[1]), validTo / 1000);
      await beat;
      assert.match(String(line.reason), /refused this listener's certificate .*listener\.crt/);
      assert.match(String(line.reason), /IP SAN 127\.0\.0\.1.*verification_mode: certificate/);
    } finally {
      await client.close(0);
    }
  });
});
