import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, flagName, envName } from '@beats-gate/kit';
import { loadConfig } from './load-config.ts';
import { CLIENT_COMMAND } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'beats-gate-config-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'abc');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(argv: string[], env: Record<string, string> = {}) {
  const loaded = loadConfig(argv, env);
  assert.equal(loaded.kind, 'config');
  return loaded.config;
}

function problemsOf(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    loadConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('builds one loopback listener on 127.0.0.1:5044 by default', () => {
    const config = load(['--url', 'wss://telemetry.example.com', '--token-file', tokenFile]);
    assert.equal(config.listeners.length, 1);
    const [listener] = config.listeners;
    assert.equal(listener?.host, '127.0.0.1');
    assert.equal(listener?.port, 5044);
    assert.equal(listener?.name, 'default');
    assert.equal(listener?.url.href, 'wss://telemetry.example.com/v1/tunnel');
    assert.deepEqual(listener?.token, { type: 'file', path: tokenFile });
    assert.equal(config.pingIntervalMs, 25_000);
    assert.equal(config.highWaterMark, 1024 * 1024);
    assert.equal(config.allowRemote, false);
  });

  it('refuses a non-loopback listen address unless --allow-remote is given', () => {
    const argv = ['--url', 'wss://edge.example', '--token', 'abc', '--listen', '0.0.0.0:5044'];
    const problems = problemsOf(argv);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? '',
      /^--listen: 0\.0\.0\.0 is not a loopback address.*--allow-remote/,
    );
    assert.equal(load([...argv, '--allow-remote']).listeners[0]?.host, '0.0.0.0');
    const admin = problemsOf(['--url', 'wss://edge.example', '--token', 'abc'], {
      BEATS_GATE_CLIENT_ADMIN_LISTEN: '[::]:9750',
    });
    assert.match(admin.join('\n'), /^BEATS_GATE_CLIENT_ADMIN_LISTEN: :: is not a loopback address/);
  });

  it('reports every problem at once, naming each source, never echoing a secret', () => {
    const problems = problemsOf(
      [
        '--url',
        'http://edge.example',
        '--listen',
        'nope',
        '--ping-interval-ms',
        '5',
        '--headers',
        'Authorization: x',
      ],
      {
        BEATS_GATE_CLIENT_TOKEN: 'super secret',
        BEATS_GATE_CLIENT_TOKEN_FILE: tokenFile,
        BEATS_GATE_CLIENT_METRICS: 'maybe',
        BEATS_GATE_CLIENT_BACKOFF_MAX_MS: '10',
        BEATS_GATE_CLIENT_LOG_LEVEL: 'loud',
      },
    );
    const text = problems.join('\n');
    for (const expected of [
      /^--url: must be wss:\/\/ or ws:\/\/ \(loopback only\); the tunnel is a WebSocket: wss:\/\/edge\.example$/m,
      /^--listen: expected host:port/m,
      /^--ping-interval-ms: expected an integer from 1000 to 600000, got "5"$/m,
      /^--headers: header "Authorization" is set by the client itself/m,
      /^BEATS_GATE_CLIENT_TOKEN: a token has no spaces$/m,
      /^listener: more than one token source in the environment \(BEATS_GATE_CLIENT_TOKEN, BEATS_GATE_CLIENT_TOKEN_FILE\); choose one$/m,
      /^BEATS_GATE_CLIENT_METRICS: expected true or false/m,
      /^BEATS_GATE_CLIENT_BACKOFF_MAX_MS: must not be below backoffInitialMs$/m,
      /^BEATS_GATE_CLIENT_LOG_LEVEL: expected one of fatal, error/m,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(problems.length, 9, text);
    assert.doesNotMatch(text, /super secret/);
  });

  it('takes flags over environment over file', () => {
    const file = write(
      'precedence.json',
      JSON.stringify({
        url: 'wss://from-file.example',
        pingIntervalMs: 21000,
        handshakeTimeoutMs: 3000,
        tokenCommand: ['x'],
      }),
    );
    const config = load(
      ['--config', file, '--ping-interval-ms', '23000', '--token-file', tokenFile],
      {
        BEATS_GATE_CLIENT_PING_INTERVAL_MS: '22000',
        BEATS_GATE_CLIENT_HANDSHAKE_TIMEOUT_MS: '4000',
        BEATS_GATE_CLIENT_URL: 'wss://from-env.example/v1/tunnel',
      },
    );
    assert.equal(config.pingIntervalMs, 23_000);
    assert.equal(config.handshakeTimeoutMs, 4000);
    assert.equal(config.listeners[0]?.url.href, 'wss://from-env.example/v1/tunnel');
    assert.deepEqual(
      config.listeners[0]?.token,
      { type: 'file', path: tokenFile },
      'the flag source replaces the file one',
    );
  });

  it('reads several listeners from a YAML file, each with its own url and token source', () => {
    // The example of --help, word for word.
    const example = CLIENT_COMMAND.notes?.split('\n').filter((line) => line.startsWith('  '));
    assert.ok(example && example.length === 7);
    const file = write(
      'listeners.yaml',
      [
        ...example.map((line) => line.slice(2).replace('/etc/beats-gate/token', tokenFile)),
        '  - name: heartbeat',
        '    listen: "[::1]:5046"',
        '    url: wss://other.example',
        '    tokenCommand: [/usr/bin/get-token, --audience, beats]',
        '    headers: { X-Beat: heartbeat }',
        'headers: { X-Fleet: plant-7 }',
        'adminListen: 127.0.0.1:9750',
        'metrics: true',
      ]
        .join('\n')
        .replace('/etc/beats-gate/pb', tokenFile),
    );
    const config = load([], { BEATS_GATE_CLIENT_CONFIG: file });
    assert.deepEqual(
      config.listeners.map((l) => [l.name, l.port, l.url.host, l.token.type]),
      [
        ['filebeat', 5044, 'telemetry.example.com', 'file'],
        ['packetbeat', 5045, 'telemetry.example.com', 'file'],
        ['heartbeat', 5046, 'other.example', 'command'],
      ],
    );
    assert.deepEqual(config.listeners[2]?.headers, { 'X-Fleet': 'plant-7', 'X-Beat': 'heartbeat' });
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9750, metrics: true });
    const single = load(['--listen', '127.0.0.1:6000', '--config', file]);
    assert.deepEqual(
      single.listeners.map((l) => [l.name, l.port]),
      [['default', 6000]],
      'a --listen flag replaces the file listeners with one',
    );
  });

  it('reports file problems together: unknown keys, bad listeners, missing files', () => {
    const file = write(
      'bad.json',
      JSON.stringify({
        url: 'wss://edge.example',
        tokenFil: 'typo',
        oauthTokenUrl: 'http://idp.example/token',
        listeners: [{ name: 'a', listen: '127.0.0.1:1', extra: 1 }, { name: 'a' }, 'x'],
        caFile: join(dir, 'missing.pem'),
      }),
    );
    const text = problemsOf(['--config', file]).join('\n');
    assert.match(text, /file key "tokenFil" in .*: not an option/);
    assert.match(text, /file key "listeners\[0\]\.extra" in .*: not an option of a listener/);
    assert.match(text, /listeners\[1\]\.listen.*: required/);
    assert.match(text, /file key "listeners\[2\]" in .*: expected an object/);
    assert.match(text, /file key "oauthTokenUrl" in .*: must be https:\/\//);
    assert.match(text, /OAuth needs a client id/);
    assert.match(text, /file key "caFile" in .*: cannot read file ".*missing\.pem" \(ENOENT\)/);
  });

  it('builds an OAuth source from several layers', () => {
    const config = load(
      [
        '--url',
        'wss://edge.example',
        '--oauth-token-url',
        'https://idp.example/oauth/token',
        '--oauth-scope',
        'beats',
      ],
      {
        BEATS_GATE_CLIENT_OAUTH_CLIENT_ID: 'device-1',
        BEATS_GATE_CLIENT_OAUTH_CLIENT_SECRET: 'shh',
      },
    );
    const token = config.listeners[0]?.token;
    assert.equal(token?.type, 'oauth');
    assert.equal(token?.type === 'oauth' && token.clientSecret, 'shh');
    assert.equal(token?.type === 'oauth' && token.scope, 'beats');
  });

  it('reports unknown options and stray arguments', () => {
    const problems = problemsOf(['stray', '--url', 'wss://e.example', '--token', 'a', '--bogus']);
    assert.match(problems.join('\n'), /unknown option --bogus/);
    assert.match(problems.join('\n'), /unexpected argument\(s\): 1/);
  });

  it('answers --help with a text naming every flag and environment variable', () => {
    const help = loadConfig(['--help'], {});
    assert.equal(help.kind, 'print');
    for (const [key, spec] of Object.entries(CLIENT_COMMAND.options)) {
      const env = envName(CLIENT_COMMAND.envPrefix, key);
      assert.ok(help.text.includes(env), `${env} missing from --help`);
      if (!spec.noFlag) assert.ok(help.text.includes(flagName(key)), `${key} has no flag`);
    }
    assert.match(help.text, /BEATS_GATE_CLIENT_CONFIG/);
    assert.match(
      help.text,
      /listeners:\n {4}- \{ name: filebeat/,
      'the config file example is missing',
    );
  });
});
