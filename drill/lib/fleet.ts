/**
 * The drill's processes, each planned exactly as `npm start` plans it (dev/stack.ts) so the drill
 * runs the shipped commands: two receivers (Logstash stand-ins, each incarnation writing its own
 * file), three unwrappers (Lumberjack-aware, drain at the window boundary, probing both receivers),
 * and one client per device group. Each member can be stopped (SIGTERM, the drain), killed
 * (SIGKILL) and started again on the same ports.
 */
import { join } from 'node:path';
import type { DevKeys } from '../../dev/dev-keys.ts';
import {
  killPart,
  startPart,
  stopPart,
  waitReady,
  type PartSpec,
  type RunningPart,
} from '../../dev/processes.ts';
import { planStack, type PartName, type StackOptions } from '../../dev/stack.ts';
import { pollUntil } from './poll.ts';

export interface Member {
  name: string;
  port: number;
  /** Admin listener (/readyz, /metrics); receivers have none. */
  adminPort?: number;
  /**
   * Started means /readyz answers 200 (an unwrapper: it reaches a Logstash). A client is ready only
   * once a tunnel opened, which needs its devices, so it counts as started once it listens.
   */
  readyz: boolean;
  /** Files this member wrote events to, one per incarnation (receivers only). */
  eventFiles: string[];
  /** Incarnations that were killed: their last line may be cut short. */
  killedFiles: Set<string>;
  part?: RunningPart;
  spec(): PartSpec;
}

export interface FleetPorts {
  receivers: number[];
  unwrappers: { port: number; admin: number }[];
  clients: { port: number; admin: number }[];
}

export interface FleetOptions {
  keys: DevKeys;
  dir: string;
  ports: FleetPorts;
  /** Where the clients dial (client i the i-th modulo their count): the edge, or the assertion stamp in its place. */
  clientTargetUrls: string[];
  shutdownGraceMs: number;
  upstreamProbeIntervalMs: number;
  /** Extra environment per kind of member (the scale run's limits). */
  env?: {
    receiver?: Record<string, string>;
    unwrapper?: Record<string, string>;
    client?: Record<string, string>;
  };
}

export interface Fleet {
  receivers: Member[];
  unwrappers: Member[];
  clients: Member[];
  /** The last lines every member printed, for an error report. */
  logs: string[];
  start(member: Member): Promise<void>;
  /** SIGTERM (an unwrapper drains) and wait for the exit; milliseconds it took. */
  stop(member: Member, graceMs: number): Promise<number>;
  /** SIGKILL: a crash. */
  kill(member: Member): Promise<void>;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** One part of `npm start`'s plan, under the drill's name for it. */
function planned(name: PartName, options: StackOptions, as: string): PartSpec {
  const spec = planStack(options).parts.find((part) => part.name === name);
  if (!spec) throw new Error(`the stack plan has no ${name}`);
  return { ...spec, name: as };
}

/** Limits the drill must not hit: it measures faults, not refusals. */
const ROOMY_UNWRAPPER = {
  BEATS_GATE_UNWRAPPER_MAX_TUNNELS: '100000',
  BEATS_GATE_UNWRAPPER_MAX_TUNNELS_PER_SUBJECT: '100000',
  BEATS_GATE_UNWRAPPER_REPLAY_CACHE_SIZE: '1000000',
};

export function planFleet(options: FleetOptions): Fleet {
  const { keys, ports } = options;
  const upstreams = ports.receivers.map((port) => `${HOST}:${port}`).join(',');
  const logs: string[] = [];
  const onLine = (name: string, _stream: string, line: string) => {
    logs.push(`[${name}] ${line}`);
    if (logs.length > 600) logs.splice(0, 300);
  };

  const receivers = ports.receivers.map((port, i): Member => {
    const member: Member = {
      name: `receiver-${i + 1}`,
      port,
      readyz: false,
      eventFiles: [],
      killedFiles: new Set(),
      spec() {
        const file = join(options.dir, `${member.name}.${member.eventFiles.length + 1}.ndjson`);
        member.eventFiles.push(file);
        return planned(
          'receiver',
          {
            keys,
            ports: { receiver: port },
            eventsFile: file,
            logLevel: 'warn',
            env: { receiver: { ...options.env?.receiver } },
          },
          member.name,
        );
      },
    };
    return member;
  });

  const unwrappers = ports.unwrappers.map(({ port, admin }, i): Member => ({
    name: `unwrapper-${i + 1}`,
    port,
    adminPort: admin,
    readyz: true,
    eventFiles: [],
    killedFiles: new Set(),
    spec: () =>
      planned(
        'unwrapper',
        {
          keys,
          ports: { unwrapper: port, admin },
          logstashHosts: upstreams,
          logLevel: 'warn',
          env: {
            unwrapper: {
              ...ROOMY_UNWRAPPER,
              // SIGTERM drains each tunnel at a window boundary: no duplicates on a deploy.
              BEATS_GATE_UNWRAPPER_DRAIN_AT_WINDOW_BOUNDARY: 'true',
              BEATS_GATE_UNWRAPPER_SHUTDOWN_GRACE_MS: String(options.shutdownGraceMs),
              BEATS_GATE_UNWRAPPER_UPSTREAM_PROBE_INTERVAL_MS: String(
                options.upstreamProbeIntervalMs,
              ),
              BEATS_GATE_UNWRAPPER_UPSTREAM_RETRY_MS: String(options.upstreamProbeIntervalMs),
            },
          },
        },
        `unwrapper-${i + 1}`,
      ),
  }));

  const clients = ports.clients.map(({ port, admin }, i): Member => {
    const name = `client-${i + 1}`;
    return {
      name,
      port,
      adminPort: admin,
      readyz: false,
      eventFiles: [],
      killedFiles: new Set(),
      spec() {
        const spec = planned(
          'client',
          {
            keys,
            ports: { client: port },
            clientTargetUrl: options.clientTargetUrls[i % options.clientTargetUrls.length]!,
            subject: name,
            logLevel: 'warn',
            env: {
              client: {
                BEATS_GATE_CLIENT_NAME: name,
                BEATS_GATE_CLIENT_ADMIN_LISTEN: `${HOST}:${admin}`,
                BEATS_GATE_CLIENT_METRICS: 'true',
                BEATS_GATE_CLIENT_MAX_CONNECTIONS: '10000',
                // A refused or cut tunnel is retried within a second, as the drill's faults
                // are short; production keeps the longer defaults.
                BEATS_GATE_CLIENT_BACKOFF_INITIAL_MS: '100',
                BEATS_GATE_CLIENT_BACKOFF_MAX_MS: '1000',
                BEATS_GATE_CLIENT_TOKEN_COMMAND_TIMEOUT_MS: '30000',
                ...options.env?.client,
              },
            },
          },
          name,
        );
        return { ...spec, ports: [...spec.ports, { host: HOST, port: admin }] };
      },
    };
  });

  async function waitAdminReady(member: Member): Promise<void> {
    if (!member.readyz) return;
    await pollUntil(
      `${member.name} to answer 200 on /readyz`,
      async () => {
        const response = await fetch(`http://${HOST}:${member.adminPort}/readyz`);
        await response.arrayBuffer();
        return response.ok ? true : undefined;
      },
      30_000,
      100,
    );
  }

  const fleet: Fleet = {
    receivers,
    unwrappers,
    clients,
    logs,
    async start(member) {
      member.part = startPart(member.spec(), onLine);
      await waitReady(member.part, 60_000);
      await waitAdminReady(member);
    },
    async stop(member, graceMs) {
      const started = performance.now();
      if (member.part) await stopPart(member.part, graceMs);
      return performance.now() - started;
    },
    async kill(member) {
      if (!member.part) return;
      await killPart(member.part);
      const file = member.eventFiles.at(-1);
      if (file) member.killedFiles.add(file);
    },
    async close() {
      const members = [...clients, ...unwrappers, ...receivers].filter((m) => m.part);
      await Promise.all(members.map((member) => stopPart(member.part!, 5000)));
    },
  };
  return fleet;
}
