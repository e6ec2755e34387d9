import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateAssertionKey } from '@beats-gate/protocol';
import { ConfigError, loadConfig } from './load-config.ts';
import { envName, flagName } from '@beats-gate/kit';
import { UNWRAPPER_COMMAND } from './options.ts';

const KEYS = `${generateAssertionKey('k2')},${generateAssertionKey('k1')}`;
const SECRET = KEYS.split(',')[0]!.split(':')[1]!;
const dir = mkdtempSync(join(tmpdir(), 'unwrapper-config-'));

function problems(argv: string[], env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(argv, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ERR_CONFIG_INVALID');
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

function load(argv: string[], env: NodeJS.ProcessEnv) {
  const result = loadConfig(argv, env);
  assert.equal(result.kind, 'config');
  return result.config;
}

describe('loadConfig', () => {
  it('reads the admin token from a file, trimmed, and refuses short ones or both sources', () => {
    const token = 'f'.repeat(64);
    const file = join(dir, 'admin-token');
    writeFileSync(file, `${token}\n`);
    const base = {
      BEATS_GATE_UNWRAPPER_UPSTREAMS: 'l:5044',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS,
    };
    assert.equal(
      load([], { ...base, BEATS_GATE_UNWRAPPER_ADMIN_TOKEN_FILE: file }).adminToken,
      token,
    );
    assert.equal(load([], base).adminToken, undefined);
    const short = problems([], { ...base, BEATS_GATE_UNWRAPPER_ADMIN_TOKEN: 'hunter2' });
    assert.ok(
      short.some((p) =>
        /^BEATS_GATE_UNWRAPPER_ADMIN_TOKEN: expected a token of at least 32 characters/.test(p),
      ),
      short.join('\n'),
    );
    assert.ok(!short.join('\n').includes('hunter2'), 'the token is never printed');
    const both = problems([], {
      ...base,
      BEATS_GATE_UNWRAPPER_ADMIN_TOKEN: token,
      BEATS_GATE_UNWRAPPER_ADMIN_TOKEN_FILE: file,
    });
    assert.ok(both.some((p) => /give one of them, not both/.test(p)));
  });

  it('passes the JWT re-check the same scope and age rules as the edge', () => {
    const config = load(
      [
        '--jwt-jwks-url',
        'https://issuer.example/jwks.json',
        '--jwt-issuer',
        'https://issuer.example',
        '--jwt-audience',
        'beats-gate',
        '--jwt-required-scope',
        'beats:ship,beats:read',
        '--jwt-max-token-age-seconds',
        '600',
      ],
      {
        BEATS_GATE_UNWRAPPER_UPSTREAMS: 'logstash:5044',
        BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS,
      },
    );
    assert.deepEqual(config.jwt?.requiredScopes, ['beats:ship', 'beats:read']);
    assert.equal(config.jwt?.maxTokenAgeSeconds, 600);
  });

  it('reads the environment and applies defaults', () => {
    const config = load([], {
      BEATS_GATE_UNWRAPPER_UPSTREAMS: 'logstash-a:5044, 10.0.0.2:5045',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS,
    });
    assert.deepEqual(config.upstreams, [
      { host: 'logstash-a', port: 5044 },
      { host: '10.0.0.2', port: 5045 },
    ]);
    assert.deepEqual(
      config.assertionKeys.map((k) => k.kid),
      ['k2', 'k1'],
    );
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080 });
    assert.equal(config.maxPayloadBytes, 64 * 1024 * 1024);
    assert.equal(config.upstreamTls, undefined);
    assert.equal(config.jwt, undefined);
  });

  it('puts flags over the environment over the config file', () => {
    const file = join(dir, 'precedence.json');
    writeFileSync(
      file,
      JSON.stringify({
        upstreams: ['file:1'],
        maxTunnels: 11,
        maxTunnelsPerSubject: 3,
        listen: '[::1]:7000',
      }),
    );
    const config = load(['--config', file, '--max-tunnels', '33'], {
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS,
      BEATS_GATE_UNWRAPPER_MAX_TUNNELS: '22',
      BEATS_GATE_UNWRAPPER_MAX_TUNNELS_PER_SUBJECT: '4',
    });
    assert.equal(config.maxTunnels, 33);
    assert.equal(config.maxTunnelsPerSubject, 4);
    assert.deepEqual(config.upstreams, [{ host: 'file', port: 1 }]);
    assert.deepEqual(config.listen, { host: '::1', port: 7000 });
  });

  it('reports every problem at once, naming where each came from, never the secret', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ maxTunels: 1, pingIntervalMs: 'often' }));
    const found = problems(['--config', file, '--max-payload-bytes', '12', '--stray'], {
      BEATS_GATE_UNWRAPPER_LISTEN: 'nowhere',
      BEATS_GATE_UNWRAPPER_UPSTREAM_STRATEGY: 'random',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: `${KEYS},short:${SECRET.slice(0, 10)}`,
      BEATS_GATE_UNWRAPPER_UPSTREAM_CA_FILE: join(dir, 'missing.pem'),
      BEATS_GATE_UNWRAPPER_JWT_ISSUER: 'iss',
    });
    const text = found.join('\n');
    for (const expected of [
      /^unknown option --stray \(see --help\)$/m,
      /^file key "maxTunels" in .*bad\.json: not an option/m,
      /^file key "pingIntervalMs" in .*bad\.json: expected an integer/m,
      /^--max-payload-bytes: expected an integer from 1024/m,
      /^BEATS_GATE_UNWRAPPER_LISTEN: expected host:port/m,
      /^BEATS_GATE_UNWRAPPER_UPSTREAM_STRATEGY: expected one of least-connections, round-robin/m,
      /^--upstreams, BEATS_GATE_UNWRAPPER_UPSTREAMS, file key "upstreams": required/m,
      /BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: assertion key #3 \(kid "short"\)/,
      /^BEATS_GATE_UNWRAPPER_UPSTREAM_CA_FILE: cannot read file .* \(ENOENT\)/m,
      /^BEATS_GATE_UNWRAPPER_UPSTREAM_CA_FILE: needs upstreamTls \(--upstream-tls\)$/m,
      /^BEATS_GATE_UNWRAPPER_JWT_ISSUER: needs jwtJwksUrl or jwtJwksFile$/m,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(found.length, 11, text);
    assert.doesNotMatch(text, new RegExp(SECRET.slice(0, 10)));
  });

  it('reads keys and TLS material from files', () => {
    const keys = join(dir, 'keys');
    const ca = join(dir, 'ca.pem');
    writeFileSync(keys, `${KEYS}\n`);
    writeFileSync(ca, 'PEM');
    const config = load(
      ['--upstream-tls', '--upstream-ca-file', ca, '--upstream-servername', 'logstash.internal'],
      { BEATS_GATE_UNWRAPPER_UPSTREAMS: 'a:1', BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE: keys },
    );
    assert.equal(config.assertionKeys.length, 2);
    assert.equal(config.upstreamTls?.ca?.toString(), 'PEM');
    assert.equal(config.upstreamTls?.servername, 'logstash.internal');
  });

  it('wants both halves of a certificate and one source of keys', () => {
    const pem = join(dir, 'x.pem');
    writeFileSync(pem, 'PEM');
    const found = problems(['--tls-cert-file', pem, '--upstream-cert-file', pem], {
      BEATS_GATE_UNWRAPPER_UPSTREAMS: 'a:1',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS,
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE: pem,
      BEATS_GATE_UNWRAPPER_UPSTREAM_TLS: 'true',
    }).join('\n');
    assert.match(found, /^--upstream-cert-file: needs upstreamKeyFile too/m);
    assert.match(found, /^--tls-cert-file: needs tlsKeyFile too/m);
    assert.match(
      found,
      /BEATS_GATE_UNWRAPPER_ASSERTION_KEYS and BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE: give one/,
    );
  });

  it('returns the help text, which documents every option', () => {
    const result = loadConfig(['--help'], {});
    assert.equal(result.kind, 'print');
    for (const key of Object.keys(UNWRAPPER_COMMAND.options)) {
      assert.ok(result.text.includes(flagName(key)), key);
      assert.ok(result.text.includes(envName(UNWRAPPER_COMMAND.envPrefix, key)), key);
    }
  });

  it('reads the same settings from a YAML file as from JSON, lists as YAML sequences', () => {
    const yaml = join(dir, 'unwrapper.yaml');
    writeFileSync(
      yaml,
      [
        'upstreams: [logstash-a:5044, "[::1]:5045"]',
        'maxTunnels: 11',
        'upstreamGroups:',
        '  acme: [10.0.0.1:5044]',
        'inspectClaims: [tenant, site]',
      ].join('\n'),
    );
    const config = load(['--config', yaml], { BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEYS });
    assert.deepEqual(config.upstreams, [
      { host: 'logstash-a', port: 5044 },
      { host: '::1', port: 5045 },
    ]);
    assert.equal(config.maxTunnels, 11);
    assert.deepEqual(config.upstreamGroups?.acme, [{ host: '10.0.0.1', port: 5044 }]);
    assert.deepEqual(config.inspectClaims, ['tenant', 'site']);
  });
});
