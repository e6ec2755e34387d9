/**
 * Where the unwrapper's metrics and logs see the Lumberjack-aware mode, in one place: windows,
 * events and ack latency in the registry (labels bounded: mode, error code, drain reason), and a
 * log line naming the reason whenever a stream is refused or drained.
 */
import type { Logger } from '@beats-gate/kit';
import type { EdgeIdentity } from '@beats-gate/protocol';
import type { Metrics } from '../admin/metrics.ts';
import {
  createLumberjackGate,
  type GateHooks,
  type GateSettings,
  type LumberjackGate,
} from './lumberjack-gate.ts';

export interface GateFactoryDeps {
  settings: GateSettings | undefined;
  metrics: Metrics;
  now: () => number;
  /** The upstream group a token is served by: the metering label (bounded by the config). */
  groupOf: (identity: EdgeIdentity) => string;
}

/**
 * Per tunnel: a function that builds its gate, or undefined for the byte tunnel. `logger` is the
 * tunnel's own, which already carries its connection id and subject.
 */
export function createGateFactory(deps: GateFactoryDeps) {
  const { settings, metrics, now, groupOf } = deps;
  return function gateFor(
    identity: EdgeIdentity,
    connectionId: string,
    logger: Logger,
  ): ((hooks: GateHooks) => LumberjackGate) | undefined {
    if (!settings) return undefined;
    const upstream_group = groupOf(identity);
    return (hooks) =>
      createLumberjackGate(settings, { identity, tunnelId: connectionId, now }, hooks, {
        window(events, mode) {
          metrics.windows.inc({ mode, upstream_group });
          metrics.events.inc({ mode, upstream_group }, events);
        },
        mismatch: () => metrics.claimMismatches.inc(),
        ack: (latencyMs) => metrics.ackLatency.observe(latencyMs / 1000),
        reject({ code, closeCode, message: reason }) {
          metrics.streamRejections.inc({ code });
          logger.warn({ event: 'stream_rejected', code, closeCode, reason }, 'stream rejected');
        },
        drain(reason, windowsInFlight) {
          metrics.windowDrains.inc({ reason });
          logger.info(
            { event: 'window_drain', reason, windowsInFlight },
            'draining at a window boundary',
          );
        },
      });
  };
}
