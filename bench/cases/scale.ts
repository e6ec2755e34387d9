/**
 * Case 3, scale: N concurrent idle tunnels through client → unwrapper → receiver, the edge left
 * out (Miniflare on one machine is not Cloudflare's network) and replaced by the assertion stamp.
 * Measures the RSS growth per tunnel of the unwrapper and of the client, the time until the
 * receiver holds all N upstream connections, and then proves every tunnel still carries a window
 * (one small window each, every ack back).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Chain } from '../lib/chain.ts';
import { encodeSmallWindow, openProbe, type Probe } from '../lib/lj-probe.ts';
import { rssBytes } from '../lib/proc-stats.ts';
import { round } from '../lib/stats.ts';

export interface ScaleResult {
  tunnels: number;
  edge: 'left out (assertion stamp in its place)';
  openSeconds: number;
  tunnelsPerSecond: number;
  /** RSS growth divided by N, idle tunnels (before any window). */
  unwrapperKiBPerTunnel: number;
  clientKiBPerTunnel: number;
  /** The same after every tunnel carried one window (buffers touched). */
  unwrapperKiBPerTunnelAfterWindow: number;
  clientKiBPerTunnelAfterWindow: number;
  unwrapperRssMiB: { before: number; idle: number; afterWindow: number };
  clientRssMiB: { before: number; idle: number; afterWindow: number };
  windowsAcked: number;
  windowSeconds: number;
}

const MiB = 1024 * 1024;
/** Tunnels opened at once; the next wave starts when all of them reached the receiver. */
const WAVE = 250;

async function inBatches<T>(count: number, width: number, job: (i: number) => Promise<T>) {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return out;
}

/** Lets the processes settle (lazy frees, timers) before their RSS is read. */
async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  return rssBytes(pid);
}

export async function measureScale(
  chain: Chain,
  options: { tunnels: number; log: (line: string) => void },
): Promise<ScaleResult> {
  const n = options.tunnels;
  const unwrapperPid = chain.pids.unwrapper!;
  const clientPid = chain.pids.client!;
  const window = encodeSmallWindow(1, 'bench-scale');

  // Warm-up: first tunnels pay one-time costs (token fetch, JIT, pools) that are not per tunnel.
  const warm = await inBatches(20, 20, () => openProbe('127.0.0.1', chain.ports.client));
  await Promise.all(warm.map((probe) => probe.roundTrip(window, 1, 30_000)));
  for (const probe of warm) probe.close();
  await chain.receiver.waitFor((s) => s.open === 0, 10_000);

  const unwrapperBefore = await settledRss(unwrapperPid);
  const clientBefore = rssBytes(clientPid);
  const baseline = await chain.receiver.stats();

  // Opened in waves, each waited for before the next: thousands of handshakes started in the
  // same millisecond would mostly measure the client's handshake timeout, not the tunnels.
  const started = performance.now();
  const probes: Probe[] = [];
  for (let opened = 0; opened < n; opened += WAVE) {
    const wave = Math.min(WAVE, n - opened);
    probes.push(
      ...(await inBatches(wave, wave, () => openProbe('127.0.0.1', chain.ports.client, 60_000))),
    );
    const reached = await chain.receiver.waitFor((s) => s.open >= opened + wave, 60_000);
    if (reached.open < opened + wave) {
      for (const probe of probes) probe.close();
      throw new Error(
        `scale: only ${reached.open}/${opened + wave} tunnels reached the receiver within 60 s ` +
          `(accepted ${reached.accepted - baseline.accepted})\n${chain.logs.slice(-10).join('\n')}`,
      );
    }
  }
  const openSeconds = (performance.now() - started) / 1000;
  options.log(`  scale: ${n} tunnels open in ${openSeconds.toFixed(1)} s`);

  const unwrapperIdle = await settledRss(unwrapperPid);
  const clientIdle = rssBytes(clientPid);

  const windowStarted = performance.now();
  const acked = await inBatches(n, 500, async (i) => {
    try {
      await probes[i]!.roundTrip(window, 1, 60_000);
      return true;
    } catch {
      return false;
    }
  });
  const windowSeconds = (performance.now() - windowStarted) / 1000;
  const windowsAcked = acked.filter(Boolean).length;
  const unwrapperAfter = await settledRss(unwrapperPid);
  const clientAfter = rssBytes(clientPid);
  for (const probe of probes) probe.close();
  await chain.receiver.waitFor((s) => s.open === 0, 30_000);

  const perTunnel = (after: number, before: number) => round((after - before) / n / 1024, 2);
  return {
    tunnels: n,
    edge: 'left out (assertion stamp in its place)',
    openSeconds: round(openSeconds, 2),
    tunnelsPerSecond: Math.round(n / openSeconds),
    unwrapperKiBPerTunnel: perTunnel(unwrapperIdle, unwrapperBefore),
    clientKiBPerTunnel: perTunnel(clientIdle, clientBefore),
    unwrapperKiBPerTunnelAfterWindow: perTunnel(unwrapperAfter, unwrapperBefore),
    clientKiBPerTunnelAfterWindow: perTunnel(clientAfter, clientBefore),
    unwrapperRssMiB: {
      before: round(unwrapperBefore / MiB, 1),
      idle: round(unwrapperIdle / MiB, 1),
      afterWindow: round(unwrapperAfter / MiB, 1),
    },
    clientRssMiB: {
      before: round(clientBefore / MiB, 1),
      idle: round(clientIdle / MiB, 1),
      afterWindow: round(clientAfter / MiB, 1),
    },
    windowsAcked,
    windowSeconds: round(windowSeconds, 2),
  };
}
