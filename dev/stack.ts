/**
 * The local stack: every piece of beats-gate on loopback, as child processes, wired with the dev
 * identity from `.dev/`. Used by `npm start` and by the end-to-end tests, which restart and kill
 * single parts to inject faults.
 */
import { join, resolve } from 'node:path';
import type { DevKeys } from './dev-keys.ts';
import {
  killPart,
  startPart,
  stopPart,
  waitReady,
  type LineSink,
  type PartSpec,
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
}

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
  const stack: Stack = {
    ...plan,
    running,
    async start(name) {
      const part = startPart(specOf(name), onLine);
      running.set(name, part);
      await waitReady(part);
    },
    async stop(name, graceMs) {
      const part = running.get(name);
      if (part) await stopPart(part, graceMs);
    },
    async kill(name) {
      const part = running.get(name);
      if (part) await killPart(part);
    },
    async close() {
      await Promise.all([...running.values()].reverse().map((part) => stopPart(part)));
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
  } catch (error) {
    await stack.close();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return stack;
}
