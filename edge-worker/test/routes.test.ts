// Routes other than a good upgrade: health, 404, 426, 405, misconfiguration, origin down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEdge, type RunningEdge } from '../local.ts';
import { expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, waitForLog, type Harness } from './support/harness.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

describe('edge routes', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({ keys: [key] });
  });
  after(() => harness.close());

  it('GET /healthz answers 200 JSON', async () => {
    const response = await fetch(new URL('/healthz', harness.edge.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('other paths answer 404 JSON', async () => {
    const response = await fetch(new URL('/v1/tunnel/extra', harness.edge.url));
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: string }).error, 'ERR_EDGE_NOT_FOUND');
  });

  it('the tunnel path without an upgrade answers 426', async () => {
    const token = await mintToken(key);
    const response = await fetch(new URL('/v1/tunnel', harness.edge.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 426);
    // The worker sets Upgrade: websocket (src/app.test.ts), but workerd drops hop-by-hop headers
    // from responses; the JSON body carries the same hint.
    assert.equal(((await response.json()) as { error: string }).error, 'ERR_EDGE_UPGRADE_REQUIRED');
  });

  it('other methods on the tunnel path answer 405', async () => {
    const response = await fetch(new URL('/v1/tunnel', harness.edge.url), { method: 'POST' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET');
    await response.body?.cancel();
  });

  it('builds its configuration once, not per request', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(new URL('/healthz', harness.edge.url))).text();
    const notices = harness.logs.filter((l) => l.event === 'edge.config');
    // One notice per absent optional binding (the local launcher binds only DENYLIST here).
    assert.deepEqual(
      notices.map((l) => l.notice),
      [
        'UPGRADE_LIMITER is not bound: per-subject upgrade limits are off',
        'FAILURE_LIMITER is not bound: per-address failure limits are off',
        'OUTCOMES is not bound: outcomes are only logged, not counted',
      ],
    );
  });
});

describe('edge routes: origin down', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({ keys: [key] });
    await harness.origin.close();
  });
  after(() => harness.close());

  it('answers 502 ERR_EDGE_ORIGIN_UNREACHABLE', async () => {
    const token = await mintToken(key);
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.equal(refusal.status, 502);
    assert.equal(refusal.body.error, 'ERR_EDGE_ORIGIN_UNREACHABLE');
    const log = await waitForLog(harness, (l) => l.code === 'ERR_EDGE_ORIGIN_UNREACHABLE');
    assert.equal(log.result, 'error');
    assert.equal(log.subject, 'device-1');
  });
});

describe('edge routes: misconfiguration', () => {
  let edge: RunningEdge;
  const lines: string[] = [];

  before(async () => {
    edge = await startEdge({
      vars: {
        ORIGIN_URL: 'wss://origin.example',
        JWT_ALGORITHMS: 'ES256,HS256',
        JWKS: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}',
        JWT_CLOCK_TOLERANCE_SECONDS: 'lots',
      },
      secrets: { ASSERTION_KEYS: 'edge-1:tooshort' },
      onLog: (line) => lines.push(line),
    });
  });
  after(() => edge.dispose());

  it('answers 500 to the tunnel and to /healthz, and lets nothing through', async () => {
    const refusal = await expectRefusal(tunnelUrl(edge.url), { authorization: 'Bearer a.b.c' });
    assert.equal(refusal.status, 500);
    assert.equal(refusal.body.error, 'ERR_EDGE_CONFIG_INVALID');
    const health = await fetch(new URL('/healthz', edge.url));
    assert.equal(health.status, 500);
    await health.body?.cancel();
  });

  it('logs every problem at once, without secrets', async () => {
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('"problems"')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const line = lines.find((l) => l.includes('"problems"'));
    assert.ok(line);
    const { problems, code } = JSON.parse(line) as { problems: string[]; code: string };
    assert.equal(code, 'ERR_EDGE_CONFIG_INVALID');
    const expected = [
      /^ORIGIN_URL must be an http/,
      /^JWT_ISSUER is required/,
      /^JWT_AUDIENCE is required/,
      /^JWT_ALGORITHMS has unsupported HS256/,
      /^JWKS key #1 holds private or symmetric key material/,
      /^JWT_CLOCK_TOLERANCE_SECONDS must be an integer/,
      /^ASSERTION_KEYS: .*at least 32 are required/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `missing ${pattern}: ${problems.join('; ')}`,
      );
    }
    assert.ok(
      !lines.some((l) => l.includes('tooshort') || l.includes('c2VjcmV0')),
      'a secret was logged',
    );
  });
});

describe('edge routes: a placeholder left in wrangler.jsonc', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({
      keys: [await createTestKey('k', 'ES256')],
      vars: { ORIGIN_URL: 'https://REPLACE-origin.example.com' },
    });
  });
  after(() => harness.close());

  it('fails /healthz and every tunnel, naming the variable', async () => {
    const health = await fetch(new URL('/healthz', harness.edge.url));
    assert.equal(health.status, 500);
    assert.equal(((await health.json()) as { error: string }).error, 'ERR_EDGE_CONFIG_INVALID');
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url), {
      authorization: 'Bearer a.b.c',
    });
    assert.equal(refusal.status, 500);
    assert.equal(harness.origin.upgrades.length, 0);
    const line = await waitForLog(harness, (l) => Array.isArray(l.problems));
    assert.deepEqual(line.problems, [
      'ORIGIN_URL is still a placeholder from wrangler.jsonc; set it for this environment',
    ]);
  });
});
