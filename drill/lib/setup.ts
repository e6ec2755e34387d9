/**
 * Brings the drill's world up, in dependency order: the receivers, the unwrappers, HAProxy in
 * front of them, the assertion stamp in front of HAProxy (the edge's part: it signs the edge
 * assertion each upgrade needs), the clients, Prometheus scraping all of them with the rules,
 * and finally the devices. close() takes it all down again, whatever got started.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStampProcess } from '../../bench/lib/children.ts';
import { ensureDevKeys } from '../../dev/dev-keys.ts';
import { startPrometheus, type LocalPrometheus } from '../../infra/monitoring/local-prometheus.ts';
import { distinctFreePorts } from '../../tests/support/stack-fixture.ts';
import { startDeviceGroup, type DeviceGroup } from './devices.ts';
import { planFleet, type Fleet } from './fleet.ts';
import { startHaproxy, type Haproxy } from './haproxy.ts';
import { pollUntil } from './poll.ts';
import { prepareRules, type RuleSpec } from './rules.ts';
import { closeOnStop } from './teardown.ts';

export interface SetupOptions {
  unwrappers: number;
  receivers: number;
  deviceGroups: number;
  devicesPerGroup: number;
  ratePerSecond: number;
  batchSize: number;
  pipelining: number;
  rulesPath: string;
  forScale: number;
  scrapeSeconds: number;
  shutdownGraceMs: number;
  checkIntervalMs: number;
  log: (line: string) => void;
}

export interface World {
  dir: string;
  fleet: Fleet;
  haproxy: Haproxy;
  prometheus: LocalPrometheus;
  alerts: RuleSpec[];
  groups: DeviceGroup[];
  runIds: string[];
  /** Prometheus's `instance` label of each unwrapper, by name. */
  instanceOf: Map<string, string>;
  close(): Promise<void>;
}

/** Which of the tools the drill runs (Debian's HAProxy and Prometheus) are not on PATH. */
export function missingTools(): string[] {
  return Object.entries({ haproxy: '-v', prometheus: '--version' })
    .filter(([command, flag]) => spawnSync(command, [flag], { stdio: 'ignore' }).status !== 0)
    .map(([command]) => command);
}

/** What is missing and how to install it, or undefined when the drill can run. */
export function missingToolsReason(): string | undefined {
  const missing = missingTools();
  if (missing.length === 0) return undefined;
  return (
    `the drill needs ${missing.join(' and ')} on PATH: apt-get install -y haproxy prometheus ` +
    '(Debian; the drill runs them as its own children, not as services)'
  );
}

/** Says what to install before starting anything. */
export function requireTools(): void {
  const reason = missingToolsReason();
  if (reason) throw new Error(reason);
}

export async function setUp(options: SetupOptions): Promise<World> {
  requireTools();
  const dir = await mkdtemp(join(tmpdir(), 'bg-drill-'));
  const keys = await ensureDevKeys(join(dir, 'keys'));
  const rules = prepareRules(options.rulesPath, options.forScale, dir);
  const wanted = options.receivers + 2 * options.unwrappers + 2 * options.deviceGroups + 3;
  const free = await distinctFreePorts(wanted);
  const take = () => free.shift()!;
  const ports = {
    receivers: Array.from({ length: options.receivers }, take),
    unwrappers: Array.from({ length: options.unwrappers }, () => ({ port: take(), admin: take() })),
    clients: Array.from({ length: options.deviceGroups }, () => ({ port: take(), admin: take() })),
  };
  const [haproxyPort, haproxyMetricsPort, prometheusPort] = [take(), take(), take()];
  const stamp = await startStampProcess();
  const fleet = planFleet({
    keys,
    dir,
    ports,
    clientTargetUrls: [`ws://127.0.0.1:${stamp.port}/v1/tunnel`],
    shutdownGraceMs: options.shutdownGraceMs,
    upstreamProbeIntervalMs: 1000,
  });
  const groups: DeviceGroup[] = [];
  let haproxy: Haproxy | undefined;
  let prometheus: LocalPrometheus | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      forget();
      for (const group of groups) group.kill();
      await prometheus?.close();
      await fleet.close();
      await haproxy?.close();
      await stamp.close();
      await rm(dir, { recursive: true, force: true });
    })());
  const forget = closeOnStop(close);
  try {
    await Promise.all(fleet.receivers.map((member) => fleet.start(member)));
    await Promise.all(fleet.unwrappers.map((member) => fleet.start(member)));
    haproxy = await startHaproxy({
      dir,
      port: haproxyPort,
      metricsPort: haproxyMetricsPort,
      checkIntervalMs: options.checkIntervalMs,
      backends: fleet.unwrappers.map((member) => ({
        name: member.name,
        port: member.port,
        adminPort: member.adminPort!,
      })),
    });
    await stamp.setTarget({ port: haproxyPort, assertionKeys: keys.assertionKeys });
    await Promise.all(fleet.clients.map((member) => fleet.start(member)));
    const admin = (members: typeof fleet.unwrappers) =>
      members.map((member) => `127.0.0.1:${member.adminPort}`);
    prometheus = await startPrometheus({
      port: prometheusPort,
      dir,
      intervalSeconds: options.scrapeSeconds,
      ruleFiles: [rules.path],
      targets: {
        'beats-gate-unwrapper': admin(fleet.unwrappers),
        'beats-gate-client': admin(fleet.clients),
        haproxy: [`127.0.0.1:${haproxyMetricsPort}`],
      },
    });
    const targets = fleet.unwrappers.length + fleet.clients.length + 1;
    const prom = prometheus;
    await pollUntil(
      `Prometheus to scrape all ${targets} targets`,
      async () =>
        (await prom.query('sum(up)'))[0]?.value[1] === String(targets) ? true : undefined,
      60_000,
      500,
    );
    options.log(
      `up: ${fleet.receivers.length} receivers, ${fleet.unwrappers.length} unwrappers behind haproxy ` +
        `:${haproxyPort}, ${fleet.clients.length} clients, prometheus ${prom.url} (rules ${rules.path})`,
    );
    const runIds: string[] = [];
    fleet.clients.forEach((client, g) => {
      const ids = Array.from(
        { length: options.devicesPerGroup },
        (_, d) => `drill-${process.pid}-${g + 1}-${d + 1}`,
      );
      runIds.push(...ids);
      groups.push(
        startDeviceGroup({
          port: client.port,
          runIds: ids,
          ratePerSecond: options.ratePerSecond,
          batchSize: options.batchSize,
          pipelining: options.pipelining,
        }),
      );
    });
    const instanceOf = new Map(
      fleet.unwrappers.map((member) => [member.name, `127.0.0.1:${member.adminPort}`]),
    );
    return {
      dir,
      fleet,
      haproxy,
      prometheus,
      alerts: rules.alerts,
      groups,
      runIds,
      instanceOf,
      close,
    };
  } catch (error) {
    const logs = [...fleet.logs.slice(-40), ...(haproxy?.log.slice(-10) ?? [])].join('\n');
    await close();
    throw new Error(`the drill could not start: ${(error as Error).message}\n${logs}`, {
      cause: error,
    });
  }
}
