/**
 * Case 2, latency: the ack round trip of one small window (pipelining 0, so nothing queues
 * behind it), direct to the receiver and through the whole local chain, interleaved one window
 * each so both see the same machine load. The difference of the medians is what the tunnel adds.
 */
import type { Chain } from '../lib/chain.ts';
import { encodeSmallWindow, openProbe } from '../lib/lj-probe.ts';
import { percentile, round } from '../lib/stats.ts';

export interface LatencyPath {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface LatencyResult {
  windows: number;
  batch: number;
  direct: LatencyPath;
  tunnel: LatencyPath;
  /** tunnel p50 minus direct p50 */
  addedP50Ms: number;
  addedP99Ms: number;
}

function describe(samples: number[]): LatencyPath {
  return {
    p50Ms: round(percentile(samples, 50), 3),
    p99Ms: round(percentile(samples, 99), 3),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length, 3),
  };
}

export async function measureLatency(
  chain: Chain,
  options: { windows: number; batch: number },
): Promise<LatencyResult> {
  const window = encodeSmallWindow(options.batch);
  const direct = await openProbe('127.0.0.1', chain.receiver.port);
  const tunnel = await openProbe('127.0.0.1', chain.ports.client);
  try {
    const warmUp = Math.min(50, options.windows);
    for (let i = 0; i < warmUp; i += 1) {
      await direct.roundTrip(window, options.batch);
      await tunnel.roundTrip(window, options.batch);
    }
    const d: number[] = [];
    const t: number[] = [];
    for (let i = 0; i < options.windows; i += 1) {
      d.push(await direct.roundTrip(window, options.batch));
      t.push(await tunnel.roundTrip(window, options.batch));
    }
    const directPath = describe(d);
    const tunnelPath = describe(t);
    return {
      windows: options.windows,
      batch: options.batch,
      direct: directPath,
      tunnel: tunnelPath,
      addedP50Ms: round(tunnelPath.p50Ms - directPath.p50Ms, 3),
      addedP99Ms: round(tunnelPath.p99Ms - directPath.p99Ms, 3),
    };
  } finally {
    direct.close();
    tunnel.close();
  }
}
