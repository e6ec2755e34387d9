/**
 * What the unwrapper tells about tunnels, in one place: the log line and the metrics of each
 * tunnel opened, closed or refused. Lines about one tunnel go through its child logger, which
 * carries its connection id and subject.
 */
import type { Logger } from '@beats-gate/kit';
import { closeCodeName } from '@beats-gate/protocol';
import type { Metrics } from '../admin/metrics.ts';
import type { UpgradeRefusal } from '../upgrade/refusal.ts';
import type { Tunnel, TunnelResult } from './tunnel.ts';

export function createTunnelEvents(logger: Logger, metrics: Metrics) {
  return {
    opened(log: Logger, details: { clientAddress: string; upstream: string; kid: string }) {
      metrics.upgrades.inc({ result: 'accepted' });
      log.info({ event: 'tunnel_opened', ...details }, 'tunnel opened');
    },

    closed(log: Logger, result: TunnelResult, inspection: Tunnel['inspection']) {
      const { identity, stats, closedBy, code, reason, durationMs } = result;
      metrics.tunnelDuration.observe(durationMs / 1000);
      metrics.tunnelsClosed.inc({ code: closeCodeName(code), closed_by: closedBy });
      log.info(
        {
          event: 'tunnel_closed',
          // connectionId and subject come from the tunnel's logger.
          clientAddress: identity.clientAddress,
          upstream: identity.upstream,
          // Up is towards Logstash, down towards the Beat, at every hop.
          bytesUp: stats.bytesFromWebsocket,
          bytesDown: stats.bytesFromSocket,
          durationMs,
          closeCode: code,
          closeCodeName: closeCodeName(code),
          closeReason: reason,
          closedBy,
          edgeReadPauses: stats.websocketPauses,
          logstashReadPauses: stats.socketPauses,
          // Lumberjack-aware mode: windows and events forwarded, windows acked, why it stopped.
          ...(inspection ? { inspect: inspection } : {}),
        },
        'tunnel closed',
      );
    },

    refused(
      refusal: UpgradeRefusal,
      context: { connectionId: string; clientAddress: string; subject?: string },
    ) {
      metrics.upgrades.inc({ result: refusal.reason });
      const level = refusal.reason === 'internal' ? 'error' : 'warn';
      logger[level](
        {
          event: 'upgrade_refused',
          ...context,
          reason: refusal.reason,
          code: refusal.code,
          status: refusal.status,
          detail: refusal.message,
          ...(refusal.reason === 'internal' ? { err: refusal.cause } : {}),
        },
        'upgrade refused',
      );
    },
  };
}

export type TunnelEvents = ReturnType<typeof createTunnelEvents>;
