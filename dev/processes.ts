/**
 * Child processes of the local stack: started with prefixed, line-buffered logs, watched until
 * their ports accept connections, stopped with SIGTERM and, after a grace period, SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PartSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** host:port pairs that must accept TCP connections before the part counts as ready. */
  ports: { host: string; port: number }[];
}

export interface RunningPart {
  spec: PartSpec;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

export type LineSink = (part: string, stream: 'stdout' | 'stderr', line: string) => void;

export function startPart(spec: PartSpec, onLine: LineSink): RunningPart {
  const child = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (line) => onLine(spec.name, stream, line));
  }
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
    child.once('error', (error) => {
      onLine(spec.name, 'stderr', `cannot start ${spec.command}: ${error.message}`);
      resolve(127);
    });
  });
  return { spec, child, exited };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until every port of the part accepts connections; fails if the process exits first. */
export async function waitReady(part: RunningPart, timeoutMs = 60_000): Promise<void> {
  let exitedWith: number | NodeJS.Signals | undefined;
  void part.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + timeoutMs;
  for (const { host, port } of part.spec.ports) {
    while (!(await canConnect(host, port))) {
      if (exitedWith !== undefined) {
        throw new Error(
          `${part.spec.name} exited (${exitedWith}) before listening on ${host}:${port}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${part.spec.name} did not listen on ${host}:${port} within ${timeoutMs} ms`,
        );
      }
      await sleep(50);
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPart(part: RunningPart, graceMs = 4000): Promise<void> {
  if (part.child.exitCode !== null || part.child.signalCode !== null) return;
  part.child.kill('SIGTERM');
  const timer = setTimeout(() => part.child.kill('SIGKILL'), graceMs);
  await part.exited;
  clearTimeout(timer);
}
