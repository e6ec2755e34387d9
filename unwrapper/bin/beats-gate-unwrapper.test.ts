// The real process: --help, configuration errors, and SIGTERM draining to exit code 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { generateAssertionKey, parseAssertionKeys } from '@beats-gate/protocol';
import {
  closed,
  openTunnel,
  startRawUpstream,
  waitFor,
  type RawUpstream,
} from '../test/helpers/harness.ts';

const BIN = new URL('./beats-gate-unwrapper.ts', import.meta.url).pathname;
const KEY_TEXT = generateAssertionKey('bin');
const [KEY] = parseAssertionKeys(KEY_TEXT);

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // --help is plain text.
    }
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, lines, exited, output: () => ({ stdout, stderr }) };
}

describe('beats-gate-unwrapper', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  let upstream: RawUpstream | undefined;
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await upstream?.close();
  });

  it('--help documents the options and exits 0', async () => {
    const proc = run(['--help']);
    const [code] = await proc.exited;
    assert.equal(code, 0);
    assert.match(proc.output().stdout, /--upstreams <host:port,…>/);
    assert.match(proc.output().stdout, /BEATS_GATE_UNWRAPPER_ASSERTION_KEYS/);
  });

  it('exits 2 listing every configuration problem, without the secret', async () => {
    const proc = run(['--max-tunnels', '0'], { BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: 'k:short' });
    const [code] = await proc.exited;
    assert.equal(code, 2);
    const { stderr } = proc.output();
    assert.match(stderr, /--max-tunnels: expected an integer/);
    assert.match(stderr, /BEATS_GATE_UNWRAPPER_UPSTREAMS, file key "upstreams": required/);
    assert.match(
      stderr,
      /BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: assertion key #1 \(kid "k"\): the secret is not base64url/,
    );
    assert.doesNotMatch(stderr, /short/);
  });

  it('on SIGTERM: not ready, refuses upgrades with 503, drains, closes the rest with 1001, exits 0', async () => {
    upstream = await startRawUpstream();
    const proc = run([], {
      BEATS_GATE_UNWRAPPER_LISTEN: '127.0.0.1:0',
      BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: '127.0.0.1:0',
      BEATS_GATE_UNWRAPPER_UPSTREAMS: `127.0.0.1:${upstream.port}`,
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: KEY_TEXT,
      BEATS_GATE_UNWRAPPER_SHUTDOWN_GRACE_MS: '1500',
      // Probes would show up as connections of the raw upstream.
      BEATS_GATE_UNWRAPPER_UPSTREAM_PROBE_INTERVAL_MS: '0',
    });
    children.push(proc.child);
    await waitFor(() => proc.lines.some((l) => l.event === 'listening'), 'listening');
    const listening = proc.lines.find((l) => l.event === 'listening') as {
      public: { port: number };
      admin: { port: number };
    };
    const url = `ws://127.0.0.1:${listening.public.port}/v1/tunnel`;
    const admin = `http://127.0.0.1:${listening.admin.port}`;
    await waitFor(async () => (await fetch(`${admin}/readyz`)).status === 200, 'ready');

    const ws = await openTunnel(url, { key: KEY });
    const logstash = await upstream.nextSocket();
    const closing = closed(ws);
    const upstreamClosed = once(logstash, 'close');
    proc.child.kill('SIGTERM');
    await waitFor(() => proc.lines.some((l) => l.event === 'drain_started'), 'drain to start');
    const ready = await fetch(`${admin}/readyz`);
    assert.equal(ready.status, 503);
    await ready.body?.cancel();
    await assert.rejects(
      openTunnel(url, { key: KEY, subject: 'late' }),
      (error: Error & { status?: number }) => {
        assert.equal(error.status, 503);
        return true;
      },
    );
    assert.equal(ws.readyState, ws.OPEN, 'open tunnels get the grace period');

    assert.equal((await closing).code, 1001);
    await upstreamClosed;
    const [code] = await proc.exited;
    assert.equal(code, 0);
    const closedLine = proc.lines.find((l) => l.event === 'tunnel_closed');
    assert.equal(closedLine?.closeCode, 1001);
    assert.ok(proc.lines.some((l) => l.event === 'drain_finished'));
  });
});
