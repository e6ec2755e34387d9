/**
 * Connects the Lumberjack-aware mode of each tunnel to the unwrapper's metrics and logs: windows,
 * events and ack latency in the registry (labels bounded: mode, error code, drain reason), and a
 * log line naming the reason whenever a stream is refused.
 */
import type { EdgeIdentity } from '@beats-gate/protocol';
import type { Logger } from 'pino';
import type { Metrics } from '../admin/metrics.ts';
import type { InspectionHooks, InspectSettings, TunnelInspection } from './tunnel-inspection.ts';
import { createTunnelInspection } from './tunnel-inspection.ts';

export interface InspectFactoryDeps {
  settings: InspectSettings | undefined;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

export function createInspectFactory(deps: InspectFactoryDeps) {
  const { settings, metrics, logger, now } = deps;
  return function inspectFor(
    identity: EdgeIdentity,
    connectionId: string,
  ): ((hooks: InspectionHooks) => TunnelInspection) | undefined {
    if (!settings) return undefined;
    return (hooks) => {
      let mismatches = 0;
      const inspection: TunnelInspection = createTunnelInspection(
        settings,
        { identity, tunnelId: connectionId, now },
        {
          ...hooks,
          onWindow(events, mode) {
            metrics.windows.inc({ mode });
            metrics.events.inc({ mode }, events);
            const seen = inspection.stats.claimMismatches;
            if (seen > mismatches) metrics.claimMismatches.inc(seen - mismatches);
            mismatches = seen;
          },
          onAck(latencyMs) {
            metrics.ackLatency.observe(latencyMs / 1000);
          },
          onReject(error) {
            metrics.streamRejections.inc({ code: error.code });
            logger.warn(
              {
                event: 'stream_rejected',
                connectionId,
                subject: identity.subject,
                code: error.code,
                closeCode: error.closeCode,
                reason: error.message,
              },
              'stream rejected',
            );
          },
          onDrain(reason, windowsInFlight) {
            metrics.windowDrains.inc({ reason });
            logger.info(
              { event: 'window_drain', connectionId, reason, windowsInFlight },
              'draining at a window boundary',
            );
          },
        },
      );
      return inspection;
    };
  };
}
