import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, HelpRequested } from '../errors.ts';
import { loadConfig } from './load-config.ts';
import { OPTIONS } from './options.ts';

let dir: string;
let tokenFile: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'beats-gate-config-'));
  tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'abc');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(
  argv: string[],
  env: Record<string, string> = {},
): Promise<readonly string[]> {
  try {
    await loadConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('builds one loopback listener on 127.0.0.1:5044 by default', async () => {
    const config = await loadConfig(
      ['--url', 'wss://telemetry.example.com', '--token-file', tokenFile],
      {},
    );
    assert.equal(config.listeners.length, 1);
    const [listener] = config.listeners;
    assert.equal(listener?.host, '127.0.0.1');
    assert.equal(listener?.port, 5044);
    assert.equal(listener?.name, 'default');
    assert.equal(listener?.url.href, 'wss://telemetry.example.com/v1/tunnel');
    assert.deepEqual(listener?.token, { type: 'file', path: tokenFile });
    assert.equal(config.pingIntervalMs, 25_000);
    assert.equal(config.allowRemote, false);
  });

  it('refuses a non-loopback listen address unless --allow-remote is given', async () => {
    const argv = ['--url', 'wss://edge.example', '--token', 'abc', '--listen', '0.0.0.0:5044'];
    const problems = await problemsOf(argv);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? '',
      /--listen: 0\.0\.0\.0 is not a loopback address.*--allow-remote/,
    );
    const config = await loadConfig([...argv, '--allow-remote'], {});
    assert.equal(config.listeners[0]?.host, '0.0.0.0');
    const admin = await problemsOf([
      '--url',
      'wss://edge.example',
      '--token',
      'abc',
      '--admin-listen',
      '[::]:9750',
    ]);
    assert.match(admin.join('\n'), /--admin-listen: :: is not a loopback address/);
  });

  it('reports every problem at once, naming each source, never echoing a secret', async () => {
    const problems = await problemsOf(
      [
        '--url',
        'http://edge.example',
        '--listen',
        'nope',
        '--ping-interval',
        '5',
        '--header',
        'Authorization: x',
      ],
      {
        BEATS_GATE_TOKEN: 'super secret',
        BEATS_GATE_TOKEN_FILE: '/also/a/source',
        BEATS_GATE_METRICS: 'maybe',
        BEATS_GATE_BACKOFF_MAX_MS: '10',
        BEATS_GATE_LOG_LEVEL: 'loud',
      },
    );
    const text = problems.join('\n');
    for (const expected of [
      /--url: must be wss:\/\//,
      /--listen: expected host:port/,
      /--ping-interval: 5 is outside 1000-600000/,
      /--header: header "Authorization" is set by the client itself/,
      /more than one token source in the environment \(BEATS_GATE_TOKEN, BEATS_GATE_TOKEN_FILE\)/,
      /BEATS_GATE_METRICS: expected true or false/,
      /BEATS_GATE_BACKOFF_MAX_MS: must not be below the initial backoff/,
      /BEATS_GATE_LOG_LEVEL: expected one of/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(problems.length, 8, text);
    assert.doesNotMatch(text, /super secret/);
  });

  it('takes flags over environment over file', async () => {
    const file = join(dir, 'precedence.json');
    await writeFile(
      file,
      JSON.stringify({
        url: 'wss://from-file.example',
        pingIntervalMs: 21000,
        handshakeTimeoutMs: 3000,
        tokenCommand: ['x'],
      }),
    );
    const config = await loadConfig(
      ['--config', file, '--ping-interval', '23000', '--token-file', tokenFile],
      {
        BEATS_GATE_PING_INTERVAL_MS: '22000',
        BEATS_GATE_HANDSHAKE_TIMEOUT_MS: '4000',
        BEATS_GATE_URL: 'wss://from-env.example/custom',
      },
    );
    assert.equal(config.pingIntervalMs, 23_000);
    assert.equal(config.handshakeTimeoutMs, 4000);
    assert.equal(config.listeners[0]?.url.href, 'wss://from-env.example/custom');
    assert.deepEqual(
      config.listeners[0]?.token,
      { type: 'file', path: tokenFile },
      'the flag source replaces the file one',
    );
  });

  it('reads several listeners from the config file, each with its own url and token source', async () => {
    const file = join(dir, 'listeners.json');
    await writeFile(
      file,
      JSON.stringify({
        url: 'wss://edge.example/v1/tunnel',
        tokenFile,
        headers: { 'X-Fleet': 'plant-7' },
        adminListen: '127.0.0.1:9750',
        metrics: true,
        listeners: [
          { name: 'filebeat', listen: '127.0.0.1:5044' },
          {
            name: 'packetbeat',
            listen: '127.0.0.1:5045',
            url: 'wss://other.example',
            tokenCommand: ['/usr/bin/get-token', '--audience', 'beats'],
            headers: { 'X-Beat': 'packetbeat' },
          },
        ],
      }),
    );
    const config = await loadConfig([], { BEATS_GATE_CONFIG: file });
    assert.deepEqual(
      config.listeners.map((l) => [l.name, l.port, l.url.host, l.token.type]),
      [
        ['filebeat', 5044, 'edge.example', 'file'],
        ['packetbeat', 5045, 'other.example', 'command'],
      ],
    );
    assert.deepEqual(config.listeners[1]?.headers, {
      'X-Fleet': 'plant-7',
      'X-Beat': 'packetbeat',
    });
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9750, metrics: true });
  });

  it('reports file problems together: unknown keys, bad listeners, missing files', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        url: 'wss://edge.example',
        tokenFil: 'typo',
        oauthTokenUrl: 'http://idp.example/token',
        listeners: [{ name: 'a', listen: '127.0.0.1:1', extra: 1 }, { name: 'a' }, 'x'],
        caFile: join(dir, 'missing.pem'),
      }),
    );
    const problems = await problemsOf(['--config', file], {});
    const text = problems.join('\n');
    assert.match(text, /unknown key "tokenFil"/);
    assert.match(text, /listeners\[0\]: key "extra" is not allowed/);
    assert.match(text, /listeners\[1\] key "listen": required/);
    assert.match(text, /listeners\[2\]: expected an object/);
    assert.match(text, /oauthTokenUrl": must be https:\/\//);
    assert.match(text, /OAuth needs a client id/);
    assert.match(text, /caFile": cannot read .*missing\.pem.*ENOENT/);
  });

  it('builds an OAuth source from several layers', async () => {
    const config = await loadConfig(
      [
        '--url',
        'wss://edge.example',
        '--oauth-token-url',
        'https://idp.example/oauth/token',
        '--oauth-scope',
        'beats',
      ],
      { BEATS_GATE_OAUTH_CLIENT_ID: 'device-1', BEATS_GATE_OAUTH_CLIENT_SECRET: 'shh' },
    );
    const token = config.listeners[0]?.token;
    assert.equal(token?.type, 'oauth');
    assert.equal(token?.type === 'oauth' && token.clientSecret, 'shh');
    assert.equal(token?.type === 'oauth' && token.scope, 'beats');
  });

  it('reports unknown options and stray arguments', async () => {
    const problems = await problemsOf([
      '--url',
      'wss://e.example',
      '--token',
      'a',
      '--bogus',
      'stray',
    ]);
    assert.match(problems.join('\n'), /unknown option --bogus/);
  });

  it('answers --help with a text documenting every flag and environment variable', async () => {
    await assert.rejects(loadConfig(['--help'], {}), (error: unknown) => {
      assert.ok(error instanceof HelpRequested);
      for (const spec of OPTIONS) {
        assert.match(
          error.text,
          new RegExp(`\\b${spec.env}\\b`),
          `${spec.env} missing from --help`,
        );
        if (!spec.noFlag)
          assert.ok(error.text.includes(spec.flag.split(' ')[0] ?? ''), `${spec.flag} missing`);
      }
      assert.match(error.text, /BEATS_GATE_CONFIG/);
      assert.match(error.text, /"listeners": \[/, 'the config file example is missing');
      return true;
    });
  });
});
