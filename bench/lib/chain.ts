/**
 * The parts of the local chain a benchmark needs, as child processes on free loopback ports:
 * always the bench receiver (null sink) standing in for Logstash, plus any of unwrapper, edge
 * (workerd through Miniflare) and client, planned exactly as `npm start` plans them
 * (dev/stack.ts) so the figures are those of the shipped commands.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevKeys, type DevKeys } from '../../dev/dev-keys.ts';
import { startPart, stopPart, waitReady, type RunningPart } from '../../dev/processes.ts';
import { planStack, type PartName, type StackPorts } from '../../dev/stack.ts';
import { freePorts } from '../../tests/support/stack-fixture.ts';
import { startReceiver, type ReceiverProcess } from './children.ts';

export interface ChainOptions {
  parts: readonly Exclude<PartName, 'receiver'>[];
  /** Where the client dials instead of the edge (the scale case's assertion stamp). */
  clientTargetUrl?: string;
  env?: Partial<Record<PartName, Record<string, string>>>;
}

export interface Chain {
  keys: DevKeys;
  ports: StackPorts;
  receiver: ReceiverProcess;
  /** pid of each running part, the receiver included. */
  pids: Record<string, number>;
  /** The last log lines of the parts, for error messages. */
  logs: string[];
  close(): Promise<void>;
}

/** Limits the benchmarks would otherwise hit: tunnels per instance and per subject, listeners. */
const ROOMY: Partial<Record<PartName, Record<string, string>>> = {
  unwrapper: {
    BEATS_GATE_UNWRAPPER_MAX_TUNNELS: '1000000',
    BEATS_GATE_UNWRAPPER_MAX_TUNNELS_PER_SUBJECT: '1000000',
    BEATS_GATE_UNWRAPPER_REPLAY_CACHE_SIZE: '1000000',
  },
  client: { BEATS_GATE_CLIENT_MAX_CONNECTIONS: '10000' },
};

/**
 * BENCH_PART_NODE_PATH puts extra CommonJS modules in reach of the client and unwrapper (NODE_PATH),
 * for example a directory where `bufferutil` is installed, to measure what ws gains from it
 * without changing the project's dependencies.
 */
function extraModules(): Record<string, string> {
  const dir = process.env.BENCH_PART_NODE_PATH;
  return dir ? { NODE_PATH: dir } : {};
}

export async function startChain(options: ChainOptions): Promise<Chain> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-bench-'));
  const keys = await ensureDevKeys(dir);
  const receiver = await startReceiver();
  const ports = { ...(await freePorts()), receiver: receiver.port };
  const plan = planStack({
    keys,
    ports,
    logstashHosts: `127.0.0.1:${receiver.port}`,
    logLevel: 'warn',
    ...(options.clientTargetUrl ? { clientTargetUrl: options.clientTargetUrl } : {}),
    env: {
      unwrapper: { ...ROOMY.unwrapper, ...extraModules(), ...options.env?.unwrapper },
      client: { ...ROOMY.client, ...extraModules(), ...options.env?.client },
      ...(options.env?.edge ? { edge: options.env.edge } : {}),
    },
  });
  const logs: string[] = [];
  const running: RunningPart[] = [];
  const pids: Record<string, number> = { receiver: receiver.pid };
  const close = async () => {
    await Promise.all(running.reverse().map((part) => stopPart(part, 3000)));
    await receiver.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const spec of plan.parts) {
      if (!options.parts.includes(spec.name as Exclude<PartName, 'receiver'>)) continue;
      const part = startPart(spec, (name, _stream, line) => {
        logs.push(`[${name}] ${line}`);
        if (logs.length > 400) logs.splice(0, 200);
      });
      running.push(part);
      pids[spec.name] = part.child.pid!;
    }
    await Promise.all(running.map((part) => waitReady(part)));
  } catch (error) {
    await close();
    throw new Error(`cannot start the chain: ${(error as Error).message}\n${logs.join('\n')}`, {
      cause: error,
    });
  }
  return { keys, ports, receiver, pids, logs, close };
}
