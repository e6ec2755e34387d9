import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

const jwks = JSON.stringify({
  keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
});
const valid = {
  ORIGIN_URL: 'https://origin.example/edge/',
  JWT_ISSUER: 'https://idp.example',
  JWT_AUDIENCE: 'edge, edge-2',
  JWKS: jwks,
  ASSERTION_KEYS: `k2:${'B'.repeat(43)},k1:${'A'.repeat(43)}`,
};

function problemsOf(env: Record<string, unknown>): readonly string[] {
  const result = loadConfig(env);
  assert.equal(result.ok, false, 'expected the configuration to be refused');
  return result.ok ? [] : result.problems;
}

describe('loadConfig', () => {
  it('applies safe defaults', () => {
    const result = loadConfig(valid);
    assert.ok(result.ok);
    const { config } = result;
    assert.deepEqual(config.algorithms, ['ES256', 'EdDSA']);
    assert.deepEqual(config.audience, ['edge', 'edge-2']);
    assert.equal(config.clockToleranceSeconds, 30);
    assert.equal(config.maxTokenAgeSeconds, undefined);
    assert.equal(config.forwardAuthorization, false);
    assert.equal(config.queryTokenParam, undefined);
    assert.equal(config.assertionTtlSeconds, 30);
    assert.equal(config.assertionKeys[0]?.kid, 'k2');
    assert.equal(config.keySource.kind, 'inline');
    assert.equal(result.notices.length, 4);
  });

  it('reads a remote key set with its cache settings', () => {
    const { JWKS: _unused, ...rest } = valid;
    const result = loadConfig({
      ...rest,
      JWKS_URL: 'https://idp.example/jwks.json',
      JWKS_CACHE_SECONDS: 60,
      JWKS_COOLDOWN_SECONDS: '5',
      JWT_ALGORITHMS: 'ES256,RS256,PS256',
      ALLOW_QUERY_TOKEN: 'true',
      QUERY_TOKEN_PARAM: 'jwt',
      FORWARD_CLAIMS: 'site, role',
      JWT_REQUIRED_SCOPE: 'beats:ship',
    });
    assert.ok(result.ok);
    assert.deepEqual(result.config.keySource, {
      kind: 'remote',
      url: new URL('https://idp.example/jwks.json'),
      cacheMaxAgeMs: 60_000,
      cooldownMs: 5000,
      timeoutMs: 5000,
    });
    assert.equal(result.config.queryTokenParam, 'jwt');
    assert.deepEqual(result.config.forwardClaims, ['site', 'role']);
    assert.deepEqual(result.config.requiredScopes, ['beats:ship']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      ORIGIN_URL: 'ws://origin.example',
      JWT_ALGORITHMS: 'none,HS256',
      JWKS_URL: 'http://idp.example/jwks.json',
      ASSERTION_TTL_SECONDS: '120',
      FORWARD_AUTHORIZATION: 'maybe',
    });
    assert.deepEqual(problems, [
      'ORIGIN_URL must be an http:// or https:// URL (not ws:// or wss://)',
      'JWT_ISSUER is required',
      'JWT_AUDIENCE is required (comma-separated list)',
      'JWT_ALGORITHMS has unsupported none, HS256; allowed: ES256, ES384, ES512, EdDSA, Ed25519, RS256, RS384, RS512, PS256, PS384, PS512',
      'JWKS_URL must be an https:// URL (http:// only for 127.0.0.1 or localhost)',
      'FORWARD_AUTHORIZATION must be "true" or "false"',
      'ASSERTION_TTL_SECONDS must be from 1 to 60, got 120',
      'ASSERTION_KEYS is required',
    ]);
  });

  it('refuses both key sources, private keys and bad bindings', () => {
    const problems = problemsOf({
      ...valid,
      JWKS_URL: 'https://idp.example/jwks.json',
      DENYLIST: 'not a namespace',
    });
    assert.ok(problems.includes('set either JWKS_URL or JWKS, not both'));
    assert.ok(
      problems.includes('DENYLIST is bound but is not a KV namespace; check wrangler.jsonc'),
    );
    const privateKey = problemsOf({
      ...valid,
      JWKS: JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] }),
    });
    assert.deepEqual(privateKey, [
      'JWKS key #1 holds private or symmetric key material; publish public keys only',
    ]);
  });

  it('names assertion key problems without printing the secret', () => {
    const problems = problemsOf({ ...valid, ASSERTION_KEYS: 'k1:c2hvcnQ' });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^ASSERTION_KEYS: assertion key #1 \(kid "k1"\)/);
    assert.ok(!problems[0]?.includes('c2hvcnQ'));
  });

  it('accepts bound KV, rate limiter and Analytics Engine objects', () => {
    const outcomes = { writeDataPoint: () => undefined };
    const result = loadConfig({
      ...valid,
      DENYLIST: { get: () => Promise.resolve(null) },
      UPGRADE_LIMITER: { limit: () => Promise.resolve({ success: true }) },
      FAILURE_LIMITER: { limit: () => Promise.resolve({ success: true }) },
      OUTCOMES: outcomes,
    });
    assert.ok(result.ok);
    assert.deepEqual(result.notices, []);
    assert.equal(result.config.outcomes, outcomes);
  });

  it('refuses an OUTCOMES binding that is not an Analytics Engine dataset', () => {
    assert.deepEqual(problemsOf({ ...valid, OUTCOMES: { get: () => null } }), [
      'OUTCOMES is bound but is not an Analytics Engine dataset; check wrangler.jsonc',
    ]);
  });
});
