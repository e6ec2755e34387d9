/**
 * Case 5, a peer: the unwrapper against websockify (a Python WebSocket-to-TCP bridge), each
 * carrying the same sender stream from the same client on the same machine:
 *   sender → client → assertion stamp → unwrapper | websockify → receiver.
 * Both bridges get identical bytes; only the bridge differs. Reported: end-to-end events/s
 * (bounded by every process on this machine) and the bridge's own capacity, wire MB per CPU
 * second of the bridge process tree, which is what a fleet pays for. The floors (a plain Node TCP
 * relay, socat) carry the same sender stream straight to the receiver, sender → floor → receiver:
 * their capacity is the least any bridge can spend per byte.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AssertionStamp, StampTarget } from '../lib/assertion-stamp.ts';
import type { Chain } from '../lib/chain.ts';
import { runSender } from '../lib/children.ts';
import { listening, startFloors, type FloorName } from '../lib/floors.ts';
import { createCpuMeter } from '../lib/proc-stats.ts';
import { median, round } from '../lib/stats.ts';
import { freePort } from '../../tests/support/stack-fixture.ts';
import { THROUGHPUT_CONFIGS } from './throughput.ts';

export interface BridgeFigures {
  eventsPerSecond: number;
  eventsPerSecondSamples: number[];
  /** Wire MB carried per CPU second of the bridge (its whole process tree). */
  mbPerCpuSecond: number;
  cpuSecondsPerMillion: number;
}

export interface PeerResult {
  config: string;
  events: number;
  unwrapper: BridgeFigures;
  websockify: BridgeFigures;
  /** unwrapper ÷ websockify, end to end and per bridge CPU second. */
  eventsPerSecondRatio: number;
  capacityRatio: number;
  /**
   * Each floor that ran (its events/s is sender → floor → receiver, without the client), and the
   * unwrapper's capacity ÷ the floor's: the share of the cheapest hop's capacity it reaches.
   */
  floors: Partial<Record<FloorName, BridgeFigures>>;
  unwrapperToFloor: Partial<Record<FloorName, number>>;
  floorsSkipped: Partial<Record<FloorName, string>>;
}

export function websockifyAvailable(): boolean {
  return spawnSync('websockify', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function measurePeer(
  chain: Chain,
  stamp: AssertionStamp,
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<PeerResult[]> {
  const floors = await startFloors(chain.receiver.port);
  const port = await freePort();
  const websockify = spawn(
    'websockify',
    [`127.0.0.1:${port}`, `127.0.0.1:${chain.receiver.port}`],
    { stdio: 'ignore' },
  );
  /** Behind the stamp (a target for it), or a floor the sender dials straight (a port). */
  type Bridge = { name: string; pid: number; target?: StampTarget; port?: number };
  const bridges: Bridge[] = [
    {
      name: 'unwrapper',
      pid: chain.pids.unwrapper!,
      target: { port: chain.ports.unwrapper, assertionKeys: chain.keys.assertionKeys },
    },
    { name: 'websockify', pid: websockify.pid!, target: { port } },
    ...floors.running.map((floor) => ({ name: floor.name, pid: floor.pid, port: floor.port })),
  ];
  const results: PeerResult[] = [];
  try {
    await listening(port, websockify, 'websockify');
    for (const config of THROUGHPUT_CONFIGS) {
      const samples = new Map<string, number[][]>(bridges.map((b) => [b.name, []]));
      for (let i = options.warmUp ? 0 : 1; i < options.repeats + 1; i += 1) {
        // Rotate which bridge goes first, so drift in the machine's load hits all alike.
        const order = bridges.map((_, k) => bridges[(k + i) % bridges.length]!);
        for (const bridge of order) {
          const name = bridge.name;
          if (bridge.target) await stamp.setTarget(bridge.target);
          const before = await chain.receiver.stats();
          const events = i === 0 ? Math.min(20_000, options.events) : options.events;
          const meter = createCpuMeter({ bridge: bridge.pid });
          const outcome = await runSender({
            host: '127.0.0.1',
            port: bridge.port ?? chain.ports.client,
            count: events,
            batch: config.batch,
            compression: config.compression,
            pipelining: config.pipelining,
            runId: randomUUID(),
          });
          const after = await chain.receiver.waitFor((s) => s.closed > before.closed, 5000);
          // websockify's and socat's per-connection processes must be gone (reaped) to count.
          await sleep(name === 'websockify' || name === 'socat' ? 300 : 0);
          const cpu = meter.stop().bridge ?? 0;
          if (outcome.acked !== events) {
            throw new Error(
              `peer ${name} ${config.name}: ${outcome.acked}/${events} acked (${outcome.error ?? ''})`,
            );
          }
          if (i === 0) continue; // warm-up
          const wire = after.bytesInClosed - before.bytesInClosed;
          const eps = (outcome.acked / outcome.durationMs) * 1000;
          samples.get(name)!.push([eps, wire, cpu]);
          options.log(`  peer ${config.name} ${name} #${i}: ${Math.round(eps)} events/s`);
        }
      }
      // Capacity over all runs together, not a median of runs: /proc counts CPU in 10 ms ticks,
      // which a cheap bridge (socat on the compressed stream) may not reach in one run. None
      // reached at all gives no figure (NaN) rather than an infinite one.
      const figures = (rows: number[][]): BridgeFigures => {
        const wire = rows.reduce((sum, r) => sum + r[1]!, 0);
        const cpu = rows.reduce((sum, r) => sum + r[2]!, 0);
        return {
          eventsPerSecond: Math.round(median(rows.map((r) => r[0]!))),
          eventsPerSecondSamples: rows.map((r) => Math.round(r[0]!)),
          mbPerCpuSecond: round(cpu > 0 ? wire / 1e6 / cpu : Number.NaN, 1),
          cpuSecondsPerMillion: round((cpu / (rows.length * options.events)) * 1e6, 2),
        };
      };
      const u = figures(samples.get('unwrapper')!);
      const w = figures(samples.get('websockify')!);
      const floorFigures: PeerResult['floors'] = {};
      const unwrapperToFloor: PeerResult['unwrapperToFloor'] = {};
      for (const floor of floors.running) {
        const f = figures(samples.get(floor.name)!);
        floorFigures[floor.name] = f;
        unwrapperToFloor[floor.name] = round(u.mbPerCpuSecond / f.mbPerCpuSecond, 2);
      }
      results.push({
        config: config.name,
        events: options.events,
        unwrapper: u,
        websockify: w,
        eventsPerSecondRatio: round(u.eventsPerSecond / w.eventsPerSecond, 2),
        capacityRatio: round(u.mbPerCpuSecond / w.mbPerCpuSecond, 2),
        floors: floorFigures,
        unwrapperToFloor,
        floorsSkipped: floors.skipped,
      });
    }
  } finally {
    websockify.kill('SIGTERM');
    await new Promise((resolve) => websockify.once('exit', resolve));
    await floors.close();
  }
  return results;
}
