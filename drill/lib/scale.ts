/**
 * The drill's scale run: many idle tunnels spread over the three unwrappers, through the same
 * tier as the drill (clients → assertion stamps → HAProxy → unwrappers → two receivers), then one
 * window on every tunnel. Every process stays under this machine's open-files limit: the tunnels
 * are spread over several clients, stamps, HAProxy processes (replicas of a load balancer, one
 * per stamp on its own port: loopback has only 28,232 ephemeral ports towards one address and
 * port) and probe processes. Measures each unwrapper's resident memory per tunnel, idle and after
 * its window.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStampProcess } from '../../bench/lib/children.ts';
import { readFileLimit } from '../../bench/lib/limits.ts';
import { rssBytes } from '../../bench/lib/proc-stats.ts';
import { ensureDevKeys } from '../../dev/dev-keys.ts';
import { distinctFreePorts } from '../../tests/support/stack-fixture.ts';
import { planFleet, type Member } from './fleet.ts';
import { startHaproxy, type Haproxy } from './haproxy.ts';
import { startLineChild, type LineChild } from './line-child.ts';
import { pollUntil } from './poll.ts';
import { requireTools } from './setup.ts';
import { closeOnStop } from './teardown.ts';

export interface ScaleOptions {
  tunnels: number;
  unwrappers: number;
  /** Tunnels opened per wave (across all probe processes); the next waits for this one. */
  wave: number;
  /**
   * Byte tunnels (the unwrapper's default) instead of the drill's Lumberjack-aware unwrappers
   * (drain at the window boundary), to see what the mode costs per tunnel.
   */
  byteTunnels: boolean;
  log: (line: string) => void;
}

export interface ScaleReport {
  tunnels: number;
  /** How the unwrappers carried the tunnels. */
  mode: 'lumberjack-aware (validate, drain at window boundary)' | 'byte tunnels';
  openFilesLimit: number;
  /** Processes per tier, chosen so each stays under the open-files limit. */
  processes: {
    unwrappers: number;
    clients: number;
    stamps: number;
    haproxy: number;
    probes: number;
  };
  openSeconds: number;
  perUnwrapper: {
    name: string;
    tunnels: number;
    openFiles: number;
    rssMiB: { before: number; idle: number; afterWindow: number };
    kibPerTunnelIdle: number;
    kibPerTunnelAfterWindow: number;
  }[];
  kibPerTunnelIdle: number;
  kibPerTunnelAfterWindow: number;
  windowsAcked: number;
  windowSeconds: number;
}

/** Sockets per tunnel in each tier, and what a process holds besides. */
const SOCKETS_PER_TUNNEL = { unwrapper: 2, client: 2, stamp: 2 };
/** Listeners, logs, the event loop, and sockets of handshakes still being given up on. */
const OVERHEAD_FILES = 200;

/**
 * How many processes a tier needs so that none opens more than 90 % of the limit: a handshake that
 * timed out still holds its sockets for a while, and the tiers in front retry.
 */
function processesFor(tunnels: number, sockets: number, limit: number): number {
  return Math.max(1, Math.ceil((tunnels * sockets) / (limit * 0.9)));
}

/** Refuses a size the fixed unwrapper count cannot hold, naming the arithmetic and the fix. */
export function checkScaleFits(tunnels: number, unwrappers: number, limit: number): void {
  const perUnwrapper = Math.ceil(tunnels / unwrappers);
  const needed = perUnwrapper * SOCKETS_PER_TUNNEL.unwrapper + OVERHEAD_FILES;
  if (needed > limit) {
    const most = Math.floor((limit - OVERHEAD_FILES) / SOCKETS_PER_TUNNEL.unwrapper) * unwrappers;
    throw new RangeError(
      `${tunnels} tunnels over ${unwrappers} unwrappers need ${needed} open files per unwrapper ` +
        `(2 sockets per tunnel and ${OVERHEAD_FILES} for the rest), but this machine allows ` +
        `${limit} per process: use --tunnels ${most} or fewer, or raise the limit (LimitNOFILE, ulimit -n)`,
    );
  }
}

async function tunnelsActive(member: Member): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${member.adminPort}/metrics`)).text();
  const match = /^beats_gate_unwrapper_tunnels_active (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

const MiB = 1024 * 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Lets the processes settle (lazy frees, timers) before their RSS is read. */
async function settledRss(pids: number[]): Promise<number[]> {
  await sleep(2000);
  return pids.map((pid) => rssBytes(pid));
}

/**
 * Opens tunnels in waves until `n` are open at the unwrappers. A wave ends when its tunnels are
 * all open or the count stops growing for 5 s (a handshake given up on closes its probe), and the
 * next wave makes up the shortfall. Bounded: 10 minutes, or 5 waves in a row that open nothing.
 */
async function openTunnels(
  probes: LineChild[],
  n: number,
  options: ScaleOptions,
  total: () => Promise<number>,
): Promise<void> {
  const deadline = Date.now() + 600_000;
  let stalled = 0;
  let logged = 0;
  for (let open = await total(); open < n;) {
    if (Date.now() > deadline || stalled >= 5) {
      throw new Error(
        `only ${open} of ${n} tunnels opened (${stalled} waves in a row opened none)`,
      );
    }
    const wave = Math.min(options.wave, n - open);
    const shares = probes.map(
      (_, i) => Math.floor(wave / probes.length) + (i < wave % probes.length ? 1 : 0),
    );
    await Promise.all(probes.map((probe, i) => probe.ask(`open ${shares[i]}`)));
    const target = open + wave;
    let last = open;
    let lastChange = Date.now();
    for (;;) {
      const now = await total();
      if (now !== last) [last, lastChange] = [now, Date.now()];
      if (now >= target || Date.now() - lastChange > 5000) break;
      await sleep(250);
    }
    stalled = last > open ? 0 : stalled + 1;
    open = last;
    if (open - logged >= 5000 || open >= n) {
      options.log(`  ${open} tunnels open`);
      logged = open;
    }
  }
}

export async function runScale(options: ScaleOptions): Promise<ScaleReport> {
  requireTools();
  const limit = readFileLimit().soft;
  checkScaleFits(options.tunnels, options.unwrappers, limit);
  const n = options.tunnels;
  const clients = processesFor(n, SOCKETS_PER_TUNNEL.client, limit);
  const stamps = processesFor(n, SOCKETS_PER_TUNNEL.stamp, limit);
  // One probe process per client, with that client's share (1 socket per tunnel: fits); one
  // HAProxy per stamp (2 sockets per tunnel, as the stamp).
  const tiers = {
    unwrappers: options.unwrappers,
    clients,
    stamps,
    haproxy: stamps,
    probes: clients,
  };
  const dir = await mkdtemp(join(tmpdir(), 'bg-drill-scale-'));
  const keys = await ensureDevKeys(join(dir, 'keys'));
  const free = await distinctFreePorts(
    2 + 2 * tiers.unwrappers + 2 * tiers.clients + 2 * tiers.haproxy,
  );
  const take = () => free.shift()!;
  const perUnwrapperCap = Math.ceil(n / tiers.unwrappers) + 50;
  const stampProcesses: Awaited<ReturnType<typeof startStampProcess>>[] = [];
  for (let i = 0; i < tiers.stamps; i++) stampProcesses.push(await startStampProcess());
  const fleet = planFleet({
    keys,
    dir,
    ports: {
      receivers: [take(), take()],
      unwrappers: Array.from({ length: tiers.unwrappers }, () => ({ port: take(), admin: take() })),
      clients: Array.from({ length: tiers.clients }, () => ({ port: take(), admin: take() })),
    },
    clientTargetUrls: stampProcesses.map((stamp) => `ws://127.0.0.1:${stamp.port}/v1/tunnel`),
    shutdownGraceMs: 5000,
    upstreamProbeIntervalMs: 5000,
    env: {
      // Idle is the point here: Logstash's client_inactivity_timeout would close them.
      receiver: { BEATS_GATE_RECEIVER_IDLE_TIMEOUT_MS: '0' },
      unwrapper: {
        BEATS_GATE_UNWRAPPER_MAX_TUNNELS: String(perUnwrapperCap),
        ...(options.byteTunnels ? { BEATS_GATE_UNWRAPPER_DRAIN_AT_WINDOW_BOUNDARY: 'false' } : {}),
      },
      // Thousands of upgrades queue on two loaded cores: a slow one is not a failure here.
      client: { BEATS_GATE_CLIENT_HANDSHAKE_TIMEOUT_MS: '60000' },
    },
  });
  // One HAProxy per stamp, each on its own port: connections from loopback to one address and port
  // can use only the ephemeral port range (28,232 ports by default), well short of 30,000.
  const haproxyPorts = stampProcesses.map(() => take());
  const balancers: Haproxy[] = [];
  const probes: LineChild[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      forget();
      for (const probe of probes) probe.kill();
      await fleet.close();
      await Promise.all([
        ...balancers.map((b) => b.close()),
        ...stampProcesses.map((s) => s.close()),
      ]);
      await rm(dir, { recursive: true, force: true });
    })());
  const forget = closeOnStop(close);
  try {
    await Promise.all(fleet.receivers.map((member) => fleet.start(member)));
    await Promise.all(fleet.unwrappers.map((member) => fleet.start(member)));
    for (const [i, port] of haproxyPorts.entries()) {
      balancers.push(
        await startHaproxy({
          dir,
          name: `haproxy-${i + 1}`,
          port,
          metricsPort: take(),
          checkIntervalMs: 2000,
          backends: fleet.unwrappers.map((member) => ({
            name: member.name,
            port: member.port,
            adminPort: member.adminPort!,
          })),
        }),
      );
    }
    for (const [i, stamp] of stampProcesses.entries()) {
      await stamp.setTarget({ port: haproxyPorts[i]!, assertionKeys: keys.assertionKeys });
    }
    await Promise.all(fleet.clients.map((client) => fleet.start(client)));
    const script = join(import.meta.dirname, '..', 'procs', 'probes.ts');
    for (const client of fleet.clients) probes.push(startLineChild(script, [String(client.port)]));
    const total = async () =>
      (await Promise.all(fleet.unwrappers.map(tunnelsActive))).reduce((a, b) => a + b, 0);

    // Warm-up: the first tunnels pay one-time costs (token fetch, JIT, pools) that are not per tunnel.
    await Promise.all(probes.map((probe) => probe.ask('open 10')));
    await Promise.all(probes.map((probe) => probe.ask('window')));
    await Promise.all(probes.map((probe) => probe.ask('drop')));
    await pollUntil(
      'the warm-up tunnels to close',
      async () => ((await total()) === 0 ? true : undefined),
      30_000,
    );
    const pids = fleet.unwrappers.map((member) => member.part!.child.pid!);
    const before = await settledRss(pids);

    const started = performance.now();
    await openTunnels(probes, n, options, total);
    const openSeconds = (performance.now() - started) / 1000;
    const counts = await Promise.all(fleet.unwrappers.map(tunnelsActive));
    const openFiles = await Promise.all(
      pids.map(async (pid) => (await readdir(`/proc/${pid}/fd`)).length),
    );
    const idle = await settledRss(pids);

    const windowStarted = performance.now();
    const answers = await Promise.all(
      probes.map((probe) => probe.ask<{ acked: number }>('window')),
    );
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    const windowsAcked = answers.reduce((sum, answer) => sum + answer.acked, 0);
    const afterWindow = await settledRss(pids);

    const perUnwrapper = fleet.unwrappers.map((member, i) => ({
      name: member.name,
      tunnels: counts[i]!,
      openFiles: openFiles[i]!,
      rssMiB: {
        before: round(before[i]! / MiB),
        idle: round(idle[i]! / MiB),
        afterWindow: round(afterWindow[i]! / MiB),
      },
      kibPerTunnelIdle: round((idle[i]! - before[i]!) / counts[i]! / 1024, 2),
      kibPerTunnelAfterWindow: round((afterWindow[i]! - before[i]!) / counts[i]! / 1024, 2),
    }));
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    return {
      tunnels: sum(counts),
      mode: options.byteTunnels
        ? 'byte tunnels'
        : 'lumberjack-aware (validate, drain at window boundary)',
      openFilesLimit: limit,
      processes: tiers,
      openSeconds: round(openSeconds),
      perUnwrapper,
      kibPerTunnelIdle: round((sum(idle) - sum(before)) / sum(counts) / 1024, 2),
      kibPerTunnelAfterWindow: round((sum(afterWindow) - sum(before)) / sum(counts) / 1024, 2),
      windowsAcked,
      windowSeconds: round(windowSeconds),
    };
  } catch (error) {
    throw new Error(`scale run: ${(error as Error).message}\n${fleet.logs.slice(-20).join('\n')}`, {
      cause: error,
    });
  } finally {
    await close();
  }
}
