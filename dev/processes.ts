/**
 * Child processes of the local stack. Each part runs as the leader of its own process group, so
 * stopping it also stops what it started (the edge's workerd, the client's token command), and
 * with an IPC link (part-link.ts) that ends it when its parent dies without a word. Logs are
 * prefixed and line-buffered; a part is stopped with SIGTERM and, after a grace period, SIGKILL
 * to its whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const PART_LINK = join(import.meta.dirname, 'part-link.ts');

export interface PartSpec {
  name: string;
  /** A Node script, run with this Node. */
  script: string;
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
  const child = spawn(process.execPath, ['--import', PART_LINK, spec.script, ...spec.args], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: signalGroup reaches everything the part started.
    detached: true,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (line) =>
      onLine(spec.name, stream, line),
    );
  }
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
    child.once('error', (error) => {
      onLine(spec.name, 'stderr', `cannot start ${spec.script}: ${error.message}`);
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

/** Sends `signal` to every process of the part's group; a group already gone is not an error. */
function signalGroup(part: RunningPart, signal: NodeJS.Signals): void {
  try {
    process.kill(-part.child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM to the part (which stops what it started itself), SIGKILL to its group after `graceMs`;
 * resolves once the part is gone, and with it whatever it left in its group (a workerd whose
 * parent was killed).
 */
export async function stopPart(part: RunningPart, graceMs = 4000): Promise<void> {
  if (part.child.exitCode === null && part.child.signalCode === null) {
    part.child.kill('SIGTERM');
    const timer = setTimeout(() => signalGroup(part, 'SIGKILL'), graceMs);
    await part.exited;
    clearTimeout(timer);
  }
  signalGroup(part, 'SIGKILL');
}

/** Kills the part and its group at once (SIGKILL): a crash, not a shutdown. */
export async function killPart(part: RunningPart): Promise<void> {
  signalGroup(part, 'SIGKILL');
  await part.exited;
}

/**
 * Calls `onGone` once the process that started this one has exited, seen as a change of parent
 * (the orphan is re-parented to init or a subreaper). npm forwards SIGTERM to its script, but a
 * shell between them may not, and an npm killed with SIGKILL forwards nothing.
 */
export function watchParent(onGone: (parentPid: number) => void, everyMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, everyMs);
  timer.unref();
}
