import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import {
  checkDelivery,
  encodeAck,
  encodeCompressed,
  encodeJson,
  encodeWindow,
} from '../src/index.ts';
import { connectRaw } from '../src/receiver/test-support.ts';

const receiverBin = resolve(import.meta.dirname, 'beats-gate-receiver.ts');
const sendBin = resolve(import.meta.dirname, 'beats-gate-send.ts');
const dir = await mkdtemp(join(tmpdir(), 'lj-commands-'));
const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(bin: string, args: string[]): { child: ChildProcess; done: Promise<Finished> } {
  // process.execPath is the project's Node 22, which runs the .ts bins directly.
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolveDone) =>
    child.once('close', (code) => {
      children.delete(child);
      resolveDone({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

function runToEnd(bin: string, args: string[]): Promise<Finished> {
  return start(bin, args).done;
}

/** Resolves with the first JSON log line on stderr whose `event` matches. */
function logLine(child: ChildProcess, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.event === event) {
        lines.close();
        resolveLine(parsed);
      }
    });
    child.once('close', () => reject(new Error(`exited before logging ${event}`)));
  });
}

/** A v1 D frame from pairs as given: repeated keys and any order, which encodeData cannot say. */
function dataFrame(seq: number, pairs: [string, string][]): Buffer {
  const header = Buffer.from([0x31, 0x44, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(seq, 2);
  header.writeUInt32BE(pairs.length, 6);
  const fields = pairs.flat().flatMap((text) => {
    const bytes = Buffer.from(text);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  });
  return Buffer.concat([header, ...fields]);
}

/** Starts a receiver writing to `out`, sends `bytes` on one connection and waits for `acks`. */
async function receiveRaw(out: string, bytes: Buffer, acks: Buffer): Promise<Finished> {
  const receiver = start(receiverBin, ['--listen', '127.0.0.1:0', '--out', out]);
  const listening = await logLine(receiver.child, 'listening');
  const client = await connectRaw(Number(listening.port));
  await client.write(bytes);
  client.socket.end();
  assert.deepEqual(await client.closed, acks);
  receiver.child.kill('SIGTERM');
  return receiver.done;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

// Generous: each spawn starts a Node process, seconds apiece on a loaded CI machine.
describe('commands', { timeout: 240_000 }, () => {
  it('print complete --help and exit 0', async () => {
    const receiver = await runToEnd(receiverBin, ['--help']);
    assert.equal(receiver.code, 0);
    for (const flag of [
      '--listen <host:port>',
      '--out',
      '--fsync',
      '--keepalive-ms <ms>',
      '--idle-timeout-ms <ms>',
      '--tls-cert-file <path>',
      '--tls-key-file <path>',
      '--tls-ca-file <path>',
      '--verify-clients',
      'BEATS_GATE_RECEIVER_LISTEN',
    ]) {
      assert.ok(receiver.stdout.includes(flag), `receiver --help lacks ${flag}`);
    }
    const send = await runToEnd(sendBin, ['--help']);
    assert.equal(send.code, 0);
    for (const flag of [
      '--count',
      '--batch',
      '--compression',
      '--pipelining',
      '--timeout-ms',
      '--json',
      '--tls-ca-file <path>',
      '[host:port]',
      'BEATS_GATE_SEND_TARGET',
    ]) {
      assert.ok(send.stdout.includes(flag), `send --help lacks ${flag}`);
    }
  });

  it('carry a few thousand events from beats-gate-send through beats-gate-receiver to the file', async () => {
    const out = join(dir, 'events.ndjson');
    const receiver = start(receiverBin, [
      '--listen',
      '127.0.0.1:0',
      '--out',
      out,
      '--fsync',
      '--keepalive-ms',
      '100',
    ]);
    const listening = await logLine(receiver.child, 'listening');
    const target = `127.0.0.1:${String(listening.port)}`;

    const sent = await runToEnd(sendBin, [
      '--count',
      '5000',
      '--batch',
      '512',
      '--run-id',
      'cli',
      '--json',
      target,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const summary = JSON.parse(sent.stdout) as Record<string, unknown>;
    assert.equal(summary.ok, true);
    assert.equal(summary.acked, 5000);
    assert.equal(typeof summary.eventsPerSecond, 'number');
    // stderr is a pipe here, not a terminal: no progress unless asked for.
    assert.doesNotMatch(sent.stderr, /progress/);

    const human = await runToEnd(sendBin, [
      '--count',
      '3000',
      '--compression',
      '0',
      '--run-id',
      'cli2',
      '--progress',
      target,
    ]);
    assert.equal(human.code, 0, human.stderr);
    // stdout holds the summary alone; progress goes to stderr, its last line the run's end.
    assert.match(human.stdout, /^acked 3000\/3000 events .* events\/s[^\n]*\n$/);
    const progress = human.stderr.trim().split('\n');
    assert.ok(progress.length >= 1 && progress.every((l) => l.startsWith('progress: ')));
    assert.match(
      progress.at(-1)!,
      /^progress: 3,000\/3,000 events acked \(100 %\), [\d,]+ events\/s, \d+\.\d s elapsed$/,
    );

    receiver.child.kill('SIGTERM');
    const stopped = await receiver.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    const logs = stopped.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const closes = logs.filter((l) => l.event === 'connection_close');
    assert.deepEqual(
      closes.map((l) => l.events),
      [5000, 3000],
    );
    assert.equal(logs.at(-1)?.event, 'stopped');

    const events = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(events.length, 8000);
    const first = checkDelivery({ runId: 'cli', count: 5000 }, events);
    assert.deepEqual([first.delivered, first.missing, first.duplicates], [5000, [], 0]);
    const second = checkDelivery({ runId: 'cli2', count: 3000 }, events);
    assert.deepEqual([second.delivered, second.missing, second.duplicates], [3000, [], 0]);
  });

  it('beats-gate-receiver stores each acknowledged event as the bytes it came in', async () => {
    const numbers = '{"big":12345678901234567890,"f":1.10,"e":1E400,"s":"\\u00e9\\n"}';
    const pretty = '{\r\n  "n": -0.0,\n  "a": [1.50, "é"]\n}';
    const bytes = Buffer.concat([
      encodeWindow(2),
      encodeJson(1, numbers),
      encodeJson(2, pretty),
      encodeWindow(2),
      encodeCompressed([encodeJson(1, pretty), encodeJson(2, numbers)]),
      encodeWindow(1, 1),
      dataFrame(1, [
        ['b', '1'],
        ['2', 'x "y"'],
        ['b', 'é\n'],
      ]),
    ]);
    const out = join(dir, 'exact.ndjson');
    const acks = Buffer.concat([encodeAck(2), encodeAck(2), encodeAck(1, 1)]);
    const stopped = await receiveRaw(out, bytes, acks);
    assert.equal(stopped.code, 0, stopped.stderr);
    // J: the payload byte for byte, CR and LF (whitespace between tokens) as spaces.
    const flat = '{    "n": -0.0,   "a": [1.50, "é"] }';
    assert.equal(flat.length, pretty.length);
    // D: the pairs in wire order, repeated key included, as JSON strings.
    const data = '{"b":"1","2":"x \\"y\\"","b":"é\\n"}';
    assert.equal(await readFile(out, 'utf8'), [numbers, flat, flat, numbers, data, ''].join('\n'));
  });

  it('beats-gate-receiver accepts valid JSON nested 100,000 levels deep, stored as sent', async () => {
    const depth = 100_000;
    const arrays = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const objects = `{"o":${'{"k":'.repeat(depth)}1.10${'}'.repeat(depth)}}`;
    // A newline between tokens is what once sent an event to be re-serialised, recursively.
    const spaced = `{"a":\n${'[ '.repeat(depth)}${'\n]'.repeat(depth)}}`;
    const bytes = Buffer.concat([
      encodeWindow(3),
      encodeJson(1, arrays),
      encodeJson(2, objects),
      encodeJson(3, spaced),
      encodeWindow(2),
      encodeCompressed([encodeJson(1, objects), encodeJson(2, arrays)]),
    ]);
    const out = join(dir, 'deep.ndjson');
    const stopped = await receiveRaw(out, bytes, Buffer.concat([encodeAck(3), encodeAck(2)]));
    assert.equal(stopped.code, 0, stopped.stderr);
    const lines = (await readFile(out, 'utf8')).split('\n');
    assert.deepEqual(
      lines.map((line) => line.length),
      [arrays.length, objects.length, spaced.length, objects.length, arrays.length, 0],
    );
    assert.ok(lines[0] === arrays && lines[1] === objects && lines[3] === objects);
    assert.ok(lines[2] === spaced.replaceAll('\n', ' ') && lines[4] === arrays);
  });

  it('carry events over TLS with client certificates', async () => {
    const pem = (name: string): string =>
      resolve(import.meta.dirname, '../src/receiver/test-fixtures', name);
    const out = join(dir, 'tls.ndjson');
    const receiver = start(receiverBin, [
      '--listen',
      '127.0.0.1:0',
      '--out',
      out,
      '--tls-cert-file',
      pem('server.crt'),
      '--tls-key-file',
      pem('server.key'),
      '--tls-ca-file',
      pem('ca.crt'),
      '--verify-clients',
    ]);
    const listening = await logLine(receiver.child, 'listening');
    assert.equal(listening.tls, true);
    const sent = await runToEnd(sendBin, [
      '--count',
      '2000',
      '--json',
      '--tls-ca-file',
      pem('ca.crt'),
      '--tls-cert-file',
      pem('client.crt'),
      '--tls-key-file',
      pem('client.key'),
      `127.0.0.1:${String(listening.port)}`,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((JSON.parse(sent.stdout) as { acked: number }).acked, 2000);
    receiver.child.kill('SIGTERM');
    assert.equal((await receiver.done).code, 0);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 2000);
  });

  it('beats-gate-send exits 1 when events stay unacknowledged', async () => {
    const port = await freePort();
    const result = await runToEnd(sendBin, [
      '--count',
      '10',
      '--max-attempts',
      '2',
      '--backoff-initial-ms',
      '1',
      '--json',
      `127.0.0.1:${port}`,
    ]);
    assert.equal(result.code, 1);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(
      [summary.ok, summary.acked, summary.error],
      [false, 0, 'ERR_LJ_SENDER_GAVE_UP'],
    );
  });

  it('both commands exit 2 on bad arguments, naming the problem', async () => {
    const [badPort, tls, target, level] = await Promise.all([
      runToEnd(receiverBin, ['--listen', 'http']),
      runToEnd(receiverBin, ['--listen', '127.0.0.1:0', '--verify-clients']),
      runToEnd(sendBin, ['--count', '1', 'nowhere']),
      runToEnd(sendBin, ['--compression', '12', '127.0.0.1:1']),
    ]);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--listen: expected host:port/);
    assert.equal(tls.code, 2);
    assert.match(tls.stderr, /--verify-clients: needs tlsCertFile, tlsKeyFile and tlsCaFile/);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /argument <host:port>: expected host:port/);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--compression: expected an integer from 0 to 9/);
  });

  it('beats-gate-receiver refuses at start an --out it cannot write, naming path, reason and fix', async () => {
    const missing = join(dir, 'no-such-dir', 'events.ndjson');
    const [noDir, isDir] = await Promise.all([
      runToEnd(receiverBin, ['--listen', '127.0.0.1:0', '--out', missing]),
      runToEnd(receiverBin, ['--listen', '127.0.0.1:0', '--out', dir]),
    ]);
    assert.equal(noDir.code, 1);
    assert.ok(
      noDir.stderr.includes(
        `--out: cannot append events to ${missing} (ENOENT): its directory ${dirname(missing)} does not exist: create it (mkdir -p ${dirname(missing)})`,
      ),
      noDir.stderr,
    );
    assert.equal(isDir.code, 1);
    assert.ok(
      isDir.stderr.includes(`--out: cannot append events to ${dir} (EISDIR): it is a directory`),
      isDir.stderr,
    );
    // Refused before listening: no port was ever announced.
    for (const run of [noDir, isDir]) assert.doesNotMatch(run.stderr, /"listening"/);
  });

  it(
    'beats-gate-receiver stops cleanly on SIGTERM after a failed write',
    { skip: !existsSync('/dev/full') && 'no /dev/full on this system' },
    async () => {
      // /dev/full opens for appending, then fails every write with ENOSPC.
      const receiver = start(receiverBin, ['--listen', '127.0.0.1:0', '--out', '/dev/full']);
      const listening = await logLine(receiver.child, 'listening');
      const failedLine = logLine(receiver.child, 'connection_error');
      const sent = await runToEnd(sendBin, [
        '--count',
        '10',
        '--max-attempts',
        '1',
        '--json',
        `127.0.0.1:${String(listening.port)}`,
      ]);
      assert.equal(sent.code, 1, 'nothing may be acknowledged that was not written');
      assert.equal((JSON.parse(sent.stdout) as { acked: number }).acked, 0);
      assert.match(String((await failedLine).error), /ENOSPC/);
      receiver.child.kill('SIGTERM');
      const stopped = await receiver.done;
      assert.equal(stopped.code, 0, stopped.stderr);
      const last = JSON.parse(stopped.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.deepEqual([last.event, last.events, last.failedWrites], ['stopped', 0, 1]);
    },
  );

  it('beats-gate-receiver exits 1 when the port is taken', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const result = await runToEnd(receiverBin, [
      '--listen',
      `127.0.0.1:${port}`,
      '--out',
      join(dir, 'x.ndjson'),
    ]);
    await new Promise((r) => server.close(r));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /EADDRINUSE/);
  });
});
