/**
 * Case 6, the Lumberjack-aware unwrapper: the same Filebeat-shaped stream (2048-event windows,
 * compression level 3, pipelining 2) through the byte tunnel, `validate` and `stamp`, each mode
 * an unwrapper process of its own behind the one client and assertion stamp:
 *   sender → client → assertion stamp → unwrapper (off | validate | stamp) → receiver.
 * Modes alternate within each round, so drift in the machine's load hits them alike. Reported:
 * events/s, each mode against the byte tunnel of the same round, and CPU seconds per million
 * events of the unwrapper (event loop and zlib thread pool) and of the whole path.
 */
import { randomUUID } from 'node:crypto';
import type { AssertionStamp } from '../lib/assertion-stamp.ts';
import { startChain, type Chain } from '../lib/chain.ts';
import { runSender } from '../lib/children.ts';
import { createCpuMeter } from '../lib/proc-stats.ts';
import { median, round } from '../lib/stats.ts';
import { THROUGHPUT_CONFIGS } from './throughput.ts';

export const INSPECT_MODES = ['off', 'validate', 'stamp'] as const;
export type InspectBenchMode = (typeof INSPECT_MODES)[number];

export interface InspectModeFigures {
  mode: InspectBenchMode;
  eventsPerSecond: number;
  eventsPerSecondSamples: number[];
  /** events/s ÷ the byte tunnel's in the same round, median over rounds (1 for `off`). */
  ratioToByteTunnel: number;
  unwrapperCpuSecondsPerMillion: number;
  /** sender, client, stamp, unwrapper and receiver together. */
  pathCpuSecondsPerMillion: number;
}

export interface InspectResult {
  config: string;
  events: number;
  modes: InspectModeFigures[];
}

interface Sample {
  eventsPerSecond: number;
  unwrapperCpu: number;
  pathCpu: number;
}

const FILEBEAT = THROUGHPUT_CONFIGS.find((c) => c.name === 'filebeat-defaults')!;

async function runOnce(
  client: Chain,
  stamp: AssertionStamp & { pid: number },
  target: Chain,
  events: number,
): Promise<Sample> {
  await stamp.setTarget({ port: target.ports.unwrapper, assertionKeys: target.keys.assertionKeys });
  const meter = createCpuMeter({
    client: client.pids.client!,
    stamp: stamp.pid,
    unwrapper: target.pids.unwrapper!,
    receiver: target.receiver.pid,
  });
  const outcome = await runSender({
    host: '127.0.0.1',
    port: client.ports.client,
    count: events,
    batch: FILEBEAT.batch,
    compression: FILEBEAT.compression,
    pipelining: FILEBEAT.pipelining,
    runId: randomUUID(),
  });
  const cpu = meter.stop();
  if (outcome.error !== undefined || outcome.acked !== events) {
    throw new Error(
      `inspect: ${outcome.acked}/${events} acked (${outcome.error ?? 'incomplete'})\n` +
        `${target.logs.slice(-20).join('\n')}`,
    );
  }
  const pathCpu = Object.values(cpu).reduce((a, b) => a + b, 0) + outcome.cpuSeconds;
  return {
    eventsPerSecond: (outcome.acked / outcome.durationMs) * 1000,
    unwrapperCpu: cpu.unwrapper ?? Number.NaN,
    pathCpu,
  };
}

export async function measureInspect(
  client: Chain,
  stamp: AssertionStamp & { pid: number },
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<InspectResult> {
  const targets = new Map<InspectBenchMode, Chain>();
  try {
    for (const mode of INSPECT_MODES) {
      targets.set(
        mode,
        await startChain({
          parts: ['unwrapper'],
          env: { unwrapper: { BEATS_GATE_UNWRAPPER_INSPECT: mode } },
        }),
      );
    }
    if (options.warmUp) {
      for (const mode of INSPECT_MODES) {
        await runOnce(client, stamp, targets.get(mode)!, Math.min(options.events, 20_000));
      }
    }
    const samples = new Map<InspectBenchMode, Sample[]>(INSPECT_MODES.map((m) => [m, []]));
    for (let round = 0; round < options.repeats; round += 1) {
      // Rotate which mode goes first, so no mode always follows the same one.
      const order = INSPECT_MODES.map((_, i) => INSPECT_MODES[(i + round) % INSPECT_MODES.length]!);
      for (const mode of order) {
        const sample = await runOnce(client, stamp, targets.get(mode)!, options.events);
        samples.get(mode)!.push(sample);
        options.log(
          `  inspect ${mode} #${round + 1}: ${Math.round(sample.eventsPerSecond)} events/s`,
        );
      }
    }
    const byteTunnel = samples.get('off')!;
    const perMillion = (seconds: number) => (seconds / options.events) * 1e6;
    return {
      config: FILEBEAT.name,
      events: options.events,
      modes: INSPECT_MODES.map((mode) => {
        const runs = samples.get(mode)!;
        return {
          mode,
          eventsPerSecond: Math.round(median(runs.map((s) => s.eventsPerSecond))),
          eventsPerSecondSamples: runs.map((s) => Math.round(s.eventsPerSecond)),
          ratioToByteTunnel: round(
            median(runs.map((s, i) => s.eventsPerSecond / byteTunnel[i]!.eventsPerSecond)),
            3,
          ),
          unwrapperCpuSecondsPerMillion: round(
            median(runs.map((s) => perMillion(s.unwrapperCpu))),
            2,
          ),
          pathCpuSecondsPerMillion: round(median(runs.map((s) => perMillion(s.pathCpu))), 2),
        };
      }),
    };
  } finally {
    // Point the shared stamp back at the client chain's own unwrapper before closing ours; a
    // failure here must not hide the one that got us here.
    try {
      await stamp.setTarget({
        port: client.ports.unwrapper,
        assertionKeys: client.keys.assertionKeys,
      });
    } catch {
      // the stamp process is gone: nothing to point back
    }
    await Promise.all([...targets.values()].map((chain) => chain.close()));
  }
}
