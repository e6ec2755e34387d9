/**
 * Case 1, throughput: the built-in sender straight to the receiver ("direct"), through the whole
 * local chain client → edge (workerd) → unwrapper → receiver ("tunnel"), and through each floor
 * (a plain Node TCP relay, socat: the cheapest hop there is) in the tunnel's place, alternating in
 * one run, at Filebeat's defaults and uncompressed. Reports medians, the tunnel/direct ratio, how
 * far the tunnel is from each floor, and CPU seconds per million events of every process on the
 * path.
 */
import { randomUUID } from 'node:crypto';
import { runSender } from '../lib/children.ts';
import type { Chain } from '../lib/chain.ts';
import { startFloors, type Floor, type FloorName } from '../lib/floors.ts';
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

/** A floor in the tunnel's place: sender → floor → receiver. */
export interface FloorFigures extends PathFigures {
  /** floor ÷ direct events/s, median over repeats of back-to-back runs. */
  ratio: number;
  /** tunnel ÷ floor events/s, the same way: how close the tunnel comes to the cheapest hop. */
  tunnelRatio: number;
  /** Wire MB carried per CPU second of the floor's process tree (its capacity). */
  mbPerCpuSecond: number;
  /**
   * CPU of the tunnel's hops (client, edge, unwrapper) ÷ CPU of this floor, per event: how many
   * floor hops the tunnel costs.
   */
  tunnelCpuInFloors: number;
}

export interface ThroughputResult {
  config: ThroughputConfig;
  events: number;
  direct: PathFigures;
  tunnel: PathFigures;
  /** Each floor that ran; one that could not start is in `floorsSkipped` with the reason. */
  floors: Partial<Record<FloorName, FloorFigures>>;
  floorsSkipped: Partial<Record<FloorName, string>>;
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

/** One way from the sender to the receiver: the port the sender dials, the processes between. */
interface Path {
  name: string;
  port: number;
  hops: Record<string, number>;
}

/** The tunnel's hops, whose CPU is compared with a floor's. */
const TUNNEL_HOPS = ['client', 'edge', 'unwrapper'];

async function runOnce(
  chain: Chain,
  config: ThroughputConfig,
  events: number,
  path: Path,
): Promise<Sample> {
  const meter = createCpuMeter({ ...path.hops, receiver: chain.receiver.pid });
  const before = await chain.receiver.stats();
  const outcome = await runSender({
    host: '127.0.0.1',
    port: path.port,
    count: events,
    batch: config.batch,
    compression: config.compression,
    pipelining: config.pipelining,
    runId: randomUUID(),
  });
  if (outcome.error !== undefined || outcome.acked !== events) {
    throw new Error(
      `throughput ${config.name} ${path.name}: ${outcome.acked}/${events} ` +
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

/** Median over repeats of a ÷ b, each pair run back to back. */
function pairedRatio(a: Sample[], b: Sample[]): number {
  return round(median(a.map((sample, i) => sample.eventsPerSecond / b[i]!.eventsPerSecond)), 3);
}

/** CPU seconds of these processes over all the runs. */
function totalCpu(samples: Sample[], names: readonly string[]): number {
  return samples.reduce((sum, s) => sum + names.reduce((n, name) => n + (s.cpu[name] ?? 0), 0), 0);
}

function cpuSum(figures: PathFigures): number {
  return Object.values(figures.cpuSecondsPerMillion).reduce((sum, value) => sum + value, 0);
}

export async function measureThroughput(
  chain: Chain,
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<ThroughputResult[]> {
  const floors = await startFloors(chain.receiver.port);
  try {
    return await measureWithFloors(chain, floors.running, floors.skipped, options);
  } finally {
    await floors.close();
  }
}

async function measureWithFloors(
  chain: Chain,
  floors: readonly Floor[],
  floorsSkipped: Partial<Record<FloorName, string>>,
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<ThroughputResult[]> {
  const paths: Path[] = [
    { name: 'direct', port: chain.receiver.port, hops: {} },
    {
      name: 'tunnel',
      port: chain.ports.client,
      hops: {
        client: chain.pids.client!,
        edge: chain.pids.edge!,
        unwrapper: chain.pids.unwrapper!,
      },
    },
    ...floors.map((floor) => ({
      name: floor.name,
      port: floor.port,
      hops: { [floor.name]: floor.pid },
    })),
  ];
  const results: ThroughputResult[] = [];
  for (const config of THROUGHPUT_CONFIGS) {
    // A short warm-up on every path: JIT, token fetch, first connection.
    if (options.warmUp) {
      const warm = Math.min(options.events, 20_000);
      for (const path of paths) await runOnce(chain, config, warm, path);
    }
    const samples = new Map<string, Sample[]>(paths.map((path) => [path.name, []]));
    for (let i = 0; i < options.repeats; i += 1) {
      // Rotate which path goes first, so drift in the machine's load hits all alike.
      const order = paths.map((_, k) => paths[(k + i) % paths.length]!);
      for (const path of order) {
        const sample = await runOnce(chain, config, options.events, path);
        samples.get(path.name)!.push(sample);
        options.log(
          `  throughput ${config.name} ${path.name} #${i + 1}: ` +
            `${Math.round(sample.eventsPerSecond)} events/s`,
        );
      }
    }
    const direct = samples.get('direct')!;
    const tunnel = samples.get('tunnel')!;
    const d = summarise(direct, options.events);
    const t = summarise(tunnel, options.events);
    const floorFigures: ThroughputResult['floors'] = {};
    for (const floor of floors) {
      const runs = samples.get(floor.name)!;
      const f = summarise(runs, options.events);
      // Over all runs together, not a median of runs: /proc counts CPU in 10 ms ticks, which a
      // floor may not reach in one run on the compressed stream. None reached at all gives no
      // figure (NaN, null in the JSON) rather than an infinite one.
      const floorCpu = totalCpu(runs, [floor.name]) || Number.NaN;
      const wire = runs.reduce((sum, r) => sum + r.wireBytes, 0);
      floorFigures[floor.name] = {
        ...f,
        ratio: pairedRatio(runs, direct),
        tunnelRatio: pairedRatio(tunnel, runs),
        mbPerCpuSecond: round(wire / 1e6 / floorCpu, 1),
        tunnelCpuInFloors: round(totalCpu(tunnel, TUNNEL_HOPS) / floorCpu, 1),
      };
    }
    results.push({
      config,
      events: options.events,
      direct: d,
      tunnel: t,
      floors: floorFigures,
      floorsSkipped,
      ratio: pairedRatio(tunnel, direct),
      cpuRatio: round(cpuSum(d) / cpuSum(t), 3),
    });
  }
  return results;
}
