import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportPKCS8, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createClient, createTokenProvider } from '../src/index.ts';
import {
  clientConfig,
  connectBeats,
  fakeJwt,
  jwt,
  listenerConfig,
  startEdge,
  waitFor,
  tempDir,
} from './helpers.ts';

const dir = await tempDir('beats-gate-client-');

describe('token file', () => {
  it('is re-read for every connection, so a rotated token is used without a restart', async () => {
    const edge = await startEdge();
    const path = join(dir, 'token');
    await writeFile(path, `${jwt('first')}\n`);
    const client = createClient(clientConfig([listenerConfig(edge.url, { type: 'file', path })]), {
      logger: (await import('pino')).pino({ level: 'silent' }),
    });
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const one = await connectBeats(port);
      await waitFor(() => edge.requests.length === 1, 'first handshake');
      await writeFile(path, `${jwt('second')}\n`);
      const two = await connectBeats(port);
      await waitFor(() => edge.requests.length === 2, 'second handshake');
      assert.deepEqual(
        edge.requests.map((r) => r.authorization),
        [`Bearer ${jwt('first')}`, `Bearer ${jwt('second')}`],
      );
      one.socket.destroy();
      two.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
    }
  });
});

describe('token command', () => {
  async function commandSetup(exp: number) {
    const counter = join(dir, `runs-${exp}`);
    const tokenPath = join(dir, `command-token-${exp}`);
    await writeFile(counter, '');
    await writeFile(tokenPath, fakeJwt({ sub: 'device-1', exp }));
    const runs = async () => (await readFile(counter, 'utf8')).length;
    return { counter, tokenPath, runs };
  }

  it('runs through sh -c and caches the token until shortly before exp', async () => {
    let now = 1_000_000_000_000;
    const exp = now / 1000 + 3600;
    const { counter, tokenPath, runs } = await commandSetup(exp);
    const provider = createTokenProvider(
      { type: 'command', command: `printf x >> '${counter}'; cat '${tokenPath}'`, timeoutMs: 5000 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000, now: () => now },
    );
    const first = await provider.get();
    assert.equal(first.expiresAt, exp * 1000);
    assert.equal((await provider.get()).value, first.value);
    now += 3600_000 - 61_000; // still before exp - skew
    await provider.get();
    assert.equal(await runs(), 1);
    now += 2_000; // inside the refresh window
    await provider.get();
    assert.equal(await runs(), 2);
  });

  it('runs an argv array without a shell and shares one run between concurrent callers', async () => {
    const { tokenPath } = await commandSetup(Math.floor(Date.now() / 1000) + 3600);
    const provider = createTokenProvider(
      { type: 'command', command: ['cat', tokenPath], timeoutMs: 5000 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    );
    const tokens = await Promise.all([provider.get(), provider.get(), provider.get()]);
    assert.equal(new Set(tokens).size, 1, 'three callers got three fetches');
    assert.equal(tokens[0]?.value, (await readFile(tokenPath, 'utf8')).trim());
  });

  it('reports a failing command by exit status, without its output', async () => {
    const provider = createTokenProvider(
      { type: 'command', command: 'echo secret-output; echo more >&2; exit 3', timeoutMs: 5000 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    );
    await assert.rejects(provider.get(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_TOKEN_COMMAND');
      assert.match(error.message, /exit status 3/);
      assert.doesNotMatch(error.message, /secret-output/);
      return true;
    });
  });
});

describe('token command errors', () => {
  const run = (command: string, timeoutMs = 5000) =>
    createTokenProvider(
      { type: 'command', command, timeoutMs },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    ).get();

  it('quotes the end of stderr, redacted and bounded, never stdout', async () => {
    const command = [
      'echo stdout-token-value',
      "i=0; while [ $i -lt 300 ]; do printf 'noise ' >&2; i=$((i+1)); done",
      'echo >&2',
      'echo "refresh_token=abc123 refused: eyJhbGciOi.eyJzdWIi.c2ln" >&2',
      'echo "login required: run fetch-token --login" >&2',
      'exit 4',
    ].join('; ');
    await assert.rejects(run(command), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_TOKEN_COMMAND');
      assert.match(error.message, /^token command failed: exit status 4; stderr: …/);
      assert.match(error.message, /login required: run fetch-token --login$/);
      const quoted = error.message.slice(error.message.indexOf('stderr: ') + 8);
      assert.ok(Buffer.byteLength(quoted) <= 512, `${Buffer.byteLength(quoted)} bytes`);
      for (const secret of ['abc123', 'eyJ', 'stdout-token-value']) {
        assert.ok(!error.message.includes(secret), `${secret} in ${error.message}`);
      }
      return true;
    });
  });

  it('names a command that cannot start', async () => {
    const provider = createTokenProvider(
      { type: 'command', command: ['/nonexistent/fetch-token'], timeoutMs: 5000 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    );
    await assert.rejects(provider.get(), /token command could not start: ENOENT/);
  });
});

interface TokenRequest {
  authorization: string | undefined;
  form: URLSearchParams;
}

async function startTokenEndpoint(answer: (request: TokenRequest) => Promise<[number, object]>) {
  const requests: TokenRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        authorization: req.headers.authorization,
        form: new URLSearchParams(Buffer.concat(chunks).toString()),
      };
      requests.push(request);
      void answer(request).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = new URL(
    `http://127.0.0.1:${(server.address() as { port: number }).port}/oauth/token`,
  );
  return { url, requests, close: () => new Promise((done) => server.close(done)) };
}

describe('OAuth client credentials', () => {
  it('authenticates with client_secret_basic, caches by expires_in and shares one request', async () => {
    let issued = 0;
    const endpoint = await startTokenEndpoint(async (request) => {
      const expected = `Basic ${Buffer.from('device-7:s3cret+/=').toString('base64')}`;
      if (
        request.authorization !==
        `Basic ${Buffer.from('device-7:s3cret%2B%2F%3D').toString('base64')}`
      ) {
        return [401, { error: 'invalid_client', expected }];
      }
      if (request.form.get('grant_type') !== 'client_credentials')
        return [400, { error: 'unsupported_grant_type' }];
      await new Promise((done) => setTimeout(done, 20)); // keep the request in flight for the burst
      issued += 1;
      return [
        200,
        {
          access_token: `opaque-${issued}`,
          token_type: 'Bearer',
          expires_in: 300,
          scope: request.form.get('scope'),
        },
      ];
    });
    try {
      let now = 2_000_000_000_000;
      const provider = createTokenProvider(
        {
          type: 'oauth',
          tokenUrl: endpoint.url,
          clientId: 'device-7',
          clientSecret: 's3cret+/=',
          scope: 'beats:send',
        },
        { refreshSkewMs: 60_000, oauthTimeoutMs: 5000, now: () => now },
      );
      const burst = await Promise.all(Array.from({ length: 5 }, () => provider.get()));
      assert.deepEqual(new Set(burst.map((t) => t.value)), new Set(['opaque-1']));
      assert.equal(endpoint.requests.length, 1);
      assert.equal(endpoint.requests[0]?.form.get('scope'), 'beats:send');
      assert.equal(burst[0]?.expiresAt, now + 300_000);
      now += 239_000;
      assert.equal((await provider.get()).value, 'opaque-1');
      now += 2_000; // within 60 s of expiry
      assert.equal((await provider.get()).value, 'opaque-2');
      provider.invalidate({ value: 'opaque-2' });
      assert.equal((await provider.get()).value, 'opaque-3');
    } finally {
      await endpoint.close();
    }
  });

  it('reports the RFC 6749 error code when the endpoint refuses', async () => {
    const endpoint = await startTokenEndpoint(() =>
      Promise.resolve([401, { error: 'invalid_client', error_description: 'x' }]),
    );
    try {
      const provider = createTokenProvider(
        { type: 'oauth', tokenUrl: endpoint.url, clientId: 'device-7', clientSecret: 'wrong' },
        { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
      );
      await assert.rejects(provider.get(), /answered 401 \(invalid_client\)/);
    } finally {
      await endpoint.close();
    }
  });

  for (const format of ['pem', 'jwk'] as const) {
    it(`authenticates with private_key_jwt (RFC 7523) from a ${format} key`, async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const keyPath = join(dir, `client-key.${format}`);
      await writeFile(
        keyPath,
        format === 'pem'
          ? await exportPKCS8(privateKey)
          : JSON.stringify(await exportJWK(privateKey)),
      );
      const assertions: string[] = [];
      const endpoint = await startTokenEndpoint(async (request) => {
        assert.equal(request.authorization, undefined);
        assert.equal(
          request.form.get('client_assertion_type'),
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        );
        const assertion = request.form.get('client_assertion') ?? '';
        assertions.push(assertion);
        try {
          const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
            issuer: 'device-9',
            subject: 'device-9',
            audience: endpoint.url.href,
            algorithms: ['ES256'],
            maxTokenAge: 120,
          });
          assert.equal(protectedHeader.kid, 'key-1');
          assert.equal(typeof payload.jti, 'string');
          assert.equal(request.form.get('client_id'), 'device-9');
        } catch {
          return [401, { error: 'invalid_client' }];
        }
        const exp = Math.floor(Date.now() / 1000) + 600;
        return [200, { access_token: fakeJwt({ sub: 'device-9', exp }), token_type: 'bearer' }];
      });
      try {
        const provider = createTokenProvider(
          {
            type: 'oauth',
            tokenUrl: endpoint.url,
            clientId: 'device-9',
            privateKeyFile: keyPath,
            keyId: 'key-1',
          },
          { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
        );
        const token = await provider.get();
        assert.equal(assertions.length, 1);
        assert.ok(token.expiresAt !== undefined && token.expiresAt > Date.now());
        provider.invalidate(token);
        await provider.get();
        assert.equal(assertions.length, 2);
        assert.notEqual(assertions[0], assertions[1], 'an assertion was reused');
      } finally {
        await endpoint.close();
      }
    });
  }
});

describe('OAuth through the client', () => {
  it('sends the access token from the token endpoint to the edge', async () => {
    const endpoint = await startTokenEndpoint(() =>
      Promise.resolve([
        200,
        { access_token: 'issued-by-idp', token_type: 'Bearer', expires_in: 600 },
      ]),
    );
    const edge = await startEdge();
    const client = createClient(
      clientConfig([
        listenerConfig(edge.url, {
          type: 'oauth',
          tokenUrl: endpoint.url,
          clientId: 'c',
          clientSecret: 's',
        }),
      ]),
      { logger: (await import('pino')).pino({ level: 'silent' }) },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      beats.socket.write('x');
      await waitFor(() => beats.received().toString() === 'x', 'echo');
      assert.equal(edge.requests[0]?.authorization, 'Bearer issued-by-idp');
      assert.equal(client.status().listeners[0]?.token.source, 'oauth');
      assert.ok(client.status().listeners[0]?.token.expiresAt);
      beats.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
      await endpoint.close();
    }
  });

  it('fails listen() at start when the private key cannot be loaded', async () => {
    const keyPath = join(dir, 'broken-key.pem');
    await writeFile(keyPath, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const client = createClient(
      clientConfig([
        listenerConfig('ws://127.0.0.1:1/v1/tunnel', {
          type: 'oauth',
          tokenUrl: new URL('http://127.0.0.1:1/token'),
          clientId: 'c',
          privateKeyFile: keyPath,
        }),
      ]),
      { logger: (await import('pino')).pino({ level: 'silent' }) },
    );
    try {
      await assert.rejects(client.listen(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_TOKEN_OAUTH');
        assert.match(error.message, /cannot load the OAuth private key/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});
