import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectBeats, jwt, startEdge, waitFor } from '../test/helpers.ts';

const secretToken = jwt('secret-token-value');

const bin = resolve(import.meta.dirname, 'beats-gate-client.ts');

interface Run {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const events: Record<string, unknown>[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split('\n');
    events.length = 0;
    for (const line of lines)
      if (line.startsWith('{')) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, events, stdout: () => out, stderr: () => err, exited };
}

describe('beats-gate-client command', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('prints --help and exits 0', async () => {
    const help = run(['--help']);
    children.push(help.child);
    assert.equal(await help.exited, 0);
    assert.match(help.stdout(), /Usage: beats-gate-client/);
    assert.match(help.stdout(), /--token-file <path>/);
    assert.match(help.stdout(), /BEATS_GATE_CLIENT_TOKEN_COMMAND/);
  });

  it('exits 2 listing every configuration problem on stderr', async () => {
    const bad = run(['--listen', '10.0.0.1:5044'], {
      BEATS_GATE_CLIENT_TOKEN: 'a',
      BEATS_GATE_CLIENT_TOKEN_COMMAND: 'x',
    });
    children.push(bad.child);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /3 problems/);
    assert.match(bad.stderr(), /no edge URL/);
  });

  it('serves /status and /metrics, and on SIGTERM closes tunnels with 1001 and exits 0', async () => {
    const closeCodes: number[] = [];
    const edge = await startEdge({
      onSocket: (ws) => {
        ws.on('message', (data: Buffer) => ws.send(data));
        ws.on('close', (code) => closeCodes.push(code));
      },
    });
    const client = run(
      ['--url', edge.url, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--metrics'],
      { BEATS_GATE_CLIENT_TOKEN: secretToken },
    );
    children.push(client.child);
    try {
      await waitFor(
        () => client.events.some((e) => e.event === 'admin_listening'),
        // A process start: bounded by the default wait, not a timing assertion.
        'client start',
      );
      const listening = client.events.find((e) => e.event === 'listening');
      const port = Number(String(listening?.address).split(':').at(-1));
      const admin = String(client.events.find((e) => e.event === 'admin_listening')?.address);

      const beats = await connectBeats(port);
      beats.socket.write('hello');
      await waitFor(() => beats.received().toString() === 'hello', 'echo');

      const status = (await (await fetch(`http://${admin}/status`)).json()) as {
        activeTunnels: number;
        listeners: { name: string; token: { source: string } }[];
      };
      assert.equal(status.activeTunnels, 1);
      assert.equal(status.listeners[0]?.token.source, 'static');
      const metrics = await (await fetch(`http://${admin}/metrics`)).text();
      assert.match(metrics, /beats_gate_client_tunnels_active\{listener="default"\} 1/);

      client.child.kill('SIGTERM');
      assert.equal(await client.exited, 0);
      await beats.closed;
      await waitFor(() => closeCodes.length === 1, 'close at the edge');
      assert.deepEqual(closeCodes, [1001]);
      assert.ok(!client.stdout().includes(secretToken), 'the token was logged');
      assert.ok(client.events.some((e) => e.event === 'tunnel_closed' && e.closedBy === 'client'));
    } finally {
      await edge.close();
    }
  });
});
