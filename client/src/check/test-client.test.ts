// beats-gate-client test in-process, through real sockets: a stand-in edge (ws/wss on loopback)
// that forwards to a stand-in Logstash, a CONNECT proxy with credentials, and broken variants of
// each, to see that every failure is named on the step it belongs to and stops the run there.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fakeJwt,
  fixtures,
  forwardTo,
  startEdge,
  startProxy,
  startUpstream,
  tempDir,
  type Edge,
  type Proxy,
  type Upstream,
} from '../../test/helpers.ts';
import { testClient } from './test-client.ts';

const dir = await tempDir('beats-gate-client-test-');
const HOUR_S = 3600;
/** The stand-in edge refuses this one as revoked. */
const REVOKED = fakeJwt({ sub: 'revoked', exp: 4e9 });
const validToken = () => fakeJwt({ sub: 'device-7', exp: Math.floor(Date.now() / 1000) + HOUR_S });

interface Run {
  code: number;
  lines: string[];
  errors: string;
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const lines: string[] = [];
  let errors = '';
  const code = await testClient(argv, env, {
    write: (line) => lines.push(line.trimEnd()),
    writeError: (text) => (errors += text),
  });
  return { code, lines, errors };
}

const names = (result: Run) => result.lines.map((line) => line.split(' .')[0]);
const verdicts = (result: Run) => result.lines.map((line) => / \.+ (OK|FAIL) /.exec(line)?.[1]);
const last = (result: Run) => result.lines.at(-1) ?? '';

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('beats-gate-client test', () => {
  const received: Buffer[] = [];
  let logstash: Upstream;
  let edge: Edge;
  let tlsEdge: Edge;
  let proxy: Proxy;

  before(async () => {
    logstash = await startUpstream((socket: Socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    });
    edge = await startEdge({
      decide: ({ authorization }) =>
        authorization === `Bearer ${REVOKED}`
          ? {
              status: 401,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ error: 'ERR_EDGE_TOKEN_REVOKED' }),
            }
          : undefined,
      onSocket: forwardTo(logstash.port),
    });
    tlsEdge = await startEdge({ tls: true, onSocket: forwardTo(logstash.port) });
    proxy = await startProxy('ops:s3cret');
  });
  after(async () => {
    await proxy.close();
    await tlsEdge.close();
    await edge.close();
    await logstash.close();
  });

  it('passes every step through a proxy, opening one tunnel to Logstash and sending nothing', async () => {
    const result = await run(['--url', edge.url, '--token', validToken(), '--proxy', proxy.url]);
    assert.deepEqual(names(result), [
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
    assert.deepEqual(new Set(verdicts(result)), new Set(['OK']), result.lines.join('\n'));
    const edgeHost = new URL(edge.url).host;
    assert.match(
      result.lines[1]!,
      /OK {3}JWT from static token, sub "device-7", expires .* \(in 60 min\)$/,
    );
    assert.match(
      result.lines[2]!,
      new RegExp(`OK {3}127\\.0\\.0\\.1:\\d+ answered CONNECT ${edgeHost} with 200$`),
    );
    assert.match(result.lines[3]!, /OK {3}127\.0\.0\.1 is resolved by the proxy$/);
    assert.equal(result.code, 0);
    assert.equal(proxy.connects.length, 1);
    assert.equal(Buffer.concat(received).length, 0);
  });

  it('names the proxy when it refuses the credentials', async () => {
    const wrong = proxy.url.replace('s3cret', 'guess');
    const result = await run(['--url', edge.url, '--token', validToken(), '--proxy', wrong]);
    assert.deepEqual(verdicts(result), ['OK', 'OK', 'FAIL']);
    assert.match(
      last(result),
      /^proxy \.+ FAIL the proxy 127\.0\.0\.1:\d+ answered 407 to CONNECT .* \(proxy authentication required\)\. Fix: .*credentials/,
    );
    assert.equal(result.code, 1);
  });

  it("stops at the edge's refusal, with the edge's error code", async () => {
    const result = await run(['--url', edge.url, '--token', REVOKED, '--proxy', 'direct']);
    assert.deepEqual(verdicts(result), ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'FAIL']);
    assert.match(
      last(result),
      /^edge upgrade \.+ FAIL edge answered 401 ERR_EDGE_TOKEN_REVOKED\. Fix: /,
    );
  });

  it('names the step a network failure belongs to: TCP, DNS, TLS', async () => {
    const port = await closedPort();
    const tcp = await run(['--url', `ws://127.0.0.1:${port}/v1/tunnel`, '--token', validToken()]);
    assert.match(
      last(tcp),
      new RegExp(`^edge tcp \\.+ FAIL cannot reach the edge 127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    );
    const dns = await run([
      '--url',
      'wss://edge.beats-gate.invalid/v1/tunnel',
      '--token',
      validToken(),
    ]);
    assert.match(
      last(dns),
      /^edge dns \.+ FAIL cannot resolve the edge host edge\.beats-gate\.invalid/,
    );
    const plain = edge.url.replace('ws://', 'wss://');
    const tls = await run(['--url', plain, '--token', validToken(), '--proxy', 'direct']);
    assert.match(last(tls), /^edge tls \.+ FAIL TLS handshake with .* answered in plain text/);
    for (const result of [tcp, dns, tls]) assert.equal(result.code, 1);
  });

  it('verifies the edge certificate with --ca-file, and refuses a file without one', async () => {
    const argv = ['--url', tlsEdge.url, '--token', validToken(), '--proxy', 'direct'];
    const result = await run([...argv, '--ca-file', resolve(fixtures, 'ca.pem')]);
    assert.deepEqual(new Set(verdicts(result)), new Set(['OK']), result.lines.join('\n'));
    assert.match(result.lines[1]!, /^ca file \.+ OK {3}1 certificate from /);
    assert.match(
      result.lines[6]!,
      /^edge tls \.+ OK {3}handshake completed, certificate verified for localhost \(system CAs and --ca-file\)$/,
    );
    const notPem = join(dir, 'not-a-ca.txt');
    await writeFile(notPem, 'hello\n');
    const bad = await run([...argv, '--ca-file', notPem]);
    assert.deepEqual(verdicts(bad), ['OK', 'FAIL']);
    assert.match(last(bad), /holds no PEM certificate/);
  });

  it('names the token when the command fails, the token is expired, opaque or has no exp', async () => {
    const url = ['--url', edge.url];
    const command = await run([...url, '--token-command', 'echo denied >&2; exit 3']);
    assert.match(
      last(command),
      /^token \.+ FAIL token command failed: exit status 3.*\. Fix: run the token command by hand/,
    );
    const expired = fakeJwt({ sub: 'd', exp: Math.floor(Date.now() / 1000) - 2 * HOUR_S });
    const old = await run([...url, '--token', expired]);
    assert.match(
      last(old),
      /^token \.+ FAIL the token from static token expired .* \(2 h ago\)\. Fix: give the client a current token/,
    );
    const opaque = await run([...url, '--token', 'not-a-jwt']);
    assert.match(last(opaque), /^token \.+ FAIL the static token gave a token that is not a JWT\./);
    const forever = await run([...url, '--token', fakeJwt({ sub: 'd' })]);
    assert.match(last(forever), /^token \.+ FAIL .* a JWT without exp/);
    for (const result of [command, old, opaque, forever]) {
      assert.deepEqual(verdicts(result), ['OK', 'FAIL']);
      assert.equal(result.code, 1);
    }
  });

  it('checks every listener of a --config file, each line naming its listener', async () => {
    const config = join(dir, 'client.yaml');
    const file = join(dir, 'token');
    await writeFile(file, `${validToken()}\n`);
    await writeFile(
      config,
      [
        `url: ${edge.url}`,
        `tokenFile: ${file}`,
        'proxy: direct',
        'listeners:',
        '  - { name: filebeat, listen: 127.0.0.1:15044 }',
        '  - { name: packetbeat, listen: 127.0.0.1:15045 }',
        '',
      ].join('\n'),
    );
    const result = await run(['--config', config]);
    assert.equal(result.lines.length, 1 + 2 * 8, result.lines.join('\n'));
    assert.match(
      result.lines[1]!,
      new RegExp(`^\\[filebeat\\] token \\.+ OK {3}JWT from token file ${file}`),
    );
    assert.match(result.lines[9]!, /^\[packetbeat\] token \.+ OK/);
    assert.match(last(result), /^\[packetbeat\] logstash \.+ OK/);
    assert.equal(result.code, 0);
  });

  it('exits 2 with the problems on stderr when the configuration is invalid', async () => {
    const result = await run(['--token', validToken()]);
    assert.equal(result.code, 2);
    assert.match(
      last(result),
      /^config \.+ FAIL listener: no edge URL \(--url, BEATS_GATE_CLIENT_URL/,
    );
    assert.match(result.errors, /^beats-gate-client: invalid configuration/);
  });
});
