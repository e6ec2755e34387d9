/**
 * The local stack on free loopback ports with a throwaway `.dev` directory, for end-to-end tests.
 * Logs of every part are kept in memory and printed when a test fails, so a red CI run shows what
 * each process said.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { ensureDevKeys, type DevKeys } from '../../dev/dev-keys.ts';
import { startStack, type Stack, type StackOptions, type StackPorts } from '../../dev/stack.ts';
import { startControlledReceiver, type ControlledReceiver } from './controlled-receiver.ts';

export async function freePort(): Promise<number> {
  const [port] = await distinctFreePorts(1);
  return port!;
}

/**
 * Ports free right now and different from each other: every listener stays open until all are
 * chosen, since a port closed at once can be handed out again by the next listen(0).
 */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

export async function freePorts(): Promise<StackPorts> {
  const [client, edge, unwrapper, admin, receiver] = await distinctFreePorts(5);
  return {
    client: client!,
    edge: edge!,
    unwrapper: unwrapper!,
    admin: admin!,
    receiver: receiver!,
  };
}

/** Settings that make failures visible quickly in tests; production keeps the defaults. */
export const FAST_RECOVERY = {
  client: {
    BEATS_GATE_CLIENT_BACKOFF_INITIAL_MS: '50',
    BEATS_GATE_CLIENT_BACKOFF_MAX_MS: '300',
    // The dev token command starts a Node process; on a loaded CI machine that can take seconds.
    BEATS_GATE_CLIENT_TOKEN_COMMAND_TIMEOUT_MS: '30000',
  },
  unwrapper: {
    BEATS_GATE_UNWRAPPER_SHUTDOWN_GRACE_MS: '500',
    BEATS_GATE_UNWRAPPER_UPSTREAM_RETRY_MS: '200',
  },
};

export interface StackFixture {
  stack: Stack;
  keys: DevKeys;
  logs: string[];
  /** Events the receiver wrote to events.ndjson so far. */
  readEvents(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startTestStack(
  t: Pick<TestContext, 'after'> | undefined,
  options: Partial<Omit<StackOptions, 'keys'>> = {},
): Promise<StackFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-stack-'));
  const keys = await ensureDevKeys(dir);
  const logs: string[] = [];
  const stack = await startStack(
    {
      keys,
      ports: await freePorts(),
      logLevel: 'info',
      ...options,
      env: {
        client: { ...FAST_RECOVERY.client, ...options.env?.client },
        unwrapper: { ...FAST_RECOVERY.unwrapper, ...options.env?.unwrapper },
        ...(options.env?.edge ? { edge: options.env.edge } : {}),
        ...(options.env?.receiver ? { receiver: options.env.receiver } : {}),
      },
    },
    (part, _stream, line) => {
      logs.push(`[${part}] ${line}`);
      if (logs.length > 20_000) logs.splice(0, 10_000);
    },
  ).catch((error: unknown) => {
    process.stderr.write(logs.join('\n') + '\n');
    throw error;
  });
  const fixture: StackFixture = {
    stack,
    keys,
    logs,
    async readEvents() {
      const text = await readFile(stack.eventsFile, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  t?.after(() => fixture.close());
  return fixture;
}

/** Prints the stack's logs when the test failed: call from `afterEach`/`after` with the context. */
export function dumpLogsOnFailure(fixture: StackFixture | undefined, passed: boolean): void {
  if (fixture && !passed) process.stderr.write(fixture.logs.slice(-400).join('\n') + '\n');
}

/**
 * The local stack in front of an in-process controlled receiver, started before and closed after
 * the calling describe(): what the Lumberjack-aware end-to-end suites share. Call it in the
 * describe body; read `receiver` and `fixture` in the tests.
 */
export function useStackWithReceiver(
  options: { subject?: string; unwrapper?: Record<string, string> } = {},
) {
  const state = {} as { receiver: ControlledReceiver; fixture: StackFixture };
  before(async () => {
    state.receiver = await startControlledReceiver();
    state.fixture = await startTestStack(undefined, {
      logstashHosts: `127.0.0.1:${state.receiver.port}`,
      ...(options.subject ? { subject: options.subject } : {}),
      env: { unwrapper: options.unwrapper ?? {} },
    });
  });
  after(async () => {
    await state.fixture?.close();
    await state.receiver?.close();
  });
  return state;
}
