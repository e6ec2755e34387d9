// Request targets a Worker never sees on Cloudflare (`*`, authority-form, CONNECT, over-long heads)
// get a 4xx in the edge's JSON shape from the local edge, never a 500 or a stack trace: through
// startEdge (tests, e2e) and through dev/edge.ts (`npm start`), whose every line has a level.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { MAX_HEAD_BYTES } from '../local-front.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { createTestKey } from './support/tokens.ts';

interface RawAnswer {
  readonly status: number;
  readonly text: string;
  readonly body: { error?: string; message?: string };
}

/** Sends `head` as is on a new connection and reads the answer until the edge closes it. */
function rawRequest(edgeUrl: string, head: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(edgeUrl);
  return new Promise((resolvePromise, reject) => {
    const socket = tcpConnect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      let parsed: RawAnswer['body'] = {};
      try {
        parsed = JSON.parse(body) as RawAnswer['body'];
      } catch {
        // Left empty: the assertions on `error` then say what came instead.
      }
      resolvePromise({ status, text, body: parsed });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.write(head);
  });
}

const ODD_TARGETS: readonly [what: string, head: string, status: number, code: string][] = [
  ['GET *', 'GET * HTTP/1.1\r\nHost: edge\r\n\r\n', 400, 'ERR_EDGE_TARGET_INVALID'],
  ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: edge\r\n\r\n', 400, 'ERR_EDGE_TARGET_INVALID'],
  [
    'an upgrade to *',
    'GET * HTTP/1.1\r\nHost: edge\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    400,
    'ERR_EDGE_TARGET_INVALID',
  ],
  [
    'CONNECT',
    'CONNECT edge.example:443 HTTP/1.1\r\nHost: edge.example:443\r\n\r\n',
    400,
    'ERR_EDGE_TARGET_INVALID',
  ],
  [
    'GET host:port',
    'GET edge.example:443 HTTP/1.1\r\nHost: edge\r\n\r\n',
    400,
    'ERR_EDGE_TARGET_INVALID',
  ],
  [
    'GET ftp://…',
    'GET ftp://edge.example/healthz HTTP/1.1\r\nHost: edge\r\n\r\n',
    400,
    'ERR_EDGE_TARGET_INVALID',
  ],
  [
    'an over-long target',
    `GET /v1/tunnel?${'a'.repeat(MAX_HEAD_BYTES)} HTTP/1.1\r\nHost: edge\r\n\r\n`,
    431,
    'ERR_EDGE_REQUEST_TOO_LARGE',
  ],
];

function assertNoInternals(answer: RawAnswer) {
  for (const leak of [/\n\s+at /, /node_modules/, /file:\/\//, /TypeError|Error:/]) {
    assert.ok(!leak.test(answer.text), `the answer shows internals (${leak}):\n${answer.text}`);
  }
}

describe('local edge: odd request targets', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({ keys: [await createTestKey('k', 'ES256')] });
  });
  after(() => harness.close());

  for (const [what, head, status, code] of ODD_TARGETS) {
    it(`answers ${what} with ${status} ${code} and nothing else`, async () => {
      const answer = await rawRequest(harness.edge.url, head);
      assert.equal(answer.status, status, answer.text);
      assert.equal(answer.body.error, code, answer.text);
      assertNoInternals(answer);
    });
  }

  it('serves the absolute form a proxy sends by its path, as Cloudflare does', async () => {
    const answer = await rawRequest(
      harness.edge.url,
      'GET http://edge.example/healthz HTTP/1.1\r\nHost: edge.example\r\nConnection: close\r\n\r\n',
    );
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { status: 'ok' });
  });

  it('still serves ordinary requests on a connection after them', async () => {
    const answer = await rawRequest(
      harness.edge.url,
      'GET /nowhere HTTP/1.1\r\nHost: edge\r\n\r\nGET /healthz HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer.text, /^HTTP\/1\.1 404 [\s\S]*HTTP\/1\.1 200 /);
  });
});

describe('dev/edge.ts (the edge of npm start): odd request targets', () => {
  const repoDir = resolve(import.meta.dirname, '..', '..');
  let dir: string;
  let child: ChildProcess;
  const lines: string[] = [];
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beats-gate-dev-edge-'));
    child = spawn(
      process.execPath,
      ['dev/edge.ts', '--listen', '127.0.0.1:0', '--origin', 'http://127.0.0.1:9', '--dir', dir],
      {
        cwd: repoDir,
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_SEND_METRICS: 'false',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    url = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error('dev/edge.ts did not listen in 60 s')),
        60_000,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const parsed = JSON.parse(line) as { event?: string; url?: string };
        if (parsed.event === 'edge.listening' && parsed.url) {
          clearTimeout(timer);
          resolvePromise(parsed.url);
        }
      });
      child.once('exit', (code) => reject(new Error(`dev/edge.ts exited with ${code}`)));
    });
  });
  after(async () => {
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('answers GET * with 400 ERR_EDGE_TARGET_INVALID, no stack trace', async () => {
    const answer = await rawRequest(url, 'GET * HTTP/1.1\r\nHost: edge\r\n\r\n');
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.body.error, 'ERR_EDGE_TARGET_INVALID');
    assertNoInternals(answer);
  });

  it('writes only JSON lines with a level', async () => {
    // A refusal of the worker's own, so its line is among those checked.
    const answer = await rawRequest(
      url,
      'GET /nowhere HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n',
    );
    assert.equal(answer.status, 404);
    for (let i = 0; i < 100 && !lines.some((line) => line.includes('ERR_EDGE_NOT_FOUND')); i++) {
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
    }
    assert.ok(
      lines.some((line) => line.includes('ERR_EDGE_NOT_FOUND')),
      lines.join('\n'),
    );
    for (const line of lines) {
      const parsed = JSON.parse(line) as { level?: unknown };
      assert.match(String(parsed.level), /^(info|warn|error)$/, line);
    }
  });
});
