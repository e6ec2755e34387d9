/**
 * Case 5, a peer: the unwrapper against websockify (a Python WebSocket-to-TCP bridge), each
 * carrying the same sender stream from the same client on the same machine:
 *   sender → client → assertion stamp → unwrapper | websockify → receiver.
 * Both bridges get identical bytes; only the bridge differs. Reported: end-to-end events/s
 * (bounded by every process on this machine) and the bridge's own capacity, wire MB per CPU
 * second of the bridge process tree, which is what a fleet pays for.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import type { AssertionStamp } from '../lib/assertion-stamp.ts';
import type { Chain } from '../lib/chain.ts';
import { runSender } from '../lib/children.ts';
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
}

export function websockifyAvailable(): boolean {
  return spawnSync('websockify', ['--help'], { stdio: 'ignore' }).status === 0;
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`websockify exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error('websockify did not listen within 10 s');
}

export async function measurePeer(
  chain: Chain,
  stamp: AssertionStamp,
  options: { events: number; repeats: number; warmUp: boolean; log: (line: string) => void },
): Promise<PeerResult[]> {
  const port = await freePort();
  const websockify = spawn(
    'websockify',
    [`127.0.0.1:${port}`, `127.0.0.1:${chain.receiver.port}`],
    { stdio: 'ignore' },
  );
  const bridges = {
    unwrapper: {
      pid: chain.pids.unwrapper!,
      target: { port: chain.ports.unwrapper, assertionKeys: chain.keys.assertionKeys },
    },
    websockify: { pid: websockify.pid!, target: { port } },
  };
  const results: PeerResult[] = [];
  try {
    await listening(port, websockify);
    for (const config of THROUGHPUT_CONFIGS) {
      const samples = { unwrapper: [] as number[][], websockify: [] as number[][] };
      for (let i = options.warmUp ? 0 : 1; i < options.repeats + 1; i += 1) {
        const order =
          i % 2 === 0
            ? (['unwrapper', 'websockify'] as const)
            : (['websockify', 'unwrapper'] as const);
        for (const name of order) {
          const bridge = bridges[name];
          await stamp.setTarget(bridge.target);
          const before = await chain.receiver.stats();
          const events = i === 0 ? Math.min(20_000, options.events) : options.events;
          const meter = createCpuMeter({ bridge: bridge.pid });
          const outcome = await runSender({
            host: '127.0.0.1',
            port: chain.ports.client,
            count: events,
            batch: config.batch,
            compression: config.compression,
            pipelining: config.pipelining,
            runId: randomUUID(),
          });
          const after = await chain.receiver.waitFor((s) => s.closed > before.closed, 5000);
          // websockify's per-connection process must be gone (reaped) to be counted.
          await sleep(name === 'websockify' ? 300 : 0);
          const cpu = meter.stop().bridge ?? 0;
          if (outcome.acked !== events) {
            throw new Error(
              `peer ${name} ${config.name}: ${outcome.acked}/${events} acked (${outcome.error ?? ''})`,
            );
          }
          if (i === 0) continue; // warm-up
          const wire = after.bytesInClosed - before.bytesInClosed;
          const eps = (outcome.acked / outcome.durationMs) * 1000;
          // /proc counts CPU in clock ticks (10 ms): a run too short to register one gives no
          // capacity figure rather than an infinite one.
          const mbPerCpu = cpu > 0 ? wire / 1e6 / cpu : Number.NaN;
          samples[name].push([eps, mbPerCpu, (cpu / events) * 1e6]);
          options.log(`  peer ${config.name} ${name} #${i}: ${Math.round(eps)} events/s`);
        }
      }
      const figures = (rows: number[][]): BridgeFigures => ({
        eventsPerSecond: Math.round(median(rows.map((r) => r[0]!))),
        eventsPerSecondSamples: rows.map((r) => Math.round(r[0]!)),
        mbPerCpuSecond: round(median(rows.map((r) => r[1]!)), 1),
        cpuSecondsPerMillion: round(median(rows.map((r) => r[2]!)), 2),
      });
      const u = figures(samples.unwrapper);
      const w = figures(samples.websockify);
      results.push({
        config: config.name,
        events: options.events,
        unwrapper: u,
        websockify: w,
        eventsPerSecondRatio: round(u.eventsPerSecond / w.eventsPerSecond, 2),
        capacityRatio: round(u.mbPerCpuSecond / w.mbPerCpuSecond, 2),
      });
    }
  } finally {
    websockify.kill('SIGTERM');
    await new Promise((resolve) => websockify.once('exit', resolve));
  }
  return results;
}
