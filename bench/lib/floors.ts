/**
 * Floors: the cheapest possible hops, put where the bridge sits, so every figure of the bridge can
 * be read against what carrying the same bytes costs at the least. Two of them: a plain Node TCP
 * relay (procs/relay.ts: `pipe` both ways, what any Node bridge pays at the minimum) and socat
 * (Debian's, C: what any bridge pays at the minimum). Each forwards to the bench receiver; the
 * sender dials the floor instead of the receiver or the client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../tests/support/stack-fixture.ts';

export const FLOOR_NAMES = ['node-relay', 'socat'] as const;
export type FloorName = (typeof FLOOR_NAMES)[number];

export interface Floor {
  name: FloorName;
  pid: number;
  port: number;
  close(): Promise<void>;
}

/** What did not start, and why (socat is not installed). */
export type FloorSet = { running: Floor[]; skipped: Partial<Record<FloorName, string>> };

export const SOCAT_MISSING = 'socat is not installed (Debian: apt-get install socat)';

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
}

async function startNodeRelay(target: number): Promise<Floor> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'procs', 'relay.ts'), String(target)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the node relay exited (${code})`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { name: 'node-relay', pid: child.pid!, port, close: stopper(child) };
}

/** Waits until a child that takes no stdout protocol (socat, websockify) accepts connections. */
export async function listening(port: number, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${name} did not listen within 10 s`);
}

/**
 * socat forks one process per connection (as websockify does); the bench counts the children it
 * reaped. The probe connection `listening` makes is relayed and closed like any other.
 */
async function startSocat(target: number): Promise<Floor> {
  const port = await freePort();
  const child = spawn(
    'socat',
    [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,nodelay`, `TCP:127.0.0.1:${target},nodelay`],
    { stdio: 'ignore' },
  );
  try {
    await listening(port, child, 'socat');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { name: 'socat', pid: child.pid!, port, close: stopper(child) };
}

/** Both floors in front of `target` (the receiver's port), or the reason one is missing. */
export async function startFloors(target: number): Promise<FloorSet & { close(): Promise<void> }> {
  const running: Floor[] = [];
  const skipped: FloorSet['skipped'] = {};
  const close = async () => {
    await Promise.all(running.map((floor) => floor.close()));
  };
  try {
    running.push(await startNodeRelay(target));
    if (socatAvailable()) running.push(await startSocat(target));
    else skipped.socat = SOCAT_MISSING;
  } catch (error) {
    await close();
    throw error;
  }
  return { running, skipped, close };
}
