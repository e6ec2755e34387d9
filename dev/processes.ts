/**
 * Child processes of the local stack. Each part runs as the leader of its own process group, so
 * stopping it also stops what it started (the edge's workerd, the client's token command), and
 * with an IPC link (part-link.ts) that ends it when its parent dies without a word. Logs are
 * prefixed and line-buffered; a part is stopped with SIGTERM and, after a grace period, SIGKILL
 * to its whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { within } from '@beats-gate/kit';

const PART_LINK = join(import.meta.dirname, 'part-link.ts');

export interface PartSpec {
  name: string;
  /** A Node script, run with this Node. */
  script: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Where the part must listen, itself, before it counts as ready. */
  ports: { host: string; port: number }[];
  /**
   * The port a log line of the part says it listens on, for a listener that is not a Node server
   * (the edge's is workerd's, so part-link.ts cannot see it bound).
   */
  announces?: (line: string) => number | undefined;
}

export interface RunningPart {
  spec: PartSpec;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<ExitStatus>;
  /**
   * Resolves once this process has bound every port of its spec, as it reports itself: a port
   * that merely answers may belong to someone else (an orphan of an earlier run). Rejects when
   * the process exits first.
   */
  ready: Promise<void>;
}

export type ExitStatus = number | NodeJS.Signals;

export type LineSink = (part: string, stream: 'stdout' | 'stderr', line: string) => void;

/** What part-link.ts sends when a Node server of the part has bound its port. */
export interface ListeningReport {
  event: 'listening';
  address: string;
  port: number;
}

function isListeningReport(message: unknown): message is ListeningReport {
  return (message as ListeningReport | null)?.event === 'listening';
}

export function startPart(spec: PartSpec, onLine: LineSink): RunningPart {
  const child = spawn(process.execPath, ['--import', PART_LINK, spec.script, ...spec.args], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: signalGroup reaches everything the part started.
    detached: true,
  });
  const bound = new Set<number>();
  const missing = () =>
    spec.ports
      .filter(({ port }) => !bound.has(port))
      .map(({ host, port }) => `${host}:${port}`)
      .join(', ');
  let reported!: () => void;
  const ready = new Promise<void>((resolve) => (reported = resolve));
  const report = (port: number) => {
    bound.add(port);
    if (!missing()) reported();
  };
  if (!missing()) reported();

  child.on('message', (message) => {
    if (isListeningReport(message)) report(message.port);
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (line) => {
      const port = spec.announces?.(line);
      if (port !== undefined) report(port);
      onLine(spec.name, stream, line);
    });
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
    child.once('error', (error) => {
      onLine(spec.name, 'stderr', `cannot start ${spec.script}: ${error.message}`);
      resolve(127);
    });
  });
  const exitedFirst = exited.then((status) => {
    throw new Error(
      `${spec.name} exited (${describeExit(status)}) before listening on ${missing()}`,
    );
  });
  const readyOrExited = Promise.race([ready, exitedFirst]);
  // Nobody may be waiting (a part stopped before it was ready): not an unhandled rejection.
  readyOrExited.catch(() => {});
  exitedFirst.catch(() => {});
  return { spec, child, exited, ready: readyOrExited };
}

/** Waits until the part listens on every port of its spec; fails if it exits first. */
export function waitReady(part: RunningPart, timeoutMs = 60_000): Promise<void> {
  const ports = part.spec.ports.map(({ host, port }) => `${host}:${port}`).join(', ');
  return within(part.ready, `${part.spec.name} to listen on ${ports}`, timeoutMs);
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

/** `exit code 1` or `signal SIGKILL`. */
export function describeExit(status: ExitStatus): string {
  return typeof status === 'number' ? `exit code ${status}` : `signal ${status}`;
}

/**
 * When a part that exits on its own is started again: compose's `restart: on-failure` with its
 * doubling delay, and a limit, so that a part that cannot run stops the stack instead of
 * restarting forever.
 */
export interface RestartPolicy {
  /** Delay before the restart after a first crash; doubled for each further crash in the window. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** This many crashes of one part within `windowMs` stop the stack instead. */
  maxCrashes: number;
  windowMs: number;
}

export const RESTART_ON_FAILURE: RestartPolicy = {
  firstDelayMs: 250,
  maxDelayMs: 8000,
  maxCrashes: 5,
  windowMs: 60_000,
};

/** One part's recent crashes, and what the latest one calls for. */
export function createCrashHistory(policy: RestartPolicy, now: () => number = Date.now) {
  const times: number[] = [];
  return {
    /** Counts a crash: the delay before the restart, or undefined when the part must stay down. */
    crashed(): { crashes: number; restartInMs: number | undefined } {
      const at = now();
      times.push(at);
      while (times[0]! <= at - policy.windowMs) times.shift();
      const crashes = times.length;
      if (crashes >= policy.maxCrashes) return { crashes, restartInMs: undefined };
      const restartInMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (crashes - 1));
      return { crashes, restartInMs };
    },
  };
}
