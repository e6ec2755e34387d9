import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateAssertionKey } from '@beats-gate/protocol';
import { ConfigError, loadConfig } from './load-config.ts';
import { OPTIONS } from './options.ts';

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
    const base = { UNWRAPPER_UPSTREAMS: 'l:5044', UNWRAPPER_ASSERTION_KEYS: KEYS };
    assert.equal(load([], { ...base, UNWRAPPER_ADMIN_TOKEN_FILE: file }).adminToken, token);
    assert.equal(load([], base).adminToken, undefined);
    const short = problems([], { ...base, UNWRAPPER_ADMIN_TOKEN: 'hunter2' });
    assert.ok(
      short.some((p) =>
        /^UNWRAPPER_ADMIN_TOKEN: expected a token of at least 32 characters/.test(p),
      ),
      short.join('\n'),
    );
    assert.ok(!short.join('\n').includes('hunter2'), 'the token is never printed');
    const both = problems([], {
      ...base,
      UNWRAPPER_ADMIN_TOKEN: token,
      UNWRAPPER_ADMIN_TOKEN_FILE: file,
    });
    assert.ok(both.some((p) => /give one of them, not both/.test(p)));
  });

  it('reads the environment and applies defaults', () => {
    const config = load([], {
      UNWRAPPER_UPSTREAMS: 'logstash-a:5044, 10.0.0.2:5045',
      UNWRAPPER_ASSERTION_KEYS: KEYS,
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
      UNWRAPPER_ASSERTION_KEYS: KEYS,
      UNWRAPPER_MAX_TUNNELS: '22',
      UNWRAPPER_MAX_TUNNELS_PER_SUBJECT: '4',
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
      UNWRAPPER_LISTEN: 'nowhere',
      UNWRAPPER_UPSTREAM_STRATEGY: 'random',
      UNWRAPPER_ASSERTION_KEYS: `${KEYS},short:${SECRET.slice(0, 10)}`,
      UNWRAPPER_UPSTREAM_CA_FILE: join(dir, 'missing.pem'),
      UNWRAPPER_JWT_ISSUER: 'iss',
    });
    const text = found.join('\n');
    for (const expected of [
      /unknown argument "--stray"/,
      /unknown key "maxTunels"/,
      /key "pingIntervalMs": expected an integer/,
      /--max-payload-bytes: expected an integer from 1024/,
      /UNWRAPPER_LISTEN: expected host:port/,
      /UNWRAPPER_UPSTREAM_STRATEGY: expected least-connections or round-robin/,
      /UNWRAPPER_UPSTREAMS: required/,
      /UNWRAPPER_ASSERTION_KEYS: assertion key #3 \(kid "short"\)/,
      /UNWRAPPER_UPSTREAM_CA_FILE: cannot read file .* \(ENOENT\)/,
      /UNWRAPPER_JWT_ISSUER: only meaningful with jwtJwksUrl or jwtJwksFile/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(found.length, 10, text);
    assert.doesNotMatch(text, new RegExp(SECRET.slice(0, 10)));
  });

  it('reads keys and TLS material from files', () => {
    const keys = join(dir, 'keys');
    const ca = join(dir, 'ca.pem');
    writeFileSync(keys, `${KEYS}\n`);
    writeFileSync(ca, 'PEM');
    const config = load(
      ['--upstream-tls', '--upstream-ca-file', ca, '--upstream-servername', 'logstash.internal'],
      { UNWRAPPER_UPSTREAMS: 'a:1', UNWRAPPER_ASSERTION_KEYS_FILE: keys },
    );
    assert.equal(config.assertionKeys.length, 2);
    assert.equal(config.upstreamTls?.ca?.toString(), 'PEM');
    assert.equal(config.upstreamTls?.servername, 'logstash.internal');
  });

  it('wants both halves of a certificate and one source of keys', () => {
    const pem = join(dir, 'x.pem');
    writeFileSync(pem, 'PEM');
    const found = problems(['--tls-cert-file', pem, '--upstream-cert-file', pem], {
      UNWRAPPER_UPSTREAMS: 'a:1',
      UNWRAPPER_ASSERTION_KEYS: KEYS,
      UNWRAPPER_ASSERTION_KEYS_FILE: pem,
      UNWRAPPER_UPSTREAM_TLS: 'true',
    }).join('\n');
    assert.match(
      found,
      /--upstream-cert-file and UNWRAPPER_UPSTREAM_KEY_FILE: give both or neither/,
    );
    assert.match(found, /--tls-cert-file and UNWRAPPER_TLS_KEY_FILE: give both or neither/);
    assert.match(found, /UNWRAPPER_ASSERTION_KEYS and UNWRAPPER_ASSERTION_KEYS_FILE: give one/);
  });

  it('returns the help text, which documents every option', () => {
    const result = loadConfig(['--help'], {});
    assert.equal(result.kind, 'help');
    for (const spec of OPTIONS) {
      assert.ok(result.text.includes(`--${spec.flag}`), spec.flag);
      assert.ok(result.text.includes(spec.env), spec.env);
    }
  });
});
