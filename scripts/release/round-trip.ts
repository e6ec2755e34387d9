/**
 * A smoke test with real sockets for the Lumberjack tools' bundles: the built receiver listens
 * on a free loopback port, the built sender ships `count` events to it, and the events the
 * receiver wrote are counted. The release runs it on every supported Node line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RoundTrip {
  /** What the sender reported as acknowledged. */
  readonly acked: number;
  /** Lines in the receiver's events file after it stopped. */
  readonly written: number;
}

const LIMIT_MS = 60_000;

export async function lumberjackRoundTrip(
  node: string,
  bins: { receiver: string; send: string },
  count: number,
): Promise<RoundTrip> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-round-trip-'));
  const out = join(dir, 'events.ndjson');
  const receiver = spawn(
    node,
    [bins.receiver, '--listen', '127.0.0.1:0', '--out', out, '--log-level', 'info'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: LIMIT_MS },
  );
  const exited = once(receiver, 'exit');
  try {
    const port = await listeningPort(receiver.stderr);
    const sent = spawnSync(
      node,
      [bins.send, '--count', String(count), '--batch', '64', '--json', `127.0.0.1:${port}`],
      { cwd: dir, encoding: 'utf8', timeout: LIMIT_MS },
    );
    if (sent.status !== 0) throw new Error(`beats-gate-send exited ${sent.status}: ${sent.stderr}`);
    const summary = JSON.parse(sent.stdout) as { acked: number };
    receiver.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`beats-gate-receiver exited ${code} on SIGTERM`);
    const text = await readFile(out, 'utf8');
    return { acked: summary.acked, written: text.split('\n').filter(Boolean).length };
  } finally {
    receiver.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The port from a service's `listening` log line (the receiver logs `port`, the client
 * `address`); rejects if the stream ends, the process gone, before the line.
 */
export async function listeningPort(stream: NodeJS.ReadableStream): Promise<number> {
  const port = await firstListeningLine(stream);
  // Leaving the loop closed readline, which paused the stream: a paused pipe that fills up
  // would block the process on its next log line.
  stream.resume();
  return port;
}

async function firstListeningLine(stream: NodeJS.ReadableStream): Promise<number> {
  const seen: string[] = [];
  for await (const line of createInterface({ input: stream })) {
    seen.push(line);
    const entry = parseLogLine(line);
    if (entry?.event !== 'listening') continue;
    const port = entry.port ?? Number(entry.address?.slice(entry.address.lastIndexOf(':') + 1));
    if (Number.isInteger(port) && port > 0) return port;
  }
  throw new Error(`stopped before listening:\n${seen.join('\n')}`);
}

interface LogLine {
  event?: string;
  port?: number;
  address?: string;
}

function parseLogLine(line: string): LogLine | undefined {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined; // a runtime warning, not one of the receiver's lines
  }
}
