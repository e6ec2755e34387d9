import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClient } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  jwt,
  listenerConfig,
  startEdge,
  tempDir,
  waitFor,
} from './helpers.ts';

const dir = await tempDir('beats-gate-401-');

/** A token command that prints token-1, token-2, … (one more per run), never cached (opaque). */
async function countingCommand(): Promise<string> {
  const counter = join(dir, `counter-${Math.random()}`);
  await writeFile(counter, '');
  return `printf x >> '${counter}'; printf 'token-%s' "$(wc -c < '${counter}' | tr -d ' ')"`;
}

describe('edge answers 401', () => {
  it('refreshes the token once, retries, then closes the Beats socket with nothing written', async () => {
    const edge = await startEdge({
      decide: () => ({
        status: 401,
        headers: {
          'www-authenticate': 'Bearer error="invalid_token"',
          'content-type': 'application/json',
        },
        body: '{"error":"ERR_JWT_EXPIRED"}',
      }),
    });
    const logs = captureLogger();
    const command = await countingCommand();
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'command', command, timeoutMs: 5000 })]),
      { logger: logs.logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      beats.socket.write(Buffer.from('2W\0\0\0\x01'));
      await beats.closed;
      assert.equal(beats.received().length, 0, 'the client wrote bytes to Beats');
      assert.deepEqual(
        edge.requests.map((r) => r.authorization),
        // token-1 went to the start-up check, which runs the command once.
        ['Bearer token-2', 'Bearer token-3'],
      );
      const failure = logs.events.find((e) => e.event === 'handshake_failed');
      assert.equal(failure?.status, 401);
      assert.equal(failure?.code, 'ERR_HANDSHAKE_UNAUTHORIZED');
      assert.equal(failure?.edgeCode, 'ERR_JWT_EXPIRED');
      assert.equal(failure?.retryInMs, undefined, 'a 401 must not put the listener in backoff');
      assert.ok(!logs.lines.some((line) => /token-[123]\b/.test(line)));
      assert.equal(client.status().lastError?.status, 401);
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('opens the tunnel when the refreshed token is accepted', async () => {
    const edge = await startEdge({
      decide: (request) =>
        // token-1 went to the start-up check, token-2 is refused, token-3 accepted.
        request.authorization === 'Bearer token-2' ? { status: 401 } : undefined,
    });
    const command = await countingCommand();
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'command', command, timeoutMs: 5000 })]),
      { logger: captureLogger().logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      beats.socket.write('ping');
      await waitFor(() => beats.received().toString() === 'ping', 'echo through the tunnel');
      assert.equal(edge.requests.length, 2);
      beats.socket.destroy();
    } finally {
      await client.close();
      await edge.close();
    }
  });
});

describe('edge overloaded or unreachable', () => {
  for (const status of [429, 503]) {
    it(`backs off after ${status} with Retry-After, resetting new Beats connections meanwhile`, async () => {
      let now = 1_700_000_000_000;
      let refuse = true;
      const edge = await startEdge({
        decide: () => (refuse ? { status, headers: { 'retry-after': '30' } } : undefined),
      });
      const logs = captureLogger();
      const client = createClient(
        clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('abc') })], {
          backoffInitialMs: 1000,
          backoffMaxMs: 60_000,
        }),
        { logger: logs.logger, now: () => now, random: () => 0.5 },
      );
      try {
        const port = (await client.listen()).listeners[0]?.port ?? 0;
        const first = await connectBeats(port);
        await first.closed;
        assert.equal(first.received().length, 0);
        const failure = logs.events.find((e) => e.event === 'handshake_failed');
        assert.equal(failure?.status, status);
        assert.equal(failure?.retryAfterMs, 30_000);
        assert.equal(failure?.retryInMs, 30_500, 'Retry-After plus jitter below the first ceiling');
        assert.equal(
          client.status().listeners[0]?.backoffUntil,
          new Date(now + 30_500).toISOString(),
        );

        // During the backoff the edge is not contacted: Beats is reset at once.
        const second = await connectBeats(port);
        await second.closed;
        assert.equal(second.received().length, 0);
        assert.equal(edge.requests.length, 1);
        const refused = logs.events.find((e) => e.event === 'connection_refused');
        assert.equal(refused?.reason, 'backoff');
        assert.equal(refused?.retryInMs, 30_500);

        // After the backoff a handshake is tried again, and success clears the backoff.
        now += 30_501;
        refuse = false;
        const third = await connectBeats(port);
        third.socket.write('hello');
        await waitFor(() => third.received().toString() === 'hello', 'echo after backoff');
        assert.equal(edge.requests.length, 2);
        assert.equal(client.status().listeners[0]?.backoffUntil, null);
        assert.equal(client.status().listeners[0]?.consecutiveFailures, 0);
        third.socket.destroy();
      } finally {
        await client.close();
        await edge.close();
      }
    });
  }

  it('backs off when nothing listens at the edge address, growing the jitter ceiling', async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port: deadPort } = probe.address() as { port: number };
    await new Promise((done) => probe.close(done));
    let now = 1_700_000_000_000;
    const logs = captureLogger();
    const client = createClient(
      clientConfig(
        [
          listenerConfig(`ws://127.0.0.1:${deadPort}/v1/tunnel`, {
            type: 'static',
            token: jwt('abc'),
          }),
        ],
        {
          backoffInitialMs: 1000,
          backoffMaxMs: 4000,
        },
      ),
      { logger: logs.logger, now: () => now, random: () => 0.999 },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const delays: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        const beats = await connectBeats(port);
        await beats.closed;
        assert.equal(beats.received().length, 0);
        const failures = logs.events.filter((e) => e.event === 'handshake_failed');
        assert.equal(failures.at(-1)?.code, 'ERR_HANDSHAKE_NETWORK');
        delays.push(failures.at(-1)?.retryInMs);
        now += 10_000;
      }
      assert.deepEqual(delays, [999, 1998, 3996, 3996]);
    } finally {
      await client.close();
    }
  });
});

describe('edge answers 401 to a static token', () => {
  it('does not retry: the same token would be refused again', async () => {
    const edge = await startEdge({ decide: () => ({ status: 401 }) });
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('old') })]),
      {
        logger: captureLogger().logger,
      },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      await beats.closed;
      assert.equal(beats.received().length, 0);
      assert.equal(edge.requests.length, 1);
    } finally {
      await client.close();
      await edge.close();
    }
  });
});
