// Admission limits and the optional JWT re-check: refusals before any upstream contact.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { CompactSign, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ASSERTION_HEADER, createAssertionSigner } from '@beats-gate/protocol';
import type { JwtCheckConfig } from '../src/upgrade/jwt-check.ts';
import { closed, KEY, openTunnel, rawUpgrade, waitFor } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

type HttpError = Error & {
  status?: number;
  headers?: Record<string, string>;
  body?: { error?: string };
};

describe('admission', () => {
  const fixtures = useFixtures();

  it('limits tunnels per subject (429) and globally (503), and frees slots on close', async () => {
    const { upstream, harness } = await fixtures.tunnel({
      maxTunnels: 3,
      maxTunnelsPerSubject: 2,
      retryAfterSeconds: 9,
    });
    const a1 = await openTunnel(harness.url, { subject: 'a' });
    const a2 = await openTunnel(harness.url, { subject: 'a' });
    await assert.rejects(openTunnel(harness.url, { subject: 'a' }), (error: HttpError) => {
      assert.equal(error.status, 429);
      assert.equal(error.headers?.['retry-after'], '9');
      assert.equal(error.body?.error, 'ERR_UNWRAPPER_SUBJECT_LIMIT');
      return true;
    });
    await openTunnel(harness.url, { subject: 'b' });
    await assert.rejects(openTunnel(harness.url, { subject: 'c' }), (error: HttpError) => {
      assert.equal(error.status, 503);
      assert.equal(error.headers?.['retry-after'], '9');
      assert.equal(error.body?.error, 'ERR_UNWRAPPER_OVER_CAPACITY');
      return true;
    });
    assert.equal(upstream.sockets.length, 3, 'refused upgrades never reached an upstream');
    assert.equal(await harness.metric('beats_gate_unwrapper_tunnels_active'), 3);

    const closing = closed(a1);
    a1.close();
    await closing;
    await waitFor(() => harness.unwrapper.tunnels.length === 2, 'slot freed');
    await openTunnel(harness.url, { subject: 'a' });
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', { result: 'subject_limit' }),
      1,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', { result: 'global_limit' }),
      1,
    );
    a2.close();
  });

  for (const [what, headers] of [
    ['Sec-WebSocket-Version 8', { 'sec-websocket-version': '8' }],
    ['a malformed subprotocol', { 'sec-websocket-protocol': 'a,,b' }],
    ['a subprotocol', { 'sec-websocket-protocol': 'lumberjack' }],
  ] as const) {
    it(`refuses ${what} with a valid assertion (400) before dialling Logstash`, async () => {
      const { upstream, harness } = await fixtures.tunnel({});
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const assertion = await createAssertionSigner({ key: KEY })({
        subject: 'device-1',
        webSocketKey: key,
      });
      const refusal = await rawUpgrade(harness.url, {
        'sec-websocket-key': key,
        [ASSERTION_HEADER]: assertion,
        ...headers,
      });
      assert.equal(refusal.status, 400);
      assert.equal(refusal.body.error, 'ERR_UNWRAPPER_BAD_HANDSHAKE');
      assert.equal(upstream.sockets.length, 0, 'Logstash was dialled for a doomed handshake');
    });
  }

  it('re-verifies the forwarded JWT when configured', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
    const { upstream, harness } = await fixtures.tunnel({
      jwt: {
        jwks: { keys: [jwk] },
        issuer: 'iss',
        audience: 'aud',
        algorithms: ['ES256'],
        clockToleranceSeconds: 5,
      },
    });
    const token = (subject: string, key = privateKey) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setIssuer('iss')
        .setAudience('aud')
        .setSubject(subject)
        .setExpirationTime('5m')
        .sign(key);

    const ws = await openTunnel(harness.url, {
      subject: 'dev',
      headers: { authorization: `Bearer ${await token('dev')}` },
    });
    await upstream.nextSocket();
    ws.close();

    const refusals: [Record<string, string>, number, string][] = [
      [{}, 401, 'jwt_missing'],
      [{ authorization: `Bearer ${await token('someone-else')}` }, 403, 'jwt_subject_mismatch'],
      [
        {
          authorization: `Bearer ${await token('dev', (await generateKeyPair('ES256')).privateKey)}`,
        },
        401,
        'jwt_invalid',
      ],
    ];
    for (const [headers, status, result] of refusals) {
      await assert.rejects(
        openTunnel(harness.url, { subject: 'dev', headers }),
        (error: HttpError) => {
          assert.equal(error.status, status, result);
          return true;
        },
      );
      assert.equal(await harness.metric('beats_gate_unwrapper_upgrades_total', { result }), 1);
    }
    assert.equal(upstream.sockets.length, 1);
  });

  it('the JWT re-check refuses what the edge refuses: crit, not a compact JWS, a missing scope, sub/jti over 256 bytes', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
    // A variable, not a literal: requiredScopes is not in the options table yet (JwtCheckConfig).
    const jwt: JwtCheckConfig = {
      jwks: { keys: [jwk] },
      issuer: 'iss',
      audience: 'aud',
      algorithms: ['ES256'],
      clockToleranceSeconds: 5,
      requiredScopes: ['logs:write'],
    };
    const { upstream, harness } = await fixtures.tunnel({ jwt });
    const payload = (claims: Record<string, unknown>) => ({
      iss: 'iss',
      aud: 'aud',
      sub: 'dev',
      scope: 'logs:write',
      exp: Math.floor(Date.now() / 1000) + 300,
      ...claims,
    });
    const token = (claims: Record<string, unknown> = {}) =>
      new SignJWT(payload(claims)).setProtectedHeader({ alg: 'ES256', kid: 'k' }).sign(privateKey);
    const critical = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload({}))))
      .setProtectedHeader({ alg: 'ES256', kid: 'k', crit: ['b64'], b64: true })
      .sign(privateKey, { crit: { b64: true } });

    const ws = await openTunnel(harness.url, {
      subject: 'dev',
      headers: { authorization: `Bearer ${await token()}` },
    });
    await upstream.nextSocket();
    ws.close();

    const refusals: [string, string, number, string][] = [
      ['crit', critical, 401, 'ERR_UNWRAPPER_JWT_INVALID'],
      ['four segments', 'a.b.c.d', 401, 'ERR_UNWRAPPER_JWT_INVALID'],
      ['sub of 200 × "€"', await token({ sub: '€'.repeat(200) }), 401, 'ERR_UNWRAPPER_JWT_INVALID'],
      [
        'jti of 200 × "漢"',
        await token({ jti: '漢'.repeat(200) }),
        401,
        'ERR_UNWRAPPER_JWT_INVALID',
      ],
      ['no scope', await token({ scope: 'openid' }), 403, 'ERR_UNWRAPPER_JWT_SCOPE_INSUFFICIENT'],
    ];
    for (const [what, bearer, status, code] of refusals) {
      await assert.rejects(
        openTunnel(harness.url, { subject: 'dev', headers: { authorization: `Bearer ${bearer}` } }),
        (error: HttpError) => {
          assert.equal(error.status, status, what);
          assert.equal(error.body?.error, code, what);
          return true;
        },
      );
    }
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', { result: 'jwt_invalid' }),
      4,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', {
        result: 'jwt_scope_insufficient',
      }),
      1,
    );
    assert.equal(upstream.sockets.length, 1, 'a refused upgrade reached an upstream');
  });

  it('fetches a remote JWKS, and refuses with 503 when it cannot (never fails open)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'remote', alg: 'ES256' };
    const jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    const jwksPort = (jwksServer.address() as AddressInfo).port;
    const jwt = { issuer: 'iss', audience: 'aud', algorithms: ['ES256'], clockToleranceSeconds: 5 };
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'remote' })
      .setIssuer('iss')
      .setAudience('aud')
      .setSubject('dev')
      .setExpirationTime('5m')
      .sign(privateKey);
    const headers = { authorization: `Bearer ${token}` };

    const reachable = await fixtures.tunnel({
      jwt: { ...jwt, jwksUrl: `http://127.0.0.1:${jwksPort}/jwks.json` },
    });
    const ws = await openTunnel(reachable.harness.url, { subject: 'dev', headers });
    ws.close();
    jwksServer.close();
    jwksServer.closeAllConnections();
    await once(jwksServer, 'close');

    const unreachable = await fixtures.tunnel({
      jwt: { ...jwt, jwksUrl: `http://127.0.0.1:${jwksPort}/jwks.json` },
    });
    await assert.rejects(
      openTunnel(unreachable.harness.url, { subject: 'dev', headers }),
      (error: HttpError) => {
        assert.equal(error.status, 503);
        assert.equal(error.body?.error, 'ERR_UNWRAPPER_JWT_KEYS_UNAVAILABLE');
        return true;
      },
    );
    assert.equal(unreachable.upstream.sockets.length, 0);
  });
});
