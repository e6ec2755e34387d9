/**
 * `beats-gate-client test` and `beats-gate-unwrapper test` as an operator runs them: the real
 * bins, with the configuration the local stack gives its own client and unwrapper (same flags
 * and variables), against the running stack; then with the receiver (the Logstash stand-in)
 * stopped, and with an expired token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { within } from '@beats-gate/kit';
import { mintDevToken } from '../dev/dev-keys.ts';
import type { PartName } from '../dev/stack.ts';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';

/** A check dials with its own deadlines (2 s upstream, 10 s handshake); this only ends a hang. */
const RUN_LIMIT_MS = 60_000;

interface Run {
  code: number;
  lines: string[];
}

/** One line per step: `name ..... OK   detail` or `name ..... FAIL problem. Fix: …`. */
function verdicts(run: Run): string[] {
  return run.lines.map((line) => / \.+ (OK|FAIL) /.exec(line)?.[1] ?? `? ${line}`);
}

describe('test commands against the local stack', () => {
  let fixture: StackFixture;
  let groupUpstream: Server;
  let groupPort: number;

  before(async () => {
    // A second Logstash stand-in, reached through an upstream group, so "every upstream" is two.
    groupUpstream = createServer((socket) => socket.on('error', () => {}).end());
    groupUpstream.listen(0, '127.0.0.1');
    await once(groupUpstream, 'listening');
    groupPort = (groupUpstream.address() as AddressInfo).port;
    fixture = await startTestStack(undefined, {
      env: { unwrapper: { BEATS_GATE_UNWRAPPER_UPSTREAM_GROUPS: `acme=127.0.0.1:${groupPort}` } },
    });
  });
  after(async () => {
    await fixture?.close();
    groupUpstream?.close();
  });

  /** `<bin> test` with the part's own arguments and variables, plus `extra`. */
  function runTest(
    name: PartName,
    change: { args?: (args: string[]) => string[]; env?: Record<string, string> } = {},
  ): Promise<Run> {
    const part = fixture.stack.parts.find((candidate) => candidate.name === name);
    assert.ok(part, name);
    const args = change.args ? change.args([...part.args]) : part.args;
    const env = { PATH: process.env.PATH ?? '', ...part.env, ...change.env };
    const run = new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [part.script, 'test', ...args],
        { env, encoding: 'utf8' },
        (error, stdout) => {
          const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
          resolve({ code, lines: stdout.split('\n').filter((line) => line.length > 0) });
        },
      );
    });
    return within(run, `${name} test to finish`, RUN_LIMIT_MS);
  }

  /** The client's arguments with its token command swapped for `--token-file path`. */
  function withTokenFile(path: string) {
    return (args: string[]) => {
      const at = args.indexOf('--token-command');
      assert.ok(at >= 0, 'the stack gives the client a token command');
      args.splice(at, 2, '--token-file', path);
      return args;
    };
  }

  describe('with every part running', () => {
    it('beats-gate-client test: OK for every step, one probe tunnel, no event, exit 0', async (t) => {
      const run = await runTest('client');
      t.diagnostic(run.lines.join('\n'));
      const steps = run.lines.map((line) => line.split(' .')[0]);
      assert.deepEqual(steps, [
        'config',
        'token',
        'proxy',
        'edge dns',
        'edge tcp',
        'edge tls',
        'edge upgrade',
        'origin',
        'logstash',
      ]);
      assert.deepEqual(new Set(verdicts(run)), new Set(['OK']));
      assert.match(
        run.lines[1]!,
        /OK {3}JWT from token command, sub "dev-device", expires 20\d\d-/,
      );
      assert.match(run.lines[6]!, /OK {3}101 Switching Protocols/);
      assert.equal(run.code, 0);
      assert.deepEqual(await fixture.readEvents(), []);
    });

    it('beats-gate-client test with an expired token: names the token and stops, exit 1', async (t) => {
      const path = join(fixture.keys.dir, 'expired-token');
      const hourAgo = Date.now() - 3_600_000;
      await writeFile(
        path,
        await mintDevToken(fixture.keys, {
          sub: 'dev-device',
          ttlSeconds: 600,
          now: () => hourAgo,
        }),
      );
      const run = await runTest('client', { args: withTokenFile(path) });
      t.diagnostic(run.lines.join('\n'));
      assert.deepEqual(verdicts(run), ['OK', 'FAIL']);
      assert.match(
        run.lines[1]!,
        new RegExp(
          `^token \\.+ FAIL the token from token file ${path} expired 20\\S+ \\(50 min ago\\)\\. Fix: write a current token`,
        ),
      );
      assert.equal(run.code, 1);
    });

    it('beats-gate-unwrapper test: OK for the keys and every upstream of every group, exit 0', async (t) => {
      const run = await runTest('unwrapper');
      t.diagnostic(run.lines.join('\n'));
      assert.deepEqual(verdicts(run), ['OK', 'OK', 'OK', 'OK']);
      assert.match(run.lines[0]!, /^config \.+ OK {3}2 upstreams \(default and 1 group\)/);
      assert.match(run.lines[1]!, /^assertion keys \.+ OK {3}1 key usable: /);
      const receiver = `127.0.0.1:${fixture.stack.ports.receiver}`;
      assert.match(run.lines[2]!, new RegExp(`^upstream ${receiver} \\.+ OK {3}TCP connected`));
      assert.match(
        run.lines[3]!,
        new RegExp(`^upstream 127\\.0\\.0\\.1:${groupPort} \\[acme\\] \\.+ OK`),
      );
      assert.equal(run.code, 0);
    });
  });

  describe('with the receiver stopped', () => {
    before(() => fixture.stack.stop('receiver'));
    after(() => fixture.stack.start('receiver'));

    it('beats-gate-client test: names Logstash, exit 1', async (t) => {
      const run = await runTest('client');
      t.diagnostic(run.lines.join('\n'));
      assert.deepEqual(verdicts(run), ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'FAIL']);
      assert.match(
        run.lines.at(-1)!,
        /^logstash \.+ FAIL origin cannot reach Logstash: edge answered 50\d ERR_UPSTREAM_\w+\. Fix: .*Logstash's beats input/,
      );
      assert.equal(run.code, 1);
    });

    it('beats-gate-unwrapper test: FAIL for the stopped upstream, OK for the others, exit 1', async (t) => {
      const run = await runTest('unwrapper');
      t.diagnostic(run.lines.join('\n'));
      assert.deepEqual(verdicts(run), ['OK', 'OK', 'FAIL', 'OK']);
      const receiver = `127.0.0.1:${fixture.stack.ports.receiver}`;
      assert.match(
        run.lines[2]!,
        new RegExp(
          `FAIL ${receiver} refused the connection: no Logstash listens there\\. Fix: start Logstash's beats input on ${receiver}`,
        ),
      );
      assert.equal(run.code, 1);
    });
  });
});
