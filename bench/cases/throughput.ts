/**
 * Case 1, throughput: the built-in sender straight to the receiver ("direct") and through the
 * whole local chain client → edge (workerd) → unwrapper → receiver ("tunnel"), alternating in one
 * run, at Filebeat's defaults and uncompressed. Reports medians, the tunnel/direct ratio and CPU
 * seconds per million events of every process on the path.
 */
import { randomUUID } from 'node:crypto';
import { runSender } from '../lib/children.ts';
import type { Chain } from '../lib/chain.ts';
import { createCpuMeter } from '../lib/proc-stats.ts';
import { median, round } from '../lib/stats.ts';

export interface ThroughputConfig {
  name: string;
  batch: number;
  compression: number;
  pipelining: number;
}

export const THROUGHPUT_CONFIGS: readonly ThroughputConfig[] = [
  { name: 'filebeat-defaults', batch: 2048, compression: 3, pipelining: 2 },
  { name: 'uncompressed', batch: 2048, compression: 0, pipelining: 2 },
];

export interface PathFigures {
  runs: number;
  eventsPerSecond: number;
  eventsPerSecondSamples: number[];
  wireMBPerSecond: number;
  wireBytes: number;
  /** CPU seconds per million events of each process on the path (median over runs). */
  cpuSecondsPerMillion: Record<string, number>;
}

export interface ThroughputResult {
  config: ThroughputConfig;
  events: number;
  direct: PathFigures;
  tunnel: PathFigures;
  /**
   * tunnel/direct events/s: the median over the repeats of tunnel ÷ direct of the same repeat (the
   * two runs back to back), which cancels most of the drift in the machine's load.
   */
  ratio: number;
  /** The same ratio from CPU: direct CPU seconds per event ÷ tunnel CPU seconds per event, all
   * processes summed. On a CPU-saturated machine throughput follows it. */
  cpuRatio: number;
}

interface Sample {
  eventsPerSecond: number;
  wireBytes: number;
  durationMs: number;
  cpu: Record<string, number>;
}

async function runOnce(
  chain: Chain,
  config: ThroughputConfig,
  events: number,
  tunnel: boolean,
): Promise<Sample> {
  const parts: Record<string, number> = tunnel
    ? { client: chain.pids.client!, edge: chain.pids.edge!, unwrapper: chain.pids.unwrapper! }
    : {};
  const meter = createCpuMeter({ ...parts, receiver: chain.receiver.pid });
  const before = await chain.receiver.stats();
  const outcome = await runSender({
    host: '127.0.0.1',
    port: tunnel ? chain.ports.client : chain.receiver.port,
    count: events,
    batch: config.batch,
    compression: config.compression,
    pipelining: config.pipelining,
    runId: randomUUID(),
  });
  if (outcome.error !== undefined || outcome.acked !== events) {
    throw new Error(
      `throughput ${config.name} ${tunnel ? 'tunnel' : 'direct'}: ${outcome.acked}/${events} ` +
        `acked (${outcome.error ?? 'incomplete'})\n${chain.logs.slice(-20).join('\n')}`,
    );
  }
  // The wire byte count arrives when the receiver's connection closes behind the sender.
  const after = await chain.receiver.waitFor((s) => s.closed > before.closed, 5000);
  const cpu = meter.stop();
  cpu.sender = outcome.cpuSeconds;
  const wireBytes =
    after.closed > before.closed ? after.bytesInClosed - before.bytesInClosed : Number.NaN;
  return {
    eventsPerSecond: (outcome.acked / outcome.durationMs) * 1000,
    wireBytes,
    durationMs: outcome.durationMs,
    cpu,
  };
}

function summarise(samples: Sample[], events: number): PathFigures {
  const names = Object.keys(samples[0]?.cpu ?? {});
  const cpuSecondsPerMillion = Object.fromEntries(
    names.map((name) => [
      name,
      round(median(samples.map((s) => ((s.cpu[name] ?? 0) / events) * 1e6)), 2),
    ]),
  );
  const eventsPerSecond = median(samples.map((s) => s.eventsPerSecond));
  const wireBytes = median(samples.map((s) => s.wireBytes));
  return {
    runs: samples.length,
    eventsPerSecond: Math.round(eventsPerSecond),
    eventsPerSecondSamples: samples.map((s) => Math.round(s.eventsPerSecond)),
    wireMBPerSecond: round(
      median(samples.map((s) => s.wireBytes / 1e6 / (s.durationMs / 1000))),
      2,
    ),
    wireBytes,
    cpuSecondsPerMillion,
  };
}

export async function measureThroughput(
  chain: Chain,
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const config of THROUGHPUT_CONFIGS) {
    // A short warm-up on both paths: JIT, token fetch, first connection.
    if (options.warmUp) {
      const warm = Math.min(options.events, 20_000);
      await runOnce(chain, config, warm, false);
      await runOnce(chain, config, warm, true);
    }
    const direct: Sample[] = [];
    const tunnel: Sample[] = [];
    for (let i = 0; i < options.repeats; i += 1) {
      // Alternate which path goes first, so drift in the machine's load hits both alike.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const viaTunnel of order) {
        const sample = await runOnce(chain, config, options.events, viaTunnel);
        (viaTunnel ? tunnel : direct).push(sample);
        options.log(
          `  throughput ${config.name} ${viaTunnel ? 'tunnel' : 'direct'} #${i + 1}: ` +
            `${Math.round(sample.eventsPerSecond)} events/s`,
        );
      }
    }
    const d = summarise(direct, options.events);
    const t = summarise(tunnel, options.events);
    const sum = (figures: PathFigures) =>
      Object.values(figures.cpuSecondsPerMillion).reduce((a, b) => a + b, 0);
    results.push({
      config,
      events: options.events,
      direct: d,
      tunnel: t,
      ratio: round(
        median(tunnel.map((sample, i) => sample.eventsPerSecond / direct[i]!.eventsPerSecond)),
        3,
      ),
      cpuRatio: round(sum(d) / sum(t), 3),
    });
  }
  return results;
}
