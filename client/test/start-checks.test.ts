import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createClient, type TokenSource } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  fakeJwt,
  listenerConfig,
  startEdge,
  tempDir,
  waitFor,
  within,
} from './helpers.ts';

const dir = await tempDir('beats-gate-start-');
const edgeUrl = 'ws://127.0.0.1:9/v1/tunnel';
const bin = resolve(import.meta.dirname, '../bin/beats-gate-client.ts');

async function start(token: TokenSource, url = edgeUrl) {
  const logs = captureLogger();
  const client = createClient(clientConfig([listenerConfig(url, token)]), {
    logger: logs.logger,
  });
  const started = await client.listen().then(
    (bound) => ({ ok: true as const, bound }),
    (error: Error & { code?: string }) => ({ ok: false as const, error }),
  );
  return { client, logs, started };
}

function eventOf(logs: ReturnType<typeof captureLogger>, name: string) {
  return logs.events.find((line) => line.event === name);
}

describe('start-up checks', () => {
  it('refuses to start when the token file does not hold a JWT, and binds nothing', async () => {
    const path = join(dir, 'garbage');
    await writeFile(path, 'not-a-jwt\n');
    const { client, logs, started } = await start({ type: 'file', path });
    try {
      assert.ok(!started.ok);
      assert.equal(started.error.code, 'ERR_TOKEN_INVALID');
      assert.equal(
        started.error.message,
        `token file "${path}" does not hold a JWT; the edge accepts nothing else`,
      );
      assert.equal(eventOf(logs, 'listening'), undefined);
    } finally {
      await client.close();
    }
  });

  it('refuses a static token that is not a JWT', async () => {
    const { client, started } = await start({ type: 'static', token: 'opaque' });
    await client.close();
    assert.ok(!started.ok);
    assert.match(started.error.message, /^the static token \(--token\) does not hold a JWT/);
  });

  it('starts with an expired token, warning loudly with its expiry', async () => {
    const path = join(dir, 'expired');
    const exp = Math.floor(Date.now() / 1000) - 3600;
    await writeFile(path, fakeJwt({ sub: 'd', exp }));
    const { client, logs, started } = await start({ type: 'file', path });
    try {
      assert.ok(started.ok);
      const warning = eventOf(logs, 'token_expired');
      const expiresAt = new Date(exp * 1000).toISOString();
      assert.equal(warning?.level, 'warn');
      assert.equal(warning?.expiresAt, expiresAt);
      assert.match(String(warning?.reason), new RegExp(`expired at ${expiresAt}`));
      assert.deepEqual(warning?.listeners, ['test']);
      assert.ok(eventOf(logs, 'listening'));
    } finally {
      await client.close();
    }
  });

  it('starts while the token file is missing, warning with the part and the fix', async () => {
    const path = join(dir, 'written-later');
    const { client, logs, started } = await start({ type: 'file', path });
    try {
      assert.ok(started.ok);
      const warning = eventOf(logs, 'token_check_failed');
      assert.equal(warning?.code, 'ERR_TOKEN_FILE');
      assert.equal(warning?.part, 'token');
      assert.match(String(warning?.reason), /ENOENT/);
      assert.match(String(warning?.fix), /token file/);
    } finally {
      await client.close();
    }
  });

  it('runs the token command once, and its JWT serves the first connection', async () => {
    const counter = join(dir, 'runs');
    const tokenFile = join(dir, 'command-jwt');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    await writeFile(counter, '');
    await writeFile(tokenFile, fakeJwt({ sub: 'd', exp }));
    const edge = await startEdge();
    const command = `printf x >> '${counter}'; cat '${tokenFile}'`;
    const { client, logs, started } = await start(
      { type: 'command', command, timeoutMs: 5000 },
      edge.url,
    );
    try {
      assert.ok(started.ok);
      assert.equal(await readFile(counter, 'utf8'), 'x');
      assert.equal(eventOf(logs, 'token_checked')?.expiresAt, new Date(exp * 1000).toISOString());
      const beats = await connectBeats(started.bound.listeners[0]?.port ?? 0);
      await waitFor(() => edge.requests.length === 1, 'the handshake');
      assert.equal(await readFile(counter, 'utf8'), 'x', 'the command ran again');
      beats.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('starts when the token command fails, warning with its stderr', async () => {
    const { client, logs, started } = await start({
      type: 'command',
      command: 'echo "idp unreachable" >&2; exit 7',
      timeoutMs: 5000,
    });
    try {
      assert.ok(started.ok);
      const warning = eventOf(logs, 'token_check_failed');
      assert.equal(warning?.code, 'ERR_TOKEN_COMMAND');
      assert.equal(warning?.reason, 'token command failed: exit status 7; stderr: idp unreachable');
    } finally {
      await client.close();
    }
  });

  it('the command exits 1 naming a garbage token file, and 2 for a wrong URL path', async () => {
    const path = join(dir, 'garbage-bin');
    await writeFile(path, 'garbage\n');
    const runBin = async (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await within(
        new Promise<number | null>((done) => child.once('exit', done)),
        'the client to exit',
      );
      return { code, output };
    };
    const listen = ['--listen', '127.0.0.1:0'];
    const garbage = await runBin(['--url', edgeUrl, '--token-file', path, ...listen]);
    assert.equal(garbage.code, 1);
    assert.match(garbage.output, /"event":"start_failed","code":"ERR_TOKEN_INVALID"/);
    assert.match(garbage.output, /does not hold a JWT/);
    assert.doesNotMatch(garbage.output, /"event":"listening"/);
    const wrongPath = await runBin(['--url', 'ws://127.0.0.1:9/tunnel', '--token-file', path]);
    assert.equal(wrongPath.code, 2);
    assert.match(wrongPath.output, /the path must be \/v1\/tunnel/);
  });
});
