// The app in Node, without workerd: what the worker itself puts on its answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from './app.ts';

const env = {
  ORIGIN_URL: 'https://origin.example',
  JWT_ISSUER: 'https://idp.example',
  JWT_AUDIENCE: 'edge',
  JWKS: JSON.stringify({
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
  }),
  ASSERTION_KEYS: 'k1:' + 'A'.repeat(43),
};

describe('edge app (in Node)', () => {
  const app = createApp();

  it('answers 426 with Upgrade: websocket on the tunnel path without an upgrade', async () => {
    const response = await app.fetch(new Request('https://edge.example/v1/tunnel'), env);
    assert.equal(response.status, 426);
    assert.equal(response.headers.get('upgrade'), 'websocket');
    assert.deepEqual(await response.json(), {
      error: 'ERR_EDGE_UPGRADE_REQUIRED',
      message: 'this endpoint only accepts WebSocket upgrades',
    });
  });

  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const response = await app.fetch(
      new Request('https://edge.example/v1/tunnel', {
        headers: {
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      }),
      env,
    );
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('answers 404 JSON elsewhere and 200 on /healthz', async () => {
    const missing = await app.fetch(new Request('https://edge.example/'), env);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'ERR_EDGE_NOT_FOUND');
    const health = await app.fetch(new Request('https://edge.example/healthz'), env);
    assert.equal(health.status, 200);
  });

  it('answers odd paths that reach the Worker with a 4xx JSON refusal, never a 500', async () => {
    for (const path of ['/%', '/%zz/v1/tunnel', '//v1/tunnel', `/${'a'.repeat(100_000)}`]) {
      const response = await app.fetch(new Request(`https://edge.example${path}`), env);
      assert.equal(response.status, 404, path.slice(0, 40));
      assert.equal(((await response.json()) as { error: string }).error, 'ERR_EDGE_NOT_FOUND');
    }
    const longQuery = await app.fetch(
      new Request(`https://edge.example/v1/tunnel?${'a'.repeat(100_000)}`),
      env,
    );
    assert.equal(longQuery.status, 426);
  });
});
