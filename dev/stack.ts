/**
 * The local stack: every piece of beats-gate on loopback, as child processes, wired with the dev
 * identity from `.dev/`. Used by `npm start`, which has a part that crashes started again (the
 * `restart` option), and by the end-to-end tests, which stop, kill and start single parts
 * themselves to inject faults.
 */
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DevKeys } from './dev-keys.ts';
import {
  createCrashHistory,
  describeExit,
  killPart,
  startPart,
  stopPart,
  waitReady,
  type LineSink,
  type ExitStatus,
  type PartSpec,
  type RestartPolicy,
  type RunningPart,
} from './processes.ts';

const root = resolve(import.meta.dirname, '..');

export type PartName = 'receiver' | 'unwrapper' | 'edge' | 'client';

export interface StackPorts {
  client: number;
  edge: number;
  unwrapper: number;
  admin: number;
  receiver: number;
}

/** Every part of the local stack listens on loopback only. */
export const LOOPBACK = '127.0.0.1';

export const DEFAULT_PORTS: StackPorts = {
  client: 5044,
  edge: 8787,
  unwrapper: 8080,
  admin: 9090,
  receiver: 5045,
};

export interface StackOptions {
  keys: DevKeys;
  host?: string;
  ports?: Partial<StackPorts>;
  /** Real Logstash `host:port[,host:port]`: the unwrapper uses it and no receiver is started. */
  logstashHosts?: string;
  /** Where the receiver appends events; default `<keys.dir>/events.ndjson`. */
  eventsFile?: string;
  /** Subject of the client's dev tokens. */
  subject?: string;
  /** Lifetime of each dev token the client fetches; it renews them by itself before expiry. */
  tokenTtlSeconds?: number;
  /** Where the client dials; default the edge. Tests put a fault proxy here. */
  clientTargetUrl?: string;
  /** What the unwrapper dials; default the receiver. Tests put a fault proxy here. */
  upstreams?: string;
  /** Extra environment per part, for tests (for example shorter timeouts). */
  env?: Partial<Record<PartName, Record<string, string>>>;
  /** Log level for the services. */
  logLevel?: string;
  /** Aborting it during start-up stops the parts started so far and rejects startStack. */
  signal?: AbortSignal;
  /**
   * Once the stack is up, start again a part that exits without being asked (any exit: no part
   * is meant to end), as `policy` says. Without it (the tests' fixture) such an exit is only seen
   * in the part's `exited`.
   */
  restart?: { policy: RestartPolicy; onEvent: (event: RestartEvent) => void };
}

export type RestartEvent =
  | { kind: 'restarting'; part: PartName; exit: string; crashes: number; delayMs: number }
  | { kind: 'restarted'; part: PartName; pid: number }
  | { kind: 'gave-up'; part: PartName; exit: string; crashes: number };

export interface ResolvedStack {
  host: string;
  ports: StackPorts;
  eventsFile: string;
  parts: PartSpec[];
}

const node = process.execPath;

/** workerd binds the edge's port, not Node: the edge says so in its `edge.listening` line. */
function edgeListening(line: string): number | undefined {
  if (!line.includes('"edge.listening"')) return undefined;
  try {
    const { event, url } = JSON.parse(line) as { event?: string; url?: string };
    return event === 'edge.listening' && url ? Number(new URL(url).port) : undefined;
  } catch {
    return undefined;
  }
}

export function planStack(options: StackOptions): ResolvedStack {
  const host = options.host ?? LOOPBACK;
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const eventsFile = options.eventsFile ?? join(options.keys.dir, 'events.ndjson');
  const logLevel = options.logLevel ?? 'info';
  const upstreams = options.logstashHosts ?? options.upstreams ?? `${host}:${ports.receiver}`;
  const tokenTtl = options.tokenTtlSeconds ?? 900;
  const parts: PartSpec[] = [];

  if (!options.logstashHosts) {
    parts.push({
      name: 'receiver',
      script: join(root, 'lumberjack/bin/beats-gate-receiver.ts'),
      args: ['--listen', `${host}:${ports.receiver}`, '--out', eventsFile],
      env: { BEATS_GATE_RECEIVER_LOG_LEVEL: logLevel, ...options.env?.receiver },
      ports: [{ host, port: ports.receiver }],
    });
  }
  parts.push({
    name: 'unwrapper',
    script: join(root, 'unwrapper/bin/beats-gate-unwrapper.ts'),
    args: [],
    env: {
      BEATS_GATE_UNWRAPPER_LISTEN: `${host}:${ports.unwrapper}`,
      BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: `${host}:${ports.admin}`,
      BEATS_GATE_UNWRAPPER_UPSTREAMS: upstreams,
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: options.keys.assertionKeys,
      BEATS_GATE_UNWRAPPER_LOG_LEVEL: logLevel,
      ...options.env?.unwrapper,
    },
    ports: [
      { host, port: ports.unwrapper },
      { host, port: ports.admin },
    ],
  });
  parts.push({
    name: 'edge',
    script: join(root, 'dev/edge.ts'),
    args: [
      '--listen',
      `${host}:${ports.edge}`,
      '--origin',
      `http://${host}:${ports.unwrapper}`,
      '--dir',
      options.keys.dir,
    ],
    env: {
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      ...options.env?.edge,
    },
    ports: [{ host, port: ports.edge }],
    announces: edgeListening,
  });
  parts.push({
    name: 'client',
    script: join(root, 'client/bin/beats-gate-client.ts'),
    args: [
      '--url',
      options.clientTargetUrl ?? `ws://${host}:${ports.edge}/v1/tunnel`,
      '--listen',
      `${host}:${ports.client}`,
      '--token-command',
      `"${node}" "${join(root, 'dev/token.ts')}" --dir "${options.keys.dir}" --sub "${options.subject ?? 'dev-device'}" --ttl-seconds ${tokenTtl}`,
    ],
    env: { BEATS_GATE_CLIENT_LOG_LEVEL: logLevel, ...options.env?.client },
    ports: [{ host, port: ports.client }],
  });
  return { host, ports, eventsFile, parts };
}

export interface Stack extends ResolvedStack {
  running: Map<PartName, RunningPart>;
  /** Starts (or restarts) one part and waits until it listens. */
  start(name: PartName): Promise<void>;
  /** Stops one part (SIGTERM, then SIGKILL after the grace period). */
  stop(name: PartName, graceMs?: number): Promise<void>;
  /** Kills one part and what it started at once (SIGKILL): a crash, not a shutdown. */
  kill(name: PartName): Promise<void>;
  /** Stops everything, in reverse order. */
  close(): Promise<void>;
}

export async function startStack(options: StackOptions, onLine: LineSink): Promise<Stack> {
  const plan = planStack(options);
  const running = new Map<PartName, RunningPart>();
  const specOf = (name: PartName) => {
    const spec = plan.parts.find((part) => part.name === name);
    if (!spec) throw new Error(`the stack has no ${name} (a real Logstash is configured)`);
    return spec;
  };
  /** Parts whose end was asked for (stop, kill, close): their exit is no crash. */
  const asked = new WeakSet<RunningPart>();
  let supervising = false;
  let closing = false;
  const crashes = new Map<PartName, ReturnType<typeof createCrashHistory>>();

  async function restartAfterCrash(name: PartName, part: RunningPart, status: ExitStatus) {
    const { policy, onEvent } = options.restart!;
    await killPart(part); // what it started may still hold its port (a workerd)
    const history = crashes.get(name) ?? createCrashHistory(policy);
    crashes.set(name, history);
    const { crashes: count, restartInMs } = history.crashed();
    const exit = describeExit(status);
    if (restartInMs === undefined) {
      onEvent({ kind: 'gave-up', part: name, exit, crashes: count });
      return;
    }
    onEvent({ kind: 'restarting', part: name, exit, crashes: count, delayMs: restartInMs });
    await sleep(restartInMs, undefined, { ref: false });
    if (closing) return;
    try {
      await stack.start(name);
      onEvent({ kind: 'restarted', part: name, pid: running.get(name)!.child.pid! });
    } catch {
      // Exiting before it listened is a crash of its own, seen by its own watch; a part that
      // never listens is killed, which makes it one.
      const again = running.get(name);
      if (again && again.child.exitCode === null && again.child.signalCode === null) {
        void killPart(again);
      }
    }
  }

  const stack: Stack = {
    ...plan,
    running,
    async start(name) {
      const part = startPart(specOf(name), onLine);
      running.set(name, part);
      void part.exited.then((status) => {
        if (supervising && !closing && !asked.has(part) && options.restart) {
          void restartAfterCrash(name, part, status);
        }
      });
      await waitReady(part);
    },
    async stop(name, graceMs) {
      const part = running.get(name);
      if (!part) return;
      asked.add(part);
      await stopPart(part, graceMs);
    },
    async kill(name) {
      const part = running.get(name);
      if (!part) return;
      asked.add(part);
      await killPart(part);
    },
    async close() {
      closing = true;
      const parts = [...running.values()].reverse();
      for (const part of parts) asked.add(part);
      await Promise.all(parts.map((part) => stopPart(part)));
    },
  };
  const abort = () => void stack.close();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    options.signal?.throwIfAborted();
    // Every part tolerates its neighbours starting later (the unwrapper probes its upstreams, the
    // client and the edge dial per connection), so they start together.
    const starts = plan.parts.map((spec) => stack.start(spec.name as PartName));
    const results = await Promise.allSettled(starts);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    supervising = true;
  } catch (error) {
    await stack.close();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return stack;
}
